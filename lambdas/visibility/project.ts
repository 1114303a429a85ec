/**
 * The view projection the correlation indexer runs for every event it indexes (lambdas/indexer/indexer.ts):
 * read the shipment's view, fold the event in, and write only what changed — the view when it differs (with the
 * unbilled list's keys), a list entry when a membership, sort key or filtered attribute does. Most events change nothing (a second POD, a
 * comment on a case) and cost one read.
 */
import type { MilestoneUpdate } from '../indexer/index-plan';
import { isCreditMemo, type CanonicalDetail } from '../shared/canonical-event';
import { belongsIn, planEntries } from './lists';
import { foldView, VIEW_EVENT_TYPES } from './shipment-view';
import { stableJson, type ShipmentViewStore } from './view-store';

export interface ProjectionResult {
  /** Per shipment the event concerns: whether its view changed. */
  readonly shipments: readonly { readonly shipmentId: string; readonly outcome: 'updated' | 'unchanged' }[];
  /** Whether the milestone passed in was applied with the view, in the same write (then the caller does not apply it). */
  readonly milestoneApplied: boolean;
}

function correctsAnInvoice(detail: CanonicalDetail): boolean {
  const corrects = (detail.data as { correctsInvoiceId?: unknown } | undefined)?.correctsInvoiceId;
  return typeof corrects === 'string' && corrects !== '';
}

/** Concurrent indexer containers rarely touch one shipment at once; a handful of retries settles it. */
const MAX_ATTEMPTS = 5;

/** The shipments an event concerns: the one it names, or for an invoice naming only its order, that order's. */
async function shipmentsOf(store: ShipmentViewStore, detail: CanonicalDetail): Promise<string[]> {
  if (isCreditMemo(detail)) {
    // A credit memo that names no invoice it corrects changes no view (shipment-view.ts): nothing to read. One that
    // names it goes to every shipment of the order: the ERP may name another shipment than the invoice's (Business
    // Central names the order's latest billing-ready one), and only the view holding that invoice is cancelled by it.
    if (!correctsAnInvoice(detail)) return [];
    const ofOrder = await store.shipmentsOf(detail.metadata.correlationId);
    return [...new Set([...(detail.refs.shipmentId ? [detail.refs.shipmentId] : []), ...ofOrder])];
  }
  if (detail.refs.shipmentId) return [detail.refs.shipmentId];
  if (detail.metadata.eventType === 'invoice.posted' && detail.refs.orderId) return store.shipmentsOf(detail.metadata.correlationId);
  return [];
}

/**
 * `milestone`: the event's guarded milestone update (lambdas/indexer), tried in the same write as the view's first save
 * when both concern the same shipment (the delivery), so the state item is written once; when either guard refuses,
 * the view is saved alone and the caller applies the milestone itself.
 */
export async function projectView(store: ShipmentViewStore, detail: CanonicalDetail, now: Date, ttlSeconds: number, milestone?: MilestoneUpdate): Promise<ProjectionResult> {
  if (!VIEW_EVENT_TYPES.has(detail.metadata.eventType)) return { shipments: [], milestoneApplied: false };
  let milestoneApplied = false;
  const expiresAt = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const results: { shipmentId: string; outcome: 'updated' | 'unchanged' }[] = [];
  for (const shipmentId of await shipmentsOf(store, detail)) {
    for (let attempt = 1; ; attempt++) {
      const { view, version, impact, unbilledIndexed } = await store.load(shipmentId);
      const next = foldView(view, shipmentId, detail, impact);
      if (view && stableJson(view) === stableJson(next)) {
        results.push({ shipmentId, outcome: 'unchanged' });
        break;
      }
      const together = attempt === 1 && milestone?.shipmentId === shipmentId && store.saveWithMilestone !== undefined;
      const savedTogether = together && (await store.saveWithMilestone!(shipmentId, next, version, expiresAt, now, milestone));
      if (savedTogether) milestoneApplied = true;
      if (savedTogether || (await store.save(shipmentId, next, version, expiresAt, now))) {
        const { put, remove } = planEntries(view, next);
        for (const entry of put) await store.putEntry(entry, version + 1, expiresAt);
        for (const list of remove) await store.removeEntry(shipmentId, list, version + 1);
        // Unbilled without the index's keys: saved by a version before 847969d, whose entry the save just replaced.
        if (belongsIn(view, 'unbilled') && !unbilledIndexed) await store.removeEntry(shipmentId, 'unbilled', version + 1);
        results.push({ shipmentId, outcome: 'updated' });
        break;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error(`the view of ${shipmentId} changed under ${MAX_ATTEMPTS} concurrent updates; the message is retried`);
    }
  }
  return { shipments: results, milestoneApplied };
}
