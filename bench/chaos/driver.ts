import type { Simulators, WebhookDelivery } from '../../sandbox/simulators/index';
import type { OrderPlan } from './plan';
import type { World } from './world';

/** What the driver did for one order: when it told the product what, and where it had to stop. */
export interface OrderRun {
  readonly plan: OrderPlan;
  /** Vendor-side send times (ms since epoch) of each step. */
  readonly sentAt: Partial<Record<'released' | 'departed' | 'exception' | 'arrived' | 'pod' | 'lateDeparture', number>>;
  /** The step the order is waiting at when the driver gave up on it for now (the product has not created its route). */
  parkedAt?: 'route';
  /**
   * Events of this order that no delivery got accepted for, the vendor's retries and the copies included (the
   * status of the original's last attempt): the event never reached the product.
   */
  readonly undelivered: { eventType: string; status: number | null }[];
  /** Copies the product did not accept while it had the original in hand (e.g. 503 "in-progress"): not a loss. */
  copiesRefused: number;
  webhooks: number;
  duplicates: number;
}

export interface DriverOptions {
  /** Orders driven at once. */
  readonly concurrency: number;
  /** Webhooks sent per second at most, all vendors together (below the webhook API's throttle). */
  readonly webhooksPerSecond: number;
  /** How long an order waits for its fleet route before it is parked (resumed after the redrive). */
  readonly routeWaitMs: number;
  /** How long a step waits for the product to reflect the previous one in the ERP before the trip goes on anyway. */
  readonly stepWaitMs: number;
  /**
   * Whether the product's trace (what `lsync trace` reads) shows the order dispatched. An excursion comes tens of
   * minutes into a real trip, when the correlation index has long recorded which truck and reefer carry the
   * shipment; the compressed trip waits for that instead (bounded), since the alert names only the assets.
   */
  readonly dispatchIndexed?: (orderId: string) => Promise<boolean>;
  /** Whether a message of the order's dispatch is dead-lettered: only the redrive after the drive brings it, so the wait above ends. */
  readonly dispatchDeadLettered?: (orderId: string) => Promise<boolean>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spaces sends out to at most `perSecond`. */
class Pace {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async turn(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await sleep(at - now);
  }
}

/**
 * Plays the vendors' side of N orders, as they would: the ERP enters and releases the order (a signed CloudEvent),
 * the fleet system reports the trip on the route our product created (departure, a temperature alert or a late ETA
 * for some, arrival, proof of delivery) as signed Samsara webhooks, a share of orders get every webhook delivered
 * three times, and some get a late departure after the delivery. Between steps it waits (bounded) for the ERP to
 * have heard of the previous one, as a real trip takes hours; it never waits on the product's internals.
 */
export class Driver {
  private readonly pace: Pace;
  private queued = 0;
  private active = 0;

  /** What each order being driven waits for now (for the progress lines). */
  private readonly waits = new Map<string, string>();
  /** The orders being driven now: all the driver's own index refreshes need (World.refresh). */
  private readonly driving = new Set<string>();

  /** Orders of the current drive not started yet, orders being driven now, and what the first few of those wait for. */
  get progress(): { notStarted: number; inFlight: number; waiting: string[] } {
    return { notStarted: this.queued, inFlight: this.active, waiting: [...this.waits].slice(0, 5).map(([id, what]) => `${id} ${what}`) };
  }

  constructor(
    private readonly sims: Simulators,
    private readonly world: World,
    private readonly options: DriverOptions,
  ) {
    this.pace = new Pace(options.webhooksPerSecond);
  }

  /** The ERP's orders and the fleet's trucks for the plan (vendor-side actions, in-process). */
  seed(plans: readonly OrderPlan[]): void {
    for (const plan of plans) {
      this.sims.fleet.addVehicle({ erpVehicleId: plan.vehicle, ...(plan.trailer ? { erpTrailerId: plan.trailer } : {}) });
      this.sims.erp.createOrder({
        orderId: plan.orderId,
        likeOrderId: plan.likeOrderId,
        assignment: { vehicleId: `erp.vehicle:${plan.vehicle}`, ...(plan.trailer ? { trailerId: `erp.trailer:${plan.trailer}` } : {}) },
      });
    }
  }

  /** Drives the orders (each from where it stands), `concurrency` at a time. */
  async drive(runs: readonly OrderRun[], onDone?: (run: OrderRun) => void): Promise<void> {
    let next = 0;
    this.queued = runs.length;
    const worker = async () => {
      while (next < runs.length) {
        const run = runs[next++]!;
        this.queued--;
        this.active++;
        this.driving.add(run.plan.orderId);
        try {
          await this.driveOrder(run);
        } finally {
          this.active--;
          this.driving.delete(run.plan.orderId);
          this.waits.delete(run.plan.orderId);
        }
        onDone?.(run);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, runs.length) }, worker));
  }

  private async send(run: OrderRun, eventType: string, deliver: () => Promise<WebhookDelivery>, redeliver: (id: string) => Promise<WebhookDelivery>): Promise<void> {
    await this.pace.turn();
    const delivery = await deliver();
    run.webhooks++;
    let accepted = isAccepted(delivery);
    if (run.plan.triplicate) {
      for (let copy = 0; copy < 2; copy++) {
        await this.pace.turn();
        const again = await redeliver(delivery.id);
        run.duplicates++;
        if (isAccepted(again)) accepted = true;
        else run.copiesRefused++;
      }
    }
    if (!accepted) run.undelivered.push({ eventType, status: delivery.status });
  }

  private async until(check: () => boolean, ms: number, orderId?: string, what?: string): Promise<boolean> {
    if (orderId && what) this.waits.set(orderId, `waits for ${what}`);
    const deadline = Date.now() + ms;
    for (;;) {
      this.world.refresh(400, this.driving);
      if (check()) return true;
      if (Date.now() > deadline) return false;
      await sleep(500);
    }
  }

  private erpHeard(orderId: string, status: string): boolean {
    return this.world.order(orderId).shipment?.history.some((h) => h.status === status) ?? false;
  }

  private async driveOrder(run: OrderRun): Promise<void> {
    const { erp, fleet } = this.sims;
    const { plan } = run;
    const id = plan.orderId;
    const fleetRedeliver = (deliveryId: string) => fleet.redeliver(deliveryId);
    if (run.sentAt.released === undefined) {
      run.sentAt.released = Date.now();
      await this.send(run, 'order.released', () => erp.releaseOrder(id), (deliveryId) => erp.redeliver(deliveryId));
    }
    // The truck leaves once dispatch has created the route in the fleet system.
    const routed = await this.until(() => this.world.order(id).routes.length > 0, this.options.routeWaitMs, id, 'its fleet route');
    if (!routed) {
      run.parkedAt = 'route';
      return;
    }
    run.parkedAt = undefined;
    const route = this.world.order(id).routes[0]!.id;
    await this.until(() => this.erpHeard(id, 'dispatched'), this.options.stepWaitMs, id, 'ERP dispatched');

    run.sentAt.departed = Date.now();
    await this.send(run, 'RouteStopDeparture', () => fleet.departStop(route, 0), fleetRedeliver);
    // An excursion or a late ETA comes well after the departure on a real trip: wait longer for the ERP to have
    // heard of it (the product then also knows which assets carry the shipment, which the alert names).
    await this.until(() => this.erpHeard(id, 'in-transit'), plan.exception === 'none' ? this.options.stepWaitMs : 4 * this.options.stepWaitMs, id, 'ERP in-transit');

    if (plan.exception !== 'none') {
      const indexed = this.options.dispatchIndexed;
      let dispatchKnown = true;
      if (indexed) {
        const deadline = Date.now() + 8 * this.options.stepWaitMs;
        this.waits.set(id, 'waits for the dispatch in its trace');
        const deadLettered = this.options.dispatchDeadLettered;
        while (!(dispatchKnown = await indexed(id)) && Date.now() < deadline && !(await deadLettered?.(id))) await sleep(1_000);
      }
      run.sentAt.exception = Date.now();
      if (plan.exception === 'temperature') {
        await this.send(run, 'AlertIncident', () => fleet.raiseTemperatureAlert(route), fleetRedeliver);
      } else {
        // An ETA two hours past the end of the delivery window: a major delay.
        const window = erp.snapshot() as { orders: { orderId: string; deliveryWindow: { to: string } }[] };
        const to = window.orders.find((o) => o.orderId === id)?.deliveryWindow.to;
        const eta = new Date(Date.parse(to ?? new Date().toISOString()) + 2 * 3_600_000);
        await this.send(run, 'RouteStopEtaUpdated', () => fleet.updateEta(route, eta), fleetRedeliver);
      }
      // The exception's ticket before the arrival: on a real trip the excursion comes hours before the POD and the
      // invoice, whose note goes on the ticket (a ticket opened after the invoice was posted misses the note:
      // docs/reliability.md). The workflow may be riding out the ERP's 429s for minutes first. Not when the trace
      // still lacks the dispatch after the wait above: its route creation is in the fleet DLQ, so the alert is placed
      // only after the runbook's redrive (its checks wait about 15 min for the index), and waiting would only add minutes.
      if (dispatchKnown || plan.exception !== 'temperature') {
        await this.until(() => this.world.order(id).tickets.length > 0, 8 * this.options.stepWaitMs, id, `its ${plan.exception} ticket`);
      }
    }

    run.sentAt.arrived = Date.now();
    await this.send(run, 'RouteStopArrival', () => fleet.arriveAtStop(route), fleetRedeliver);
    await this.until(() => this.erpHeard(id, 'arrived'), this.options.stepWaitMs, id, 'ERP arrived');
    run.sentAt.pod = Date.now();
    await this.send(run, 'DocumentSubmitted', () => fleet.submitProofOfDelivery(route), fleetRedeliver);

    if (plan.lateDeparture) {
      await this.until(() => this.erpHeard(id, 'delivered'), this.options.stepWaitMs, id, 'ERP delivered');
      run.sentAt.lateDeparture = Date.now();
      await this.send(run, 'RouteStopDeparture (late)', () => fleet.departStop(route, 0, { at: new Date(Date.now() - 3_600_000) }), fleetRedeliver);
    }
  }
}

function isAccepted(delivery: WebhookDelivery): boolean {
  return delivery.status !== null && delivery.status >= 200 && delivery.status < 300;
}

export function newRun(plan: OrderPlan): OrderRun {
  return { plan, sentAt: {}, undelivered: [], copiesRefused: 0, webhooks: 0, duplicates: 0 };
}
