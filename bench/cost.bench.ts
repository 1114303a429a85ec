// AWS cost per shipment lifecycle and per 1M webhook events, from what the sandbox counted while it played the
// volume run (`COST_ORDERS` orders, default 1,000, faults off; bench/chaos) or, with `COST_RUN=scenario`, the
// reference scenario (docs/architecture.md, "Reference scenario"): AWS API requests by service and operation (moto's request recorder, the
// product's callers only), Lambda invocations × billed duration × memory, state transitions, API Gateway requests
// (sandbox/metering.ts; `COST_WEBHOOK_API=http` runs the webhooks on an HTTP API, `COST_STAGE_OVERRIDES` any stage setting), priced with data/aws-prices.json (sandbox/cost-model.ts). Ours beside the
// plain pipeline a user would otherwise build (sandbox/cost-baseline.ts), through the same model.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mergeConfig } from '../lib/config/stage-config';
import { plainPipeline, roleOf, webhookPath, webhookRequests, withoutRateLimitWaits, writeUnitsByFunction } from '../sandbox/cost-baseline';
import { costOf, dynamoDbStorageUsd, loadPrices, monitoringCostOf, PLATFORM_LOG_BYTES_PER_INVOCATION, storageCostOf, type CostBreakdown, type CostLine, type Prices } from '../sandbox/cost-model';
import { startMetering, type Usage } from '../sandbox/metering';
import { measureKept } from '../sandbox/storage';
import { PROJECT_ROOT } from '../sandbox/python-env';
import { cdkJsonContext, startSandbox, type Sandbox } from '../sandbox/sandbox';
import { runScenario } from '../sandbox/scenario/reference';
import { formatReport, passed } from './chaos/report';
import { planOrders } from './chaos/plan';
import { runChaos } from './chaos/run';
import type { BenchFn, BenchSection } from './types';

const usd = (value: number): string => (value >= 100 ? `$${value.toFixed(0)}` : value >= 1 ? `$${value.toFixed(2)}` : value >= 0.01 ? `$${value.toFixed(4)}` : `$${value.toExponential(2)}`);

/** Waits until nothing moves any more (no invocation, transition or poller batch for `quietMs`). */
async function settle(sandbox: Sandbox, quietMs = 3000, timeoutMs = 60_000): Promise<void> {
  const fingerprint = () =>
    JSON.stringify([sandbox.functions.functions.map((f) => f.stats.invocations), sandbox.pollers.map((p) => p.stats.messages), sandbox.stepFunctions.stats.stateTransitions]);
  const deadline = Date.now() + timeoutMs;
  let last = fingerprint();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = fingerprint();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}


/** `COST_WEBHOOK_API`: which API Gateway serves the webhooks in the run (`rest`, the stage default, or `http`). */
function webhookApiOf(value: string | undefined): 'rest' | 'http' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'rest' && value !== 'http') throw new Error(`COST_WEBHOOK_API must be rest or http, got ${value}`);
  return value;
}

/** `COST_STAGE_OVERRIDES`: stage-config overrides for the run, as JSON (a knob's effect, e.g. `{"systems":{"erp":{"outbound":{"batchingWindowSeconds":2}}}}`). */
function stageOverridesOf(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`COST_STAGE_OVERRIDES is not JSON (${(error as Error).message}): ${value}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`COST_STAGE_OVERRIDES must be a JSON object, got ${value}`);
  return parsed as Record<string, unknown>;
}

/** The retention settings that decide what storage costs: how long items, logs and archived events are kept. */
const STORAGE_RETENTION = ['correlationTtlDays', 'idempotencyTtlHours', 'logRetentionDays', 'eventArchiveDays'] as const;

/**
 * The retention of the stage `cdk deploy` deploys by default (cdk.json `context.stage`: `dev`, items kept 180 days,
 * idempotency records 24 hours, logs and the archive 30 days), which the run keeps its data for instead of the sandbox
 * stage's single day: the storage figures are then a deployment's. `COST_STAGE_OVERRIDES` may set any of them.
 */
export function deployedRetention(context: { stage?: unknown; stages?: unknown }): Record<string, number> {
  const stages = (typeof context.stages === 'string' ? JSON.parse(context.stages) : context.stages) as Record<string, { retention?: Record<string, number> }> | undefined;
  const stage = typeof context.stage === 'string' ? context.stage : 'dev';
  const retention = stages?.[stage]?.retention;
  if (!retention) throw new Error(`cdk.json has no retention for the stage "${stage}"`);
  return Object.fromEntries(STORAGE_RETENTION.map((key) => [key, retention[key]!]));
}

/** What the environment chooses for the run's sandbox: the webhook API and further stage settings, over the deployed retention. */
function runChoices(): { webhookApi?: 'rest' | 'http'; stageOverrides?: Record<string, unknown> } {
  const webhookApi = webhookApiOf(process.env.COST_WEBHOOK_API);
  const stageOverrides = mergeConfig({ retention: deployedRetention(cdkJsonContext()) }, stageOverridesOf(process.env.COST_STAGE_OVERRIDES) ?? {}) as Record<string, unknown>;
  return { ...(webhookApi ? { webhookApi } : {}), stageOverrides };
}

/** The reference scenario, metered (one order, its exception workflow; `COST_RUN=scenario`). */
async function scenarioRun(): Promise<BenchSection[]> {
  const sandbox = await startSandbox({ workDir: path.join(PROJECT_ROOT, '.sandbox', 'bench-cost'), log: () => undefined, prewarm: true, ...runChoices() });
  let usage: Usage;
  try {
    const meter = await startMetering(sandbox);
    const report = await runScenario(sandbox, undefined, { log: () => undefined });
    if (!report.ok) throw new Error(`the reference scenario failed: ${report.firstFailure}`);
    await settle(sandbox);
    usage = { ...(await meter.stop()), ...(await measureKept(sandbox)) };
  } finally {
    await sandbox.stop();
  }
  return costSections(usage, 'One run of the reference scenario (release → dispatch → departure → temperature excursion with its workflow, vendor retries and a forged webhook → arrival → proof of delivery → invoice), counted from the first webhook until nothing moved for 3 s.');
}

/**
 * The volume run (the default): `COST_ORDERS` orders (default 1,000) through their whole lifecycle, driven by the
 * simulated vendors as in `npm run chaos` with the faults off, metered from the first order until the queues drained.
 * The run must pass (nothing lost, nothing twice) for its figures to count.
 */
async function volumeRun(): Promise<BenchSection[]> {
  const orders = Number(process.env.COST_ORDERS ?? 1000);
  if (!Number.isInteger(orders) || orders < 1) throw new Error(`COST_ORDERS must be a positive integer, got ${process.env.COST_ORDERS}`);
  const workDir = path.join(PROJECT_ROOT, '.sandbox', 'bench-cost-volume');
  const summary = await runChaos({ orders, seed: 1, faults: false, meter: true, workDir, ...runChoices() });
  if (!passed(summary)) throw new Error(`the volume run did not pass, its figures do not count:\n${formatReport(summary)}`);
  const exceptions = planOrders(orders, 1).filter((p) => p.exception !== 'none').length;
  const run: SavedRun = {
    usage: summary.usage!,
    note: `The volume run: ${orders} orders (seed 1, faults off; ${exceptions} with a temperature or delay exception) released, routed, departed, arrived, delivered, invoiced and noted, driven by the simulated vendors (bench/chaos, as \`npm run chaos -- --faults off\`), ${summary.webhooks} webhooks incl. ${summary.duplicates} duplicate deliveries, metered from the first order until the queues drained (${(summary.wallMs / 60_000).toFixed(1)} min). Per shipment = the totals / ${orders}.`,
    shipments: orders,
  };
  const saved = path.join(workDir, 'usage.json');
  writeFileSync(saved, JSON.stringify(run));
  return costSections(run.usage, `${run.note} Its usage is saved in ${path.relative(PROJECT_ROOT, saved)} (\`COST_USAGE_FILE\` prices it again without a run).`, run.shipments);
}

/** What a metered run leaves for pricing again (`COST_USAGE_FILE`): its usage, its description and its shipments. */
interface SavedRun {
  readonly usage: Usage;
  readonly note: string;
  readonly shipments: number;
}

/** `COST_USAGE_FILE`: prices a saved run again (after a price or a model change) instead of running one. */
export function savedRun(file: string): BenchSection[] {
  let run: Partial<SavedRun>;
  try {
    run = JSON.parse(readFileSync(file, 'utf8')) as Partial<SavedRun>;
  } catch (error) {
    throw new Error(`COST_USAGE_FILE ${file} cannot be read as a saved run: ${(error as Error).message}`, { cause: error });
  }
  if (!run.usage || typeof run.note !== 'string' || typeof run.shipments !== 'number') throw new Error(`${file} is not a run the cost bench saved (usage, note, shipments)`);
  return costSections(run.usage, `${run.note} Priced again from ${file}.`, run.shipments);
}

const bench: BenchFn = async (): Promise<BenchSection[]> =>
  process.env.COST_USAGE_FILE ? savedRun(process.env.COST_USAGE_FILE) : process.env.COST_RUN === 'scenario' ? scenarioRun() : volumeRun();

/** The cost report of one metered run: ours beside the plain pipeline, the exception workflows and read APIs apart. */
export function costSections(usage: Usage, runNote: string, shipments = 1): BenchSection[] {
  const prices = loadPrices();
  const webhookOnly = webhookPath(usage);
  const ours = costOf(webhookOnly, prices, 'ours');
  const volume = costOf(webhookOnly, prices, 'ours-at-volume');
  const plain = costOf(plainPipeline(usage), prices, 'ours');
  const everything = costOf(usage, prices, 'ours');
  const naive = costOf(usage, prices, 'naive');
  const unpaced = withoutRateLimitWaits(usage);
  const oursUnpaced = costOf(webhookPath(unpaced), prices, 'ours');
  const plainUnpaced = costOf(plainPipeline(unpaced), prices, 'ours');
  const everythingUnpaced = costOf(unpaced, prices, 'ours');
  const waitedMs = usage.lambda.reduce((n, fn) => n + (fn.rateLimitWaitMs ?? 0), 0);
  const workflows = everything.totalUsd - ours.totalUsd;
  const webhooks = webhookRequests(usage);
  const rowKeys = [...new Set([...ours.lines, ...volume.lines, ...plain.lines].map((l) => l.key))];
  const total = (ls: readonly CostLine[]) => (ls.length === 0 ? '—' : usd(ls.reduce((sum, l) => sum + l.usd, 0)));
  const describe = (ls: readonly CostLine[]) => ls.map((l) => `${+l.quantity.toFixed(3)} ${l.unit} (${l.item})`).join(', ') || '—';
  const lineRows = rowKeys.map((key) => {
    const o = ours.lines.filter((l) => l.key === key);
    const p = plain.lines.filter((l) => l.key === key);
    const v = volume.lines.filter((l) => l.key === key);
    return { service: (o[0] ?? p[0] ?? v[0]).service, ours: describe(o), 'ours USD': total(o), 'ours, full batches USD': total(v), 'plain pipeline': describe(p), 'plain USD': total(p) };
  });
  const perMillion = (usdTotal: number) => (webhooks > 0 ? usd((usdTotal / webhooks) * 1e6) : '—');
  const writeUnits = (b: CostBreakdown) => b.lines.filter((l) => l.key === 'dynamodb-writes').reduce((n, l) => n + l.quantity, 0);
  const logsUsd = (b: CostBreakdown) => b.lines.filter((l) => l.key === 'logs-ingestion').reduce((n, l) => n + l.usd, 0);
  const totals = [
    { figure: `per 1M webhook events, outside the exception workflows (${webhooks} webhooks in this run)`, ours: perMillion(ours.totalUsd), 'ours, full batches': perMillion(volume.totalUsd), 'plain pipeline': perMillion(plain.totalUsd) },
    {
      figure: 'the same without CloudWatch Logs ingestion (as the figures before it was counted)',
      ours: perMillion(ours.totalUsd - logsUsd(ours)),
      'ours, full batches': perMillion(volume.totalUsd - logsUsd(volume)),
      'plain pipeline': perMillion(plain.totalUsd - logsUsd(plain)),
    },
    { figure: 'DynamoDB write units per webhook event, outside the exception workflows', ours: (writeUnits(ours) / webhooks).toFixed(1), 'ours, full batches': (writeUnits(volume) / webhooks).toFixed(1), 'plain pipeline': (writeUnits(plain) / webhooks).toFixed(1) },
    { figure: 'exception workflows and read APIs (trace, visibility page), per 1M webhook events', ours: perMillion(workflows), 'ours, full batches': '', 'plain pipeline': '' },
    { figure: 'per shipment lifecycle, everything', ours: usd(everything.totalUsd / shipments), 'ours, full batches': '', 'plain pipeline': '' },
    { figure: 'per shipment lifecycle, webhook path only', ours: usd(ours.totalUsd / shipments), 'ours, full batches': usd(volume.totalUsd / shipments), 'plain pipeline': usd(plain.totalUsd / shipments) },
    { figure: 'a month of 1M shipments, everything (per shipment × 1M)', ours: usd(everything.totalUsd / shipments * 1e6), 'ours, full batches': '', 'plain pipeline': '' },
    {
      figure: `per 1M webhook events below the targets' rate limits (this run's ${(waitedMs / 1000).toFixed(0)} s of waits for pacing slots not billed)`,
      ours: perMillion(oursUnpaced.totalUsd),
      'ours, full batches': '',
      'plain pipeline': perMillion(plainUnpaced.totalUsd),
    },
    { figure: "a month of 1M shipments below the targets' rate limits, everything", ours: usd(everythingUnpaced.totalUsd / shipments * 1e6), 'ours, full batches': '', 'plain pipeline': '' },
  ];
  // Storage until expiry: measured on the volume run (what the tables hold when the meter stops), none otherwise.
  const storage = storageCostOf(usage, prices);
  const plainStorage = storageCostOf({ ...plainPipeline(usage), ...(usage.retention ? { retention: usage.retention } : {}) }, prices).lines.filter((l) => l.key === 'logs-storage');
  if (storage.lines.length > 0) {
    totals.push(
      {
        figure: "storage of one shipment's data until it expires (ours: DynamoDB items to their TTL, logs and the event archive for their retention; the plain pipeline: its logs)",
        ours: usd(storage.totalUsd / shipments),
        'ours, full batches': '',
        'plain pipeline': usd(plainStorage.reduce((n, l) => n + l.usd, 0) / shipments),
      },
      { figure: 'a month of 1M shipments, everything, with storage at steady state (the month\'s storage bill equals a month of shipments\' storage until expiry)', ours: usd(((everything.totalUsd + storage.totalUsd) / shipments) * 1e6), 'ours, full batches': '', 'plain pipeline': '' },
    );
  }
  // The monitoring's fixed monthly bill (custom metrics, alarms, dashboards), whatever the volume.
  const monitoring = monitoringCostOf(usage, prices);
  if (monitoring.lines.length > 0) {
    const month = (perMonth: number) => usd(((everything.totalUsd + storage.totalUsd) / shipments) * perMonth + monitoring.totalUsd);
    totals.push(
      { figure: 'the monitoring, a month whatever the volume (custom metrics, alarms, dashboards: "Fixed monthly costs" below)', ours: usd(monitoring.totalUsd), 'ours, full batches': '', 'plain pipeline': '' },
      { figure: 'a month of 1M shipments, everything, with storage and the monitoring', ours: month(1e6), 'ours, full batches': '', 'plain pipeline': '' },
      { figure: 'a month of 10,000 shipments, everything, with storage and the monitoring', ours: month(1e4), 'ours, full batches': '', 'plain pipeline': '' },
    );
  }
  const byFunction = writeUnitsByFunction(usage);
  const functionRows = usage.lambda.map((fn) => ({
    function: fn.logicalId,
    role: roleOf(fn.service),
    invocations: fn.invocations,
    'billed ms': fn.billedMs,
    'of which waiting for the rate limit, ms': fn.rateLimitWaitMs ?? 0,
    'memory MB': fn.memoryMb,
    'peak JS heap MB': fn.peakHeapMb ?? '',
    'log KB': fn.logBytes === undefined ? '' : Math.round(fn.logBytes / 1024),
    arch: fn.architecture,
    'DynamoDB write units': byFunction.get(fn.logicalId) ?? 0,
    'AWS requests': usage.awsCalls.filter((c) => c.function === fn.logicalId).reduce((n, c) => n + c.count, 0),
  }));
  const callRows = usage.awsCalls.map((c) => ({ caller: c.function ?? c.principal, service: c.service, operation: c.operation, requests: c.count, entries: c.items }));
  return [
    {
      title: 'AWS cost of the webhook path (outside the exception workflows): ours vs the plain pipeline a user would otherwise build',
      rows: lineRows,
      notes: [
        runNote,
        '"ours, full batches": the same events with every SQS batch full (each event source\'s batch size), a projection of what batching saves once events arrive faster than one per poll.',
        'Plain pipeline (sandbox/cost-baseline.ts): API Gateway → one Lambda per webhook with Powertools idempotency → EventBridge → one SQS queue per target → one Lambda invocation per message (batch size 1) with a Powertools record per call; no correlation index, no ledger, no batching. Built from this run\'s own measurements (same inbound functions, the outbound functions\' measured duration), same architecture (arm64).',
        `Assumptions: DynamoDB write units as the emulator measured them by item size (one per 1 KB of the larger of the item before and after, transactions twice) and the GSI writes it measured (an item entering, leaving or changing an index), read units as the emulator measured them by the size of what each request read (one per 4 KB of an item, or of a query's or scan's items before its filter, at least one, for a strongly consistent read; half for an eventually consistent one; two per transactional item); one SQS request per message an EventBridge rule delivers. Prices: data/aws-prices.json (us-east-1 list prices, each with its source).`,
        `Counted but not priced (no sourced price in data/aws-prices.json): ${everything.unpriced.map((u) => `${u.service} ${u.operation} ×${u.count}`).join(', ') || 'none'}.`,
        `Empty long polls of the event source mappings in this run: ${everything.idleReceives} (time-based idle cost of each queue, not per event). CloudWatch Logs: what the functions wrote (their log lines and EMF metrics, "log KB" below), per GB ingested, Lambda's own platform.start and platform.report records of each invocation (${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes, sized from their documented shape: sandbox/cost-model.ts), and API Gateway's access log lines (each request's line in its stage's format, as the local API server writes it: sandbox/runtime/api-gateway/access-log.ts). Storage (the tables until each item's TTL, the logs and the event archive for their retention) and the monitoring (custom metrics, API Gateway's detailed metrics, alarms, dashboards: a month whatever the volume) in their own sections below. Not modelled: X-Ray, KMS, data transfer, the REST APIs' execution logs (at ERROR, without data), the workflows' execution logs.`,
        `Kept as a note: a Standard workflow per event instead of queues (x86, 3 transitions per event) would cost ${usd(naive.totalUsd)} per shipment lifecycle, ${(naive.totalUsd / everything.totalUsd).toFixed(2)}× ours; nobody builds that, so it is no longer the baseline.`,
      ],
    },
    {
      title: 'AWS cost totals (from the table above)',
      rows: totals,
      notes: [
        "Below the targets' rate limits: an outbound adapter paces its calls to its share of the target's rate limit and waits in the invocation for its slot (lambdas/shared/outbound/http-client.ts), which Lambda bills. The volume run drives the stack at its throughput, the fleet's route pace, so most fleet and CS messages wait; a stage whose traffic stays below the limits (1M shipments a month is 0.4 a second on average) waits little. Those rows leave the waits out of both designs (the plain pipeline's outbound duration is ours); the waits are the functions' `RateLimitWait` metric, in the table below.",
      ],
    },
    {
      title: 'By function: Lambda usage, DynamoDB write units and AWS requests (each function signs with its own key in the sandbox)',
      rows: functionRows,
      notes: [
        'Peak JS heap: the most memory one of the function\'s execution environments held (its V8 heap as allocated, garbage not yet collected included, and the buffers outside it) after its init or an invocation, since the sandbox started. V8 collects its old generation lazily, up to the limit the sandbox sets (the memory size), so a busy function\'s peak says more about that limit than about its live data; the Node.js process around it (what Lambda\'s "Max Memory Used" adds) is not measured here. Billed ms are the sandbox\'s wall time, on this machine\'s CPU: a smaller memory size gives a Lambda function a smaller share of a vCPU, which lengthens its computing but not its waits (docs/cost.md, "Knobs").',
        `Step Functions: ${usage.stepFunctions.executions} executions, ${usage.stepFunctions.stateTransitions} state transitions. API Gateway requests: ${usage.restApis.map((a) => `${a.name.split('/').pop()}${a.protocol === 'HTTP' ? ' (HTTP API)' : ''} ${a.requests}`).join(', ')}. SQS event sources: ${usage.sqsEventSources.map((s) => `${s.messages} messages in ${s.batches} batches`).join(', ')}.`,
      ],
    },
    {
      title: 'What the DynamoDB write units pay for: by function and kind of item',
      rows: (usage.writesByItem ?? []).map((w) => ({
        function: w.function,
        item: w.item,
        writes: w.writes,
        'write units': +w.writeUnits.toFixed(1),
        'per shipment': +(w.writeUnits / shipments).toFixed(2),
        'per webhook event': webhooks > 0 ? +(w.writeUnits / webhooks).toFixed(2) : '—',
      })),
      notes: [
        'Items by the shape of their key (lib/core/tables.ts): `CORR#… / TL#…` timeline entries, `LINK#… / CORR#…` links, `SHIPMENT#… / STATE` the shipment state with its view, `SHIPMENT#… / SYNC#…` the ERP status guard, `idempotency record` Powertools records; failed conditional writes count (DynamoDB bills them). A batch request\'s measured units are shared evenly among its entries. `SHIPMENT#… / STATE` includes the shipment\'s in-flight membership (the `InFlight` GSI\'s keys). Writes to the GSIs themselves (an item entering or leaving one, or changing what it projects, as the emulator measured them) are in the function table\'s units, not here.',
      ],
    },
    ...storageSections(usage, storage, shipments, prices),
    ...(monitoring.lines.length > 0
      ? [
          {
            title: 'Fixed monthly costs: the monitoring, whatever the volume',
            rows: [...monitoring.lines.map((l) => ({ what: l.item, quantity: l.quantity, unit: l.unit, 'a month': usd(l.usd) })), { what: 'in all', quantity: '', unit: '', 'a month': usd(monitoring.totalUsd) }],
            notes: [
              'Custom metrics: the distinct metrics (namespace, name and dimensions) the functions published as EMF during the run, counted in the emulator\'s CloudWatch (sandbox/monitoring.ts); a dimension value that varies with the traffic (none today) would add metrics. Alarms and dashboards: as the product stack\'s template declares them. List prices without the free tier (10 metrics, 10 alarms, 3 dashboards).',
            ],
          },
        ]
      : []),
    { title: 'What the sandbox counted: AWS API requests by caller, service and operation', rows: callRows },
  ];
}

/** The storage section: what the run left in DynamoDB by kind of item and for how long, logs and the archive. */
function storageSections(usage: Usage, storage: ReturnType<typeof storageCostOf>, shipments: number, prices: Prices): BenchSection[] {
  if (storage.lines.length === 0 || !usage.storage) return [];
  const monthly = (usdTotal: number) => usd((usdTotal / shipments) * 1e6);
  const rows: Record<string, string | number>[] = usage.storage.items.map((s) => {
    const usdTotal = dynamoDbStorageUsd(s.byteDays, prices);
    return {
      what: `DynamoDB ${s.table}: ${s.kind}`,
      items: s.items,
      'per shipment': +(s.items / shipments).toFixed(2),
      'KB per shipment (GSI entries, overhead)': +((s.bytes + s.indexBytes) / 1024 / shipments).toFixed(2),
      'days kept (by bytes)': s.bytes + s.indexBytes - s.unexpiringBytes > 0 ? Math.round(s.byteDays / (s.bytes + s.indexBytes - s.unexpiringBytes)) : 'no TTL',
      'per shipment USD': usd(usdTotal / shipments),
      'a month of 1M shipments': monthly(usdTotal),
    };
  });
  for (const line of storage.lines.filter((l) => l.key !== 'dynamodb-storage')) {
    rows.push({ what: `${line.service}: ${line.item}`, items: '', 'per shipment': '', 'KB per shipment (GSI entries, overhead)': '', 'days kept (by bytes)': '', 'per shipment USD': usd(line.usd / shipments), 'a month of 1M shipments': monthly(line.usd) });
  }
  rows.push({ what: 'in all', items: '', 'per shipment': '', 'KB per shipment (GSI entries, overhead)': '', 'days kept (by bytes)': '', 'per shipment USD': usd(storage.totalUsd / shipments), 'a month of 1M shipments': monthly(storage.totalUsd) });
  return [
    {
      title: 'Storage: what the run\'s data costs until it expires (the retention and TTL knobs)',
      rows,
      notes: [
        `What the tables held when the meter stopped (sandbox/storage.ts): each item sized as DynamoDB bills storage (its attributes plus 100 bytes; each GSI entry its keys and projected attributes plus 100 bytes) and kept until its TTL attribute expires it; ${usage.retention ? `logs kept ${usage.retention.logRetentionDays} days (priced as written: CloudWatch bills them compressed, so less), the archive ${usage.retention.eventArchiveDays} days` : 'logs and archive not priced'}. A shipment's storage until expiry is also the monthly storage bill at steady state for as many shipments a month. A TTL scales its line in proportion: half the days, half the dollars. List prices without the free tier (DynamoDB's first 25 GB a month).`,
        storage.unexpiringItems > 0
          ? `Items without a TTL (kept until something deletes them, not priced above): ${storage.unexpiringItems}, ${(storage.unexpiringBytes / 1024).toFixed(1)} KB in all.`
          : 'Every item the run left has a TTL.',
      ],
    },
  ];
}

export default bench;
