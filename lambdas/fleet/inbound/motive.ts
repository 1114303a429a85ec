import { createHash } from 'node:crypto';
import { buildCanonicalEvent } from '../../shared/canonical-event';
import { dialectIdentity, type Dialect, type MapResult } from '../../shared/webhook/dialect';
import { motiveWebhook } from '../../shared/webhook/generated/vendor-validators.js';
import { asIdentifier, compact } from '../../shared/webhook/mapping';
import { signatureHeader } from '../../shared/webhook/request';
import { MOTIVE_SIGNATURE_HEADER, verifyMotive } from '../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { VENDOR_DIALECTS } from '../../../registry/vendors';

/**
 * Motive (KeepTruckin) company webhooks → canonical fleet events.
 *
 * Motive signs the body only (HMAC-SHA1, no timestamp), and its payloads carry no event id. So:
 * - there is no replay window: a replayed request is answered from the idempotency record (same 202,
 *   nothing published) for as long as the record lives (stage config `retention.idempotencyTtlHours`);
 * - the vendor event id is derived from the body: `<action>:<sha256(body)[0..32]>`. A retry sends the same
 *   bytes, so it dedupes; an update to the same form entry is a new body and a new event.
 *
 * Mapped: `form_entry_upserted` for a submitted form at a drop-off stop of a dispatch we created (the
 * dispatch's vendor id is our shipment id) → `pod.captured` (documentType `delivery-note`: a Motive form
 * entry is the driver's delivery paperwork; whether it holds a signature is not in the webhook, so
 * `signatureCaptured` is false). Everything else (vehicle_location_updated, fault codes, HOS, …) is
 * valid, irrelevant telemetry: 202 ignored.
 */

export interface MotiveWebhook {
  action: string;
  trigger?: string;
  id?: number;
  dispatch_id?: number | null;
  dispatch_stop_id?: number | null;
  vendor_dispatch_id?: string | null;
  vendor_stop_id?: string | null;
  stop_category?: string | null;
  created_at?: string;
  entered_at?: string;
  submitted?: boolean;
}

const validateMotive = motiveWebhook as SchemaValidator<MotiveWebhook>;
const VENDOR = 'motive';

function mapMotive(decoded: { event: MotiveWebhook; vendorEventId: string; vendorEventType: string }, receivedAt: string): MapResult {
  const event = decoded.event;
  if (event.action !== 'form_entry_upserted') return { kind: 'ignored', reason: `Motive action ${event.action} is not mapped` };
  if (event.submitted !== true) return { kind: 'ignored', reason: 'form entry is not submitted yet' };
  if (!/drop|deliver/i.test(event.stop_category ?? '')) return { kind: 'ignored', reason: `form entry at a ${event.stop_category ?? 'non-dispatch'} stop is not delivery paperwork` };
  if (!event.vendor_dispatch_id) return { kind: 'ignored', reason: 'the dispatch carries no logistics-sync shipment id (vendor_id)' };
  // A dispatch someone else created may carry any vendor_id; ours is always a shipment id.
  const shipmentId = asIdentifier(event.vendor_dispatch_id);
  if (!shipmentId) return { kind: 'ignored', reason: 'the dispatch vendor_id is not a logistics-sync shipment id' };
  const detail = buildCanonicalEvent({
    eventType: 'pod.captured',
    system: 'fleet',
    vendor: VENDOR,
    vendorEventId: decoded.vendorEventId,
    occurredAt: event.entered_at ?? event.created_at ?? receivedAt,
    receivedAt,
    refs: compact({ shipmentId, routeId: asIdentifier(event.dispatch_id), stopId: asIdentifier(event.vendor_stop_id) ?? asIdentifier(event.dispatch_stop_id) }),
    data: { documentId: `motive-form-entry-${event.id}`, documentType: 'delivery-note', signatureCaptured: false },
  });
  return { kind: 'events', events: [detail] };
}

export const motiveDialect: Dialect<MotiveWebhook> = {
  ...dialectIdentity(VENDOR_DIALECTS.motive),
  verify(request, secret) {
    verifyMotive({ signature: signatureHeader(request, MOTIVE_SIGNATURE_HEADER), body: request.body, secret });
  },
  decode(request, json) {
    const event = validateOrThrow(validateMotive, json, 'invalid Motive webhook');
    const digest = createHash('sha256').update(request.body).digest('hex').slice(0, 32);
    return { event, vendorEventId: `${event.action}:${digest}`, vendorEventType: event.action };
  },
  map: mapMotive,
};
