import type { CanonicalDetail, CanonicalRefs } from '../shared/canonical-event';
import { MILESTONE_RANK, milestoneOf, type Milestone } from '../shared/outbound/milestones';
import { keys, linksOf, utcIso, type LinkKind } from './keys';

/** Small facts copied from an event's `data` into its timeline entry (enough for a trace, never a payload). */
export const FACT_FIELDS = [
  'status',
  'previousStatus',
  'kind',
  'reportedSeverity',
  'severity',
  'documentId',
  'podDocumentId',
  'priority',
  'change',
  'currency',
  'grossAmount',
  'targetSystem',
  'operation',
  'stage',
  'errorCode',
  'reason',
  'retryable',
  'attempts',
  'httpStatus',
  'deadLettered',
  'failedEventId',
  'failedEventType',
  'exceptionId',
  'basis',
] as const;

export type Facts = Record<string, string | number | boolean>;

/** One entry of a correlation's timeline (`CORR#<id>` / `TL#<occurredAt>#<eventId>`). */
export interface TimelineItem {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: 'timeline';
  readonly eventId: string;
  readonly eventType: string;
  readonly system: string;
  readonly vendor: string;
  readonly vendorEventId: string;
  /** UTC ISO with milliseconds. */
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly indexedAt: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly sequence?: number;
  readonly refs: CanonicalRefs;
  readonly facts: Facts;
  /** A milestone that arrived after a later one: recorded, never applied to the shipment state. */
  readonly late: boolean;
  readonly milestone?: Milestone;
  readonly expiresAt: number;
}

/** A link (`LINK#<kind>#<id>` / `CORR#<correlationId>`) or its mirror in the correlation (`CORR#<id>` / `LINK#<kind>#<id>`). */
export interface LinkItem {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: 'link' | 'member';
  readonly kind: LinkKind;
  readonly externalId: string;
  readonly correlationId: string;
  readonly firstEventId: string;
  readonly firstSeenAt: string;
  readonly expiresAt: number;
}

/** The current state of one shipment (`SHIPMENT#<id>` / `STATE`). */
export interface ShipmentStateItem {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: 'shipment-state';
  readonly shipmentId: string;
  readonly rank: number;
  readonly milestone: Milestone;
  readonly version: number;
  readonly lastEventId: string;
  readonly milestoneAt: string;
  readonly updatedAt: string;
  readonly correlationId: string;
  readonly lateEvents?: number;
  readonly expiresAt: number;
}

export interface MilestoneUpdate {
  readonly shipmentId: string;
  readonly milestone: Milestone;
  readonly rank: number;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly correlationId: string;
}

/** Everything one canonical event writes to the correlation table. */
export interface IndexPlan {
  /** Without the `late` flag: that is known only after the guarded state update. */
  readonly timeline: Omit<TimelineItem, 'late'>;
  /** Link items and their mirrors, two per business id in the refs. */
  readonly links: LinkItem[];
  /** The guarded state update, for shipment milestones that name a shipment. */
  readonly milestone?: MilestoneUpdate;
}

function factsOf(data: Record<string, unknown>): Facts {
  const facts: Facts = {};
  for (const field of FACT_FIELDS) {
    const value = data[field];
    if (typeof value === 'string') facts[field] = value.slice(0, 200);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') facts[field] = value;
  }
  return facts;
}

/**
 * What to write for a canonical event (pure). The correlation is the event's `correlationId`; events of
 * one business transaction that arrived under different correlation ids (e.g. a CS case keyed on the
 * shipment before the order was known) stay reachable through the shared links (see trace-query.ts).
 */
export function planIndex(detail: CanonicalDetail, now: Date, ttlSeconds: number): IndexPlan {
  const { metadata, refs, data } = detail;
  const correlationId = metadata.correlationId;
  const occurredAt = utcIso(metadata.occurredAt);
  const expiresAt = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const milestone = milestoneOf(metadata.eventType);
  const timeline: Omit<TimelineItem, 'late'> = {
    pk: keys.corrPk(correlationId),
    sk: keys.timelineSk(occurredAt, metadata.eventId),
    itemType: 'timeline',
    eventId: metadata.eventId,
    eventType: metadata.eventType,
    system: metadata.source.system,
    vendor: metadata.source.vendor,
    vendorEventId: metadata.source.eventId,
    occurredAt,
    receivedAt: utcIso(metadata.receivedAt),
    indexedAt: now.toISOString(),
    correlationId,
    ...(metadata.causationId ? { causationId: metadata.causationId } : {}),
    ...(metadata.sequence !== undefined ? { sequence: metadata.sequence } : {}),
    refs: Object.fromEntries(Object.entries(refs).filter(([, v]) => typeof v === 'string' && v !== '')) as CanonicalRefs,
    facts: factsOf(data as Record<string, unknown>),
    ...(milestone ? { milestone } : {}),
    expiresAt,
  };
  const links = linksOf(refs).flatMap(({ kind, externalId }): LinkItem[] => {
    const common = { kind, externalId, correlationId, firstEventId: metadata.eventId, firstSeenAt: now.toISOString(), expiresAt };
    return [
      { pk: keys.linkPk(kind, externalId), sk: keys.linkSk(correlationId), itemType: 'link', ...common },
      { pk: keys.corrPk(correlationId), sk: keys.memberSk(kind, externalId), itemType: 'member', ...common },
    ];
  });
  const update =
    milestone && refs.shipmentId
      ? { shipmentId: refs.shipmentId, milestone, rank: MILESTONE_RANK[milestone], eventId: metadata.eventId, occurredAt, correlationId }
      : undefined;
  return { timeline, links, ...(update ? { milestone: update } : {}) };
}
