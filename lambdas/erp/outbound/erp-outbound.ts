import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { UpstreamUnavailableError, ValidationError } from '../../shared/errors';
import type { CanonicalMessage } from '../../shared/outbound/message';
import { guardMilestone, MILESTONE_RANK, milestoneByRank, milestoneOf, type Milestone } from '../../shared/outbound/milestones';
import type { ActionContext, ActionOutcome, OutboundTarget } from '../../shared/outbound/runner';
import type { ErpPort, ErpShipmentStatus } from '../erp-port';
import { confirmationsOf, UNCERTAIN_LEASE_SECONDS, UNCERTAIN_SETTLE_SECONDS, type StatusSyncGuard } from './status-guard';

/** The ERP status for each shipment milestone we sync. */
export const ERP_STATUS_OF_MILESTONE: Readonly<Record<Exclude<Milestone, 'created'>, ErpShipmentStatus>> = {
  dispatched: 'dispatched',
  departed: 'in-transit',
  arrived: 'arrived',
  delivered: 'delivered',
};

export type ErpAction =
  | {
      readonly operation: 'update-shipment-status';
      /** One status per shipment, whichever event asked for it first. */
      readonly idempotencyScope: string;
      /** The status guard runs it once (StatusSyncGuard.claim): no Powertools record (docs/cost.md). */
      readonly guardedByTarget: true;
      readonly shipmentId: string;
      readonly orderId?: string;
      readonly status: ErpShipmentStatus;
      readonly rank: number;
      readonly occurredAt: string;
    }
  | {
      readonly operation: 'mark-billing-ready';
      /**
       * The ERP marks once (ErpPort.markBillingReady): a repeat of the same order and shipment, or of the same
       * Idempotency-Key, answers the first mark. No Powertools record (docs/cost.md).
       */
      readonly guardedByTarget: true;
      readonly orderId: string;
      readonly shipmentId: string;
      readonly podDocumentId?: string;
      readonly deliveredAt: string;
    };

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The ERP actions a canonical event asks for (pure):
 * - a fleet milestone (`shipment.dispatched|departed|arrived|delivered`) → update the shipment status;
 * - `pod.captured` → status "delivered" (if not yet synced) and mark the order billing-ready.
 * Every other event → nothing.
 */
export function planErpActions(message: CanonicalMessage): ErpAction[] {
  const { metadata, refs, data } = message.detail;
  const eventType = metadata.eventType;
  const milestone = milestoneOf(eventType);
  const isPod = eventType === 'pod.captured';
  if (!isPod && (milestone === undefined || milestone === 'created')) return [];
  const shipmentId = refs.shipmentId;
  if (!shipmentId) throw new ValidationError(`${eventType} has no shipmentId`, 'refs.shipmentId');
  const statusOf = (m: Exclude<Milestone, 'created'>): ErpAction => ({
    operation: 'update-shipment-status',
    idempotencyScope: `${shipmentId}:${ERP_STATUS_OF_MILESTONE[m]}`,
    guardedByTarget: true,
    shipmentId,
    orderId: refs.orderId,
    status: ERP_STATUS_OF_MILESTONE[m],
    rank: MILESTONE_RANK[m],
    occurredAt: metadata.occurredAt,
  });
  if (!isPod) return [statusOf(milestone as Exclude<Milestone, 'created'>)];
  if (!refs.orderId) throw new ValidationError('pod.captured has no orderId', 'refs.orderId');
  return [
    statusOf('delivered'),
    {
      operation: 'mark-billing-ready',
      guardedByTarget: true,
      orderId: refs.orderId,
      shipmentId,
      podDocumentId: text((data as Record<string, unknown>).documentId),
      deliveredAt: metadata.occurredAt,
    },
  ];
}

/** What a status confirmation takes from the event that asked for the status. */
export interface SyncCause {
  readonly metadata: Pick<CanonicalDetail['metadata'], 'eventId' | 'correlationId'>;
  readonly refs: CanonicalDetail['refs'];
}

/** `shipment.status-synced` confirming a status written to the ERP (pure; id deterministic per shipment and status). */
export function statusSyncedEvent(cause: SyncCause, shipmentId: string, status: ErpShipmentStatus, previousRank: number, now: Date, vendor = 'generic-erp'): CanonicalDetail {
  const previous = milestoneByRank(previousRank);
  const previousStatus = previous && previous !== 'created' ? ERP_STATUS_OF_MILESTONE[previous] : previous;
  return buildCanonicalEvent({
    eventType: 'shipment.status-synced',
    system: 'erp',
    vendor,
    vendorEventId: `erp-status-${shipmentId}-${status}`,
    occurredAt: now.toISOString(),
    receivedAt: now.toISOString(),
    refs: { ...cause.refs, shipmentId },
    correlationId: cause.metadata.correlationId,
    causationId: cause.metadata.eventId,
    data: { targetSystem: 'erp', status, ...(previousStatus ? { previousStatus } : {}) },
  });
}

const RANK_OF_STATUS: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(ERP_STATUS_OF_MILESTONE).map(([milestone, status]) => [status, MILESTONE_RANK[milestone as Milestone]]),
);

/**
 * The `shipment.status-synced` events a status guard item records (pure): the same events, with the same ids, that
 * the adapter published when the ERP confirmed each status. The confirmations reach the bus for any subscriber but not
 * the ledger (lib/core/routing.ts): the guard item already holds them, so the trace reads them there
 * (lambdas/trace/trace-query.ts) instead of the indexer writing a timeline entry for each.
 */
export function statusConfirmationsOf(item: Readonly<Record<string, unknown>> | undefined, shipmentId: string): CanonicalDetail[] {
  const kept = confirmationsOf(item);
  if (!kept) return [];
  const { correlationId, orderId, vendor } = kept.context;
  const byRank = [...kept.confirmations].filter((c) => RANK_OF_STATUS[c.s] !== undefined).sort((a, b) => RANK_OF_STATUS[a.s]! - RANK_OF_STATUS[b.s]! || a.at - b.at);
  return byRank.map((confirmation, index) => {
    const previousRank = index === 0 ? 0 : RANK_OF_STATUS[byRank[index - 1]!.s]!;
    const cause: SyncCause = { metadata: { eventId: confirmation.c, correlationId }, refs: { shipmentId, ...(orderId ? { orderId } : {}) } };
    return statusSyncedEvent(cause, shipmentId, confirmation.s as ErpShipmentStatus, previousRank, new Date(confirmation.at), vendor);
  });
}

/** `invoice.ready` confirming the order was marked billing-ready (pure; id deterministic per order and shipment). */
export function invoiceReadyEvent(cause: CanonicalDetail, action: Extract<ErpAction, { operation: 'mark-billing-ready' }>, now: Date, vendor = 'generic-erp'): CanonicalDetail {
  return buildCanonicalEvent({
    eventType: 'invoice.ready',
    system: 'erp',
    vendor,
    vendorEventId: `billing-ready-${action.orderId}-${action.shipmentId}`,
    occurredAt: now.toISOString(),
    receivedAt: now.toISOString(),
    refs: { ...cause.refs, orderId: action.orderId, shipmentId: action.shipmentId },
    correlationId: cause.metadata.correlationId,
    causationId: cause.metadata.eventId,
    data: {
      basis: 'proof-of-delivery',
      ...(action.podDocumentId ? { podDocumentId: action.podDocumentId } : {}),
      deliveredComplete: true,
      billingBlockReleased: true,
    },
  });
}

/**
 * The ERP side of the outbound adapter: shipment status updates (never backwards, see
 * {@link StatusSyncGuard}) and billing-ready after proof of delivery.
 */
export class ErpOutbound implements OutboundTarget<ErpAction> {
  readonly target = 'erp' as const;

  constructor(
    private readonly erp: ErpPort,
    private readonly guard: StatusSyncGuard,
    /** The ERP vendor the confirmations name as their source (registry/api-vendors.ts). */
    private readonly vendor = 'generic-erp',
  ) {}

  plan(message: CanonicalMessage): ErpAction[] {
    return planErpActions(message);
  }

  async execute(action: ErpAction, message: CanonicalMessage, context: ActionContext): Promise<ActionOutcome> {
    const cause = message.detail;
    if (action.operation === 'update-shipment-status') {
      // Decide and call as one step per shipment (StatusSyncGuard.claim): never a lower status after a higher one.
      const owner = context.idempotencyKey;
      const claim = await this.guard.claim(action.shipmentId, { rank: action.rank, owner, now: context.now() });
      if (claim.kind === 'skip') {
        if (claim.inProgress) return { outcome: 'skipped', note: `${action.status} for ${action.shipmentId} is in progress for another event` };
        const decision = guardMilestone(action.rank, claim.syncedRank || undefined);
        return { outcome: 'skipped', note: decision === 'late' ? `late: the ERP already has a later status than ${action.status}` : `the ERP already has status ${action.status}` };
      }
      const syncedRank = claim.previousRank;
      try {
        await this.erp.updateShipmentStatus(
          action.shipmentId,
          { status: action.status, orderId: action.orderId, occurredAt: action.occurredAt, eventId: cause.metadata.eventId },
          context.idempotencyKey,
        );
      } catch (error) {
        // A timeout, a dropped connection or a 5xx may have reached the ERP: keep the lease, marked uncertain (it
        // expires after UNCERTAIN_LEASE_SECONDS), so only this message retries the status meanwhile, with its own
        // Idempotency-Key. A refusal (429, maintenance, 4xx) changed nothing: release at once — unless an earlier
        // attempt of this message left the outcome uncertain (a timeout, then a 429 on the retry). On the message's last
        // receive it is dead-lettered, not retried: the lease then only outlasts a request still in flight.
        if (error instanceof UpstreamUnavailableError) {
          const seconds = context.lastAttempt ? UNCERTAIN_SETTLE_SECONDS : UNCERTAIN_LEASE_SECONDS;
          await this.guard.markUncertain(action.shipmentId, owner, context.now(), seconds).catch(() => undefined);
        } else {
          await this.guard.release(action.shipmentId, owner, { unlessUncertain: true, now: context.now() });
        }
        throw error;
      }
      const now = context.now();
      await this.guard.recordSynced(action.shipmentId, {
        rank: action.rank,
        status: action.status,
        eventId: cause.metadata.eventId,
        at: now,
        owner,
        confirmation: { correlationId: cause.metadata.correlationId, vendor: this.vendor, ...(action.orderId ? { orderId: action.orderId } : {}) },
      });
      await context.publish([statusSyncedEvent(cause, action.shipmentId, action.status, syncedRank, now, this.vendor)]);
      return { outcome: 'done' };
    }
    await this.erp.markBillingReady(
      action.orderId,
      { shipmentId: action.shipmentId, podDocumentId: action.podDocumentId, deliveredAt: action.deliveredAt },
      context.idempotencyKey,
    );
    const now = context.now();
    const podAt = Date.parse(cause.metadata.occurredAt);
    if (Number.isFinite(podAt)) context.metrics.milliseconds('PodToBillingReadyLatency', now.getTime() - podAt);
    await context.publish([invoiceReadyEvent(cause, action, now, this.vendor)]);
    return { outcome: 'done' };
  }
}
