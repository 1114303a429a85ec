import { describe, expect, test } from 'vitest';
import { settleBatch, toSqsRecord } from '../../sandbox/runtime/sqs-pollers';

const batch = [{ messageId: 'a' }, { messageId: 'b' }, { messageId: 'c' }];

describe('which messages an SQS event source deletes after an invocation (Lambda partial batch rules)', () => {
  test('a failed invocation deletes nothing', () => {
    expect(settleBatch(batch, { ok: false }, true)).toEqual({ toDelete: new Set(), wholeBatchFailed: true });
  });

  test('without ReportBatchItemFailures a successful invocation deletes the whole batch, whatever it returns', () => {
    expect(settleBatch(batch, { ok: true, payload: { batchItemFailures: [{ itemIdentifier: 'a' }] } }, false).toDelete).toEqual(new Set(['a', 'b', 'c']));
  });

  test('with ReportBatchItemFailures only the successes are deleted', () => {
    expect(settleBatch(batch, { ok: true, payload: { batchItemFailures: [{ itemIdentifier: 'b' }] } }, true)).toEqual({ toDelete: new Set(['a', 'c']), wholeBatchFailed: false });
  });

  test.each([
    ['null', null],
    ['an empty object', {}],
    ['an empty list of failures', { batchItemFailures: [] }],
  ])('a response of %s means every message succeeded', (_name, payload) => {
    expect(settleBatch(batch, { ok: true, payload }, true).toDelete).toEqual(new Set(['a', 'b', 'c']));
  });

  test.each([
    ['an unknown itemIdentifier', { batchItemFailures: [{ itemIdentifier: 'zzz' }] }],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a response that is not an object', 'oops'],
  ])('%s fails the whole batch', (_name, payload) => {
    expect(settleBatch(batch, { ok: true, payload }, true)).toEqual({ toDelete: new Set(), wholeBatchFailed: true });
  });

  test('records have the shape Lambda gives SQS events', () => {
    const record = toSqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'rh',
        Body: '{}',
        MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1', SenderId: 'S', ApproximateFirstReceiveTimestamp: '2' },
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'x' } },
      },
      'arn:aws:sqs:us-east-1:123456789012:q',
    );
    expect(record).toMatchObject({
      messageId: 'm1',
      receiptHandle: 'rh',
      body: '{}',
      attributes: { ApproximateReceiveCount: '2' },
      messageAttributes: { kind: { dataType: 'String', stringValue: 'x', stringListValues: [], binaryListValues: [] } },
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
    });
  });
});
