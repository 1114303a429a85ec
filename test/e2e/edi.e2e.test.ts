import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, test } from 'vitest';
import type { TappedEvent } from '../../sandbox/runtime/bus-tap';
import { AS2_METADATA_PREFIX } from '../../lib/adapters/as2-server';
import { clientConfig } from '../../sandbox/aws';
import { EdiCarrierSimulator, SANDBOX_CARRIER } from '../../sandbox/simulators/vendors/edi-carrier';
import { control, eventually, sandbox } from './support';

/**
 * The EDI intake in the sandbox, by the real path: the simulated carrier puts 214 files into the intake bucket in
 * moto, moto's S3 notification (configured by the runtime from the template) reaches the queue, the poller runs the
 * function, the events reach the bus and the 997 comes back into the bucket.
 */
const bucket = () => sandbox().outputs[sandbox().stackName]!.FileIntakeBucketEdi!;
const carrier = new EdiCarrierSimulator({ awsEndpoint: sandbox().awsEndpoint, bucket: bucket() });
const stranger = new EdiCarrierSimulator({ awsEndpoint: sandbox().awsEndpoint, bucket: bucket(), carrier: { name: SANDBOX_CARRIER.name, qualifier: '02', id: 'NOPE', scac: 'NOPE' } });
afterAll(() => {
  carrier.close();
  stranger.close();
});

const run = randomUUID().slice(0, 8).toUpperCase();
const status = (code: string, shipmentId: string) => ({ status: code, at: new Date(), shipmentId, orderId: `SO-EDI-${run}`, pro: `PRO-${shipmentId}` });
const departed = async (shipmentId: string) =>
  (await control<TappedEvent[]>('/bus-events?type=shipment.departed')).filter((e) => (e.detail as { refs: { shipmentId?: string } }).refs.shipmentId === shipmentId);
const firstAck = (sim: EdiCarrierSimulator, controlNumber: number, folder?: string, index = 0) =>
  eventually(async () => (await sim.acknowledgements(controlNumber, folder))[index], 60_000, `acknowledgement ${index + 1} of interchange ${controlNumber}`);

describe('carrier EDI 214 in the sandbox', () => {
  test('a departure 214 becomes shipment.departed on the bus and is acknowledged with an accepting 997; the same interchange resent is refused (TA1 025) and publishes nothing', async () => {
    const shipmentId = `SHP-EDI-${run}-1`;
    const { controlNumber } = await carrier.sendStatus(status('AF', shipmentId));
    const events = await eventually(async () => ((await departed(shipmentId)).length > 0 ? departed(shipmentId) : undefined), 60_000, 'shipment.departed on the bus');
    expect(events[0]!.detail).toMatchObject({ metadata: { source: { system: 'fleet', vendor: 'edi' } }, refs: { orderId: `SO-EDI-${run}`, routeId: `SBXC-PRO-${shipmentId}` } });
    const ack = await firstAck(carrier, controlNumber);
    expect([ack.ak5, ack.ak9]).toEqual([['A'], ['A']]);

    await carrier.drop(carrier.sent.at(-1)!.text, controlNumber, 'resent.edi');
    const refusal = await firstAck(carrier, controlNumber, undefined, 1);
    expect(refusal.ta1).toEqual(['R', '025']);
    expect(refusal.ak9).toEqual(['R']);
    expect(await departed(shipmentId)).toHaveLength(1);
  });

  test('an interchange from an unknown sender is refused with TA1 006 and publishes nothing', async () => {
    const shipmentId = `SHP-EDI-${run}-2`;
    const { controlNumber } = await stranger.sendStatus(status('AF', shipmentId));
    const ack = await firstAck(stranger, controlNumber, 'unknown-02-NOPE');
    expect(ack.ta1).toEqual(['R', '006']);
    expect(await departed(shipmentId)).toEqual([]);
  });

  test('what an AS2 server writes beside a payload (MDN, status JSON) never reaches the intake; the same file in the partner\'s folder would be refused', async () => {
    // The AS2 agreement's custom directories (lib/adapters/as2-server.ts): payloads in inbound/<partner>/, the rest
    // under as2/<partner>/. The S3 notification (from the template, applied by the runtime to moto) covers inbound/ only.
    const s3 = new S3Client({ ...clientConfig(sandbox().awsEndpoint), forcePathStyle: true });
    const statusFile = JSON.stringify({ 'as2-from': 'SBXC-AS2', 'as2-to': 'LSYNC-AS2', 'as2-message-id': `<${run}@sbxc>`, 'status-code': 'COMPLETED' });
    const metadata = [`${AS2_METADATA_PREFIX}${SANDBOX_CARRIER.name}/status/${run}.json`, `${AS2_METADATA_PREFIX}${SANDBOX_CARRIER.name}/mdn/${run}.mdn`];
    for (const key of metadata) await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: statusFile }));
    const misplaced = `inbound/${SANDBOX_CARRIER.name}/${run}.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: misplaced, Body: statusFile }));
    // A payload after them is taken as ever.
    const shipmentId = `SHP-EDI-${run}-4`;
    const { controlNumber } = await carrier.sendStatus(status('AF', shipmentId));
    const ack = await firstAck(carrier, controlNumber);
    expect([ack.ak5, ack.ak9]).toEqual([['A'], ['A']]);
    const rejected = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: `rejected/${prefix}` }))).Contents ?? []).map((o) => o.Key);
    await eventually(async () => ((await rejected(misplaced)).length > 0 ? true : undefined), 60_000, 'the misplaced status file refused');
    expect(await rejected(AS2_METADATA_PREFIX)).toEqual([]);
    s3.destroy();
  });

  test('a transaction set whose segment count is wrong is rejected in the 997 (AK5 R), nothing published', async () => {
    const shipmentId = `SHP-EDI-${run}-3`;
    const controlNumber = 900_000_000 + Math.floor(Math.random() * 90_000_000);
    const text = carrier.interchange(status('AF', shipmentId), controlNumber).replace(/SE\*(\d+)\*0001/, (_m, n: string) => `SE*${Number(n) + 3}*0001`);
    await carrier.drop(text, controlNumber);
    const ack = await firstAck(carrier, controlNumber);
    expect([ack.ak5, ack.ak9]).toEqual([['R'], ['R']]);
    expect(await departed(shipmentId)).toEqual([]);
  });
});
