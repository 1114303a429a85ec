import { createHash } from 'node:crypto';
import type { CanonicalRefs } from '../../registry/correlation-keys';
import type { EventSourceSystem } from '../../registry/systems';

/** Where a canonical event comes from (registry/systems.ts). */
export type { EventSourceSystem };

/** The business ids of `refs`, declared with the correlation keys they feed (registry/correlation-keys.ts). */
export type { CanonicalRefs };

/** The EventBridge `detail` of a canonical event (schemas/canonical/envelope.schema.json). */
export interface CanonicalDetail<TData extends object = Record<string, unknown>> {
  metadata: {
    eventId: string;
    eventType: string;
    schemaVersion: string;
    occurredAt: string;
    receivedAt: string;
    source: { system: EventSourceSystem; vendor: string; eventId: string };
    correlationId: string;
    causationId?: string;
    sequence?: number;
  };
  refs: CanonicalRefs;
  data: TData;
}

/**
 * Deterministic canonical event id: SHA-256 of (source system, vendor event id — or the fact's key, see
 * {@link factKey} —, index within the webhook), so a vendor's retry of the same webhook yields the same ids.
 */
export function canonicalEventId(system: EventSourceSystem, vendorEventId: string, index: number): string {
  return createHash('sha256').update(`${system}\u0000${vendorEventId}\u0000${index}`).digest('hex');
}

/**
 * The key of a fact that more than one delivery can report: a webhook's event id is the vendor's own (Samsara and
 * Zendesk generate one for each event they send), so a reconciliation sweep that reads the same fact from the vendor's
 * API later cannot know them. Mappers of facts a sweep can observe (a stop departed at a time, an invoice posted, a
 * ticket solved) name the fact instead, with parts both sides read: the webhook and the sweep then produce the same
 * canonical id, and whichever arrives second is a duplicate everywhere downstream.
 */
export function factKey(...parts: readonly string[]): string {
  return ['fact', ...parts].join('/');
}

export interface NewCanonicalEvent<TData extends object> {
  eventType: string;
  schemaVersion?: string;
  system: EventSourceSystem;
  vendor: string;
  vendorEventId: string;
  /**
   * The fact's own key ({@link factKey}): the id derives from it instead of the vendor event id, so a webhook and a
   * reconciliation sweep observing the same fact agree. @default - the id derives from the vendor event id
   */
  fact?: string;
  /** Position of this event among those mapped from one vendor event. @default 0 */
  index?: number;
  occurredAt: string;
  receivedAt: string;
  refs: CanonicalRefs;
  data: TData;
  /**
   * @default the first of refs.orderId, refs.shipmentId and the vendor event id that is a canonical Identifier,
   * else the canonical event id
   */
  correlationId?: string;
  causationId?: string;
  sequence?: number;
}

/**
 * The schema version the producers write for each event type: its latest major version in `schemas/canonical/events`
 * (a test holds the two together). A type not listed is at version 1.
 */
export const CURRENT_SCHEMA_VERSIONS: Readonly<Record<string, string>> = { 'order.released': '2' };

/** The version {@link buildCanonicalEvent} writes for `eventType` when the caller names none. */
export function currentSchemaVersion(eventType: string): string {
  return Object.hasOwn(CURRENT_SCHEMA_VERSIONS, eventType) ? CURRENT_SCHEMA_VERSIONS[eventType] : '1';
}

/** The canonical Identifier (schemas/canonical/common.schema.json#/$defs/Identifier). */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

/**
 * Builds a canonical event detail. Pure: the caller supplies the clock readings.
 * The default correlation id skips a ref that is not an Identifier: that ref fails validation under its own name
 * (`refs.orderId`), instead of a derived `metadata.correlationId` the sender never wrote.
 */
export function buildCanonicalEvent<TData extends object>(input: NewCanonicalEvent<TData>): CanonicalDetail<TData> {
  const refs = Object.fromEntries(Object.entries(input.refs).filter(([, v]) => v !== undefined && v !== '')) as CanonicalRefs;
  const eventId = canonicalEventId(input.system, input.fact ?? input.vendorEventId, input.index ?? 0);
  const correlation = [refs.orderId, refs.shipmentId, input.vendorEventId].find((id): id is string => typeof id === 'string' && IDENTIFIER.test(id));
  return {
    metadata: {
      eventId,
      eventType: input.eventType,
      schemaVersion: input.schemaVersion ?? currentSchemaVersion(input.eventType),
      occurredAt: input.occurredAt,
      receivedAt: input.receivedAt,
      source: { system: input.system, vendor: input.vendor, eventId: input.vendorEventId },
      correlationId: input.correlationId ?? correlation ?? eventId,
      ...(input.causationId ? { causationId: input.causationId } : {}),
      ...(input.sequence !== undefined ? { sequence: input.sequence } : {}),
    },
    refs,
    data: input.data,
  };
}

/** EventBridge `source` for a canonical event from a system. */
/**
 * Whether an event is a credit memo (`invoice.posted` with `documentType: credit-memo`): it bills nothing, so it
 * neither makes a shipment invoiced nor completes a billing SLI, and its ticket note says what it is.
 */
export function isCreditMemo(detail: { readonly metadata: { readonly eventType: string }; readonly data: unknown }): boolean {
  return detail.metadata.eventType === 'invoice.posted' && (detail.data as { documentType?: unknown } | undefined)?.documentType === 'credit-memo';
}

export function eventSource(system: EventSourceSystem): string {
  return `logistics-sync.${system}`;
}
