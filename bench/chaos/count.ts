import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceById } from '../../lambdas/trace/trace-query';
import type { OrderRun } from './driver';
import type { World } from './world';

/** One expected effect of an order in a vendor system, and how many times it is there. */
export interface EffectCount {
  readonly effect: string;
  readonly count: number;
}

/** The verdict on one order: what is missing, what is there twice, whether the ERP ends where the fleet says. */
export interface OrderVerdict {
  readonly orderId: string;
  readonly missing: string[];
  readonly duplicated: string[];
  /** The ERP's final shipment status, when it is not `delivered` (or a status arrived after `delivered`). */
  readonly wrongFinal?: string;
  /** What the product's own trace lacks, or the hops it still shows as failed. */
  readonly traceProblems: string[];
  /**
   * A temperature excursion handled after the ERP had the shipment delivered: its workflow placed the quality hold
   * but, by design, set no `exception` status (it would move the ERP backwards). Not a loss; reported apart.
   */
  readonly superseded?: boolean;
}

/** Milestone statuses the ERP hears in order; `exception` (no rank) may come between any of them. */
const MILESTONE_STATUSES = ['dispatched', 'in-transit', 'arrived', 'delivered'];
const TRACE_EVENTS = ['order.released', 'shipment.dispatched', 'shipment.delivered', 'invoice.posted'];

/**
 * The effects an order must leave in the vendors' systems, counted from their state:
 * - fleet: one route;
 * - ERP: the shipment's statuses, each at most once, `delivered` once and last (whatever order the fleet's
 *   webhooks arrived in); one billing record and one invoice; a temperature excursion (major): one quality hold and
 *   one `exception` status — none when the excursion was superseded (see {@link supersededExcursion});
 * - CS: one ticket for an order with an exception (none otherwise), carrying one note with the invoice and the POD.
 */
export function countEffects(run: OrderRun, world: World): EffectCount[] {
  const o = world.order(run.plan.orderId);
  const history = o.shipment?.history ?? [];
  const statusCount = (status: string) => history.filter((h) => h.status === status).length;
  const effects: EffectCount[] = [
    { effect: 'fleet route', count: o.routes.length },
    { effect: 'ERP delivered', count: statusCount('delivered') },
    { effect: 'ERP billing-ready', count: o.billing.length },
    { effect: 'ERP invoice', count: o.invoices.length },
  ];
  const exception = run.plan.exception;
  if (exception === 'temperature') {
    effects.push({ effect: 'ERP quality hold', count: o.holds });
    if (!supersededExcursion(run, world)) effects.push({ effect: 'ERP exception status', count: statusCount('exception') });
  }
  if (exception !== 'none') {
    const notes = o.tickets.flatMap((t) => t.comments).filter((c) => /invoice/i.test(c.body) && /proof of delivery/i.test(c.body));
    effects.push({ effect: 'CS ticket', count: o.tickets.length }, { effect: 'CS invoice + POD note', count: notes.length });
  }
  return effects;
}

/**
 * Whether a temperature excursion's `exception` status was rightly skipped: the workflow sets the status, then places
 * the hold, and a failed status step places no hold (the workflow goes to a human instead). So a hold without an
 * `exception` status in the ERP means the step skipped it — which it does only when the shipment's `delivered` was
 * already synced or attempted (the never-backwards ceiling) — and the ERP must then end delivered, which the final
 * status check holds it to.
 */
export function supersededExcursion(run: OrderRun, world: World): boolean {
  const o = world.order(run.plan.orderId);
  const history = o.shipment?.history ?? [];
  return run.plan.exception === 'temperature' && o.holds > 0 && !history.some((h) => h.status === 'exception') && history.some((h) => h.status === 'delivered');
}

export async function judgeOrder(run: OrderRun, world: World, trace: { dynamodb: DynamoDBDocumentClient; table: string }): Promise<OrderVerdict> {
  const o = world.order(run.plan.orderId);
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const { effect, count } of countEffects(run, world)) {
    if (count === 0) missing.push(effect);
    if (count > 1) duplicated.push(`${effect} ×${count}`);
  }
  if (run.plan.exception === 'none' && o.tickets.length > 0) duplicated.push(`CS ticket ×${o.tickets.length} (none expected)`);
  const history = o.shipment?.history ?? [];
  for (const status of MILESTONE_STATUSES.slice(0, 3)) {
    const n = history.filter((h) => h.status === status).length;
    if (n > 1) duplicated.push(`ERP ${status} ×${n}`);
  }
  let wrongFinal: string | undefined;
  const deliveredAt = history.findIndex((h) => h.status === 'delivered');
  if (o.shipment && o.shipment.status !== 'delivered') wrongFinal = `${o.shipment.status} (history ${history.map((h) => h.status).join(' → ')})`;
  else if (deliveredAt >= 0 && deliveredAt < history.length - 1) wrongFinal = `a status after delivered: ${history.map((h) => h.status).join(' → ')}`;

  const traceProblems: string[] = [];
  const found = await traceById(trace.dynamodb, trace.table, run.plan.orderId);
  if (!found) traceProblems.push('no trace');
  else {
    const types = new Set(found.timeline.map((h) => h.eventType));
    for (const type of TRACE_EVENTS) if (!types.has(type)) traceProblems.push(`no ${type}`);
    if (found.failed.length > 0) traceProblems.push(`${found.failed.length} failed hop(s): ${found.failed.map((f) => `${f.target} ${f.operation} (${f.errorCode})`).join(', ')}`);
  }
  return { orderId: run.plan.orderId, missing, duplicated, ...(wrongFinal ? { wrongFinal } : {}), traceProblems, ...(supersededExcursion(run, world) ? { superseded: true } : {}) };
}

/** Judges every order, a few at a time (each trace is a handful of DynamoDB queries). */
export async function judgeAll(runs: readonly OrderRun[], world: World, trace: { dynamodb: DynamoDBDocumentClient; table: string }): Promise<OrderVerdict[]> {
  world.refresh();
  const verdicts: OrderVerdict[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const i = next++;
      verdicts[i] = await judgeOrder(runs[i]!, world, trace);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return verdicts;
}
