import type { SQSEvent } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { as2Destination, createAs2SendHandler } from '../../lambdas/fleet/files/edi/as2-send';
import { InMemoryPersistenceLayer } from '../../lambdas/shared/idempotency';
import { PowertoolsIdempotentRunner } from '../../lambdas/shared/outbound/idempotency';
import { fileIntake } from '../../registry/file-intakes';

const CONNECTORS = { 'summit-freight': 'c-0123456789abcdef0' };
const acknowledgementPrefix = fileIntake('edi').acknowledgementPrefix;

const notification = (key: string, versionId: string) =>
  JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lsync-test-edi' }, object: { key, versionId } } }] });
const sqs = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSEvent['Records'][number]) });

function sender(failures = 0) {
  const sent: { connectorId: string; filePath: string }[] = [];
  let left = failures;
  const run = createAs2SendHandler({
    connectors: CONNECTORS,
    acknowledgementPrefix,
    sender: {
      send: async (connectorId, filePath) => {
        if (left-- > 0) throw new Error('ThrottlingException: Rate exceeded');
        sent.push({ connectorId, filePath });
        return `t-${sent.length}`;
      },
    },
    once: new PowertoolsIdempotentRunner(new InMemoryPersistenceLayer(), { keyPrefix: 'edi-as2-send', expiresAfterSeconds: 3600 }),
    log: { info: () => undefined, error: () => undefined },
  });
  return { run, sent };
}

describe('acknowledgements back over AS2 (lambdas/fleet/files/edi/as2-send.ts)', () => {
  test('only a .997 in the folder of a partner with a connector is sent; the rest is left for the partner to collect or is not ours', () => {
    expect(as2Destination('acknowledgements/summit-freight/101-000000001.997', { connectors: CONNECTORS, acknowledgementPrefix })).toEqual({ partner: 'summit-freight', connectorId: 'c-0123456789abcdef0' });
    expect(as2Destination('acknowledgements/ridge-haul/7-000000001.997', { connectors: CONNECTORS, acknowledgementPrefix })).toEqual({ skip: expect.stringMatching(/no AS2 connector/) });
    expect(as2Destination('acknowledgements/summit-freight/101-000000001.997.json', { connectors: CONNECTORS, acknowledgementPrefix })).toEqual({ skip: expect.stringMatching(/not an acknowledgement file/) });
    expect(as2Destination('acknowledgements/summit-freight/mdn/101.997', { connectors: CONNECTORS, acknowledgementPrefix })).toEqual({ skip: expect.stringMatching(/not an acknowledgement file/) });
    expect(as2Destination('inbound/summit-freight/a.997', { connectors: CONNECTORS, acknowledgementPrefix })).toEqual({ skip: 'not an acknowledgement' });
    // A partner named like an Object.prototype member has no connector either.
    expect(as2Destination('acknowledgements/constructor/1-000000001.997', { connectors: CONNECTORS, acknowledgementPrefix })).toEqual({ skip: expect.stringMatching(/no AS2 connector/) });
  });

  test('each acknowledgement goes once through its partner\'s connector, as /bucket/key; a redelivered notification sends nothing more', async () => {
    const { run, sent } = sender();
    const body = notification('acknowledgements/summit-freight/101-000000001.997', 'v1');
    expect(await run(sqs(body, notification('acknowledgements/ridge-haul/7-000000001.997', 'v1')))).toEqual({ batchItemFailures: [] });
    expect(await run(sqs(body))).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([{ connectorId: 'c-0123456789abcdef0', filePath: '/lsync-test-edi/acknowledgements/summit-freight/101-000000001.997' }]);
  });

  test('a refused send (throttled) fails only its own message, which SQS retries, and the retry sends it once', async () => {
    const { run, sent } = sender(1);
    const first = notification('acknowledgements/summit-freight/101-000000001.997', 'v1');
    const second = notification('acknowledgements/summit-freight/102-000000002.997', 'v1');
    expect(await run(sqs(first, second))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(sent.map((s) => s.filePath)).toEqual(['/lsync-test-edi/acknowledgements/summit-freight/102-000000002.997']);
    expect(await run(sqs(first))).toEqual({ batchItemFailures: [] });
    expect(sent.map((s) => s.filePath.split('/').at(-1))).toEqual(['102-000000002.997', '101-000000001.997']);
  });

  test('a message that is not an S3 notification fails (and ends in the DLQ after its retries), it is not dropped', async () => {
    const { run, sent } = sender();
    expect(await run(sqs('not json'))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(sent).toEqual([]);
  });
});
