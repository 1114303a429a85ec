import { ListMetricsCommand, type Metric, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { METRIC_NAMES, METRICS_NAMESPACE, RUNBOOK } from '../../registry/catalog';
import type { CommandContext } from '../context';

/** What the reconciliation sweeps counted per system in the window (their Powertools metrics, `system` dimension). */
export interface DriftFigure {
  readonly system: string;
  /** Milestones the vendor showed and the index lacked (missed webhooks). */
  readonly found: number;
  /** Of those, published again. */
  readonly repaired: number;
  /** Shipments the vendor's API could not tell about. */
  readonly unreadable: number;
  /** Sweep pages run after their interval had passed. */
  readonly behind: number;
}

const FIELDS = {
  [METRIC_NAMES.driftFound]: 'found',
  [METRIC_NAMES.driftRepaired]: 'repaired',
  [METRIC_NAMES.sweepUnreadable]: 'unreadable',
  [METRIC_NAMES.sweepBehind]: 'behind',
} as const satisfies Record<string, keyof Omit<DriftFigure, 'system'>>;

type MetricValues = (ctx: CommandContext, queries: MetricDataQuery[], start: Date, end: Date) => Promise<Map<string, number>>;

/** The drift figures per system since `since` (systems without a sweep metric in the window are absent). */
export async function driftFigures(ctx: CommandContext, since: Date, metricValues: MetricValues): Promise<DriftFigure[]> {
  const metrics: Metric[] = [];
  for (const name of Object.keys(FIELDS)) {
    let token: string | undefined;
    do {
      const page = await ctx.clients.cloudwatch.send(new ListMetricsCommand({ Namespace: METRICS_NAMESPACE, MetricName: name, NextToken: token }));
      metrics.push(...(page.Metrics ?? []));
      token = page.NextToken;
    } while (token);
  }
  if (metrics.length === 0) return [];
  const end = new Date(Date.now() + 60_000);
  const period = Math.max(300, Math.ceil((end.getTime() - since.getTime()) / 1000 / 300) * 300);
  const queries: MetricDataQuery[] = metrics.map((metric, i) => ({ Id: `d${i}`, MetricStat: { Metric: metric, Period: period, Stat: 'Sum' } }));
  const values = await metricValues(ctx, queries, since, end);
  const bySystem = new Map<string, { found: number; repaired: number; unreadable: number; behind: number }>();
  metrics.forEach((metric, i) => {
    const system = metric.Dimensions?.find((d) => d.Name === 'system')?.Value;
    const field = FIELDS[metric.MetricName as keyof typeof FIELDS];
    if (!system || !field) return;
    const figure = bySystem.get(system) ?? { found: 0, repaired: 0, unreadable: 0, behind: 0 };
    figure[field] += values.get(`d${i}`) ?? 0;
    bySystem.set(system, figure);
  });
  return [...bySystem].map(([system, f]) => ({ system, ...f })).sort((a, b) => a.system.localeCompare(b.system));
}

/** Problem lines for `lsync health`: drift found in the window, and sweeps that fell behind. */
export function driftProblems(figures: readonly DriftFigure[], since: Date): string[] {
  return figures.flatMap((f) => [
    ...(f.found > 0
      ? [`${f.system}: reconciliation found ${f.found} missed update(s) since ${since.toISOString()}, ${f.repaired} repaired → docs/runbook.md#${RUNBOOK.reconciliationDrift}`]
      : []),
    ...(f.behind > 0 ? [`${f.system}: a reconciliation sweep ran past its interval (${f.behind} page(s)) → docs/runbook.md#${RUNBOOK.reconciliationBehind}`] : []),
  ]);
}
