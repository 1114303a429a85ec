// AWS cost per shipment lifecycle and per 1M webhook events, from what the sandbox counted while it played the
// reference scenario (docs/architecture.md, "Reference scenario"): AWS API requests by service and operation (moto's request recorder, the
// product's callers only), Lambda invocations × billed duration × memory, state transitions, REST API requests
// (sandbox/metering.ts), priced with data/aws-prices.json (sandbox/cost-model.ts). Ours beside the naive
// baseline, through the same model.
import path from 'node:path';
import { costOf, loadPrices, NAIVE_TRANSITIONS_PER_EVENT, type CostBreakdown, type CostLine } from '../sandbox/cost-model';
import { startMetering, type Usage } from '../sandbox/metering';
import { PROJECT_ROOT } from '../sandbox/python-env';
import { startSandbox, type Sandbox } from '../sandbox/sandbox';
import { runScenario } from '../sandbox/scenario';
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

function webhookRequests(usage: Usage): number {
  return usage.restApis.filter((a) => /webhook/i.test(a.name)).reduce((n, a) => n + a.requests, 0);
}

const bench: BenchFn = async (): Promise<BenchSection[]> => {
  const sandbox = await startSandbox({ workDir: path.join(PROJECT_ROOT, '.sandbox', 'bench-cost'), log: () => undefined, prewarm: true });
  let usage: Usage;
  try {
    const meter = await startMetering(sandbox);
    const report = await runScenario(sandbox, undefined, { log: () => undefined });
    if (!report.ok) throw new Error(`the reference scenario failed: ${report.firstFailure}`);
    await settle(sandbox);
    usage = await meter.stop();
  } finally {
    await sandbox.stop();
  }

  const prices = loadPrices();
  const ours = costOf(usage, prices, 'ours');
  const naive = costOf(usage, prices, 'naive');
  const volume = costOf(usage, prices, 'ours-at-volume');
  const webhooks = webhookRequests(usage);
  const rowKeys = [...new Set([...ours.lines, ...volume.lines, ...naive.lines].map((l) => l.key))];
  const total = (ls: readonly CostLine[]) => (ls.length === 0 ? '—' : usd(ls.reduce((sum, l) => sum + l.usd, 0)));
  const describe = (ls: readonly CostLine[]) => ls.map((l) => `${+l.quantity.toFixed(3)} ${l.unit} (${l.item})`).join(', ') || '—';
  const lineRows = rowKeys.map((key) => {
    const o = ours.lines.filter((l) => l.key === key);
    const n = naive.lines.filter((l) => l.key === key);
    const v = volume.lines.filter((l) => l.key === key);
    return {
      service: (o[0] ?? n[0]).service,
      ours: describe(o),
      'ours USD': total(o),
      'ours, full batches USD': total(v),
      naive: describe(n),
      'naive USD': total(n),
    };
  });
  const perMillion = (b: CostBreakdown) => (webhooks > 0 ? (b.totalUsd / webhooks) * 1e6 : Number.NaN);
  const totals = [
    { figure: 'per shipment lifecycle (this run)', ours: usd(ours.totalUsd), 'ours, full batches': usd(volume.totalUsd), naive: usd(naive.totalUsd), 'naive / ours (full batches)': (naive.totalUsd / volume.totalUsd).toFixed(2) },
    { figure: `per 1M webhook events (${webhooks} in this run)`, ours: usd(perMillion(ours)), 'ours, full batches': usd(perMillion(volume)), naive: usd(perMillion(naive)), 'naive / ours (full batches)': (perMillion(naive) / perMillion(volume)).toFixed(2) },
    { figure: 'per month at 1M shipments like this one', ours: usd(ours.totalUsd * 1e6), 'ours, full batches': usd(volume.totalUsd * 1e6), naive: usd(naive.totalUsd * 1e6), 'naive / ours (full batches)': (naive.totalUsd / volume.totalUsd).toFixed(2) },
    { figure: 'share of the exception workflow (Step Functions) in ours', ours: `${((ours.lines.filter((l) => l.key === 'sfn-transitions').reduce((s, l) => s + l.usd, 0) / ours.totalUsd) * 100).toFixed(0)} %`, 'ours, full batches': '', naive: '', 'naive / ours (full batches)': '' },
  ];
  const callRows = usage.awsCalls.map((c) => ({ caller: c.principal, service: c.service, operation: c.operation, requests: c.count, entries: c.items }));
  const lambdaRows = usage.lambda.map((fn) => ({ function: fn.logicalId, invocations: fn.invocations, 'billed ms': fn.billedMs, 'memory MB': fn.memoryMb, arch: fn.architecture }));

  return [
    {
      title: 'AWS cost per shipment lifecycle: the reference scenario as counted in the sandbox, ours vs the naive baseline',
      rows: lineRows,
      notes: [
        'One run of the reference scenario (release → dispatch → departure → temperature excursion with its workflow, vendor retries and a forged webhook → arrival → proof of delivery → invoice), counted from the first webhook until nothing moved for 3 s.',
        '"ours, full batches": the same events with every SQS batch full (each event source\'s batch size), a projection of what batching saves at volume; the scenario trickles events one at a time, so its own batches hold one message.',
        `Naive baseline through the same model: x86 functions; every rule target a Standard workflow (${NAIVE_TRANSITIONS_PER_EVENT} transitions: invoke the adapter, check, succeed) instead of an SQS queue, hence one Lambda invocation per event and no batching; total billed duration kept equal to ours (which flatters it). The exception workflow is counted as it ran; the workflow-cost section prices running it on every ETA update.`,
        `Assumptions: DynamoDB items ≤ 1 KB and query results ≤ 4 KB (one request unit each, transactions two per item); one SQS request per message an EventBridge rule delivers. Prices: data/aws-prices.json (us-east-1 list prices, each with its source).`,
        `Counted but not priced (no sourced price in data/aws-prices.json): ${ours.unpriced.map((u) => `${u.service} ${u.operation} ×${u.count}`).join(', ') || 'none'}.`,
        `Empty long polls of the event source mappings in this run: ${ours.idleReceives} (time-based idle cost of each queue, not per event). Not modelled: CloudWatch Logs ingestion and metrics, the event archive, X-Ray, KMS, data transfer.`,
      ],
    },
    { title: 'AWS cost totals (from the table above)', rows: totals },
    {
      title: 'What the sandbox counted in that run: AWS API requests by caller (functions, event source mappings, Step Functions) and Lambda usage',
      rows: callRows,
      notes: [
        `Lambda: ${lambdaRows.map((r) => `${r.function} ${r.invocations}× ${r['billed ms']} ms @ ${r['memory MB']} MB ${r.arch}`).join('; ')}.`,
        `Step Functions: ${usage.stepFunctions.executions} executions, ${usage.stepFunctions.stateTransitions} state transitions. REST API requests: ${usage.restApis.map((a) => `${a.name.split('/').pop()} ${a.requests}`).join(', ')}. SQS event sources: ${usage.sqsEventSources.map((s) => `${s.messages} messages in ${s.batches} batches`).join(', ')}.`,
      ],
    },
  ];
};

export default bench;
