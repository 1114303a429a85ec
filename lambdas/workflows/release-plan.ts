/**
 * Which waiting workflows a resolution event releases. Pure.
 *
 * A workflow waiting for resolution has written a wait item (statemachines/*.asl.json,
 * `WaitForResolution`) to the correlation table:
 *
 * | `pk` | `sk` | attributes |
 * |---|---|---|
 * | `SHIPMENT#<shipmentId>` | `WAIT#<flow>#<exception event id>` | `taskToken`, `flow`, `caseId`, `correlationId`, `executionId`, `expiresAt` (TTL) |
 *
 * Access pattern: `Query(pk=SHIPMENT#id, begins_with(sk, "WAIT#"))` — every wait of one shipment.
 * `shipment.delivered` releases all of them; `case.resolved` releases those waiting on that case.
 */
import type { ResolutionOutput } from './model';

export const RESOLUTION_EVENT_TYPES = ['case.resolved', 'shipment.delivered'] as const;
export type ResolutionEventType = (typeof RESOLUTION_EVENT_TYPES)[number];

export interface WaitItem {
  readonly pk: string;
  readonly sk: string;
  readonly taskToken: string;
  readonly flow: string;
  readonly caseId?: string;
  readonly executionId?: string;
}

export interface ResolutionEvent {
  readonly eventType: ResolutionEventType;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly shipmentId: string;
  readonly caseId?: string;
}

export interface Release {
  readonly item: WaitItem;
  readonly output: ResolutionOutput;
}

export function waitPartitionKey(shipmentId: string): string {
  return `SHIPMENT#${shipmentId}`;
}

export const WAIT_SORT_KEY_PREFIX = 'WAIT#';

export function isResolutionEventType(type: string): type is ResolutionEventType {
  return (RESOLUTION_EVENT_TYPES as readonly string[]).includes(type);
}

export function planReleases(event: ResolutionEvent, waits: readonly WaitItem[]): Release[] {
  const output: ResolutionOutput = { resolvedBy: event.eventType, resolvedByEventId: event.eventId, resolvedAt: event.occurredAt };
  return waits
    .filter((w) => event.eventType === 'shipment.delivered' || !w.caseId || w.caseId === event.caseId)
    .map((item) => ({ item, output }));
}
