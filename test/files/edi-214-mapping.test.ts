import { describe, expect, test } from 'vitest';
import { readInterchanges, UnreadableInterchangeError } from '../../lambdas/fleet/files/edi/interchange';
import { mapShipmentStatus, type StatusOrigin } from '../../lambdas/fleet/files/edi/map-214';
import { readShipmentStatus } from '../../lambdas/fleet/files/edi/shipment-status';
import { statusTime } from '../../lambdas/fleet/files/edi/time-codes';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { example } from './edi-support';

const ORIGIN: StatusOrigin = { partner: 'summit-freight', interchangeControl: '101', groupControl: '101', transactionControl: '0001', localTimeZone: 'America/Chicago' };

function mapped(name: string, transaction = 0) {
  const [ic] = readInterchanges(example(name));
  const read = readShipmentStatus(ic!.groups[0]!.transactions[transaction]!, 'SMFT');
  expect(read.errors).toEqual([]);
  return mapShipmentStatus(read.message!, ORIGIN, '2026-12-05T12:00:00.000Z');
}

describe('X12 214 read with node-x12: envelope and segments', () => {
  test('the envelope: partner ids without padding, control numbers, usage, the delimiters the partner used', () => {
    const [ic] = readInterchanges(example('departed-af'));
    expect(ic!.envelope).toMatchObject({ senderQualifier: '02', senderId: 'SMFT', receiverQualifier: 'ZZ', receiverId: 'LSYNC', usage: 'P', acknowledgementRequested: false });
    expect(Number(ic!.envelope.controlNumber)).toBe(101);
    expect(ic!.delimiters).toEqual({ element: '*', segment: '~', component: '>' });
    expect(ic!.envelopeErrors).toEqual([]);
    const group = ic!.groups[0]!;
    expect(group).toMatchObject({ functionalId: 'QM', senderCode: 'SMFT', receiverCode: 'LSYNC', version: '004010', envelopeErrors: [] });
    expect(group.transactions.map((t) => [t.id, t.controlNumber, t.envelopeErrors])).toEqual([['214', '0001', []]]);
    // AK302 counts ST as 1: B10 is segment 2.
    expect(group.transactions[0]!.segments[0]).toMatchObject({ tag: 'B10', position: 2, elements: ['PRO4471203', 'SHP-7001', 'SMFT'] });
  });

  test('trailer problems are reported with the codes the acknowledgement uses, not thrown', () => {
    const [ic] = readInterchanges(example('departed-af').replace('SE*10*0001', 'SE*12*0002').replace('GE*1*101', 'GE*2*999'));
    const group = ic!.groups[0]!;
    expect([...group.envelopeErrors].sort()).toEqual(['4', '5']);
    expect([...group.transactions[0]!.envelopeErrors].sort()).toEqual(['3', '4']);
    expect(ic!.diagnostics.length).toBeGreaterThan(0);
  });

  test('a file that is not X12 is unreadable (nothing to address an acknowledgement to)', () => {
    expect(() => readInterchanges('this is not an interchange')).toThrow(UnreadableInterchangeError);
  });
});

describe('AT7 statuses → canonical milestones (the published examples)', () => {
  test('AF departed pick-up → shipment.departed from the origin, refs from B10 and L11, ET read as US Eastern', () => {
    const { events, ignored } = mapped('departed-af');
    expect(ignored).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      metadata: { eventType: 'shipment.departed', occurredAt: '2026-12-04T19:15:00.000Z', source: { system: 'fleet', vendor: 'edi', eventId: 'summit-freight:101:101:0001:7' } },
      refs: { shipmentId: 'SHP-7001', orderId: 'SO-7001', routeId: 'SMFT-PRO4471203' },
      data: { stopKind: 'origin', location: { name: 'MEMPHIS, TN, US' } },
    });
  });

  test('X1 arrived at delivery → shipment.arrived at the delivery stop (CT read as US Central)', () => {
    const { events } = mapped('arrived-x1');
    expect(events.map((e) => [e.metadata.eventType, e.metadata.occurredAt, e.refs.stopId, (e.data as { stopKind: string }).stopKind])).toEqual([
      ['shipment.arrived', '2026-12-05T15:05:00.000Z', 'SMFT-PRO4471203:delivery', 'delivery'],
    ]);
  });

  test('D1 completed unloading → shipment.delivered and the carrier-confirmed proof of delivery (billing-ready needs the order id)', () => {
    const { events } = mapped('delivered-d1');
    expect(events.map((e) => e.metadata.eventType)).toEqual(['shipment.delivered', 'pod.captured']);
    expect(events[0]!.data).toEqual({ complete: true, location: { name: 'DALLAS, TX, US' } });
    expect(events[1]!.data).toEqual({ documentId: 'SMFT-PRO4471203-D1-202612050955', documentType: 'proof-of-delivery', signatureCaptured: false });
    expect(new Set(events.map((e) => e.metadata.eventId)).size).toBe(2);
  });

  test('SD with reason AO (weather) → a delay exception carrying the AG estimated delivery; AG → eta-updated', () => {
    const { events } = mapped('delayed-sd-ag');
    expect(events.map((e) => e.metadata.eventType)).toEqual(['shipment.exception-raised', 'shipment.eta-updated']);
    expect(events[0]!.data).toMatchObject({ kind: 'delay', reason: 'weather', delayMinutes: 1, etaAt: '2026-12-05T22:00:00.000Z' });
    expect(events[1]!.data).toEqual({ etaAt: '2026-12-05T22:00:00.000Z', stopKind: 'delivery' });
  });

  test('X3 arrived at pickup and unmapped statuses (X6 en route) are ignored with their reasons; the departure still maps', () => {
    const first = mapped('pickup-and-departure', 0);
    expect(first.events.map((e) => e.metadata.eventType)).toEqual(['shipment.departed']);
    expect(first.ignored.map((i) => i.status)).toEqual(['X3']);
    const second = mapped('pickup-and-departure', 1);
    expect(second.events).toEqual([]);
    expect(second.ignored[0]!.reason).toMatch(/X6 is not mapped/);
  });

  test('every event mapped from the examples is a valid canonical event', () => {
    for (const name of ['departed-af', 'arrived-x1', 'delivered-d1', 'delayed-sd-ag']) {
      for (const event of mapped(name).events) expect(validateCanonicalEvent(event), `${name} ${event.metadata.eventType}`).toMatchObject({ ok: true });
    }
  });
});

describe('214 rules the acknowledgement reports (AK3/AK4)', () => {
  const read = (text: string, scac = 'SMFT') => readShipmentStatus(readInterchanges(text)[0]!.groups[0]!.transactions[0]!, scac);

  test('a missing B10 is a mandatory segment missing (AK304 = 3)', () => {
    const result = read(example('departed-af').replace('B10*PRO4471203*SHP-7001*SMFT~', '').replace('SE*10*', 'SE*9*'));
    expect(result.message).toBeUndefined();
    expect(result.errors).toMatchObject([{ tag: 'B10', code: '3' }]);
  });

  test('AT7 with a status but no reason, and an impossible date: the segment and its elements (723 codes 2 and 8)', () => {
    const result = read(example('arrived-x1').replace('AT7*X1*NS***20261205*0905*CT', 'AT7*X1****20261345*0905*CT'));
    expect(result.errors).toEqual([
      expect.objectContaining({ tag: 'AT7', position: 6, loop: '0205', code: '8', elements: [{ position: 2, reference: '1651', code: '2' }, { position: 5, reference: '373', code: '8', value: '20261345' }] }),
    ]);
  });

  test('a status message from another carrier than the partner (B10-03) is an invalid code value', () => {
    expect(read(example('arrived-x1'), 'ABCD').errors).toMatchObject([{ tag: 'B10', code: '8', elements: [{ position: 3, reference: '140', code: '7', value: 'SMFT' }] }]);
  });
});

describe('time codes', () => {
  test('fixed offsets, daylight-dependent zones and LT in the partner zone', () => {
    expect(statusTime({ date: '20260704', time: '1200', timeCode: 'UT' }, 'UTC')).toBe('2026-07-04T12:00:00.000Z');
    expect(statusTime({ date: '20260704', time: '1200', timeCode: 'ED' }, 'UTC')).toBe('2026-07-04T16:00:00.000Z');
    expect(statusTime({ date: '20260704', time: '1200', timeCode: 'ET' }, 'UTC')).toBe('2026-07-04T16:00:00.000Z');
    expect(statusTime({ date: '20261204', time: '1200', timeCode: 'ET' }, 'UTC')).toBe('2026-12-04T17:00:00.000Z');
    expect(statusTime({ date: '20261204', time: '1200', timeCode: 'LT' }, 'America/Los_Angeles')).toBe('2026-12-04T20:00:00.000Z');
    expect(statusTime({ date: '20261204' }, 'UTC')).toBe('2026-12-04T00:00:00.000Z');
  });
});
