import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AwsCallCount, LambdaUsage, Usage } from './metering';

/**
 * The AWS bill of what the sandbox counted (sandbox/metering.ts), priced with data/aws-prices.json
 * (each price with its source). Pure: usage and prices in, line items out.
 *
 * Three variants through the same model:
 * - `ours`: as counted (arm64, SQS batches, batched deletes). A scenario trickles events one at a time, so its
 *   batches hold one message each.
 * - `ours-at-volume`: the same with every SQS batch full (the event source's batch size): what batching saves
 *   once events arrive faster than one per poll. A projection from the counted messages, not a measurement.
 * - `naive`: the usual first version of such an integration: x86 functions, every rule target a Standard
 *   workflow (Task invoking the adapter, Choice on its result, Succeed: NAIVE_TRANSITIONS_PER_EVENT) instead
 *   of an SQS queue, so one Lambda invocation per event and no batching. Its total billed duration is kept
 *   equal to ours, which flatters it (per-invocation overhead and cold starts are ignored). The exception
 *   workflows are counted as they ran.
 *
 * Assumptions, stated in the bench output: DynamoDB writes cost what the emulator measured by item size (one unit
 * per 1 KB of the larger of the item before and after; one per item when unmeasured); reads what it measured by the
 * size of what each read (one unit per 4 KB; half when eventually consistent; two per item in a transaction); the
 * functions' log output per GB ingested; one SQS request per message delivered by an EventBridge rule; empty
 * long polls of the event source mappings are idle cost (per queue and hour), not per event.
 */

export interface Price {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
}
export type Prices = Readonly<Record<string, Price>>;

export function loadPrices(file = path.resolve(import.meta.dirname, '..', 'data', 'aws-prices.json')): Prices {
  return (JSON.parse(readFileSync(file, 'utf8')) as { prices: Prices }).prices;
}

export type Variant = 'ours' | 'ours-at-volume' | 'naive';

export interface CostLine {
  /** Stable across variants, e.g. `sqs-receives` (a variant may describe the same line differently). */
  readonly key: string;
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
}

export interface CostBreakdown {
  readonly variant: Variant;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  /** Requests counted but not priced (no sourced price in data/aws-prices.json). */
  readonly unpriced: readonly { readonly service: string; readonly operation: string; readonly count: number }[];
  /** Empty long polls of the event source mappings during the run: time-based, not per event. */
  readonly idleReceives: number;
}

const DYNAMODB_READS: Readonly<Record<string, number>> = { GetItem: 1, Query: 1, Scan: 1, BatchGetItem: 1, TransactGetItems: 2 };
export const DYNAMODB_WRITES: Readonly<Record<string, number>> = { PutItem: 1, UpdateItem: 1, DeleteItem: 1, BatchWriteItem: 1, TransactWriteItems: 2 };
/** State transitions of the naive per-event workflow: Task (invoke the adapter), Choice, Succeed. */
export const NAIVE_TRANSITIONS_PER_EVENT = 3;

/** Operations with no charge of their own. */
const FREE: ReadonlySet<string> = new Set(['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'events:DescribeEventBus']);

function price(prices: Prices, key: string): number {
  const p = prices[key];
  if (!p) throw new Error(`data/aws-prices.json has no price "${key}"`);
  return p.usd / p.per;
}

/** Adds a priced line to `lines` when its quantity is positive. */
function lineAdder(lines: CostLine[], prices: Prices): (key: string, service: string, item: string, quantity: number, unit: string, priceKey: string) => void {
  return (key, service, item, quantity, unit, priceKey) => {
    if (quantity > 0) lines.push({ key, service, item, quantity, unit, usd: quantity * price(prices, priceKey) });
  };
}

/**
 * The write units of DynamoDB requests: as the emulator measured them by item size when it did (metering.ts
 * `AwsCallCount.writeUnits`), else one per item written (two in a transaction), i.e. items of at most 1 KB.
 */
/**
 * Read units of DynamoDB read requests: as the emulator measured them by size, else as estimated from their bodies
 * (`AwsCallCount.readUnits`, metering.ts), else one per item (two in a transaction), i.e. strongly consistent reads of at
 * most 4 KB.
 */
export function readUnitsOfCall(call: Pick<AwsCallCount, 'operation' | 'items' | 'readUnits'>): number {
  const perItem = DYNAMODB_READS[call.operation];
  return perItem === undefined ? 0 : (call.readUnits ?? perItem * call.items);
}

export function writeUnitsOf(call: Pick<AwsCallCount, 'operation' | 'items' | 'writeUnits'>): number {
  return call.writeUnits ?? (DYNAMODB_WRITES[call.operation] ?? 0) * call.items;
}

/** GSI write units of a DynamoDB call: as measured by the emulator, else estimated from its `Lists` entries (metering.ts). */
export function indexWriteUnitsOf(call: AwsCallCount): number {
  return call.indexWriteUnits ?? (DYNAMODB_WRITES[call.operation] ?? 0) * (call.indexed ?? 0);
}

/**
 * The bytes of the records Lambda itself writes to a function's log group for each invocation. With the JSON log
 * format (lib/core/defaults.ts) and the system log level at its default, INFO, Lambda sends the "start" and "report"
 * records (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html), one JSON line each,
 * shaped as the Telemetry API documents `platform.start` and `platform.report`
 * (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html), with the X-Ray trace context our
 * functions have (tracing active). Sized here from those documented shapes with values of their typical length (a
 * request id is a UUID, a trace header as in the documentation's example); a cold start's `initDurationMs` is left out.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = ((): number => {
  const requestId = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';
  const tracing = { spanId: '54565fb41ac79632', type: 'X-Amzn-Trace-Id', value: 'Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1' };
  const time = '2026-12-07T00:00:15.064Z';
  const start = { time, type: 'platform.start', record: { requestId, version: '$LATEST', tracing } };
  const report = { time, type: 'platform.report', record: { requestId, metrics: { durationMs: 153.98, billedDurationMs: 154, memorySizeMB: 256, maxMemoryUsedMB: 112 }, tracing, status: 'success' } };
  return [start, report].reduce((n, record) => n + Buffer.byteLength(JSON.stringify(record), 'utf8') + 1, 0);
})();

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}

export function costOf(usage: Usage, prices: Prices, variant: Variant): CostBreakdown {
  const lines: CostLine[] = [];
  const add = lineAdder(lines, prices);
  const calls = (service: string, operation?: string, principal?: AwsCallCount['principal']) =>
    usage.awsCalls.filter((c) => c.service === service && (operation === undefined || c.operation === operation) && (principal === undefined || c.principal === principal));
  const naive = variant === 'naive';
  const atVolume = variant === 'ours-at-volume';
  /** SQS polls (= invocations) an event source needs for its messages. */
  const polls = (s: Usage['sqsEventSources'][number]) => (naive ? s.messages : atVolume ? s.messages / s.batchSize : s.batches);

  // API Gateway: REST API requests, and HTTP API requests (stage `webhooks.api: "http"`; one 512 KB unit each: webhooks are smaller).
  add('apigw-requests', 'API Gateway', 'REST API requests', sum(usage.restApis.filter((a) => a.protocol !== 'HTTP'), (a) => a.requests), 'request', 'apiGatewayRestRequest');
  add('apigw-http-requests', 'API Gateway', 'HTTP API requests', sum(usage.restApis.filter((a) => a.protocol === 'HTTP'), (a) => a.requests), 'request', 'apiGatewayHttpRequest');

  // Lambda: requests and GB-seconds. Naive: one invocation per SQS message instead of per batch; x86.
  const sqsByFunction = new Map(usage.sqsEventSources.map((s) => [s.functionName, s]));
  const invocations = sum(usage.lambda, (fn) => {
    const source = sqsByFunction.get(fn.functionName);
    return source ? fn.invocations - source.batches + polls(source) : fn.invocations;
  });
  add('lambda-invocations', 'Lambda', 'invocations', invocations, 'invocation', 'lambdaRequest');
  // Duration, and the init phase of the execution environments the run started, billed like duration (zip packages on
  // managed runtimes, since 2025-08-01: https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase).
  for (const arch of ['arm64', 'x86_64'] as const) {
    const functions = usage.lambda.filter((fn) => (naive ? 'x86_64' : fn.architecture) === arch);
    const gbSeconds = (ms: (fn: LambdaUsage) => number) => sum(functions, (fn) => (ms(fn) / 1000) * (fn.memoryMb / 1024));
    const priceKey = arch === 'arm64' ? 'lambdaDurationArm64' : 'lambdaDurationX86';
    add('lambda-duration', 'Lambda', `duration (${arch})`, gbSeconds((fn) => fn.billedMs), 'GB-second', priceKey);
    add('lambda-init', 'Lambda', `INIT duration of the environments started (${arch})`, gbSeconds((fn) => fn.initMs ?? 0), 'GB-second', priceKey);
  }

  // EventBridge: custom events (entries), from functions and Step Functions alike; batching does not change it.
  add('eventbridge-events', 'EventBridge', 'custom events published', sum(calls('events', 'PutEvents'), (c) => c.items), 'event', 'eventBridgeCustomEvent');

  // SQS: rule deliveries, the event source mappings' receives and deletes, and what functions send themselves.
  const messages = sum(usage.sqsEventSources, (s) => s.messages);
  const batches = sum(usage.sqsEventSources, (s) => s.batches);
  const modelledPolls = sum(usage.sqsEventSources, polls);
  const esmReceives = sum(calls('sqs', 'ReceiveMessage', 'eventSourceMappings'), (c) => c.count);
  const esmDeletes = sum(calls('sqs', undefined, 'eventSourceMappings').filter((c) => c.operation.startsWith('DeleteMessage')), (c) => c.count);
  if (naive) {
    // Rule targets are workflows, not queues: no SQS hop, a Standard execution per event instead.
    add('sfn-per-event', 'Step Functions', `state transitions, a Standard workflow per event (${NAIVE_TRANSITIONS_PER_EVENT} each)`, messages * NAIVE_TRANSITIONS_PER_EVENT, 'transition', 'stepFunctionsStandardTransition');
  } else {
    add('sqs-deliveries', 'SQS', 'messages delivered by EventBridge rules', messages, 'request', 'sqsStandardRequest');
    const receives = atVolume ? modelledPolls : Math.min(batches, esmReceives || batches);
    const deletes = atVolume ? modelledPolls : esmDeletes;
    add('sqs-receives', 'SQS', atVolume ? 'receives, full batches' : 'receives that returned a batch', receives, 'request', 'sqsStandardRequest');
    add('sqs-deletes', 'SQS', atVolume ? 'batched deletes, full batches' : 'batched deletes', deletes, 'request', 'sqsStandardRequest');
  }
  const functionSqs = calls('sqs', undefined, 'functions').filter((c) => !FREE.has(`sqs:${c.operation}`));
  add('sqs-function-requests', 'SQS', 'requests by functions', sum(functionSqs, (c) => (naive ? c.items : c.count)), 'request', 'sqsStandardRequest');

  // DynamoDB on-demand.
  const dynamo = calls('dynamodb');
  add('dynamodb-reads', 'DynamoDB', 'read request units', sum(dynamo, readUnitsOfCall), 'RRU', 'dynamoDbOnDemandRead');
  add('dynamodb-writes', 'DynamoDB', 'write request units', sum(dynamo, writeUnitsOf), 'WRU', 'dynamoDbOnDemandWrite');
  // A write that puts an item into a GSI, removes it, or changes its index keys or projected attributes writes the index as well (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes).
  add('dynamodb-writes', 'DynamoDB', 'write request units of the GSIs (Lists: list entries; InFlight: shipments in flight; Unbilled: delivered, not invoiced)', sum(dynamo, indexWriteUnitsOf), 'WRU', 'dynamoDbOnDemandWrite');

  // CloudWatch Logs: what the functions wrote to stdout and stderr (their log lines and EMF metrics), per GB ingested
  // (1024³ bytes), and Lambda's own records of each invocation (PLATFORM_LOG_BYTES_PER_INVOCATION).
  add('logs-ingestion', 'CloudWatch Logs', "GB ingested (the functions' log lines and EMF metrics)", sum(usage.lambda, (fn) => fn.logBytes ?? 0) / 1024 ** 3, 'GB', 'cloudWatchLogsIngestion');
  add('logs-ingestion', 'CloudWatch Logs', "GB ingested (Lambda's platform.start and platform.report records of each invocation)", (invocations * PLATFORM_LOG_BYTES_PER_INVOCATION) / 1024 ** 3, 'GB', 'cloudWatchLogsIngestion');
  // API Gateway's access logs: a line per request in its stage's format, as the local API server wrote them.
  add('logs-ingestion', 'CloudWatch Logs', "GB ingested (API Gateway's access log lines)", accessLogBytesOf(usage) / 1024 ** 3, 'GB', 'cloudWatchLogsIngestion');

  // Step Functions Standard: state transitions.
  add('sfn-transitions', 'Step Functions', 'state transitions of the exception workflows (Standard)', usage.stepFunctions.stateTransitions, 'transition', 'stepFunctionsStandardTransition');

  const priced = new Set(['events:PutEvents', ...Object.keys(DYNAMODB_READS).map((o) => `dynamodb:${o}`), ...Object.keys(DYNAMODB_WRITES).map((o) => `dynamodb:${o}`)]);
  const unpricedMap = new Map<string, { service: string; operation: string; count: number }>();
  for (const call of usage.awsCalls) {
    const key = `${call.service}:${call.operation}`;
    if (call.service === 'sqs' || priced.has(key) || FREE.has(key)) continue;
    const entry = unpricedMap.get(key) ?? { service: call.service, operation: call.operation, count: 0 };
    entry.count += call.count;
    unpricedMap.set(key, entry);
  }
  return {
    variant,
    lines,
    totalUsd: sum(lines, (l) => l.usd),
    unpriced: [...unpricedMap.values()],
    idleReceives: Math.max(0, esmReceives - batches),
  };
}

/** Bytes the APIs' stages wrote to their access logs (none in a usage saved before they were counted). */
function accessLogBytesOf(usage: Usage): number {
  return sum(usage.restApis, (a) => a.accessLogBytes ?? 0);
}

/** Days in an average month: a GB-month is a GB kept this long. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** GB-months of `byteDays` (bytes × days kept; GB = 1024³ bytes, as the logs' ingestion). */
export function gbMonthsOf(byteDays: number): number {
  return byteDays / DAYS_PER_MONTH / 1024 ** 3;
}

/** What DynamoDB storage of `byteDays` costs (`dynamoDbStorage`): the bench's line per kind of item. */
export function dynamoDbStorageUsd(byteDays: number, prices: Prices): number {
  return gbMonthsOf(byteDays) * price(prices, 'dynamoDbStorage');
}

/** What a run's data will cost in storage over its retention (storageCostOf). */
export interface StorageCost {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  /** DynamoDB items without a TTL, and their bytes with their index entries: kept until deleted, so not priced. */
  readonly unexpiringItems: number;
  readonly unexpiringBytes: number;
}

/**
 * What the run's data costs in storage until it expires: the DynamoDB items it left, each until its TTL
 * (`Usage.storage`, sandbox/storage.ts), the functions' log output for the stage's log retention, and the events
 * published for the event archive's retention (the archive takes every event on the bus). Divided by the run's
 * shipments it is the storage one shipment costs over its life, which is also a month's storage bill at steady state
 * for as many shipments a month. Log storage is priced on the bytes as written: CloudWatch Logs bills them
 * compressed, so this is an upper bound. Without `usage.storage` or `usage.retention`, no line.
 */
export function storageCostOf(usage: Usage, prices: Prices): StorageCost {
  const lines: CostLine[] = [];
  const add = lineAdder(lines, prices);
  const stored = usage.storage?.items ?? [];
  add('dynamodb-storage', 'DynamoDB', "storage of the items the run left, each until its TTL (GSI entries and 100 bytes' overhead per item and entry included)", gbMonthsOf(sum(stored, (s) => s.byteDays)), 'GB-month', 'dynamoDbStorage');
  if (usage.retention) {
    const logBytes = sum(usage.lambda, (fn) => fn.logBytes ?? 0) + accessLogBytesOf(usage);
    add('logs-storage', 'CloudWatch Logs', `storage of the functions' log output and the APIs' access logs for the log retention (${usage.retention.logRetentionDays} days; as written, before CloudWatch compresses it)`, gbMonthsOf(logBytes * usage.retention.logRetentionDays), 'GB-month', 'cloudWatchLogsStorage');
    const eventBytes = sum(usage.awsCalls.filter((c) => c.service === 'events' && c.operation === 'PutEvents'), (c) => c.eventBytes ?? 0);
    add('archive-ingest', 'EventBridge', 'events archived (every event on the bus, by PutEvents entry size)', eventBytes / 1024 ** 3, 'GB', 'eventBridgeArchiveIngest');
    add('archive-storage', 'EventBridge', `archive storage for its retention (${usage.retention.eventArchiveDays} days)`, gbMonthsOf(eventBytes * usage.retention.eventArchiveDays), 'GB-month', 'eventBridgeArchiveStorage');
  }
  return { lines, totalUsd: sum(lines, (l) => l.usd), unexpiringItems: sum(stored, (s) => s.unexpiringItems), unexpiringBytes: sum(stored, (s) => s.unexpiringBytes) };
}

/**
 * What the stack's monitoring costs a month whatever its volume (`Usage.monitoring`, sandbox/monitoring.ts): its custom
 * metrics, its alarms (per alarm metric) and its dashboards, at list prices without the free tier. Empty without a
 * measurement.
 */
export function monitoringCostOf(usage: Usage, prices: Prices): { readonly lines: readonly CostLine[]; readonly totalUsd: number } {
  const lines: CostLine[] = [];
  const addLine = lineAdder(lines, prices);
  const add = (key: string, item: string, quantity: number, unit: string, priceKey: string) => addLine(key, 'CloudWatch', item, quantity, unit, priceKey);
  const m = usage.monitoring;
  if (m) {
    add('custom-metrics', 'custom metrics the functions publish (EMF; each name and dimension set)', m.customMetrics, 'metric-month', 'cloudWatchCustomMetric');
    add('api-detailed-metrics', "API Gateway's detailed metrics (per REST API method, per HTTP API route), billed as custom metrics", m.apiDetailedMetrics ?? 0, 'metric-month', 'cloudWatchCustomMetric');
    add('alarms', 'alarms the stack declares (per metric each evaluates)', m.alarmMetrics, 'alarm metric-month', 'cloudWatchAlarmMetric');
    add('composite-alarms', 'composite alarms', m.compositeAlarms, 'alarm-month', 'cloudWatchCompositeAlarm');
    add('dashboards', 'dashboards', m.dashboards, 'dashboard-month', 'cloudWatchDashboard');
  }
  return { lines, totalUsd: sum(lines, (l) => l.usd) };
}
