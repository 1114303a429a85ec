/**
 * The view projection the correlation indexer runs for every event it indexes (lambdas/indexer/indexer.ts):
 * read the shipment's view, fold the event in, and write only what changed — the view when it differs, a list
 * entry when a membership, sort key or filtered attribute does. Most events change nothing (a second POD, a
 * comment on a case) and cost one read.
 */
import type { CanonicalDetail } from '../shared/canonical-event';
import { planEntries } from './lists';
import { foldView, VIEW_EVENT_TYPES } from './shipment-view';
import { stableJson, type ShipmentViewStore } from './view-store';

export interface ProjectionResult {
  /** Per shipment the event concerns: whether its view changed. */
  readonly shipments: readonly { readonly shipmentId: string; readonly outcome: 'updated' | 'unchanged' }[];
}

/** Concurrent indexer containers rarely touch one shipment at once; a handful of retries settles it. */
const MAX_ATTEMPTS = 5;

/** The shipments an event concerns: the one it names, or for an invoice naming only its order, that order's. */
async function shipmentsOf(store: ShipmentViewStore, detail: CanonicalDetail): Promise<string[]> {
  if (detail.refs.shipmentId) return [detail.refs.shipmentId];
  if (detail.metadata.eventType === 'invoice.posted' && detail.refs.orderId) return store.shipmentsOf(detail.metadata.correlationId);
  return [];
}

export async function projectView(store: ShipmentViewStore, detail: CanonicalDetail, now: Date, ttlSeconds: number): Promise<ProjectionResult> {
  if (!VIEW_EVENT_TYPES.has(detail.metadata.eventType)) return { shipments: [] };
  const expiresAt = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const results: { shipmentId: string; outcome: 'updated' | 'unchanged' }[] = [];
  for (const shipmentId of await shipmentsOf(store, detail)) {
    for (let attempt = 1; ; attempt++) {
      const { view, version, impact } = await store.load(shipmentId);
      const next = foldView(view, shipmentId, detail, impact);
      if (view && stableJson(view) === stableJson(next)) {
        results.push({ shipmentId, outcome: 'unchanged' });
        break;
      }
      if (await store.save(shipmentId, next, version, expiresAt, now)) {
        const { put, remove } = planEntries(view, next);
        for (const entry of put) await store.putEntry(entry, version + 1, expiresAt);
        for (const list of remove) await store.removeEntry(shipmentId, list, version + 1);
        results.push({ shipmentId, outcome: 'updated' });
        break;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error(`the view of ${shipmentId} changed under ${MAX_ATTEMPTS} concurrent updates; the message is retried`);
    }
  }
  return { shipments: results };
}
