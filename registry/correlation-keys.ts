/**
 * Key builders of the correlation table (the layout and access patterns are documented in lib/core/tables.ts).
 * The indexer writes with them; the trace query, the CS adapter's POD lookup and the `lsync` CLI read
 * with them.
 */

/** The business ids a canonical event carries in `refs` (schemas/canonical/envelope.schema.json). */
export interface CanonicalRefs {
  orderId?: string;
  shipmentId?: string;
  routeId?: string;
  stopId?: string;
  caseId?: string;
  invoiceId?: string;
  customerId?: string;
  holdId?: string;
}

/** Kinds of business id the link graph knows, and the ref field each comes from. */
export const LINK_KINDS = {
  order: 'orderId',
  shipment: 'shipmentId',
  route: 'routeId',
  stop: 'stopId',
  case: 'caseId',
  invoice: 'invoiceId',
  customer: 'customerId',
  hold: 'holdId',
} as const satisfies Record<string, keyof CanonicalRefs>;

export type LinkKind = keyof typeof LINK_KINDS;

/** Fleet assets a shipment is assigned to (the fleet system's ids, or external ids written `key:value`). */
export const ASSET_KINDS = ['vehicle', 'trailer'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export const ALL_LINK_KINDS = Object.keys(LINK_KINDS) as LinkKind[];

export const keys = {
  /** Link partition of one external id: one item per correlation the id appears in. */
  linkPk: (kind: LinkKind, externalId: string) => `LINK#${kind}#${externalId}`,
  linkSk: (correlationId: string) => `CORR#${correlationId}`,
  /** Correlation partition: its member links and its timeline. */
  corrPk: (correlationId: string) => `CORR#${correlationId}`,
  memberSk: (kind: LinkKind, externalId: string) => `LINK#${kind}#${externalId}`,
  /** Timeline entries sort by occurrence time (UTC, millisecond ISO) then event id. */
  timelineSk: (occurredAtUtc: string, eventId: string) => `TL#${occurredAtUtc}#${eventId}`,
  timelinePrefix: 'TL#',
  memberPrefix: 'LINK#',
  shipmentPk: (shipmentId: string) => `SHIPMENT#${shipmentId}`,
  stateSk: 'STATE',
  /** Which shipments a fleet asset carried: one item per assignment, sorted by when it began. */
  assetPk: (kind: AssetKind, assetId: string) => `ASSET#${kind}#${assetId}`,
  assignmentSk: (assignedAtUtc: string, shipmentId: string) => `AT#${assignedAtUtc}#${shipmentId}`,
  /** Upper bound of the assignments that began at or before a time (`~` sorts after every id character). */
  assignmentsUntil: (atUtc: string) => `AT#${atUtc}~`,
  /** Temperature alerts whose checks ended unmatched, per asset id they name (lambdas/shared/parked-alerts.ts). */
  parkedAlertPk: (kind: AssetKind, assetId: string) => `PARKED-ALERT#${kind}#${assetId}`,
  parkedAlertSk: (happenedAtUtc: string, vendorEventId: string) => `${happenedAtUtc}#${vendorEventId}`,
  /** An invoice note that found no ticket, left for a case opened later (lambdas/cs/outbound/pending-notes.ts). */
  invoiceNoteSk: (invoiceId: string) => `NOTE#invoice#${invoiceId}`,
} as const;

/** The (kind, id) pairs of a refs object, in a stable order. */
export function linksOf(refs: CanonicalRefs): { kind: LinkKind; externalId: string }[] {
  return ALL_LINK_KINDS.flatMap((kind) => {
    const value = refs[LINK_KINDS[kind]];
    return typeof value === 'string' && value !== '' ? [{ kind, externalId: value }] : [];
  });
}

/** An RFC 3339 time as a UTC millisecond ISO string (lexical order = time order); the input when unparsable. */
export function utcIso(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
}

/**
 * The visibility lists (lambdas/visibility/lists.ts): entries `SHIPMENT#<id>` / `LIST#<name>` carrying the keys of
 * the correlation table's `Lists` GSI (lib/core/tables.ts).
 */
export const LIST_INDEX = 'Lists';
export const LIST_NAMES = ['trouble', 'unbilled', 'disrupted'] as const;
export type ListName = (typeof LIST_NAMES)[number];

/** Severity ranks of the visibility views: unknown 0, minor 1, major 2, critical 3. */
export type SeverityRank = 0 | 1 | 2 | 3;

export const listKeys = {
  entrySk: (list: ListName) => `LIST#${list}`,
  entryPrefix: 'LIST#',
  troublePk: 'LIST#trouble',
  /** Entries written by versions before 847969d (the list now lives on the state item: {@link unbilledKeys}). */
  unbilledPk: 'LIST#unbilled',
  /** One partition per month of first disruption, so a month's cases are one query. */
  disruptedPk: (month: string) => `LIST#disrupted#${month}`,
  /** Severity rank 3 (critical) sorts as 2, unknown (0) as 5: ascending order shows the most severe first. */
  severityPrefix: (rank: SeverityRank) => String(5 - rank),
  troubleSk: (rank: SeverityRank, since: string, shipmentId: string) => `${5 - rank}#${since}#${shipmentId}`,
  /** Entries written by versions before 847969d (the list now lives on the state item: {@link unbilledKeys}). */
  unbilledSk: (deliveredAt: string, shipmentId: string) => `${deliveredAt}#${shipmentId}`,
  disruptedSk: (firstAt: string, shipmentId: string) => `${firstAt}#${shipmentId}`,
} as const;

/**
 * Shipments delivered and not invoiced, the visibility page's "unbilled" list (lambdas/visibility/lists.ts): the
 * shipment's state item carries the keys of the sparse `Unbilled` GSI while its view says so, set and removed by the
 * view's own save (lambdas/visibility/view-store.ts), oldest delivery first. The index projects what the list filters
 * on, so a save that changes neither writes nothing to it.
 *
 * Versions before 847969d kept an entry `SHIPMENT#<id>` / `LIST#unbilled` in the `Lists` GSI instead: the list
 * reads those after the index (dropping a shipment the index holds), and the view's next save removes its entry.
 */
export const unbilledKeys = {
  index: 'Unbilled',
  /** The index's partition key attribute and its one value. */
  pkAttribute: 'unbilledPk',
  pk: 'UNBILLED',
  /** The index's sort key attribute: `<deliveredAt>#<shipmentId>`, as the list entries sorted. */
  skAttribute: 'unbilledSk',
  sk: (deliveredAt: string, shipmentId: string) => `${deliveredAt}#${shipmentId}`,
  /** Attributes of the state item the index projects besides the keys (what the list filters and shows). */
  projected: ['shipmentId', 'customerId'],
} as const;

/**
 * Shipments in flight, for the reconciliation sweeps (lambdas/shared/reconciliation): the shipment's state item
 * (`SHIPMENT#<id>` / `STATE`) carries the keys of the sparse `InFlight` GSI from its first milestone below delivery
 * until its delivery, set and removed by the guarded milestone update itself (lambdas/indexer/correlation-store.ts),
 * so a sweep pages through exactly the shipments in flight (sorted by id), never the table. The index projects the
 * few attributes a sweep needs, so a milestone that changes none of them writes nothing to it.
 *
 * Versions before 2026-12-06 kept a separate entry, `SHIPMENT#<id>` / `INFLIGHT`, in the `Lists` GSI (partition
 * `legacyListPk`): a put at the first milestone and a delete at delivery, each also written to the index. The sweeps
 * still page those after the index (`legacy*`) and drop each one whose shipment is delivered or in the index.
 */
export const inFlightKeys = {
  index: 'InFlight',
  /** The index's partition key attribute and its one value. */
  pkAttribute: 'inFlightPk',
  pk: 'IN-FLIGHT',
  /** The index's sort key attribute: the shipment id. */
  skAttribute: 'inFlightSk',
  /** Attributes of the state item the index projects besides the keys (what a sweep needs). */
  projected: ['shipmentId', 'correlationId', 'orderId', 'routeId', 'customerId'],
  legacySk: 'INFLIGHT',
  legacyListPk: 'LIST#in-flight',
  legacyListSk: (shipmentId: string) => shipmentId,
} as const;
