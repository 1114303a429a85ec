import { buildCanonicalEvent, factKey, type CanonicalDetail } from '../../shared/canonical-event';
import { compact, minutesBetween } from '../../shared/webhook/mapping';

/**
 * A ticket's resolution as one fact, whoever reports it: the CS platform's webhook (Zendesk's status event; Freshdesk's
 * status rule, once the intake has read the ticket's stats) and the CS reconciliation sweep (lambdas/cs/reconciliation)
 * build the same `case.resolved`, with the same id, from the same time.
 */

/** The CS platforms whose resolutions are facts (registry/api-vendors.ts). */
export type ResolutionVendor = 'zendesk' | 'freshdesk';

/** `data.openMinutes` maximum of case.resolved v1. */
const MAX_OPEN_MINUTES = 10_000_000;

/** A time to the second: Zendesk's audits and Freshdesk's stats record whole seconds, event payloads may carry fractions. */
function toSecond(at: string): string | undefined {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The fact of a ticket reaching a resolved status (solved, closed) at a time, to the second (canonical-event.ts
 * `factKey`). Zendesk: the webhook reads it from its ticket's `updated_at` (the update that changed the status), the
 * sweep from the `created_at` of the audit that recorded the change. Freshdesk: both read the ticket's `stats`
 * (`resolved_at`, `closed_at`). A ticket solved, reopened and solved again is two facts.
 */
export function caseResolvedFact(vendor: ResolutionVendor, ticketId: string, status: string, at: string): string {
  return factKey(vendor, 'ticket', ticketId, status, at);
}

/**
 * `case.resolved` for a ticket that reached `status` at `at` (pure): the webhook's mapping and the sweep's, with the
 * fact's id and the fact's time as its occurrence (so both land on the same timeline entry). Undefined when `at` is not a time.
 */
export function caseResolvedEvent(fields: {
  vendor: ResolutionVendor;
  ticketId: string;
  shipmentId: string;
  status: 'solved' | 'closed';
  at: string;
  createdAt?: string;
  vendorEventId: string;
  receivedAt: string;
}): CanonicalDetail | undefined {
  const at = toSecond(fields.at);
  if (!at) return undefined;
  // A span beyond the canonical bound (19 years) means a wrong created_at: the resolution travels without it.
  const openMinutes = minutesBetween(fields.createdAt, at);
  const open = openMinutes === undefined || openMinutes > MAX_OPEN_MINUTES ? undefined : Math.max(0, openMinutes);
  return buildCanonicalEvent({
    eventType: 'case.resolved',
    system: 'cs',
    vendor: fields.vendor,
    vendorEventId: fields.vendorEventId,
    fact: caseResolvedFact(fields.vendor, fields.ticketId, fields.status, at),
    occurredAt: at,
    receivedAt: fields.receivedAt,
    refs: { caseId: fields.ticketId, shipmentId: fields.shipmentId },
    data: compact({ status: fields.status, openMinutes: open }),
  }) as CanonicalDetail;
}
