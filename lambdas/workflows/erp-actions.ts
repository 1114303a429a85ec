/**
 * The ERP tasks of the exception workflows, over the {@link ErpPort}. Every write carries an idempotency
 * key derived from the exception event, so a retried task causes no second ERP side effect.
 */
import type { CanonicalDetail } from '../shared/canonical-event';
import type { ErpCustomerContract, ErpOrder, ErpPort } from '../erp/erp-port';
import { ValidationError } from '../shared/errors';
import type { StatusSyncGuard } from '../erp/outbound/status-guard';
import { MILESTONE_RANK } from '../shared/outbound/milestones';
import { businessImpactOf } from '../visibility/impact';
import type { ImpactRecorder } from '../visibility/view-store';
import type { QualityHoldPlacedData } from '../shared/generated/canonical-types';
import type { Decision, Enrichment, FlowName, TriggerEvent } from './model';
import { requireId } from './port-guards';
import { qualityHoldPlaced } from './workflow-events';

export type ErpTaskInput =
  | { readonly action: 'enrich'; readonly event: TriggerEvent }
  | { readonly action: 'set-exception-status'; readonly flow: FlowName; readonly event: TriggerEvent; readonly decision: Decision }
  | { readonly action: 'place-quality-hold'; readonly flow: FlowName; readonly event: TriggerEvent; readonly decision: Decision };

export interface HoldResult {
  readonly holdId: string;
  /** `quality-hold.placed`, published by the state machine. */
  readonly event: CanonicalDetail<QualityHoldPlacedData>;
}

/** Idempotency keys: one per (action, exception event). */
export function erpIdempotencyKey(action: 'exception-status' | 'quality-hold', event: TriggerEvent): string {
  return `workflow-${action}-${event.metadata.eventId}`;
}

/** The facts the rules need from an order and its customer's contract, and nothing else. */
export function toEnrichment(order: ErpOrder | null, contract: ErpCustomerContract | null, customerId: string | null): Enrichment {
  return {
    orderId: order?.orderId ?? null,
    customerId: contract?.customerId ?? customerId,
    temperatureRange: contract?.temperatureRange ?? order?.temperatureRange ?? null,
    productCategory: contract?.productCategory ?? null,
    deliveryWindow: order?.deliveryWindow ?? null,
    exceptionResponseMinutes: contract?.sla?.exceptionResponseMinutes ?? null,
  };
}

/** Where Enrich records the shipment's business impact (order value, currency, penalty terms) for the visibility API. */
export interface ImpactRecording {
  readonly recorder: ImpactRecorder;
  /** How long the shipment's state is kept (stage `retention.correlationTtlDays`). */
  readonly ttlSeconds: number;
  /** Told about a failed recording, which does not fail the enrichment. */
  readonly onError: (error: unknown) => void;
}

/**
 * @param statusGuard the ERP adapter's never-backwards guard (the correlation table): the exception status is set
 *   only while the ERP has not been told "delivered", under the shipment's lease (a workflow riding out 429s for
 *   minutes could otherwise set "exception" after the delivery). Without it (tests of the flows) the status is set.
 */
export function erpActions(erp: ErpPort, clock: () => Date = () => new Date(), impact?: ImpactRecording, statusGuard?: Pick<StatusSyncGuard, 'claimBelow' | 'release'>) {
  async function enrich(event: TriggerEvent): Promise<Enrichment> {
    const orderId = event.refs.orderId;
    const order = orderId ? await erp.getOrder(orderId) : null;
    const customerId = event.refs.customerId ?? order?.customerId ?? null;
    const contract = customerId ? await erp.getCustomerContract(customerId) : null;
    const facts = impact && event.refs.shipmentId ? businessImpactOf(order, contract) : null;
    if (impact && facts) {
      // The order and contract are read here anyway; keeping what they say about money on the shipment's state makes
      // revenue at risk a sum. Visibility is a by-product: failing to record it must not hold up the exception.
      const now = clock();
      await impact.recorder.record(event.refs.shipmentId, facts, now, Math.floor(now.getTime() / 1000) + impact.ttlSeconds).catch(impact.onError);
    }
    return toEnrichment(order, contract, customerId);
  }

  return async function run(input: ErpTaskInput): Promise<Enrichment | HoldResult | { readonly done: true; readonly skipped?: string }> {
    switch (input.action) {
      case 'enrich':
        return enrich(input.event);
      case 'set-exception-status': {
        const { event, decision } = input;
        const shipmentId = event.refs.shipmentId;
        const owner = erpIdempotencyKey('exception-status', event);
        if (statusGuard) {
          const claim = await statusGuard.claimBelow(shipmentId, { ceiling: MILESTONE_RANK.delivered, owner, now: clock() });
          if (claim.kind === 'skip') return { done: true, skipped: 'the ERP has the shipment delivered already: an exception status now would move it backwards' };
        }
        try {
          await erp.updateShipmentStatus(
            shipmentId,
            {
              status: 'exception',
              orderId: decision.summary.orderId || undefined,
              occurredAt: event.metadata.occurredAt,
              eventId: event.metadata.eventId,
              reason: decision.reason,
            },
            erpIdempotencyKey('exception-status', event),
          );
        } finally {
          await statusGuard?.release(shipmentId, owner);
        }
        return { done: true };
      }
      case 'place-quality-hold': {
        const { flow, event, decision } = input;
        const orderId = decision.summary.orderId;
        if (!orderId) throw new ValidationError('a quality hold needs the order id, and neither the event nor the ERP gave one', 'refs.orderId');
        const { holdId } = await erp.placeQualityHold(
          { orderId, shipmentId: event.refs.shipmentId, reason: decision.summary.kind, severity: decision.severity },
          erpIdempotencyKey('quality-hold', event),
        );
        requireId(holdId, 'quality hold id');
        return { holdId, event: qualityHoldPlaced(flow, event, { holdId, note: decision.reason }, clock()) };
      }
      default:
        throw new ValidationError(`unknown ERP task action ${(input as { action?: unknown }).action as string}`, 'action');
    }
  };
}
