/**
 * The EDI intake behind AWS B2B Data Interchange (stage `fileIntakes.edi.b2bi`): B2BI's transformation events, written
 * from its events detail reference (contracts/aws-b2bi/), bring the partner's input file to the same function, which
 * reads it with its own parser, publishes the same canonical events, and writes no 997 (B2BI acknowledges the file).
 */
import { readFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { b2biInputObject, intakeObjects } from '../../lambdas/fleet/files/edi/b2bi-event';
import { createBatchHandler } from '../../lambdas/fleet/files/edi/batch';
import { InMemoryPersistenceLayer } from '../../lambdas/shared/idempotency';
import { PowertoolsIdempotentRunner } from '../../lambdas/shared/outbound/idempotency';
import { ValidationError } from '../../lambdas/shared/errors';
import { fileIntake } from '../../registry/file-intakes';
import { example, intakeDeps } from './edi-support';

const contract = (file: string) => JSON.parse(readFileSync(new URL(`../../contracts/aws-b2bi/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
/** An example event: the file keeps its source beside the event (`x-source`, `x-retrieved`), the event is the wire shape. */
const example214 = (file: string) => {
  const { 'x-source': source, event } = contract(file) as { 'x-source': string; event: Record<string, unknown> };
  expect(source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  return event;
};
const COMPLETED = example214('examples/transformation-completed-214.json');
const FAILED = example214('examples/transformation-failed-214.json');
const detailOf = (event: Record<string, unknown>) => event.detail as Record<string, Record<string, string>>;
const inputKey = (event: Record<string, unknown>) => detailOf(event)['input-file-s3-attributes']!['object-key']!;
const sqs = (...bodies: unknown[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body: typeof body === 'string' ? body : JSON.stringify(body) }) as SQSEvent['Records'][number]) });

function handler() {
  const { deps, store, publisher, ledger } = intakeDeps({ prefixes: { ...fileIntake('edi'), b2biInputPrefix: fileIntake('edi').b2bi.inputPrefix } });
  const counts: Record<string, number> = {};
  const warnings: string[] = [];
  const run = createBatchHandler({
    ...deps,
    once: new PowertoolsIdempotentRunner(new InMemoryPersistenceLayer(), { keyPrefix: 'edi-file', expiresAfterSeconds: 3600 }),
    log: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined },
    count: (name, value) => (counts[name] = (counts[name] ?? 0) + value),
  });
  return { run, store, publisher, ledger, counts, warnings };
}

describe('AWS B2B Data Interchange transformation events', () => {
  test('the examples follow the contract schema; one missing its input file does not', () => {
    const validate = new Ajv2020({ strict: false }).compile(contract('transformation-event.schema.json'));
    expect(validate(COMPLETED)).toBe(true);
    expect(validate(FAILED)).toBe(true);
    expect(validate({ ...COMPLETED, detail: { ...detailOf(COMPLETED), 'input-file-s3-attributes': undefined } })).toBe(false);
  });

  test('the input file an event names, with the job that makes it one delivery; a failure carries B2BI\'s reason', () => {
    expect(b2biInputObject(COMPLETED)).toEqual({
      bucket: 'lsync-test-edi',
      key: 'b2bi/inbound/tp-0a1b2c3d4e5f6a7b8/departed-af.x12',
      size: 612,
      eventTime: '2026-12-04T14:31:00.000Z',
      origin: { kind: 'b2bi', jobId: 'tj-0a1b2c3d4e5f6a7b8c9d', tradingPartnerId: 'tp-0a1b2c3d4e5f6a7b8', transformed: true },
    });
    expect(b2biInputObject(FAILED).origin).toMatchObject({ transformed: false, failure: 'VALIDATION_ERROR: The input file is not a valid X12 interchange' });
    expect(() => b2biInputObject({ ...COMPLETED, 'detail-type': 'Acknowledgement Completed' })).toThrow(ValidationError);
    expect(() => b2biInputObject({ ...COMPLETED, detail: { 'transformer-job-id': 'tj-1' } })).toThrow(/input-file-s3-attributes/);
    // An S3 event notification in the same queue is read as before.
    expect(intakeObjects(JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'inbound/x.x12', eTag: 'e' } } }] }))).toEqual([
      { bucket: 'b', key: 'inbound/x.x12', eTag: 'e', size: undefined, versionId: undefined, eventTime: undefined },
    ]);
  });

  test('Transformation Completed: the input file is read and its events published, no 997 of ours; the redelivered event publishes nothing more', async () => {
    const { run, store, publisher, ledger, counts } = handler();
    store.objects.set(inputKey(COMPLETED), example('departed-af'));
    expect(await run(sqs(COMPLETED, COMPLETED))).toEqual({ batchItemFailures: [] });
    expect(publisher.published.map((e) => e.metadata.eventType)).toEqual(['shipment.departed']);
    expect(store.writes.filter((w) => w.key.startsWith('acknowledgements/'))).toEqual([]);
    expect(await ledger.nextControlNumber('summit-freight')).toBe(1);
    expect(counts).toEqual({});
    // The same interchange again in another B2BI run: refused as a duplicate control number, nothing published.
    const again = { ...COMPLETED, detail: { ...detailOf(COMPLETED), 'transformer-job-id': 'tj-other', 'input-file-s3-attributes': { bucket: 'lsync-test-edi', 'object-key': 'b2bi/inbound/tp-0a1b2c3d4e5f6a7b8/departed-af-again.x12' } } };
    store.objects.set('b2bi/inbound/tp-0a1b2c3d4e5f6a7b8/departed-af-again.x12', example('departed-af'));
    await run(sqs(again));
    expect(publisher.published).toHaveLength(1);
    expect(counts).toEqual({ FilesRejected: 1 });
    expect(store.objects.get('rejected/b2bi/inbound/tp-0a1b2c3d4e5f6a7b8/departed-af-again.x12.json')).toMatch(/duplicate interchange control number/);
  });

  test('Transformation Failed: nothing read or published, the reason recorded beside the kept file and counted', async () => {
    const { run, store, publisher, counts } = handler();
    expect(await run(sqs(FAILED))).toEqual({ batchItemFailures: [] });
    expect(publisher.published).toEqual([]);
    expect(counts).toEqual({ FilesRejected: 1 });
    expect(JSON.parse(store.objects.get(`rejected/${inputKey(FAILED)}.json`)!)).toMatchObject({ reason: 'AWS B2B Data Interchange could not transform the file: VALIDATION_ERROR: The input file is not a valid X12 interchange' });
  });

  test('the safety net: the file\'s S3 notification, delayed 15 min, is skipped when its B2BI event came (same version), read when it did not; no 997 either way', async () => {
    const { run, store, publisher, warnings, counts } = handler();
    const key = inputKey(COMPLETED);
    store.objects.set(key, example('departed-af'));
    store.versions.set(key, 'v1');
    const notification = (versionId: string) => ({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lsync-test-edi' }, object: { key, versionId } } }] });
    // The event came: the notification of the same version publishes nothing more and warns of nothing.
    await run(sqs(COMPLETED));
    expect(await run(sqs(notification('v1')))).toEqual({ batchItemFailures: [] });
    expect(publisher.published).toHaveLength(1);
    expect(warnings).toEqual([]);
    // A file whose event was lost (another one): read from its notification, with a warning, and no 997 of ours.
    const lost = 'b2bi/inbound/tp-0a1b2c3d4e5f6a7b8/delivered-d1.x12';
    store.objects.set(lost, example('delivered-d1'));
    expect(await run(sqs({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lsync-test-edi' }, object: { key: lost, versionId: 'v7' } } }] }))).toEqual({ batchItemFailures: [] });
    expect(publisher.published.map((e) => e.metadata.eventType)).toEqual(['shipment.departed', 'shipment.delivered', 'pod.captured']);
    expect(warnings).toEqual([expect.stringMatching(/no B2B Data Interchange event for this file in 15 minutes/)]);
    expect(store.writes.filter((w) => w.key.startsWith('acknowledgements/'))).toEqual([]);
    expect(counts).toEqual({});
  });

  test('a file B2BI failed to transform is not read by the safety net either (one record per version)', async () => {
    const { run, store, publisher, counts } = handler();
    const key = inputKey(FAILED);
    store.objects.set(key, example('departed-af'));
    store.versions.set(key, 'v3');
    await run(sqs(FAILED));
    await run(sqs({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lsync-test-edi' }, object: { key, versionId: 'v3' } } }] }));
    expect(publisher.published).toEqual([]);
    expect(counts).toEqual({ FilesRejected: 1 });
  });

  test('an event for a file outside the B2BI input prefix is ignored with a warning; a malformed one is retried, then dead-lettered', async () => {
    const { run, publisher, warnings } = handler();
    const elsewhere = { ...COMPLETED, detail: { ...detailOf(COMPLETED), 'input-file-s3-attributes': { bucket: 'lsync-test-edi', 'object-key': 'inbound/summit-freight/x.x12' } } };
    expect(await run(sqs(elsewhere))).toEqual({ batchItemFailures: [] });
    expect(warnings).toEqual([expect.stringMatching(/outside the intake's B2BI input prefix/)]);
    expect(await run(sqs({ source: 'aws.b2bi', 'detail-type': 'Transformation Completed', detail: {} }))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
    expect(publisher.published).toEqual([]);
  });
});
