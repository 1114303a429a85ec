import type { SQSEvent } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { as2Destination, b2biAs2Destination, createAs2SendHandler } from '../../lambdas/fleet/files/edi/as2-send';
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

describe('with AWS B2B Data Interchange in front: B2BI\'s 997s back over AS2', () => {
  // The example file keeps its source beside the event; the message body is the event alone, as EventBridge sends it.
  const ACK = JSON.stringify((JSON.parse(readFileSync(new URL('../../contracts/aws-b2bi/examples/acknowledgement-completed-214.json', import.meta.url), 'utf8')) as { event: unknown }).event);
  const B2BI = { 'summit-freight': 'tp-0a1b2c3d4e5f6a7b8', 'ridge-haul': 'tp-1111111111111111a' };

  test('the acknowledgement file an Acknowledgement Completed event names goes once through the connector of the partner its trading partner id is', async () => {
    const sent: string[] = [];
    const run = createAs2SendHandler({
      connectors: CONNECTORS,
      acknowledgementPrefix,
      b2biTradingPartners: B2BI,
      sender: { send: async (connectorId, filePath) => (sent.push(`${connectorId} ${filePath}`), 't-1') },
      once: new PowertoolsIdempotentRunner(new InMemoryPersistenceLayer(), { keyPrefix: 'edi-as2-send', expiresAfterSeconds: 3600 }),
      log: { info: () => undefined, error: () => undefined },
    });
    expect(await run(sqs(ACK, ACK))).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual(['c-0123456789abcdef0 /lsync-test-edi/b2bi/outbound/tp-0a1b2c3d4e5f6a7b8/departed-af.x12.997']);
    // One without an acknowledgement file is retried, then dead-lettered.
    const broken = JSON.stringify({ ...JSON.parse(ACK), detail: { 'transformer-job-id': 'tj-x', 'trading-partner-id': 'tp-x' } });
    expect(await run(sqs(broken))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
  });

  test('a trading partner id that is not a partner of the stage, or a partner without a connector, is not sent', () => {
    expect(b2biAs2Destination('tp-0a1b2c3d4e5f6a7b8', { connectors: CONNECTORS, b2biTradingPartners: B2BI })).toEqual({ partner: 'summit-freight', connectorId: 'c-0123456789abcdef0' });
    expect(b2biAs2Destination('tp-1111111111111111a', { connectors: CONNECTORS, b2biTradingPartners: B2BI })).toEqual({ skip: expect.stringMatching(/ridge-haul has no AS2 connector/) });
    expect(b2biAs2Destination('tp-unknown', { connectors: CONNECTORS, b2biTradingPartners: B2BI })).toEqual({ skip: expect.stringMatching(/not one of the stage's partners/) });
  });
});
