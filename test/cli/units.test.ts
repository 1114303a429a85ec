import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { affectedKeys } from '../../cli/commands/dlq';
import { parseTime } from '../../cli/commands/replay';
import { hopFacts } from '../../cli/commands/trace';
import { parseDlqMessage, REDRIVE_RUN_ATTRIBUTE, resendAttributes, selectorFrom, matches } from '../../cli/dlq-message';
import { iamAction, isAccessDenied, UnknownQueueError } from '../../cli/errors';
import { patternAcceptsDetailType } from '../../registry/event-pattern';
import { humanDuration, humanLatency, table } from '../../cli/format';
import { nameFromLogicalId, resolveDlq, type Inventory } from '../../cli/inventory';
import { resolveTarget } from '../../cli/target';
import { canonicalEventBody } from './support/queues';

const s = (value: string) => ({ DataType: 'String', StringValue: value });

describe('target selection', () => {
  const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'lsync-target-'));

  test('--stage targets the deployed stack LogisticsSync-<stage> with the default credential chain', () => {
    expect(resolveTarget({ stage: 'prod', region: 'eu-central-1' }, emptyDir(), {})).toEqual({
      kind: 'stage',
      stage: 'prod',
      stackName: 'LogisticsSync-prod',
      region: 'eu-central-1',
      endpoint: undefined,
    });
  });

  test('without --stage the sandbox is the default when .sandbox/endpoints.json exists, read from it', () => {
    const dir = emptyDir();
    const file = path.join(dir, 'endpoints.json');
    writeFileSync(file, JSON.stringify({ awsEndpoint: 'http://127.0.0.1:4566', sfnEndpoint: 'http://127.0.0.1:4567', region: 'us-east-1', stackName: 'LogisticsSync-sandbox' }));
    expect(resolveTarget({}, dir, { LSYNC_SANDBOX_FILE: file })).toMatchObject({
      kind: 'sandbox',
      stackName: 'LogisticsSync-sandbox',
      endpoint: 'http://127.0.0.1:4566',
      sfnEndpoint: 'http://127.0.0.1:4567', // workflows run in the sandbox's local Step Functions
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox' },
    });
  });

  test('no target, or both, is an error that says what to do', () => {
    expect(() => resolveTarget({}, emptyDir(), { LSYNC_SANDBOX_FILE: path.join(emptyDir(), 'missing.json') })).toThrow(/no target/);
    expect(() => resolveTarget({ stage: 'dev', sandbox: true }, emptyDir(), {})).toThrow(/either --stage or --sandbox/);
    expect(() => resolveTarget({ sandbox: path.join(emptyDir(), 'nope.json') }, emptyDir(), {})).toThrow(/the sandbox is not running/);
  });

  test('an endpoints file whose sandbox process has ended means "not running", and says so', () => {
    const dir = emptyDir();
    const file = path.join(dir, 'endpoints.json');
    // A pid far above any live one: the sandbox that wrote the file is gone.
    writeFileSync(file, JSON.stringify({ awsEndpoint: 'http://127.0.0.1:1', region: 'us-east-1', pid: 2 ** 22 + 12345 }));
    expect(() => resolveTarget({}, dir, { LSYNC_SANDBOX_FILE: file })).toThrow(/the sandbox is not running: .* was written by a sandbox process that has ended/);
    writeFileSync(file, JSON.stringify({ awsEndpoint: 'http://127.0.0.1:1', region: 'us-east-1', pid: process.pid }));
    expect(resolveTarget({}, dir, { LSYNC_SANDBOX_FILE: file })).toMatchObject({ kind: 'sandbox', endpoint: 'http://127.0.0.1:1' });
  });
});

describe('reading a DLQ message', () => {
  test('takes the business keys from detail.refs and the reason from the adapter attributes', () => {
    const m = parseDlqMessage({
      MessageId: 'm-1',
      ReceiptHandle: 'r',
      Body: canonicalEventBody({ eventId: 'e1', eventType: 'pod.captured', orderId: 'SO-1001', shipmentId: 'SH-1' }),
      Attributes: { SentTimestamp: '1767225600000', ApproximateReceiveCount: '7' },
      MessageAttributes: {
        [DLQ_ATTRIBUTES.errorClass]: s('UpstreamUnavailable'),
        [DLQ_ATTRIBUTES.errorReason]: s('ERP 503'),
        [DLQ_ATTRIBUTES.receiveCount]: s('5'),
        [DLQ_ATTRIBUTES.redriveCount]: { DataType: 'Number', StringValue: '2' },
      },
    });
    expect(m).toMatchObject({ eventId: 'e1', eventType: 'pod.captured', correlationId: 'SO-1001', refs: { orderId: 'SO-1001', shipmentId: 'SH-1' } });
    expect(m).toMatchObject({ errorClass: 'UpstreamUnavailable', errorReason: 'ERP 503', receiveCount: 5, redriveCount: 2, sentAt: 1767225600000 });
  });

  test('an EventBridge target-DLQ message is explained by its ERROR_CODE, a bare one as moved by SQS, a non-JSON one still listed', () => {
    expect(parseDlqMessage({ Body: '{}', MessageAttributes: { ERROR_CODE: s('SQSEventSendFailure'), ERROR_MESSAGE: s('denied') } })).toMatchObject({ errorClass: 'SQSEventSendFailure', errorReason: 'denied' });
    expect(parseDlqMessage({ Body: '{}', Attributes: { ApproximateReceiveCount: '3' } })).toMatchObject({ errorClass: 'Unattributed', receiveCount: 3, redriveCount: 0 });
    expect(parseDlqMessage({ Body: 'not json' })).toMatchObject({ refs: {}, eventType: undefined });
  });
});

describe('selectors', () => {
  const message = parseDlqMessage({ MessageId: 'id-1', Body: canonicalEventBody({ eventId: 'e', eventType: 't', orderId: 'SO-1', caseId: 'C-9' }), MessageAttributes: { [DLQ_ATTRIBUTES.errorClass]: s('RateLimited') } });

  test('match by order, case, message id or error class (case-insensitive)', () => {
    expect(matches(selectorFrom({ order: 'SO-1' }, false), message)).toBe(true);
    expect(matches(selectorFrom({ order: 'SO-2' }, false), message)).toBe(false);
    expect(matches(selectorFrom({ case: 'C-9' }, false), message)).toBe(true);
    expect(matches(selectorFrom({ shipment: 'SO-1' }, false), message)).toBe(false);
    expect(matches(selectorFrom({ messageId: 'id-1' }, false), message)).toBe(true);
    expect(matches(selectorFrom({ error: 'ratelimited' }, false), message)).toBe(true);
    expect(matches(selectorFrom({}, true), message)).toBe(true);
  });

  test('a redrive needs exactly one selector', () => {
    expect(() => selectorFrom({}, false)).toThrow(/say which messages/);
    expect(() => selectorFrom({ order: 'a', error: 'b' }, false)).toThrow(/choose one selector/);
  });
});

describe('attributes of a re-sent message', () => {
  const base = parseDlqMessage({ Body: '{}', MessageAttributes: { a: s('1'), [DLQ_ATTRIBUTES.redriveCount]: s('1'), [REDRIVE_RUN_ATTRIBUTE]: s('old-run') } });

  test('keep every original attribute, set the redrive count and the run id', () => {
    expect(resendAttributes(base, 2, 'run-2')).toEqual({
      a: s('1'),
      [DLQ_ATTRIBUTES.redriveCount]: { DataType: 'Number', StringValue: '2' },
      [REDRIVE_RUN_ATTRIBUTE]: s('run-2'),
    });
  });

  test('respect the SQS limit of 10: the run id is dropped first; no room for the count means no send', () => {
    const nine = parseDlqMessage({ Body: '{}', MessageAttributes: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x${i}`, s('v')])) });
    const out = resendAttributes(nine, 1, 'run');
    expect(Object.keys(out!)).toHaveLength(10);
    expect(out![REDRIVE_RUN_ATTRIBUTE]).toBeUndefined();
    const ten = parseDlqMessage({ Body: '{}', MessageAttributes: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`x${i}`, s('v')])) });
    expect(resendAttributes(ten, 1, 'run')).toBeUndefined();
  });
});

describe('queue names', () => {
  const inventory = {
    queues: [
      { name: 'erp-sync', url: 'https://sqs/1/erp-q', arn: 'arn:aws:sqs:r:1:erp-q', dlqUrl: 'https://sqs/1/erp-dlq', dlqArn: 'arn:aws:sqs:r:1:erp-dlq', maxReceiveCount: 5 },
      { name: 'routing-fleet-sync', url: 'https://sqs/1/fleet-q', arn: 'arn:aws:sqs:r:1:fleet-q', dlqUrl: 'https://sqs/1/fleet-dlq', dlqArn: 'arn:aws:sqs:r:1:fleet-dlq', maxReceiveCount: 5 },
    ],
    quarantine: { url: 'https://sqs/1/quarantine', arn: 'arn:aws:sqs:r:1:quarantine', dlqUrl: 'https://sqs/1/q-dlq', dlqArn: 'x', maxRedrives: 3 },
  } as unknown as Inventory;

  test('resolve friendly names, unique suffixes, URLs and ARNs of either queue to the DLQ', () => {
    expect(resolveDlq(inventory, 'erp-sync')).toMatchObject({ url: 'https://sqs/1/erp-dlq', sourceUrl: 'https://sqs/1/erp-q' });
    expect(resolveDlq(inventory, 'ERP-SYNC-DLQ').name).toBe('erp-sync');
    expect(resolveDlq(inventory, 'fleet-sync').name).toBe('routing-fleet-sync');
    expect(resolveDlq(inventory, 'https://sqs/1/fleet-q').name).toBe('routing-fleet-sync');
    expect(resolveDlq(inventory, 'arn:aws:sqs:r:1:erp-dlq').name).toBe('erp-sync');
    expect(resolveDlq(inventory, 'quarantine').kind).toBe('quarantine');
    expect(resolveDlq(inventory, 'quarantine').sourceUrl).toBeUndefined();
    expect(resolveDlq(inventory, 'quarantine-dlq')).toMatchObject({ kind: 'quarantine-dlq', sourceUrl: 'https://sqs/1/quarantine' });
  });

  test('an unknown one lists the known ones', () => {
    expect(() => resolveDlq(inventory, 'cs-sync')).toThrow(UnknownQueueError);
    try {
      resolveDlq(inventory, 'cs-sync');
    } catch (error) {
      expect((error as UnknownQueueError).hint).toBe('known queues: erp-sync, routing-fleet-sync, quarantine, quarantine-dlq');
    }
  });

  test('fall back to names derived from CDK logical ids', () => {
    expect(nameFromLogicalId('RoutingErpSyncQueue1A2B3C4D')).toBe('routing-erp-sync');
    expect(nameFromLogicalId('ErpOutboundErpSyncDeadLetterQueue8680C7B4')).toBe('erp-outbound-erp-sync');
  });
});

describe('replay helpers', () => {
  test('a rule accepts a detail-type by exact value, prefix, anything-but, wildcard, or by not filtering on it', () => {
    expect(patternAcceptsDetailType('{"detail-type":["pod.captured"]}', 'pod.captured')).toBe(true);
    expect(patternAcceptsDetailType('{"detail-type":["pod.captured"]}', 'invoice.posted')).toBe(false);
    expect(patternAcceptsDetailType('{"detail-type":[{"prefix":"shipment."}]}', 'shipment.delivered')).toBe(true);
    expect(patternAcceptsDetailType('{"detail-type":[{"anything-but":["sync.failed"]}]}', 'sync.failed')).toBe(false);
    expect(patternAcceptsDetailType('{"detail-type":[{"wildcard":"case.*"}]}', 'case.opened')).toBe(true);
    expect(patternAcceptsDetailType('{"source":["logistics-sync.erp"]}', 'anything')).toBe(true);
    expect(patternAcceptsDetailType(undefined, 'x')).toBe(false);
  });

  test('times are ISO 8601, "now", or an offset into the past', () => {
    const now = new Date('2026-03-12T12:00:00Z');
    expect(parseTime('now', now)).toEqual(now);
    expect(parseTime('90m', now).toISOString()).toBe('2026-03-12T10:30:00.000Z');
    expect(parseTime('2d', now).toISOString()).toBe('2026-03-10T12:00:00.000Z');
    expect(parseTime('2026-03-01T08:00:00Z', now).toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(() => parseTime('last tuesday', now)).toThrow(/cannot read the time/);
  });
});

describe('output helpers', () => {
  test('durations read like people write them', () => {
    expect(humanDuration(0)).toBe('0s');
    expect(humanDuration(95_000)).toBe('1m 35s');
    expect(humanDuration(90_061_000)).toBe('1d 1h');
    expect(humanDuration(undefined)).toBe('-');
    // Latencies keep their milliseconds below a second.
    expect(humanLatency(312.4)).toBe('312ms');
    expect(humanLatency(0)).toBe('0ms');
    expect(humanLatency(1_500)).toBe('2s');
    expect(humanLatency(1_501_000)).toBe('25m 1s');
    expect(humanLatency(undefined)).toBe('-');
  });

  test('tables align their columns', () => {
    expect(table(['A', 'LONG'], [['xyz', 1], [undefined, 'b']])).toBe('A    LONG\n---  ----\nxyz  1\n-    b\n');
  });

  test('affected keys are unique and sorted per kind', () => {
    expect(affectedKeys([{ refs: { orderId: 'SO-2' } }, { refs: { orderId: 'SO-1', shipmentId: 'S' } }, { refs: { orderId: 'SO-2' } }])).toEqual({ orderId: ['SO-1', 'SO-2'], shipmentId: ['S'] });
  });
});

describe('trace hop facts (the NOTE column)', () => {
  test('tells hops of one type apart by what changed, and says nothing for a hop without such facts', () => {
    expect(hopFacts({ status: 'solved', resolutionCode: 'product-released' })).toBe('solved');
    expect(hopFacts({ status: 'closed' })).toBe('closed');
    expect(hopFacts({ targetSystem: 'erp', status: 'in-transit', previousStatus: 'dispatched' })).toBe('dispatched → in-transit');
    expect(hopFacts({ kind: 'temperature-excursion', reportedSeverity: 'high', exceptionId: 'x' })).toBe('temperature-excursion, high');
    expect(hopFacts({ change: 'comment-added' })).toBe('comment-added');
    expect(hopFacts({ currency: 'EUR', grossAmount: '20110.50', documentType: 'invoice' })).toBe('EUR 20110.50');
    expect(hopFacts({ operation: 'mark-billing-ready', errorCode: 'UpstreamUnavailableError', httpStatus: 503, retryable: true })).toBe('mark-billing-ready, UpstreamUnavailableError (503)');
    expect(hopFacts({ documentId: 'doc-1' })).toBe('');
    expect(hopFacts({})).toBe('');
  });
});

describe('permission errors', () => {
  test('name the IAM action of the refused call', () => {
    expect(iamAction('SQSClient', 'ReceiveMessageCommand')).toBe('sqs:ReceiveMessage');
    expect(iamAction('SQSClient', 'SendMessageBatchCommand')).toBe('sqs:SendMessage');
    expect(iamAction('EventBridgeClient', 'StartReplayCommand')).toBe('events:StartReplay');
    expect(iamAction('SFNClient', 'ListExecutionsCommand')).toBe('states:ListExecutions');
    expect(iamAction('DynamoDBClient', 'BatchGetItemCommand')).toBe('dynamodb:BatchGetItem');
    expect(isAccessDenied({ name: 'AccessDeniedException' })).toBe(true);
    expect(isAccessDenied({ name: 'ThrottlingException' })).toBe(false);
  });
});
