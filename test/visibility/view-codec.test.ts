/**
 * The stored form of a shipment view (lambdas/visibility/view-codec.ts): compressed JSON with a frozen dictionary,
 * behind a version byte. Stored items are read with it until they expire, so the format is pinned here.
 */
import { describe, expect, test } from 'vitest';
import { foldView, type ShipmentView } from '../../lambdas/visibility/shipment-view';
import { decodeView, encodeView, VIEW_ATTRIBUTE, viewOfItem } from '../../lambdas/visibility/view-codec';
import { SHIPMENT, story } from './story';

const small = {
  shipmentId: 'SHP-1',
  orderId: 'SO-1',
  exceptions: { e1: { kind: 'delay', severity: 'minor', severityBasis: 'reported', status: 'reported', raisedAt: '2026-03-12T10:40:00.000Z' } },
  cases: {},
  holds: {},
  deliveredAt: '2026-03-12T13:30:00.000Z',
} as ShipmentView;

function referenceView(): ShipmentView {
  let view: ShipmentView | undefined;
  for (const event of story().events) view = foldView(view, SHIPMENT, event);
  return view!;
}

describe('the stored form of a shipment view', () => {
  test('round trip of the reference story: the same view back, in about a fifth of its JSON', () => {
    const view = referenceView();
    const stored = encodeView(view);
    expect(decodeView(stored)).toEqual(view);
    expect(stored.length).toBeLessThan(300);
    expect(JSON.stringify(view).length).toBeGreaterThan(1000);
    // Deterministic: the same view, the same bytes.
    expect(Buffer.from(encodeView(structuredClone(view))).equals(Buffer.from(stored))).toBe(true);
  });

  test('version 1 is frozen: bytes written today decode to the same view (a new dictionary needs a new version byte)', () => {
    const written = Buffer.from('AUMLkGCPAF1DlFAJ9gcLoHo+1RDJ+1jyHHruIjIjIfnXyMDITNfAWNfQKMTQwMoE4WDkNFarA0/UGFkA2QBjK2MkAwA=', 'base64');
    expect(decodeView(written)).toEqual(small);
    expect(Buffer.from(encodeView(small)).toString('base64')).toBe(written.toString('base64'));
  });

  test('a form this code does not know is refused with what it is, never guessed', () => {
    const stored = encodeView(small);
    const newer = Uint8Array.from([2, ...stored.subarray(1)]);
    expect(() => decodeView(newer)).toThrow(/unknown form \(version byte 2/);
    expect(() => decodeView(new Uint8Array())).toThrow(/version byte missing/);
  });

  test('a state item gives its view in either form: the stored one, or the map older versions wrote', () => {
    expect(viewOfItem({ [VIEW_ATTRIBUTE]: encodeView(small) })).toEqual(small);
    expect(viewOfItem({ view: small })).toEqual(small);
    expect(viewOfItem({ [VIEW_ATTRIBUTE]: encodeView(small), view: { shipmentId: 'old' } })).toEqual(small);
    expect(viewOfItem({ rank: 3 })).toBeUndefined();
    expect(viewOfItem(undefined)).toBeUndefined();
  });
});
