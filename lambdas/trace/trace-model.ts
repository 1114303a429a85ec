/**
 * The trace of one business transaction, assembled from correlation-table items (pure). The query side
 * (which items to read) is in trace-query.ts; the `lsync trace` CLI and the trace API print this shape.
 */
import type { CanonicalRefs } from '../shared/canonical-event';
import type { Facts, LinkItem, ShipmentStateItem, TimelineItem } from '../indexer/index-plan';
import { linksOf, type LinkKind } from '../../registry/correlation-keys';
import { MILESTONE_RANK, milestoneOf } from '../shared/outbound/milestones';
import type { SystemName } from '../../registry/systems';

/** One event in the chain, with its timings. */
export interface TraceHop {
  readonly eventId: string;
  readonly eventType: string;
  /** erp | fleet | cs | orchestrator */
  readonly system: string;
  readonly vendor: string;
  /** UTC ISO. */
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly refs: CanonicalRefs;
  readonly facts: Facts;
  /** A milestone that arrived after a later one (recorded, not applied to the state). */
  readonly late: boolean;
  /** `receivedAt − occurredAt`: how long the source took to tell us. */
  readonly ingestLatencyMs: number;
  /** `occurredAt` minus the previous hop's `occurredAt` (0 for the first hop). */
  readonly sincePreviousMs: number;
  /** `occurredAt` minus the cause's `occurredAt`, when the cause is in this trace. */
  readonly sinceCauseMs?: number;
}

/** A follow-up the chain is still waiting for (or that failed and sits in a DLQ). */
export interface PendingHop {
  readonly afterEventId: string;
  readonly afterEventType: string;
  /** The event type that will confirm the step. */
  readonly expected: string;
  /** The system that has to act. */
  readonly target: SystemName;
  readonly description: string;
  readonly status: 'pending' | 'failed';
  /** Since the triggering event was received. */
  readonly waitingMs: number;
  /** For failed steps: the last failure's reason. */
  readonly reason?: string;
}

/** A `sync.failed` event: an outbound call that was dead-lettered. */
export interface FailedHop {
  readonly eventId: string;
  readonly at: string;
  readonly target: string;
  readonly operation: string;
  readonly failedEventId: string;
  readonly failedEventType: string;
  readonly errorCode: string;
  readonly reason?: string;
  readonly retryable: boolean;
  readonly attempts?: number;
  readonly httpStatus?: number;
  readonly deadLettered: boolean;
}

/** A failure that a later event shows resolved. */
export interface RecoveredHop extends FailedHop {
  /** The event that shows the step done. */
  readonly resolvedBy: string;
  readonly resolvedAt: string;
}

export interface ShipmentState {
  readonly shipmentId: string;
  readonly milestone: string;
  readonly rank: number;
  readonly version: number;
  readonly milestoneAt: string;
  readonly updatedAt: string;
  readonly lateEvents: number;
}

export interface Trace {
  /** The id that was asked for. */
  readonly query: string;
  /** How the id was recognised: as a business id of some kind and/or as a correlation id. */
  readonly matchedAs: { readonly kind: LinkKind | 'correlation'; readonly id: string }[];
  readonly correlationIds: string[];
  /** More correlations matched than were read (e.g. a customer id): the trace shows the first ones. */
  readonly truncated: boolean;
  /** Every business id linked into the trace, by kind. */
  readonly ids: Partial<Record<LinkKind, string[]>>;
  readonly shipments: ShipmentState[];
  /** Ordered by occurrence, then receipt. */
  readonly timeline: TraceHop[];
  readonly pending: PendingHop[];
  /** Failures still unresolved: no later event shows the step done (a redrive or retry has not fixed them yet). */
  readonly failed: FailedHop[];
  /** Failures a later event shows resolved (e.g. after `lsync dlq redrive`): history, nothing to do. */
  readonly recovered: RecoveredHop[];
  readonly summary: {
    readonly events: number;
    readonly firstAt?: string;
    readonly lastAt?: string;
    readonly spanMs?: number;
    readonly lateEvents: number;
    /** `order.released` received → `shipment.dispatched` (route confirmed by the fleet system). */
    readonly dispatchConfirmationMs?: number;
    /** `pod.captured` → `invoice.ready` (ERP marked billing-ready). */
    readonly podToBillingReadyMs?: number;
    /** `pod.captured` → `invoice.posted`. */
    readonly podToInvoiceMs?: number;
  };
}

/** What the trace expects after each event, and how to recognise that it happened (data, not code). */
interface Expectation {
  readonly after: string;
  readonly expected: string;
  readonly target: SystemName;
  /** The outbound operation that meets it, when one does: only a failure of that operation is resolved by it. */
  readonly operation?: string;
  readonly description: (hop: TraceHop) => string;
  readonly satisfiedBy: (candidate: TraceHop, hop: TraceHop) => boolean;
}

const ERP_STATUS_RANK: Readonly<Record<string, number>> = { dispatched: 2, 'in-transit': 3, arrived: 4, delivered: 5 };
const ERP_STATUS_OF: Readonly<Record<string, string>> = {
  'shipment.dispatched': 'dispatched',
  'shipment.departed': 'in-transit',
  'shipment.arrived': 'arrived',
  'shipment.delivered': 'delivered',
  'pod.captured': 'delivered',
};

const sameShipment = (a: TraceHop, b: TraceHop) => !a.refs.shipmentId || !b.refs.shipmentId || a.refs.shipmentId === b.refs.shipmentId;
const sameOrder = (a: TraceHop, b: TraceHop) => !a.refs.orderId || !b.refs.orderId || a.refs.orderId === b.refs.orderId;

const statusSynced = (after: string): Expectation => ({
  after,
  expected: 'shipment.status-synced',
  target: 'erp',
  operation: 'update-shipment-status',
  description: () => `ERP shipment status "${ERP_STATUS_OF[after]}"`,
  // A status at least as far along satisfies it: the ERP never goes backwards.
  satisfiedBy: (c, hop) =>
    c.eventType === 'shipment.status-synced' && sameShipment(c, hop) && (ERP_STATUS_RANK[String(c.facts.status)] ?? 0) >= (ERP_STATUS_RANK[ERP_STATUS_OF[after]] ?? 99),
});

export const EXPECTATIONS: readonly Expectation[] = [
  {
    after: 'order.released',
    expected: 'shipment.dispatched',
    target: 'fleet',
    operation: 'create-route',
    description: () => 'fleet dispatch (route created)',
    satisfiedBy: (c, hop) => c.eventType === 'shipment.dispatched' && sameOrder(c, hop),
  },
  statusSynced('shipment.dispatched'),
  statusSynced('shipment.departed'),
  statusSynced('shipment.arrived'),
  statusSynced('shipment.delivered'),
  statusSynced('pod.captured'),
  {
    after: 'pod.captured',
    expected: 'invoice.ready',
    target: 'erp',
    operation: 'mark-billing-ready',
    description: () => 'ERP billing-ready',
    satisfiedBy: (c, hop) => c.eventType === 'invoice.ready' && sameShipment(c, hop),
  },
  {
    after: 'invoice.ready',
    expected: 'invoice.posted',
    target: 'erp',
    description: () => 'ERP posts the invoice',
    satisfiedBy: (c, hop) => c.eventType === 'invoice.posted' && sameOrder(c, hop),
  },
];

/** The outbound operation each confirmation event records (the ERP and fleet outbound adapters); other events may confirm any. */
const CONFIRMED_OPERATION: Readonly<Record<string, string>> = {
  'shipment.status-synced': 'update-shipment-status',
  'invoice.ready': 'mark-billing-ready',
  'shipment.dispatched': 'create-route',
};

function ms(iso: string): number {
  return Date.parse(iso);
}

function earliest(hops: readonly TraceHop[], type: string): TraceHop | undefined {
  return hops.find((h) => h.eventType === type);
}

export interface TraceInput {
  readonly query: string;
  readonly matchedAs: Trace['matchedAs'];
  readonly correlationIds: string[];
  readonly truncated: boolean;
  readonly timeline: readonly TimelineItem[];
  readonly links: readonly LinkItem[];
  readonly states: readonly ShipmentStateItem[];
  /**
   * Invoice notes the CS adapter left for a case because the shipment had no ticket (lambdas/cs/outbound/pending-notes.ts):
   * the note's step ran to its end, so its earlier failure is resolved. @default none
   */
  readonly leftNotes?: readonly { readonly eventId: string; readonly invoiceId: string; readonly leftAt: string }[];
}

/**
 * The milestones received after a higher one of the same shipment (pure): late, whatever order the index wrote them in.
 * The indexer flags a refused milestone late when it was received after the one that superseded it; two ledger batches
 * indexed at once can also write a late report *before* the milestone received ahead of it (then nothing was refused,
 * and the stored flag is missing). Read here from the receipt times, the flag does not depend on that order.
 */
function lateReports(items: readonly TimelineItem[]): Set<string> {
  const milestones = items.flatMap((item) => {
    const milestone = milestoneOf(item.eventType);
    const shipmentId = item.refs?.shipmentId;
    const received = ms(item.receivedAt);
    return milestone && shipmentId && Number.isFinite(received) ? [{ eventId: item.eventId, shipmentId, rank: MILESTONE_RANK[milestone], received }] : [];
  });
  return new Set(milestones.filter((m) => milestones.some((n) => n.shipmentId === m.shipmentId && n.rank > m.rank && n.received < m.received)).map((m) => m.eventId));
}

/** Builds the trace from the items read (pure; `now` dates the pending hops). */
export function assembleTrace(input: TraceInput, now: Date): Trace {
  const byId = new Map<string, TimelineItem>();
  for (const item of input.timeline) if (!byId.has(item.eventId)) byId.set(item.eventId, item);
  const ordered = [...byId.values()].sort((a, b) => ms(a.occurredAt) - ms(b.occurredAt) || ms(a.receivedAt) - ms(b.receivedAt) || a.eventId.localeCompare(b.eventId));
  const occurredOf = new Map(ordered.map((i) => [i.eventId, ms(i.occurredAt)]));
  const reportedLate = lateReports(ordered);

  const timeline: TraceHop[] = ordered.map((item, index) => {
    const occurred = ms(item.occurredAt);
    const causeAt = item.causationId ? occurredOf.get(item.causationId) : undefined;
    return {
      eventId: item.eventId,
      eventType: item.eventType,
      system: item.system,
      vendor: item.vendor,
      occurredAt: item.occurredAt,
      receivedAt: item.receivedAt,
      correlationId: item.correlationId,
      ...(item.causationId ? { causationId: item.causationId } : {}),
      refs: item.refs ?? {},
      facts: item.facts ?? {},
      late: item.late === true || reportedLate.has(item.eventId),
      ingestLatencyMs: ms(item.receivedAt) - occurred,
      sincePreviousMs: index === 0 ? 0 : occurred - ms(ordered[index - 1].occurredAt),
      ...(causeAt !== undefined ? { sinceCauseMs: occurred - causeAt } : {}),
    };
  });

  const failures: FailedHop[] = timeline
    .filter((h) => h.eventType === 'sync.failed')
    .map((h) => ({
      eventId: h.eventId,
      at: h.occurredAt,
      target: String(h.facts.targetSystem ?? 'unknown'),
      operation: String(h.facts.operation ?? 'unknown'),
      failedEventId: String(h.facts.failedEventId ?? h.causationId ?? ''),
      failedEventType: String(h.facts.failedEventType ?? ''),
      errorCode: String(h.facts.errorCode ?? 'unknown'),
      ...(typeof h.facts.reason === 'string' ? { reason: h.facts.reason } : {}),
      retryable: h.facts.retryable === true,
      ...(typeof h.facts.attempts === 'number' ? { attempts: h.facts.attempts } : {}),
      ...(typeof h.facts.httpStatus === 'number' ? { httpStatus: h.facts.httpStatus } : {}),
      deadLettered: h.facts.deadLettered !== false,
    }));

  // A failure is resolved by an event that shows the failed step done: the expectation it blocked is met, or the
  // target confirmed an action caused by the same event (shipment.status-synced, invoice.ready, case.opened …).
  // Usually that event comes after the failure (a retry, a redrive), but not always: a slow call can outlast the
  // message's visibility timeout, another receive of the same message goes through and confirms it, and the slow
  // one ends dead-lettered after that; the redrive then finds the step done, and its confirmation, with the same
  // deterministic event id, is already on the timeline (the chaos run: a CS invoice note).
  const byEventId = new Map(timeline.map((h) => [h.eventId, h]));
  // A confirmation caused by the failed event resolves only the operation it confirms: the ERP's status-synced for
  // the POD says nothing of the POD's billing-ready call.
  const confirms = (h: TraceHop, f: FailedHop) => {
    const operation = CONFIRMED_OPERATION[h.eventType];
    return operation === undefined || operation === f.operation;
  };
  const resolution = (f: FailedHop): TraceHop | undefined => {
    const cause = byEventId.get(f.failedEventId);
    return timeline.find(
      (h) =>
        h.eventType !== 'sync.failed' &&
        h.eventId !== f.failedEventId &&
        ((cause !== undefined &&
          EXPECTATIONS.some((e) => e.after === f.failedEventType && e.target === f.target && (e.operation === undefined || e.operation === f.operation) && e.satisfiedBy(h, cause))) ||
          (h.causationId === f.failedEventId && (h.facts.targetSystem === f.target || h.system === f.target) && confirms(h, f))),
    );
  };
  const failed: FailedHop[] = [];
  const recovered: RecoveredHop[] = [];
  for (const failure of failures) {
    const by = resolution(failure);
    // A CS invoice note that failed, then ran again and found no ticket: it was left for a case (nothing to redrive).
    const left = failure.target === 'cs' && failure.operation === 'comment-invoice-posted' ? input.leftNotes?.find((n) => n.eventId === failure.failedEventId) : undefined;
    if (by) recovered.push({ ...failure, resolvedBy: by.eventId, resolvedAt: by.occurredAt });
    else if (left) recovered.push({ ...failure, resolvedBy: `invoice note ${left.invoiceId} left for a case`, resolvedAt: left.leftAt });
    else failed.push(failure);
  }

  const pending: PendingHop[] = [];
  for (const hop of timeline) {
    if (hop.late) continue;
    for (const expectation of EXPECTATIONS.filter((e) => e.after === hop.eventType)) {
      if (timeline.some((c) => c.eventId !== hop.eventId && expectation.satisfiedBy(c, hop))) continue;
      const failure = [...failed].reverse().find((f) => f.failedEventId === hop.eventId && f.target === expectation.target);
      pending.push({
        afterEventId: hop.eventId,
        afterEventType: hop.eventType,
        expected: expectation.expected,
        target: expectation.target,
        description: expectation.description(hop),
        status: failure ? 'failed' : 'pending',
        waitingMs: Math.max(0, now.getTime() - ms(hop.receivedAt)),
        ...(failure?.reason ? { reason: failure.reason } : {}),
      });
    }
  }

  // The ids the events named (their refs), and those of older mirror items where the table still has them.
  const ids: Partial<Record<LinkKind, string[]>> = {};
  for (const link of [...input.links, ...input.timeline.flatMap((item) => linksOf(item.refs ?? {}))]) {
    const list = (ids[link.kind] ??= []);
    if (!list.includes(link.externalId)) list.push(link.externalId);
  }
  for (const list of Object.values(ids)) list?.sort();

  const shipments: ShipmentState[] = input.states
    // A state item can hold only a shipment's visibility view or business impact (lambdas/visibility) before any
    // milestone: no milestone, nothing to show as the shipment's state.
    .filter((s) => typeof s.milestone === 'string')
    .map((s) => ({
      shipmentId: s.shipmentId,
      milestone: s.milestone,
      rank: s.rank ?? MILESTONE_RANK[s.milestone] ?? 0,
      version: s.version ?? 0,
      milestoneAt: s.milestoneAt,
      updatedAt: s.updatedAt,
      lateEvents: s.lateEvents ?? 0,
    }))
    .sort((a, b) => a.shipmentId.localeCompare(b.shipmentId));

  const first = timeline[0];
  const last = timeline[timeline.length - 1];
  const released = earliest(timeline, 'order.released');
  const dispatched = earliest(timeline, 'shipment.dispatched');
  const pod = earliest(timeline, 'pod.captured');
  const ready = earliest(timeline, 'invoice.ready');
  const posted = earliest(timeline, 'invoice.posted');
  return {
    query: input.query,
    matchedAs: input.matchedAs,
    correlationIds: [...input.correlationIds].sort(),
    truncated: input.truncated,
    ids,
    shipments,
    timeline,
    pending,
    failed,
    recovered,
    summary: {
      events: timeline.length,
      ...(first ? { firstAt: first.occurredAt } : {}),
      ...(last ? { lastAt: last.occurredAt } : {}),
      ...(first && last ? { spanMs: ms(last.occurredAt) - ms(first.occurredAt) } : {}),
      lateEvents: timeline.filter((h) => h.late).length,
      ...(released && dispatched ? { dispatchConfirmationMs: ms(dispatched.occurredAt) - ms(released.receivedAt) } : {}),
      ...(pod && ready ? { podToBillingReadyMs: ms(ready.occurredAt) - ms(pod.occurredAt) } : {}),
      ...(pod && posted ? { podToInvoiceMs: ms(posted.occurredAt) - ms(pod.occurredAt) } : {}),
    },
  };
}
