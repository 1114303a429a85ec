import type { CanonicalDetail, CanonicalRefs } from '../shared/canonical-event';
import { MILESTONE_RANK, milestoneOf, type GuardDecision, type Milestone } from '../shared/outbound/milestones';
import { inFlightKeys, keys, linksOf, utcIso, type AssetKind, type LinkKind } from '../../registry/correlation-keys';

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

/**
 * A link (`LINK#<kind>#<id>` / `CORR#<correlationId>`): which correlations an external id appears in. Versions before
 * 2026-12-05 also wrote its mirror in the correlation (`CORR#<id>` / `LINK#<kind>#<id>`, `itemType: 'member'`); the
 * readers still accept mirrors until they expire, but what a correlation holds is now read from its timeline entries'
 * refs (one write per id instead of two; docs/cost.md).
 */
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
  /** When the current milestone's event was received (items written before 2026-12-06's afternoon lack it). */
  readonly milestoneReceivedAt?: string;
  readonly lateEvents?: number;
  readonly expiresAt: number;
}

export interface MilestoneUpdate {
  readonly shipmentId: string;
  readonly milestone: Milestone;
  readonly rank: number;
  readonly eventId: string;
  readonly occurredAt: string;
  /** When we received the event (UTC): a refused milestone received before the one that superseded it is not late. */
  readonly receivedAt?: string;
  readonly correlationId: string;
  /** The order, route and customer the event names: kept on the state item for the sweeps while it is in flight. */
  readonly ids?: { readonly orderId?: string; readonly routeId?: string; readonly customerId?: string };
}

/**
 * A fleet asset carrying a shipment (`ASSET#<kind>#<assetId>` / `AT#<assignedAt>#<shipmentId>`), written once when the
 * shipment is dispatched. It ends with the shipment's delivery, which the lookup reads from the shipment's state
 * item (nothing is written on the assignment at delivery). A fleet alert that names only the vehicle, trailer or
 * sensor finds its shipments here (lambdas/fleet/inbound/asset-assignments.ts).
 */
export interface AssetAssignmentItem {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: 'asset-assignment';
  readonly assetKind: AssetKind;
  readonly assetId: string;
  readonly shipmentId: string;
  readonly orderId?: string;
  readonly routeId?: string;
  readonly correlationId: string;
  /** UTC ISO with milliseconds. */
  readonly assignedAt: string;
  /** The load's allowed temperature range, when it has one. */
  readonly minCelsius?: number;
  readonly maxCelsius?: number;
  readonly expiresAt: number;
}

/**
 * What a milestone update writes about the shipment being in flight (pure), on the state item it updates anyway
 * (registry/correlation-keys.ts `inFlightKeys`): below delivery, the `InFlight` GSI's keys and the ids a sweep needs
 * (a milestone naming the same ids again changes nothing the index projects: no index write); at delivery, the keys
 * removed (the shipment leaves the index). Applied only when the milestone advances the state, never for a late one.
 */
export function inFlightAttributes(update: MilestoneUpdate): { readonly set: Readonly<Record<string, string>>; readonly remove: readonly string[] } {
  if (update.milestone === 'delivered') return { set: {}, remove: [inFlightKeys.pkAttribute, inFlightKeys.skAttribute] };
  const ids = Object.fromEntries(Object.entries(update.ids ?? {}).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
  return { set: { [inFlightKeys.pkAttribute]: inFlightKeys.pk, [inFlightKeys.skAttribute]: update.shipmentId, ...ids }, remove: [] };
}

/** Everything one canonical event writes to the correlation table. */
export interface IndexPlan {
  /** Without the `late` flag: that is known only after the guarded state update. */
  readonly timeline: Omit<TimelineItem, 'late'>;
  /** Link items, one per business id in the refs but the one the correlation is named after (implied: see planIndex). */
  readonly links: LinkItem[];
  /** The guarded state update, for shipment milestones that name a shipment. */
  readonly milestone?: MilestoneUpdate;
  /** `shipment.dispatched` naming a vehicle or trailer: its assignments. */
  readonly assignments?: readonly AssetAssignmentItem[];
}

/** The assignment items of a `shipment.dispatched` (pure). */
function planAssignments(detail: CanonicalDetail, occurredAt: string, expiresAt: number): IndexPlan['assignments'] {
  const { refs, data, metadata } = detail;
  const shipmentId = refs.shipmentId;
  if (metadata.eventType !== 'shipment.dispatched' || !shipmentId) return undefined;
  const d = data as { vehicleId?: unknown; trailerId?: unknown; temperature?: { range?: { minCelsius?: unknown; maxCelsius?: unknown } } };
  const range = d.temperature?.range;
  const assets = (
    [
      ['vehicle', d.vehicleId],
      ['trailer', d.trailerId],
    ] as const
  ).filter((a): a is [AssetKind, string] => typeof a[1] === 'string' && a[1] !== '');
  if (assets.length === 0) return undefined;
  const items = assets.map(
    ([assetKind, assetId]): AssetAssignmentItem => ({
      pk: keys.assetPk(assetKind, assetId),
      sk: keys.assignmentSk(occurredAt, shipmentId),
      itemType: 'asset-assignment',
      assetKind,
      assetId,
      shipmentId,
      ...(refs.orderId ? { orderId: refs.orderId } : {}),
      ...(refs.routeId ? { routeId: refs.routeId } : {}),
      correlationId: metadata.correlationId,
      assignedAt: occurredAt,
      ...(typeof range?.minCelsius === 'number' ? { minCelsius: range.minCelsius } : {}),
      ...(typeof range?.maxCelsius === 'number' ? { maxCelsius: range.maxCelsius } : {}),
      expiresAt,
    }),
  );
  return items;
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

/** What the correlation already holds of one member (`CORR#<id>` / `LINK#<kind>#<id>`): enough to keep it. */
export interface KnownMember {
  readonly expiresAt: number;
  readonly firstEventId: string;
  readonly firstSeenAt: string;
}

/**
 * The link items an event still has to write (pure), given the links of its ids that exist already (keyed by
 * `keys.memberSk(kind, id)`): a link is written the first time an id joins the correlation, and again only when its
 * expiry is less than half the TTL away (keeping the first event and time), so a long-lived correlation never loses
 * its links while the events that keep coming cost a read, not a write per id (docs/cost.md).
 */
export function linksToWrite(planned: readonly LinkItem[], known: ReadonlyMap<string, KnownMember>, now: Date, ttlSeconds: number): LinkItem[] {
  const refreshBefore = Math.floor(now.getTime() / 1000) + Math.floor(ttlSeconds / 2);
  return planned.flatMap((item): LinkItem[] => {
    const member = known.get(keys.memberSk(item.kind, item.externalId));
    if (!member) return [item];
    if (member.expiresAt >= refreshBefore) return [];
    return [{ ...item, firstEventId: member.firstEventId, firstSeenAt: member.firstSeenAt }];
  });
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
  // The id the correlation is named after (its order, or the shipment of an event without one) needs no link: the trace
  // finds `CORR#<id>` by that id directly (trace-query.ts), so the order's link, one write per order, is implied.
  const links = linksOf(refs)
    .filter(({ externalId }) => externalId !== correlationId)
    .map(
      ({ kind, externalId }): LinkItem => ({
        pk: keys.linkPk(kind, externalId),
        sk: keys.linkSk(correlationId),
        itemType: 'link',
        kind,
        externalId,
        correlationId,
        firstEventId: metadata.eventId,
        firstSeenAt: now.toISOString(),
        expiresAt,
      }),
    );
  const update: MilestoneUpdate | undefined =
    milestone && refs.shipmentId
      ? {
          shipmentId: refs.shipmentId,
          milestone,
          rank: MILESTONE_RANK[milestone],
          eventId: metadata.eventId,
          occurredAt,
          receivedAt: utcIso(metadata.receivedAt),
          correlationId,
          ids: { orderId: refs.orderId, routeId: refs.routeId, customerId: refs.customerId },
        }
      : undefined;
  const assignments = planAssignments(detail, occurredAt, expiresAt);
  return { timeline, links, ...(update ? { milestone: update } : {}), ...(assignments ? { assignments } : {}) };
}

/** Attributes to set and to remove, as parts of an UpdateExpression (see {@link attributeUpdate}). */
export interface UpdateFragments {
  /** Clauses continuing a SET list (`, #<p>0 = :<p>0`…). */
  readonly set: string;
  /** The name placeholders to REMOVE. */
  readonly remove: string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, string>;
}

/** Attributes to set and to remove as UpdateExpression fragments with placeholders named from `prefix` (pure). */
export function attributeUpdate(attributes: { readonly set: Readonly<Record<string, string>>; readonly remove: readonly string[] }, prefix: string): UpdateFragments {
  const { set, remove } = attributes;
  const setNames = Object.keys(set);
  return {
    set: setNames.map((_, i) => `, #${prefix}${i} = :${prefix}${i}`).join(''),
    remove: remove.map((_, i) => `#${prefix}r${i}`),
    names: { ...Object.fromEntries(setNames.map((n, i) => [`#${prefix}${i}`, n])), ...Object.fromEntries(remove.map((n, i) => [`#${prefix}r${i}`, n])) },
    values: Object.fromEntries(setNames.map((n, i) => [`:${prefix}${i}`, set[n]!])),
  };
}

/** The in-flight part of a milestone update for an UpdateExpression (pure). */
export function inFlightUpdate(update: MilestoneUpdate): UpdateFragments {
  return attributeUpdate(inFlightAttributes(update), 'if');
}

/**
 * What the state guard's decision means for the timeline (pure). A milestone at or below the shipment's is `late` when
 * it was received after the milestone that superseded it (the departure reported after the delivery); received before
 * it but indexed after (two ledger batches indexed at once), it is only `out-of-order`: the state is right either way,
 * and the trace does not flag it. Without both receipt times (a state item written before they were kept): late.
 */
export type MilestoneDecision = GuardDecision | 'out-of-order';

export function refusedMilestone(decision: GuardDecision, receivedAt: string | undefined, supersededAt: string | undefined): MilestoneDecision {
  if (decision !== 'late' || receivedAt === undefined || supersededAt === undefined) return decision;
  const received = Date.parse(receivedAt);
  const superseding = Date.parse(supersededAt);
  return Number.isFinite(received) && Number.isFinite(superseding) && received < superseding ? 'out-of-order' : 'late';
}
