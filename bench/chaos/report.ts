import type { Usage } from '../../sandbox/metering';
import type { AdapterFigures } from './adapters';
import type { OrderRun } from './driver';
import type { OrderVerdict } from './count';
import type { DlqContents } from './lsync';
import type { World } from './world';

/** Latency of one path through the product, from the vendor's send to the effect in the target system. */
export interface PathLatency {
  readonly path: string;
  readonly samples: number;
  readonly p50Ms?: number;
  readonly p95Ms?: number;
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** p50/p95 per path, read from the simulators' own timestamps (ERP history, billing, CS tickets and comments). */
export function pathLatencies(runs: readonly OrderRun[], world: World): PathLatency[] {
  world.refresh();
  const samples: Record<string, number[]> = {
    'release → ERP dispatched': [],
    'departure → ERP in-transit': [],
    'exception → CS ticket': [],
    'arrival → ERP arrived': [],
    'POD → ERP billing-ready': [],
    'billing-ready → CS note': [],
  };
  const add = (path: string, from: number | undefined, to: string | undefined) => {
    if (from === undefined || to === undefined) return;
    samples[path]!.push(Date.parse(to) - from);
  };
  for (const run of runs) {
    const o = world.order(run.plan.orderId);
    const heard = (status: string) => o.shipment?.history.find((h) => h.status === status)?.receivedAt;
    add('release → ERP dispatched', run.sentAt.released, heard('dispatched'));
    add('departure → ERP in-transit', run.sentAt.departed, heard('in-transit'));
    add('exception → CS ticket', run.sentAt.exception, o.tickets[0]?.createdAt);
    add('arrival → ERP arrived', run.sentAt.arrived, heard('arrived'));
    add('POD → ERP billing-ready', run.sentAt.pod, o.billing[0]?.readyAt);
    const readyAt = o.billing[0]?.readyAt;
    const note = o.tickets.flatMap((t) => t.comments).find((c) => /invoice/i.test(c.body));
    add('billing-ready → CS note', readyAt ? Date.parse(readyAt) : undefined, note?.createdAt);
  }
  return Object.entries(samples).map(([path, values]) => ({ path, samples: values.length, p50Ms: percentile(values, 50), p95Ms: percentile(values, 95) }));
}

export interface ChaosSummary {
  readonly orders: number;
  readonly webhooks: number;
  readonly duplicates: number;
  readonly canonicalEvents: number;
  readonly faultsHit: Record<string, number>;
  readonly undelivered: number;
  readonly copiesRefused: number;
  /** The webhooks the vendor gave up on, by event type and the status of the last attempt. */
  readonly undeliveredBy: Record<string, number>;
  readonly before: { verdicts: readonly OrderVerdict[]; dlq: DlqContents };
  readonly after: { verdicts: readonly OrderVerdict[]; dlq: DlqContents };
  readonly redriven: Record<string, number>;
  readonly latencies: readonly PathLatency[];
  /** Until the first drain (the faults and the orders' own traffic). */
  readonly adapters: readonly AdapterFigures[];
  readonly driveMs: number;
  /** How long the fault matrix ran from the first order: until the tail of the drive began (run.ts). */
  readonly faultsMs: number;
  readonly wallMs: number;
  readonly parkedOrders: number;
  readonly faults: boolean;
  readonly seed: number;
  /** The product's AWS usage from the first order to the first drain, when the run was metered. */
  readonly usage?: Usage;
}

export function tally(verdicts: readonly OrderVerdict[]): { lost: number; duplicated: number; wrongFinal: number; traceIncomplete: number } {
  return {
    lost: verdicts.filter((v) => v.missing.length > 0).length,
    duplicated: verdicts.filter((v) => v.duplicated.length > 0).length,
    wrongFinal: verdicts.filter((v) => v.wrongFinal).length,
    traceIncomplete: verdicts.filter((v) => v.traceProblems.length > 0).length,
  };
}

/**
 * Whether the run proves the claims: nothing lost, nothing twice, every shipment delivered in the ERP, DLQs empty,
 * traces whole. Webhooks that got no 2xx within the vendor's retries are a figure, not a verdict: the product may
 * have processed them after the vendor stopped waiting (a cold start on a loaded machine), and a lost one shows as
 * a missing effect.
 */
export function passed(summary: ChaosSummary): boolean {
  const t = tally(summary.after.verdicts);
  return t.lost === 0 && t.duplicated === 0 && t.wrongFinal === 0 && t.traceIncomplete === 0 && summary.after.dlq.total === 0;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

/** The table and the one summary line a chaos run prints. */
export function formatReport(s: ChaosSummary): string {
  const before = tally(s.before.verdicts);
  const after = tally(s.after.verdicts);
  const faultsTotal = Object.values(s.faultsHit).reduce((a, b) => a + b, 0);
  const rows: [string, string, string][] = [
    ['orders', String(s.orders), ''],
    ['webhooks sent (incl. copies)', String(s.webhooks), `${s.duplicates} duplicate deliveries, ${s.copiesRefused} of them refused while the original was in flight (503 in-progress)`],
    ['canonical events on the bus', String(s.canonicalEvents), ''],
    ['faults hit', String(faultsTotal), `${counts(s.faultsHit)}${s.faults ? ` (the matrix ran ${seconds(s.faultsMs)} of ${seconds(s.driveMs)} driving)` : ''}`],
    ['webhooks without a 2xx within the vendor\'s retries', String(s.undelivered), counts(s.undeliveredBy)],
    ['orders parked (no route until the redrive)', String(s.parkedOrders), ''],
    ['orders with an effect missing', String(before.lost), String(after.lost)],
    ['orders with an effect twice', String(before.duplicated), String(after.duplicated)],
    ['orders not ending "delivered" in the ERP', String(before.wrongFinal), String(after.wrongFinal)],
    ['orders whose trace is incomplete or shows a failure', String(before.traceIncomplete), String(after.traceIncomplete)],
    [
      'excursions handled after the delivery',
      String(s.before.verdicts.filter((v) => v.superseded).length),
      'quality hold placed, ERP `exception` status skipped (it would move the ERP back from delivered), invoice note on the late case',
    ],
    ['DLQ messages', `${s.before.dlq.total} (${counts(s.before.dlq.byReason)})`, `${s.after.dlq.total} (${counts(s.after.dlq.byReason)})`],
    ['DLQ messages by queue', counts(s.before.dlq.byQueue), counts(s.after.dlq.byQueue)],
    ['redriven (lsync dlq redrive)', counts(s.redriven), ''],
  ];
  const lines = ['', `| figure | before the redrive | after |`, `|---|---|---|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  lines.push('', '| path | samples | p50 | p95 |', '|---|---|---|---|', ...s.latencies.map((l) => `| ${l.path} | ${l.samples} | ${seconds(l.p50Ms)} | ${seconds(l.p95Ms)} |`));
  lines.push(
    '',
    '| queue (until the first drain) | messages | invocations | mean invocation | drain rate while backlogged | peak backlog |',
    '|---|---|---|---|---|---|',
    ...s.adapters.map((a) => `| ${a.queue} | ${a.messages} | ${a.invocations} | ${a.meanInvocationMs} ms | ${a.drainPerSecond}/s | ${a.peakBacklog} |`),
  );
  const examples = s.after.verdicts.filter((v) => v.missing.length || v.duplicated.length || v.wrongFinal || v.traceProblems.length).slice(0, 10);
  if (examples.length > 0) {
    lines.push('', 'first problems after the redrive:');
    for (const v of examples) lines.push(`  ${v.orderId}: ${[...v.missing.map((m) => `missing ${m}`), ...v.duplicated.map((d) => `twice: ${d}`), ...(v.wrongFinal ? [`ERP final ${v.wrongFinal}`] : []), ...v.traceProblems.map((t) => `trace: ${t}`)].join('; ')}`);
  }
  const perMinute = (s.orders / (s.driveMs / 60_000)).toFixed(1);
  const p = (path: string) => {
    const l = s.latencies.find((x) => x.path === path);
    return `${seconds(l?.p50Ms)}/${seconds(l?.p95Ms)}`;
  };
  lines.push(
    '',
    `chaos ${passed(s) ? 'PASSED' : 'FAILED'}: orders ${s.orders}, events ${s.webhooks} webhooks / ${s.canonicalEvents} canonical, duplicates ${s.duplicates}, faults hit ${faultsTotal}${s.faults ? '' : ' (faults off)'}, ` +
      `lost ${after.lost}, duplicated effects ${after.duplicated}, wrong final ${after.wrongFinal}, trace incomplete ${after.traceIncomplete}, DLQ before/after ${s.before.dlq.total}/${s.after.dlq.total}, ` +
      `throughput ${perMinute} orders/min (${seconds(s.driveMs)} driving, ${seconds(s.wallMs)} wall), p50/p95 release→dispatched ${p('release → ERP dispatched')}, departure→in-transit ${p('departure → ERP in-transit')}, ` +
      `exception→ticket ${p('exception → CS ticket')}, POD→billing-ready ${p('POD → ERP billing-ready')}, billing-ready→CS note ${p('billing-ready → CS note')}, seed ${s.seed}`,
  );
  return lines.join('\n');
}
