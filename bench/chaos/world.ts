import { parseFleetExternalIds } from '../../lambdas/shared/fleet-external-ids';
import type { Simulators } from '../../sandbox/simulators/index';

/** What the vendors' systems hold about one order: read from the simulators' state, never from the product. */
export interface OrderInSystems {
  /** Fleet routes created for the order (Samsara ids), oldest first, with our shipment id. */
  readonly routes: { id: string; shipmentId: string }[];
  /** The ERP's shipment of the order, with every status it accepted (in order) and when. */
  readonly shipment?: { shipmentId: string; status: string; history: { status: string; receivedAt: string }[] };
  readonly holds: number;
  readonly billing: { readyAt: string }[];
  readonly invoices: { postedAt: string }[];
  /** Tickets keyed by the order's shipment ids, with their notes. */
  readonly tickets: { id: number; createdAt: string; comments: { body: string; createdAt: string }[] }[];
}

interface ErpState {
  shipments: { shipmentId: string; orderId: string; status: string; history: { status: string; receivedAt: string }[] }[];
  qualityHolds: { orderId: string }[];
  billing: { orderId: string; readyAt: string }[];
  invoices: { orderId: string; postedAt: string }[];
}
interface FleetState {
  routes: { id: string; externalIds?: Record<string, string> }[];
}
interface CsState {
  tickets: { id: number; external_id: string | null; created_at: string; comments: { body: string; created_at: string }[] }[];
}

const EMPTY: OrderInSystems = { routes: [], holds: 0, billing: [], invoices: [], tickets: [] };

/**
 * An index of the three simulated systems by order, rebuilt on demand (`refresh`) from their snapshots: one pass
 * over all the state instead of one scan per order and question, which matters at 10,000 orders.
 */
export class World {
  private byOrder = new Map<string, OrderInSystems>();
  private refreshedAt = 0;
  /** Whether the index holds only the orders a partial refresh asked for. */
  private partial = false;

  constructor(private readonly sims: Simulators) {}

  /**
   * Rebuilds the index unless it is younger than `maxAgeMs`. With `only`, it indexes those orders alone (the driver's
   * orders in flight): the simulators' state is still read whole, but nothing is built for the thousands of orders
   * already done — at 6,000 orders the full rebuild, twice a second, saturated the run's main thread and its garbage
   * collector. A partial index serves only partial requests; a full request rebuilds it.
   */
  refresh(maxAgeMs = 0, only?: ReadonlySet<string>): void {
    if (Date.now() - this.refreshedAt < maxAgeMs && (only !== undefined || !this.partial)) return;
    const byOrder = new Map<string, { -readonly [K in keyof OrderInSystems]: OrderInSystems[K] }>();
    const wanted = (orderId: string) => only === undefined || only.has(orderId);
    const of = (orderId: string) => {
      let entry = byOrder.get(orderId);
      if (!entry) byOrder.set(orderId, (entry = { routes: [], holds: 0, billing: [], invoices: [], tickets: [] }));
      return entry;
    };
    const shipmentOrder = new Map<string, string>();
    for (const route of (this.sims.fleet.snapshot() as FleetState).routes) {
      const ids = parseFleetExternalIds(route.externalIds ?? {});
      if (!ids.orderId || !ids.shipmentId) continue;
      shipmentOrder.set(ids.shipmentId, ids.orderId);
      if (wanted(ids.orderId)) of(ids.orderId).routes.push({ id: route.id, shipmentId: ids.shipmentId });
    }
    const erp = this.sims.erp.snapshot() as ErpState;
    for (const s of erp.shipments) {
      shipmentOrder.set(s.shipmentId, s.orderId);
      if (wanted(s.orderId)) of(s.orderId).shipment = { shipmentId: s.shipmentId, status: s.status, history: s.history.map((h) => ({ status: h.status, receivedAt: h.receivedAt })) };
    }
    for (const h of erp.qualityHolds) if (wanted(h.orderId)) of(h.orderId).holds++;
    for (const b of erp.billing) if (wanted(b.orderId)) of(b.orderId).billing.push({ readyAt: b.readyAt });
    for (const i of erp.invoices) if (wanted(i.orderId)) of(i.orderId).invoices.push({ postedAt: i.postedAt });
    for (const t of (this.sims.cs.snapshot() as CsState).tickets) {
      const orderId = t.external_id ? shipmentOrder.get(t.external_id) : undefined;
      if (orderId && wanted(orderId)) of(orderId).tickets.push({ id: t.id, createdAt: t.created_at, comments: t.comments.map((c) => ({ body: c.body, createdAt: c.created_at })) });
    }
    this.byOrder = byOrder;
    this.refreshedAt = Date.now();
    this.partial = only !== undefined;
  }

  order(orderId: string): OrderInSystems {
    return this.byOrder.get(orderId) ?? EMPTY;
  }
}
