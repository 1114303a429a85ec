import type { CanonicalDetail, CanonicalRefs } from '../shared/canonical-event';
import { MILESTONE_RANK, milestoneOf, type Milestone } from '../shared/outbound/milestones';
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
 * The shipment's in-flight entry (`SHIPMENT#<id>` / `INFLIGHT`, registry/correlation-keys.ts `inFlightKeys`), which the
 * reconciliation sweeps page through: entered (or refreshed with the route and order it now knows) by a milestone
 * below delivery, left at delivery. Applied only when the milestone advanced the state (or repeats it: a retry of an
 * event whose first attempt failed after the state update), never for a late one.
 */
export type InFlightChange =
  | { readonly action: 'enter'; readonly item: InFlightItem }
  | { readonly action: 'leave'; readonly shipmentId: string };

export interface InFlightItem {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: 'in-flight';
  readonly listPk: string;
  readonly listSk: string;
  readonly shipmentId: string;
  readonly correlationId: string;
  readonly orderId?: string;
  readonly routeId?: string;
  readonly customerId?: string;
  readonly expiresAt: number;
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
  /** For shipment milestones: the shipment enters (or stays) in flight, or leaves at delivery. */
  readonly inFlight?: InFlightChange;
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
  const update =
    milestone && refs.shipmentId
      ? { shipmentId: refs.shipmentId, milestone, rank: MILESTONE_RANK[milestone], eventId: metadata.eventId, occurredAt, correlationId }
      : undefined;
  const assignments = planAssignments(detail, occurredAt, expiresAt);
  const inFlight = update ? planInFlight(update, refs, expiresAt) : undefined;
  return { timeline, links, ...(update ? { milestone: update } : {}), ...(assignments ? { assignments } : {}), ...(inFlight ? { inFlight } : {}) };
}

/**
 * Whether an in-flight entry has to be written (pure), given what the table holds: always when it is missing;
 * otherwise only when the milestone brings an id the entry lacks or names another one (an update merges, so ids
 * the event does not carry are kept anyway), or when the entry's expiry is less than half the TTL away. The
 * departure and arrival of a shipment whose dispatch already named its order, route and customer write nothing.
 */
export function inFlightNeedsWrite(planned: InFlightItem, current: Readonly<Record<string, unknown>> | undefined, now: Date, ttlSeconds: number): boolean {
  if (!current) return true;
  const { expiresAt: _expiresAt, ...fields } = planned;
  if (Object.entries(fields).some(([name, value]) => current[name] !== value)) return true;
  return !(Number(current.expiresAt) >= Math.floor(now.getTime() / 1000) + Math.floor(ttlSeconds / 2));
}

/** The in-flight change of a shipment milestone (pure). */
function planInFlight(update: MilestoneUpdate, refs: CanonicalRefs, expiresAt: number): InFlightChange {
  if (update.milestone === 'delivered') return { action: 'leave', shipmentId: update.shipmentId };
  return {
    action: 'enter',
    item: {
      pk: keys.shipmentPk(update.shipmentId),
      sk: inFlightKeys.sk,
      itemType: 'in-flight',
      listPk: inFlightKeys.listPk,
      listSk: inFlightKeys.listSk(update.shipmentId),
      shipmentId: update.shipmentId,
      correlationId: update.correlationId,
      ...(refs.orderId ? { orderId: refs.orderId } : {}),
      ...(refs.routeId ? { routeId: refs.routeId } : {}),
      ...(refs.customerId ? { customerId: refs.customerId } : {}),
      expiresAt,
    },
  };
}
