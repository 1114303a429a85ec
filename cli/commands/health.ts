import { GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery, type Metric } from '@aws-sdk/client-cloudwatch';
import { ListExecutionsCommand, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { METRIC_NAMES, METRICS_NAMESPACE, RUNBOOK } from '../../registry/catalog';
import type { CommandContext } from '../context';
import { humanDuration, humanLatency, json, table } from '../format';
import { queueNameOf } from '../inventory';
import { queueDepth } from '../queue-scanner';
import { driftFigures, driftProblems, type DriftFigure } from './health-drift';
import { parseTime } from './replay';

const LATENCY_SLIS = [
  METRIC_NAMES.dispatchConfirmationLatency,
  METRIC_NAMES.podToBillingReadyLatency,
  METRIC_NAMES.billingReadyToInvoiceLatency,
  METRIC_NAMES.podToInvoiceCycleTime,
  METRIC_NAMES.exceptionToCaseLatency,
  // Per outbound invocation: its wait for the target's rate limit (about one pacing interval per call when saturated).
  METRIC_NAMES.rateLimitWait,
];
const COUNT_SLIS = [METRIC_NAMES.eventsRejected, METRIC_NAMES.eventsIgnored, METRIC_NAMES.eventsDeduplicated, METRIC_NAMES.syncFailures, METRIC_NAMES.idempotencyInProgress];

interface QueueHealth {
  name: string;
  visible: number;
  inFlight: number;
  oldestAgeSeconds?: number;
  dlqDepth: number;
  dlqOldestAgeSeconds?: number;
}

interface WorkflowHealth {
  name: string;
  arn: string;
  failed: number;
  timedOut: number;
  aborted: number;
  latestFailures: { name: string; executionArn: string; status: string; stoppedAt?: string }[];
}

interface SliFigure {
  metric: string;
  dimensions: Record<string, string>;
  p50?: number;
  p95?: number;
  sum?: number;
}

/** Last value of each query, by id (CloudWatch returns newest first). */
async function metricValues(ctx: CommandContext, queries: MetricDataQuery[], start: Date, end: Date): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (let i = 0; i < queries.length; i += 500) {
    let token: string | undefined;
    do {
      const page = await ctx.clients.cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: queries.slice(i, i + 500), StartTime: start, EndTime: end, NextToken: token, ScanBy: 'TimestampDescending' }),
      );
      for (const r of page.MetricDataResults ?? []) {
        if (r.Id && r.Values?.length && !values.has(r.Id)) values.set(r.Id, r.Values[0]!);
      }
      token = page.NextToken;
    } while (token);
  }
  return values;
}

async function sqsAges(ctx: CommandContext, urls: string[]): Promise<Map<string, number>> {
  const end = new Date();
  const start = new Date(end.getTime() - 15 * 60_000);
  const queries: MetricDataQuery[] = urls.map((url, i) => ({
    Id: `q${i}`,
    MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: queueNameOf(url) }] }, Period: 300, Stat: 'Maximum' },
  }));
  const values = await metricValues(ctx, queries, start, end).catch(() => new Map<string, number>());
  return new Map(urls.flatMap((url, i) => (values.has(`q${i}`) ? [[url, values.get(`q${i}`)!] as const] : [])));
}

async function workflowHealth(ctx: CommandContext, since: Date): Promise<WorkflowHealth[]> {
  const inventory = await ctx.inventory();
  return Promise.all(
    inventory.stateMachines.map(async (sm) => {
      const counts: Record<string, { name: string; executionArn: string; status: string; stoppedAt?: string }[]> = {};
      for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED'] as ExecutionStatus[]) {
        const page = await ctx.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: sm.id, statusFilter: status, maxResults: 100 }));
        counts[status] = (page.executions ?? [])
          .filter((e) => (e.stopDate ?? e.startDate ?? new Date(0)).getTime() >= since.getTime())
          .map((e) => ({ name: e.name ?? '', executionArn: e.executionArn ?? '', status, stoppedAt: e.stopDate?.toISOString() }));
      }
      return {
        name: sm.name,
        arn: sm.id,
        failed: counts.FAILED!.length,
        timedOut: counts.TIMED_OUT!.length,
        aborted: counts.ABORTED!.length,
        latestFailures: [...counts.FAILED!, ...counts.TIMED_OUT!, ...counts.ABORTED!].sort((a, b) => (b.stoppedAt ?? '').localeCompare(a.stoppedAt ?? '')).slice(0, 5),
      };
    }),
  );
}

async function sliFigures(ctx: CommandContext, since: Date): Promise<SliFigure[]> {
  const metrics: Metric[] = [];
  for (const name of [...LATENCY_SLIS, ...COUNT_SLIS]) {
    let token: string | undefined;
    do {
      const page = await ctx.clients.cloudwatch.send(new ListMetricsCommand({ Namespace: METRICS_NAMESPACE, MetricName: name, NextToken: token }));
      metrics.push(...(page.Metrics ?? []));
      token = page.NextToken;
    } while (token);
  }
  if (metrics.length === 0) return [];
  // A minute past now: datapoints stamped in the current second still fall inside the window.
  const end = new Date(Date.now() + 60_000);
  const period = Math.max(300, Math.ceil((end.getTime() - since.getTime()) / 1000 / 300) * 300);
  const queries: MetricDataQuery[] = metrics.flatMap((metric, i) =>
    LATENCY_SLIS.includes(metric.MetricName as (typeof LATENCY_SLIS)[number])
      ? [
          { Id: `m${i}p50`, MetricStat: { Metric: metric, Period: period, Stat: 'p50' } },
          { Id: `m${i}p95`, MetricStat: { Metric: metric, Period: period, Stat: 'p95' } },
        ]
      : [{ Id: `m${i}sum`, MetricStat: { Metric: metric, Period: period, Stat: 'Sum' } }],
  );
  const values = await metricValues(ctx, queries, since, end);
  return metrics
    .map((metric, i) => ({
      metric: metric.MetricName ?? '',
      dimensions: Object.fromEntries((metric.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
      p50: values.get(`m${i}p50`),
      p95: values.get(`m${i}p95`),
      sum: values.get(`m${i}sum`),
    }))
    .filter((f) => f.p50 !== undefined || f.p95 !== undefined || f.sum !== undefined);
}

export async function health(ctx: CommandContext, options: { since?: string }): Promise<number> {
  const inventory = await ctx.inventory();
  const since = parseTime(options.since ?? '24h', new Date());
  const queueUrls = inventory.queues.flatMap((q) => [q.url, q.dlqUrl]);
  const [depths, ages, workflows, slis, drift] = await Promise.all([
    Promise.all(inventory.queues.map(async (q) => ({ q, work: await queueDepth(ctx.clients.sqs, q.url), dlq: await queueDepth(ctx.clients.sqs, q.dlqUrl) }))),
    sqsAges(ctx, queueUrls),
    workflowHealth(ctx, since),
    sliFigures(ctx, since).catch((error: unknown) => {
      ctx.note(`(SLI figures unavailable: ${(error as Error).message})`);
      return [] as SliFigure[];
    }),
    driftFigures(ctx, since, metricValues).catch((error: unknown) => {
      ctx.note(`(reconciliation figures unavailable: ${(error as Error).message})`);
      return [] as DriftFigure[];
    }),
  ]);
  const quarantineDepth = inventory.quarantine ? await queueDepth(ctx.clients.sqs, inventory.quarantine.url) : undefined;
  // Alarm notifications SNS could not deliver (the on-call email's DLQ): on-call may not have seen an alarm.
  const undelivered = await Promise.all(
    inventory.undeliveredNotifications.map(async (u) => {
      const depth = await queueDepth(ctx.clients.sqs, u.url);
      return { name: u.name, url: u.url, topicArn: u.topicArn, depth: depth.visible + depth.inFlight };
    }),
  );
  const queues: QueueHealth[] = depths.map(({ q, work, dlq }) => ({
    name: q.name,
    visible: work.visible + work.delayed,
    inFlight: work.inFlight,
    oldestAgeSeconds: ages.get(q.url),
    dlqDepth: dlq.visible + dlq.inFlight,
    dlqOldestAgeSeconds: ages.get(q.dlqUrl),
  }));
  const problems = [
    ...queues.filter((q) => q.dlqDepth > 0).map((q) => `${q.name}: ${q.dlqDepth} message(s) in the DLQ → lsync dlq show ${q.name}`),
    ...(quarantineDepth && quarantineDepth.visible + quarantineDepth.inFlight > 0 ? [`quarantine: ${quarantineDepth.visible + quarantineDepth.inFlight} message(s) → lsync dlq show quarantine`] : []),
    ...undelivered
      .filter((u) => u.depth > 0)
      .map((u) => `${u.name}: ${u.depth} alarm notification(s) SNS could not deliver to the on-call subscription → docs/runbook.md#${RUNBOOK.notificationsUndelivered}`),
    ...workflows.filter((w) => w.failed + w.timedOut + w.aborted > 0).map((w) => `${w.name}: ${w.failed} failed, ${w.timedOut} timed out, ${w.aborted} aborted since ${since.toISOString()}`),
    ...driftProblems(drift, since),
  ];
  const report = {
    target: ctx.describeTarget(),
    since: since.toISOString(),
    healthy: problems.length === 0,
    problems,
    queues,
    quarantine: quarantineDepth ? { depth: quarantineDepth.visible + quarantineDepth.inFlight } : undefined,
    undeliveredNotifications: undelivered,
    workflows,
    reconciliation: drift,
    slis,
    dashboard: inventory.dashboardName,
  };
  if (ctx.json) {
    ctx.out(json(report));
    return 0;
  }
  ctx.out(`health of ${report.target} since ${report.since}: ${report.healthy ? 'OK' : `${problems.length} problem(s)`}\n`);
  for (const p of problems) ctx.out(`  ! ${p}\n`);
  ctx.out('\nqueues\n');
  ctx.out(
    table(
      ['QUEUE', 'WAITING', 'IN FLIGHT', 'OLDEST', 'DLQ', 'DLQ OLDEST'],
      queues.map((q) => [q.name, q.visible, q.inFlight, q.oldestAgeSeconds === undefined ? '-' : humanDuration(q.oldestAgeSeconds * 1000), q.dlqDepth, q.dlqOldestAgeSeconds === undefined ? '-' : humanDuration(q.dlqOldestAgeSeconds * 1000)]),
    ),
  );
  if (quarantineDepth) ctx.out(`quarantine: ${report.quarantine!.depth}\n`);
  for (const u of undelivered) ctx.out(`undelivered alarm notifications (${u.name}): ${u.depth}\n`);
  ctx.out('\nworkflows\n');
  ctx.out(workflows.length ? table(['WORKFLOW', 'FAILED', 'TIMED OUT', 'ABORTED'], workflows.map((w) => [w.name, w.failed, w.timedOut, w.aborted])) : '(no state machine in the stack)\n');
  for (const w of workflows) for (const f of w.latestFailures) ctx.out(`  ${w.name}: ${f.status} ${f.stoppedAt ?? ''} ${f.executionArn}\n`);
  ctx.out('\nreconciliation (missed updates the sweeps found and repaired)\n');
  ctx.out(
    drift.length
      ? table(['SYSTEM', 'FOUND', 'REPAIRED', 'UNREADABLE', 'BEHIND'], drift.map((d) => [d.system, d.found, d.repaired, d.unreadable, d.behind]))
      : '(no sweep has reported in this window)\n',
  );
  ctx.out('\nbusiness SLIs, and each outbound adapter\'s wait for its rate limit (RateLimitWait)\n');
  ctx.out(
    slis.length
      ? table(
          ['METRIC', 'DIMENSIONS', 'P50', 'P95', 'SUM'],
          slis.map((s) => [
            s.metric,
            Object.entries(s.dimensions).map(([k, v]) => `${k}=${v}`).join(' ') || '-',
            humanLatency(s.p50),
            humanLatency(s.p95),
            s.sum === undefined ? '-' : s.sum,
          ]),
        )
      : `(no ${METRICS_NAMESPACE} metrics in CloudWatch for this window${ctx.target.kind === 'sandbox' ? ': the sandbox puts the functions\' EMF metrics there as they run; nothing has run yet' : ''})\n`,
  );
  if (queues.every((q) => q.oldestAgeSeconds === undefined) && ctx.target.kind === 'sandbox') ctx.note('(queue ages come from CloudWatch, which the emulator does not populate)');
  if (report.dashboard) ctx.note(`dashboard: ${report.dashboard}`);
  return 0;
}
