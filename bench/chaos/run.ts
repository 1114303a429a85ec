import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traceById } from '../../lambdas/trace/trace-query';
import { clientConfig } from '../../sandbox/aws';
import { endpointsFile as endpointsFileOf } from '../../sandbox/endpoints';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { startMetering, type Meter } from '../../sandbox/metering';
import { measureKept } from '../../sandbox/storage';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import { BacklogSampler } from './adapters';
import { judgeAll } from './count';
import { Driver, newRun, type OrderRun } from './driver';
import { DEFAULT_FAULT_CYCLE_MS, FaultMatrix } from './faults';
import { DeadLetterWatch, deadLetterQueueUrls } from './dead-letters';
import { dlqContents, redriveAll } from './lsync';
import { planOrders } from './plan';
import { pathLatencies, type ChaosSummary } from './report';
import { settle, WAITING_FOR_THE_INDEX } from './settle';
import { World } from './world';

export interface ChaosOptions {
  /** @default 1000 */
  readonly orders?: number;
  /** @default 1 */
  readonly seed?: number;
  /** Switch the fault matrix on (faults.ts). @default true */
  readonly faults?: boolean;
  /** Length of one fault cycle (faults.ts). @default 120 s */
  readonly faultCycleMs?: number;
  /**
   * Stop the fault matrix after this many cycles even if orders have still to start (a slow drive would otherwise
   * keep the faults on, the last orders meeting cycle after cycle of them). @default - until the last order started
   */
  readonly maxFaultCycles?: number;
  /** Orders driven at once: enough that the fleet adapter's Create Route pace (90 a minute), not the driver, bounds the run. @default 120 */
  readonly concurrency?: number;
  /** The sandbox's work directory. @default .sandbox/chaos */
  readonly workDir?: string;
  /** Longest wait for the product to drain its queues, per drain. @default 20 min + 1 s per order */
  readonly drainTimeoutMs?: number;
  /** Progress lines. @default stderr */
  readonly log?: (line: string) => void;
  /**
   * Meter the product's AWS usage from the first order until the first drain (sandbox/metering.ts), for the cost
   * bench: the redrive and the counting after it are not metered. @default false
   */
  readonly meter?: boolean;
  /** Which API Gateway serves the webhooks (the stage's `webhooks.api`; the cost bench's `COST_WEBHOOK_API`). @default - the stage's (REST) */
  readonly webhookApi?: 'rest' | 'http';
  /** Stage-config overrides for the run (the cost bench's `COST_STAGE_OVERRIDES`). @default - none */
  readonly stageOverrides?: Record<string, unknown>;
}

/** Faults the simulators and the runtime report having applied, by kind. */
function faultsHit(sandbox: Sandbox, matrix: FaultMatrix): Record<string, number> {
  const hit: Record<string, number> = {};
  const sims = sandbox.simulators!;
  for (const sim of [sims.erp, sims.fleet, sims.cs]) {
    for (const call of sim.calls) for (const kind of call.faults ?? []) hit[`${sim.system} ${kind}`] = (hit[`${sim.system} ${kind}`] ?? 0) + 1;
  }
  for (const [target, n] of sandbox.awsFaults?.failed ?? []) hit[`aws ${target.split('.').pop()}`] = (hit[`aws ${target.split('.').pop()}`] ?? 0) + n;
  if (matrix.crashes > 0) hit['environments killed'] = matrix.crashes;
  return hit;
}

/**
 * A fault-matrix run (docs/reliability.md): a sandbox of its own, N orders driven through their whole lifecycle by
 * the simulated vendors while the faults cycle, a drain, the count, `lsync dlq redrive` of every non-empty DLQ as the
 * runbook says, the parked orders resumed, another drain, and the count again.
 */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosSummary> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`[chaos] ${line}\n`));
  const orders = options.orders ?? 1000;
  const seed = options.seed ?? 1;
  const withFaults = options.faults ?? true;
  const drainTimeoutMs = options.drainTimeoutMs ?? 20 * 60_000 + orders * 1000;
  const workDir = options.workDir ?? path.join(PROJECT_ROOT, '.sandbox', 'chaos');

  log(`starting a sandbox in ${path.relative(PROJECT_ROOT, workDir)}`);
  const sandbox = await startSandbox({ workDir, awsFaultProxy: withFaults, log: () => undefined, ...(options.webhookApi ? { webhookApi: options.webhookApi } : {}), ...(options.stageOverrides ? { stageOverrides: options.stageOverrides } : {}) });
  const dynamo = new DynamoDBClient(clientConfig(sandbox.emulator.endpoint));
  const sqs = new SQSClient(clientConfig(sandbox.emulator.endpoint));
  try {
    const sims = sandbox.simulators!;
    const endpointsFile = endpointsFileOf(sandbox.workDir);
    const table = sandbox.endpoints.outputs[sandbox.endpoints.stackName]?.CorrelationTableName;
    if (!table) throw new Error('the product stack has no CorrelationTableName output');
    const traceStore = { dynamodb: DynamoDBDocumentClient.from(dynamo), table };
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; seeding ${orders} orders (seed ${seed}), faults ${withFaults ? 'on' : 'off'}`);

    const plans = planOrders(orders, seed);
    const runs: OrderRun[] = plans.map(newRun);
    const world = new World(sims);
    const dispatchIndexed = async (orderId: string) => {
      const found = await traceById(traceStore.dynamodb, table, orderId).catch(() => undefined);
      return found?.timeline.some((h) => h.eventType === 'shipment.dispatched') ?? false;
    };
    // An order whose dispatch sits in the fleet adapter's or the ledger's DLQ gets it only from the redrive after the
    // drain: the driver then stops waiting for it at once instead of for minutes.
    const deadLetters = new DeadLetterWatch(sqs, deadLetterQueueUrls(sandbox.endpoints.outputs[sandbox.endpoints.stackName] ?? {}, /fleet|ledger/));
    const dispatchDeadLettered = (orderId: string) => deadLetters.has(orderId);
    const concurrency = options.concurrency ?? 120;
    const driver = new Driver(sims, world, { concurrency, webhooksPerSecond: 20, routeWaitMs: 180_000, stepWaitMs: 30_000, dispatchIndexed, dispatchDeadLettered });
    driver.seed(plans);

    const meter: Meter | undefined = options.meter ? await startMetering(sandbox) : undefined;
    const matrix = new FaultMatrix(sandbox, log, options.faultCycleMs);
    const backlog = new BacklogSampler(sandbox);
    const driveStarted = Date.now();
    if (withFaults) matrix.start();
    backlog.start();
    // The matrix is timed, not per request: once the last orders are all that is left, every burst lands on those
    // few (one exception workflow got all of a cycle's 429s and slow answers, cycle after cycle), which measures the
    // matrix, not the product. It stops when the tail begins (the last order has started; from then on fewer and
    // fewer orders share the faults), but not before its first three cycles (one of each ERP incident).
    const minFaultsMs = 3 * (options.faultCycleMs ?? DEFAULT_FAULT_CYCLE_MS);
    let faultsMs: number | undefined;
    const tailWatch = setInterval(() => {
      const { notStarted, inFlight } = driver.progress;
      if (!withFaults || faultsMs !== undefined) return;
      const elapsed = Date.now() - driveStarted;
      const capped = options.maxFaultCycles !== undefined && elapsed >= options.maxFaultCycles * (options.faultCycleMs ?? DEFAULT_FAULT_CYCLE_MS);
      if (!capped && (notStarted > 0 || elapsed < minFaultsMs)) return;
      faultsMs = elapsed;
      matrix.stop();
      log(
        capped && notStarted > 0
          ? `the fault matrix stops after its ${options.maxFaultCycles} cycles (${Math.round(faultsMs / 1000)} s), ${notStarted} orders still to start`
          : `the tail: the last order has started, ${inFlight} still being driven; the fault matrix stops after ${Math.round(faultsMs / 1000)} s`,
      );
    }, 1_000);
    let done = 0;
    const progress = setInterval(() => {
      world.refresh(1_000);
      const delivered = runs.filter((r) => world.order(r.plan.orderId).shipment?.status === 'delivered').length;
      const invoiced = runs.filter((r) => world.order(r.plan.orderId).invoices.length > 0).length;
      const { inFlight, waiting } = driver.progress;
      const tail = inFlight > 0 && inFlight <= 5 ? `; ${waiting.join(', ')}` : '';
      log(`${Math.round((Date.now() - driveStarted) / 1000)} s: ${done}/${orders} driven, ${delivered} delivered in the ERP, ${invoiced} invoiced, ${sandbox.busTap.events().length} canonical events${tail}`);
    }, 30_000);
    try {
      await driver.drive(runs, () => done++);
    } finally {
      clearInterval(tailWatch);
      matrix.stop();
    }
    const driveMs = Date.now() - driveStarted;
    log(`driven in ${(driveMs / 1000).toFixed(1)} s; faults cleared, draining`);

    // The drain before the redrive leaves the alert checks that wait for the index: the shipment they look for may be
    // in a DLQ (its route creation dead-lettered), and the runbook's redrive comes after the drain. The drains after
    // it wait for them too (a check at most every 2 min).
    const drain = async (what: string, delayedNotWaitedFor?: RegExp) => {
      const quiet = await settle(sandbox.emulator.endpoint, { timeoutMs: drainTimeoutMs, delayedNotWaitedFor, onWait: (backlog, where) => log(`${what}: ${backlog} messages in the work queues${where ? ` (${where})` : ''}`) });
      await sims.settled();
      if (!quiet) log(`${what}: the queues did not drain within ${Math.round(drainTimeoutMs / 1000)} s`);
    };
    await drain('drain', WAITING_FOR_THE_INDEX);
    // With what the run left (storage, retention, monitoring), which the cost bench prices (sandbox/cost-model.ts).
    const metered = await meter?.stop();
    const usage = metered && { ...metered, ...(await measureKept(sandbox)) };
    clearInterval(progress);
    backlog.stop();
    const adapters = backlog.figures();

    const dlqBefore = await dlqContents(endpointsFile);
    const before = { verdicts: await judgeAll(runs, world, traceStore), dlq: dlqBefore };
    const latencies = pathLatencies(runs, world);
    log(`before the redrive: ${dlqBefore.total} dead-lettered; lsync dlq redrive`);
    const redriven = await redriveAll(endpointsFile, dlqBefore);
    await drain('after the redrive');

    const parked = runs.filter((r) => r.parkedAt);
    if (parked.length > 0) {
      log(`resuming ${parked.length} orders parked for their route`);
      await driver.drive(parked);
      await drain('after the parked orders');
    }
    const after = { verdicts: await judgeAll(runs, world, traceStore), dlq: await dlqContents(endpointsFile) };
    return {
      orders,
      seed,
      faults: withFaults,
      webhooks: runs.reduce((n, r) => n + r.webhooks + r.duplicates, 0),
      duplicates: runs.reduce((n, r) => n + r.duplicates, 0),
      canonicalEvents: sandbox.busTap.events().length,
      faultsHit: faultsHit(sandbox, matrix),
      undelivered: runs.reduce((n, r) => n + r.undelivered.length, 0),
      copiesRefused: runs.reduce((n, r) => n + r.copiesRefused, 0),
      undeliveredBy: runs.flatMap((r) => r.undelivered).reduce<Record<string, number>>((by, u) => {
        const key = `${u.eventType} → ${u.status ?? 'no answer'}`;
        by[key] = (by[key] ?? 0) + 1;
        return by;
      }, {}),
      parkedOrders: parked.length,
      before,
      after,
      redriven,
      latencies,
      adapters,
      driveMs,
      faultsMs: withFaults ? (faultsMs ?? driveMs) : 0,
      wallMs: Date.now() - started,
      ...(usage ? { usage } : {}),
    };
  } finally {
    dynamo.destroy();
    sqs.destroy();
    await sandbox.stop();
  }
}
