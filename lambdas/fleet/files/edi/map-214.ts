import { buildCanonicalEvent, type CanonicalDetail, type CanonicalRefs } from '../../../shared/canonical-event';
import { asIdentifier, compact } from '../../../shared/webhook/mapping';
import type { ShipmentStatusMessage, StatusDetail } from './shipment-status';
import { statusTime } from './time-codes';

/**
 * A 214's status details → canonical fleet events, as the Samsara route-stop events map (lambdas/fleet/inbound/samsara.ts):
 *
 * | AT701 (X12 1650)                                   | canonical                                   |
 * |----------------------------------------------------|---------------------------------------------|
 * | AF Carrier Departed Pick-up Location with Shipment | `shipment.departed` (origin)                |
 * | X1 Arrived at Delivery Location                    | `shipment.arrived` (delivery)               |
 * | D1 Completed Unloading at Delivery Location        | `shipment.delivered` + `pod.captured` (the carrier's delivery confirmation) |
 * | AG Estimated Delivery, X2 Estimated Arrival at Consignee | `shipment.eta-updated` (delivery)     |
 * | SD Shipment Delayed (AT702 says why)               | `shipment.exception-raised` (delay)         |
 * | X3 Arrived at Pickup Location                      | ignored, with the reason: the milestone model ranks "arrived" above "departed", so an origin arrival would put the shipment ahead of itself (the departure AF is the milestone) |
 * | anything else, appointment-only AT7s               | ignored, with the reason                    |
 *
 * References: B10-02 (shipment identification number) is the shipment id we tendered; the order id is the first
 * L11 with qualifier OQ (order number), CO (customer order) or PO (purchase order); the carrier's route is
 * `<SCAC>-<B10-01 PRO>`, its delivery stop `<route>:delivery`. Pure: the caller supplies the clock reading.
 */

/** Which message a status came from: the dedupe key's parts, all from the envelope. */
export interface StatusOrigin {
  readonly partner: string;
  readonly interchangeControl: string;
  readonly groupControl: string;
  readonly transactionControl: string;
  /** IANA time zone for AT707 `LT` (local time) or no time code. */
  readonly localTimeZone: string;
}

export interface Mapped {
  readonly events: CanonicalDetail<object>[];
  readonly ignored: { readonly status: string; readonly reason: string }[];
}

export const VENDOR = 'edi';

/** AT702 (X12 1651) reasons the delay exception names (others are `other`, their code in the description). */
const DELAY_REASONS: Readonly<Record<string, { reason: 'traffic' | 'weather' | 'vehicle-breakdown' | 'loading' | 'customs' | 'other'; text: string }>> = {
  AO: { reason: 'weather', text: 'weather or natural disaster' },
  AI: { reason: 'vehicle-breakdown', text: 'mechanical breakdown' },
  AF: { reason: 'other', text: 'accident' },
  BE: { reason: 'traffic', text: 'road conditions' },
  AM: { reason: 'loading', text: 'shipper related' },
  AS: { reason: 'customs', text: 'hold due to customs documentation problems' },
  CA: { reason: 'customs', text: 'customs (import or export)' },
  BD: { reason: 'customs', text: 'border clearance' },
  AH: { reason: 'other', text: 'driver related' },
  AJ: { reason: 'other', text: 'other carrier related' },
  AG: { reason: 'other', text: 'consignee related' },
};

function location(status: StatusDetail): Record<string, unknown> | undefined {
  const l = status.location;
  if (!l) return undefined;
  const name = [l.city, l.state, l.country].filter(Boolean).join(', ');
  const coordinates =
    l.latitude !== undefined && l.longitude !== undefined && Math.abs(l.latitude) <= 90 && Math.abs(l.longitude) <= 180 ? { latitude: l.latitude, longitude: l.longitude } : undefined;
  const result = compact({ name: name ? name.slice(0, 200) : undefined, coordinates });
  return Object.keys(result).length > 0 ? result : undefined;
}

/** The canonical events of one 214 (pure). */
export function mapShipmentStatus(message: ShipmentStatusMessage, origin: StatusOrigin, receivedAt: string): Mapped {
  const routeId = asIdentifier(`${message.scac}-${message.carrierReference ?? message.shipmentId}`);
  const orderId = asIdentifier(message.references.OQ ?? message.references.CO ?? message.references.PO);
  const base: CanonicalRefs = compact({ shipmentId: message.shipmentId, orderId, routeId });
  const events: CanonicalDetail<object>[] = [];
  const ignored: Mapped['ignored'] = [];
  const eta = message.statuses.find((s) => (s.status === 'AG' || s.status === 'X2') && s.date);
  const etaAt = eta ? statusTime(eta, origin.localTimeZone) : undefined;

  for (const status of message.statuses) {
    const vendorEventId = `${origin.partner}:${origin.interchangeControl}:${origin.groupControl}:${origin.transactionControl}:${status.position}`;
    const occurredAt = statusTime(status, origin.localTimeZone);
    const event = <T extends object>(eventType: string, refs: CanonicalRefs, data: T, index = 0) =>
      buildCanonicalEvent({ eventType, system: 'fleet', vendor: VENDOR, vendorEventId, index, occurredAt, receivedAt, refs, data });
    const where = location(status);
    switch (status.status) {
      case 'AF':
        events.push(event('shipment.departed', base, compact({ stopKind: 'origin', location: where })));
        break;
      case 'X1':
        events.push(event('shipment.arrived', { ...base, stopId: `${routeId}:delivery` }, compact({ stopKind: 'delivery', location: where })));
        break;
      case 'D1':
        events.push(event('shipment.delivered', base, compact({ complete: true, location: where })));
        if (orderId) {
          // The carrier's delivery confirmation is the proof of delivery the product has; the signed document stays with the carrier.
          events.push(event('pod.captured', base, { documentId: asIdentifier(`${routeId}-D1-${status.date}${status.time ?? ''}`)!, documentType: 'proof-of-delivery', signatureCaptured: false }, 1));
        } else {
          ignored.push({ status: 'D1', reason: 'no order reference (L11 OQ, CO or PO): delivered is published, proof of delivery (billing-ready) is not' });
        }
        break;
      case 'AG':
      case 'X2':
        events.push(event('shipment.eta-updated', base, { etaAt: occurredAt, stopKind: 'delivery' }));
        break;
      case 'SD': {
        const why = DELAY_REASONS[status.reason ?? ''];
        events.push(
          event(
            'shipment.exception-raised',
            base,
            compact({
              kind: 'delay',
              exceptionId: asIdentifier(`${routeId}-SD-${status.date}${status.time ?? ''}`),
              // The 214 says the shipment is late, not by how much: the workflow measures the ETA (when the carrier sent
              // one, AG/X2) against the order's delivery window; 1 is the schema's least lateness.
              delayMinutes: 1,
              reason: why?.reason ?? 'other',
              description: `The carrier reports the shipment delayed (AT7 SD, reason ${status.reason ?? 'none'}${why ? `: ${why.text}` : ''}).`,
              etaAt,
            }),
          ),
        );
        break;
      }
      case 'X3':
        ignored.push({ status: 'X3', reason: 'arrival at the pickup location is not a shipment milestone (the departure with the shipment, AF, is)' });
        break;
      case undefined:
        ignored.push({ status: `appointment ${status.appointmentStatus ?? ''}`.trim(), reason: 'appointment statuses are not shipment milestones' });
        break;
      default:
        ignored.push({ status: status.status, reason: `AT7 status ${status.status} is not mapped to a canonical event` });
    }
  }
  return { events, ignored };
}
