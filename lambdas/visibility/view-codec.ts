/**
 * The stored form of a shipment view: compressed JSON in one binary attribute (`viewZ`) of the shipment's state item,
 * instead of a DynamoDB map (`view`). DynamoDB bills a write one unit per started 1 KB of the item
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption),
 * and a map's attribute names and the 64-character exception ids its cases and holds repeat took the reference
 * story's state item to about 1.45 KB (two units per write) once its view held an excursion, a case and a hold; the
 * same view compressed takes about 250 bytes (docs/cost.md). Nothing queries inside the view: it is read whole, folded
 * and written whole under its `viewVersion` condition (lambdas/visibility/view-store.ts).
 *
 * Format: one version byte, then the view's JSON compressed with raw DEFLATE (RFC 1951, Node's zlib) and a preset
 * dictionary of the view's field names and common values. **Version 1's dictionary must never change**: stored items
 * are decoded with it until they expire; a better dictionary is a new version byte beside it. Items written before
 * this form carry the map `view`, which {@link viewOfItem} still reads (and the next write of the view replaces).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ShipmentView } from './shipment-view';

/** The state item's attribute holding the compressed view. */
export const VIEW_ATTRIBUTE = 'viewZ';
/** The attribute of the form before it (a DynamoDB map), still read. */
export const LEGACY_VIEW_ATTRIBUTE = 'view';
/** The projection that reads a view in either form (with {@link VIEW_PROJECTION_NAMES}). */
export const VIEW_PROJECTION = '#view, viewZ';
export const VIEW_PROJECTION_NAMES: Readonly<Record<string, string>> = { '#view': LEGACY_VIEW_ATTRIBUTE };

const VERSION_1 = 1;
/**
 * Version 1's preset dictionary (frozen: see the module comment). DEFLATE finds matches up to 32 KB back, nearer
 * is cheaper to encode, so the most common strings come last.
 */
const DICTIONARY_1 = Buffer.from(
  [
    '"disposition":"","releasedAt":"","status":"released","trigger":"delay","source":"cs","priority":"urgent","priority":"normal",',
    '"kind":"eta-breach","kind":"delay","severity":"critical","severity":"minor","severity":"unknown","severityBasis":"reported","status":"reported","status":"open",',
    '"resolvedBy":"delivery","invoice":{"invoiceId":"","postedAt":"","currency":"EUR","currency":"USD","grossAmount":""},"deliveredAt":"","billingReadyAt":"',
    '"holds":{"":{"status":"active","placedAt":"","reason":"temperature-excursion","exceptionEventId":""}},',
    '"cases":{"":{"status":"resolved","openedAt":"","resolvedAt":"","priority":"high","source":"workflow","trigger":"temperature-excursion","exceptionEventId":""}},',
    '{"shipmentId":"","orderId":"","customerId":"","routeId":"","exceptions":{"":{"kind":"temperature-excursion","severity":"major","severityBasis":"decided","status":"resolved","raisedAt":"","caseId":"","holdId":"","resolvedAt":"","resolvedBy":"case.resolved"}},',
    'T00:00:00.000Z"',
  ].join(''),
  'utf8',
);

/** The stored form of a view (pure, deterministic: the same view gives the same bytes). */
export function encodeView(view: ShipmentView): Uint8Array {
  const packed = deflateRawSync(Buffer.from(JSON.stringify(view), 'utf8'), { level: 9, dictionary: DICTIONARY_1 });
  const stored = new Uint8Array(packed.length + 1);
  stored[0] = VERSION_1;
  stored.set(packed, 1);
  return stored;
}

/** The view a stored form holds; throws on a form this code does not know (a newer version: never guess). */
export function decodeView(stored: Uint8Array): ShipmentView {
  if (stored.length < 2 || stored[0] !== VERSION_1) throw new Error(`stored shipment view of unknown form (version byte ${stored[0] ?? 'missing'}, ${stored.length} bytes)`);
  return JSON.parse(inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY_1 }).toString('utf8')) as ShipmentView;
}

/** The view of a state item as read (either form), or undefined when it has none. */
export function viewOfItem(item: Readonly<Record<string, unknown>> | undefined): ShipmentView | undefined {
  const stored = item?.[VIEW_ATTRIBUTE];
  if (stored instanceof Uint8Array) return decodeView(stored);
  const legacy = item?.[LEGACY_VIEW_ATTRIBUTE];
  return legacy && typeof legacy === 'object' ? (legacy as ShipmentView) : undefined;
}
