import type { SQSEvent } from 'aws-lambda';
import { X12Parser } from 'node-x12';
import { describe, expect, test } from 'vitest';
import { createBatchHandler } from '../../lambdas/fleet/files/edi/batch';
import { processFile } from '../../lambdas/fleet/files/edi/intake';
import { InMemoryPersistenceLayer } from '../../lambdas/shared/idempotency';
import { PowertoolsIdempotentRunner } from '../../lambdas/shared/outbound/idempotency';
import { example, intakeDeps, landed, segmentsOf } from './edi-support';

const ack = (store: { writes: { key: string; body: string }[] }) => {
  const written = store.writes.find((w) => w.key.startsWith('acknowledgements/'));
  expect(written, 'an acknowledgement was written').toBeDefined();
  return { key: written!.key, segments: segmentsOf(written!.body), body: written!.body };
};
const tagged = (segments: string[][], tag: string) => segments.filter((s) => s[0] === tag);

describe('997 for every interchange', () => {
  test('accepted: from our id to the partner, AK1 names the group, AK2/AK5 A per set, AK9 A with the counts; a valid X12 interchange', async () => {
    const { deps, store, publisher } = intakeDeps();
    const outcome = await processFile(landed('inbound/summit-freight/departed-af.x12'), example('departed-af'), deps);
    expect(outcome.interchanges).toMatchObject([{ partner: 'summit-freight', verdict: 'accepted', published: 1 }]);
    expect(publisher.published).toHaveLength(1);
    const { key, segments, body } = ack(store);
    expect(key).toBe('acknowledgements/summit-freight/101-000000001.997');
    const isa = segments[0]!;
    expect([isa[5], isa[6]!.trim(), isa[7], isa[8]!.trim(), isa[13], isa[14], isa[15]]).toEqual(['ZZ', 'LSYNC', '02', 'SMFT', '000000001', '0', 'P']);
    expect(tagged(segments, 'GS')[0]!.slice(1, 4)).toEqual(['FA', 'LSYNC', 'SMFT']);
    expect(tagged(segments, 'AK1')).toEqual([['AK1', 'QM', '101']]);
    expect(tagged(segments, 'AK2')).toEqual([['AK2', '214', '0001']]);
    expect(tagged(segments, 'AK5')).toEqual([['AK5', 'A']]);
    expect(tagged(segments, 'AK9')).toEqual([['AK9', 'A', '1', '1', '1']]);
    expect(tagged(segments, 'TA1')).toEqual([]);
    // The acknowledgement itself is well-formed X12 (node-x12 strict: trailer counts and control numbers agree).
    expect(() => new X12Parser(true).parse(body)).not.toThrow();
    expect(store.writes.some((w) => w.key.startsWith('rejected/'))).toBe(false);
  });

  test('the partner asked for a TA1 (ISA14 = 1): TA1 A 000 before the 997', async () => {
    const { deps, store } = intakeDeps();
    await processFile(landed('inbound/summit-freight/delivered-d1.x12'), example('delivered-d1'), deps);
    const { segments } = ack(store);
    expect(segments[1]).toEqual(['TA1', '000000103', '261204', '1430', 'A', '000']);
    expect(segments[2]![0]).toBe('GS');
  });

  test('a set with a bad AT7 is rejected with the failing segment and element; the good set of the same group is published (AK9 P)', async () => {
    const { deps, store, publisher } = intakeDeps();
    const text = example('pickup-and-departure').replace('AT7*X6*NS***20261204*1410*UT', 'AT7*X6*NS***20261304*1410*UT');
    const outcome = await processFile(landed('inbound/summit-freight/two-sets.x12'), text, deps);
    expect(outcome.interchanges[0]).toMatchObject({ verdict: 'partial', published: 1 });
    expect(publisher.published.map((e) => e.refs.shipmentId)).toEqual(['SHP-7002']);
    const { segments } = ack(store);
    expect(tagged(segments, 'AK3')).toEqual([['AK3', 'AT7', '5', '0205', '8']]);
    expect(tagged(segments, 'AK4')).toEqual([['AK4', '5', '373', '8', '20261304']]);
    expect(tagged(segments, 'AK5')).toEqual([['AK5', 'A'], ['AK5', 'R', '5']]);
    expect(tagged(segments, 'AK9')).toEqual([['AK9', 'P', '2', '2', '1']]);
    expect(store.objects.get('rejected/inbound/summit-freight/two-sets.x12.json')).toMatch(/AT7-05 invalid date/);
  });
});

describe('malformed interchanges, unknown partners, duplicate control numbers: rejected with a reason, nothing published', () => {
  test('malformed: a segment count that does not match (AK5 R 4), the whole group rejected (AK9 R 0 accepted)', async () => {
    const { deps, store, publisher } = intakeDeps();
    const outcome = await processFile(landed('inbound/summit-freight/bad-count.x12'), example('arrived-x1').replace('SE*9*0001', 'SE*12*0001'), deps);
    expect(outcome.interchanges[0]).toMatchObject({ verdict: 'rejected', published: 0 });
    expect(publisher.published).toEqual([]);
    const { segments } = ack(store);
    expect(tagged(segments, 'AK5')).toEqual([['AK5', 'R', '4']]);
    expect(tagged(segments, 'AK9')).toEqual([['AK9', 'R', '1', '1', '0']]);
    expect(JSON.parse(store.objects.get('rejected/inbound/summit-freight/bad-count.x12.json')!)).toMatchObject({ file: { key: 'inbound/summit-freight/bad-count.x12' }, reason: expect.stringMatching(/transaction set error 4/) });
  });

  test('unknown partner: TA1 R 006 and a rejecting 997, under the sender\'s id; the file stays (nothing deleted)', async () => {
    const { deps, store, publisher } = intakeDeps();
    const text = example('departed-af').replace('*02*SMFT           *', '*02*XXXX           *');
    const outcome = await processFile(landed('inbound/other.x12'), text, deps);
    expect(outcome.interchanges[0]).toMatchObject({ partner: 'unknown-02-XXXX', verdict: 'rejected', reason: expect.stringMatching(/unknown trading partner/) });
    expect(publisher.published).toEqual([]);
    const { key, segments } = ack(store);
    expect(key.startsWith('acknowledgements/unknown-02-XXXX/')).toBe(true);
    expect(tagged(segments, 'TA1')[0]!.slice(4)).toEqual(['R', '006']);
    expect(tagged(segments, 'AK9')[0]![1]).toBe('R');
    expect(store.writes.every((w) => w.key.startsWith('acknowledgements/') || w.key.startsWith('rejected/'))).toBe(true);
  });

  test('a partner writing in another partner\'s folder is refused', async () => {
    const { deps } = intakeDeps({ partners: [...intakeDeps().deps.partners, { name: 'other-carrier', qualifier: '02', id: 'OTHR' }] });
    const outcome = await processFile(landed('inbound/other-carrier/departed-af.x12'), example('departed-af'), deps);
    expect(outcome.interchanges[0]).toMatchObject({ verdict: 'rejected', reason: expect.stringMatching(/other-carrier's folder/) });
  });

  test('duplicate control number in another file: TA1 R 025, AK9 R, nothing published the second time', async () => {
    const { deps, store, publisher } = intakeDeps();
    await processFile(landed('inbound/summit-freight/a.x12', 'etag-a'), example('departed-af'), deps);
    const second = await processFile(landed('inbound/summit-freight/b.x12', 'etag-b'), example('departed-af'), deps);
    expect(second.interchanges[0]).toMatchObject({ verdict: 'rejected', published: 0, reason: expect.stringMatching(/duplicate interchange control number 101/) });
    expect(publisher.published).toHaveLength(1);
    const acks = store.writes.filter((w) => w.key.startsWith('acknowledgements/'));
    expect(acks).toHaveLength(2);
    expect(tagged(segmentsOf(acks[1]!.body), 'TA1')[0]!.slice(4)).toEqual(['R', '025']);
    // Our own acknowledgements carry increasing control numbers.
    expect(acks.map((a) => a.key)).toEqual(['acknowledgements/summit-freight/101-000000001.997', 'acknowledgements/summit-freight/101-000000002.997']);
  });

  test('a file that is not X12: its reason is written, no acknowledgement can be addressed', async () => {
    const { deps, store, publisher } = intakeDeps();
    const outcome = await processFile(landed('inbound/summit-freight/readme.txt'), 'hello, this is not EDI', deps);
    expect(outcome.unreadable).toMatch(/ISA|too short/);
    expect(publisher.published).toEqual([]);
    expect([...store.objects.keys()]).toEqual(['rejected/inbound/summit-freight/readme.txt.json']);
  });
});

describe('the SQS batch: one S3 notification per file, each file processed once', () => {
  const notification = (key: string, eTag: string) =>
    JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lsync-test-edi' }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), eTag } } }] });
  const sqs = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body }) as SQSEvent['Records'][number]) });

  function handler() {
    const { deps, store, publisher } = intakeDeps();
    const counts: Record<string, number> = {};
    const run = createBatchHandler({
      ...deps,
      once: new PowertoolsIdempotentRunner(new InMemoryPersistenceLayer(), { keyPrefix: 'edi-file', expiresAfterSeconds: 3600 }),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      count: (name, value) => (counts[name] = (counts[name] ?? 0) + value),
    });
    return { run, store, publisher, counts };
  }

  test('a redelivered notification of the same file publishes and acknowledges nothing more; the S3 test event is skipped', async () => {
    const { run, store, publisher, counts } = handler();
    store.objects.set('inbound/summit-freight/departed af.x12', example('departed-af'));
    const body = notification('inbound/summit-freight/departed af.x12', 'e1');
    expect(await run(sqs(JSON.stringify({ Event: 's3:TestEvent' }), body))).toEqual({ batchItemFailures: [] });
    expect(await run(sqs(body))).toEqual({ batchItemFailures: [] });
    expect(publisher.published).toHaveLength(1);
    expect(store.writes.filter((w) => w.key.startsWith('acknowledgements/'))).toHaveLength(1);
    expect(counts).toEqual({});
  });

  test('a rejected file is counted (FilesRejected); a file that cannot be read now is a batch item failure, retried', async () => {
    const { run, store, counts } = handler();
    store.objects.set('inbound/x.x12', example('departed-af').replace('*02*SMFT           *', '*02*XXXX           *'));
    const result = await run(sqs(notification('inbound/x.x12', 'e1'), notification('inbound/missing.x12', 'e2')));
    expect(counts).toEqual({ FilesRejected: 1 });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });
});
