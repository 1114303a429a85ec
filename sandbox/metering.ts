import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { principalOfAccessKey, type SandboxPrincipal } from './aws';
import { inFlightKeys, listKeys } from '../registry/correlation-keys';
import type { Emulator } from './emulator';
import type { LocalRestApi } from './runtime/api-gateway/server';
import type { LocalFunction } from './runtime/functions';
import type { SqsPoller } from './runtime/sqs-pollers';
import type { LocalStepFunctions } from './runtime/step-functions/engine';
import type { MonitoringUsage } from './monitoring';
import type { StorageUsage } from './storage';

/**
 * What the product used while the meter ran, counted by the sandbox: every AWS API request the product's
 * functions, its SQS event source mappings and its Step Functions integrations sent to the emulator (moto's
 * request recorder, attributed by access key id: sandbox/aws.ts SANDBOX_PRINCIPALS), plus what the local
 * runtime ran itself (Lambda invocations with billed duration, state transitions, REST API requests).
 * The sandbox's own tooling (deployment, bus tap, scenario checks) is not counted. Input of lib/cost-model.ts.
 */
export interface Usage {
  /** AWS API requests by caller, service and operation; `items` = entries of batch operations (else = count). */
  readonly awsCalls: readonly AwsCallCount[];
  readonly lambda: readonly LambdaUsage[];
  readonly sqsEventSources: readonly { readonly functionName: string; readonly batches: number; readonly messages: number; readonly batchSize: number }[];
  readonly stepFunctions: { readonly executions: number; readonly stateTransitions: number };
  /**
   * Requests by API (REST APIs, and HTTP APIs with `protocol: 'HTTP'`: priced apart), with the bytes its stages wrote
   * to their access logs (sandbox/runtime/api-gateway/access-log.ts; absent in the usage saved before 2026-12-08).
   */
  readonly restApis: readonly { readonly name: string; readonly requests: number; readonly protocol?: 'HTTP'; readonly accessLogBytes?: number }[];
  /** DynamoDB write units by function and kind of item written ({@link writeUnitsByItem}). @default - not split */
  readonly writesByItem?: readonly ItemWriteUnits[];
  /**
   * What the tables hold when the meter stopped, sized as DynamoDB bills storage, with each item's remaining life
   * (sandbox/storage.ts). @default - not measured: storage is not priced
   */
  readonly storage?: StorageUsage;
  /** The stage's retention of what it logs and archives, which prices their storage. @default - storage not priced */
  readonly retention?: { readonly logRetentionDays: number; readonly eventArchiveDays: number };
  /** The custom metrics the run published and the alarms and dashboards the stack declares (sandbox/monitoring.ts). @default - not priced */
  readonly monitoring?: MonitoringUsage;
}

/** The write units one function spent on one kind of item (its key's shape, e.g. `SHIPMENT#… / STATE`). */
export interface ItemWriteUnits {
  readonly function: string;
  readonly item: string;
  /** Items written (entries of batch and transaction requests count one each; failed conditional writes too). */
  readonly writes: number;
  /** The units the emulator measured; a batch request's units are shared evenly among its entries. */
  readonly writeUnits: number;
}

export interface AwsCallCount {
  readonly principal: Exclude<SandboxPrincipal, 'tooling'>;
  /** For the `functions` principal: the logical id of the function that sent the requests. */
  readonly function?: string;
  readonly service: string;
  readonly operation: string;
  readonly count: number;
  readonly items: number;
  /**
   * Entries of write requests on items of the correlation table's `Lists` GSI (list entries and legacy in-flight
   * entries), counted from the requests' keys: the estimate of the index's writes when none were measured. @default 0
   */
  readonly indexed?: number;
  /**
   * Write units of the tables' GSIs, as the emulator measured them (sandbox/moto_launcher.py patch
   * `dynamodb-write-units-by-size`): an item entering or leaving an index, changing its index keys (both) or a projected
   * attribute while in it; nothing for a write that changes none of these (a failed conditional write included).
   * @default - unmeasured: `indexed` stands in (cost-model.ts `indexWriteUnitsOf`)
   */
  readonly indexWriteUnits?: number;
  /**
   * Write units the written items cost by their size (DynamoDB writes only): one per 1 KB of the larger of the item
   * before and after each write, twice that in a transaction, as the emulator measured them (sandbox/moto_launcher.py
   * patch `dynamodb-write-units-by-size`). @default - unmeasured: one per item (cost-model.ts `writeUnitsOf`)
   */
  readonly writeUnits?: number;
  /**
   * Read units of DynamoDB reads, as the emulator measured them by the size of what each read (launcher patch
   * `dynamodb-read-units-by-size`: one per 4 KB of a `GetItem`'s item or of a `Query`'s or `Scan`'s items read before
   * its filter, at least one, per key of a `BatchGetItem`; half that when eventually consistent, the default; two per
   * `TransactGetItems` item; none for a refused request); where no measurement followed a request, estimated from its
   * body ({@link readUnitsOf}). @default - unmeasured: one per item (cost-model.ts)
   */
  readonly readUnits?: number;
  /**
   * `events:PutEvents` only: the entries' size as EventBridge counts it (Time 14 bytes when given, Source, DetailType,
   * Detail and each of Resources in UTF-8 bytes: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html),
   * what the bus's archive takes in. @default - not measured
   */
  readonly eventBytes?: number;
}

export interface LambdaUsage {
  readonly functionName: string;
  readonly logicalId: string;
  /** The function's Powertools service name (`fleet-inbound`, `correlation-indexer`, …): its role in the product. */
  readonly service: string;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly invocations: number;
  readonly billedMs: number;
  /** Of `billedMs`, the time the function waited for its pacing slots (the outbound adapters' `RateLimitWait`). @default 0 */
  readonly rateLimitWaitMs?: number;
  /**
   * The most JavaScript memory one of its execution environments held since the sandbox started (MB: V8 heap and the
   * buffers outside it, garbage not yet collected included; sandbox/runtime/functions.ts `peakHeapBytes`). Beside
   * `memoryMb`; Node.js itself comes on top. @default - not measured
   */
  readonly peakHeapMb?: number;
  /**
   * Bytes the function wrote to its log (stdout and stderr: its log lines and EMF metrics), what CloudWatch Logs
   * ingests of it; Lambda's own records of each invocation come on top (cost-model.ts `PLATFORM_LOG_BYTES_PER_INVOCATION`). @default - not measured
   */
  readonly logBytes?: number;
  /**
   * Milliseconds its execution environments spent in their init phase during the run (each environment started then:
   * loading the bundle and the code outside the handler). Lambda bills INIT like duration for zip packages on managed
   * runtimes since 2025-08-01. @default - not measured
   */
  readonly initMs?: number;
}

/** One request as moto's recorder writes it (a line of JSON). */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | null;
  readonly body_encoded?: boolean;
}

/** Batch operations whose request lists entries, and where the list is. */
const BATCH_ENTRIES: Readonly<Record<string, (body: Record<string, unknown>) => unknown>> = {
  'events:PutEvents': (b) => b.Entries,
  'sqs:SendMessageBatch': (b) => b.Entries,
  'sqs:DeleteMessageBatch': (b) => b.Entries,
  'sqs:ChangeMessageVisibilityBatch': (b) => b.Entries,
  'dynamodb:TransactWriteItems': (b) => b.TransactItems,
  'dynamodb:TransactGetItems': (b) => b.TransactItems,
  'dynamodb:BatchWriteItem': (b) => Object.values((b.RequestItems ?? {}) as Record<string, unknown[]>).flat(),
  'dynamodb:BatchGetItem': (b) => Object.values((b.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).flatMap((t) => t.Keys ?? []),
};

type DynamoKey = { pk?: { S?: unknown }; sk?: { S?: unknown }; id?: { S?: unknown } } | undefined;

/** Where each entry of a DynamoDB write request names its item (the item of a put, the key otherwise). */
const WRITE_ITEMS: Readonly<Record<string, (body: Record<string, unknown>) => DynamoKey[]>> = {
  'dynamodb:PutItem': (b) => [b.Item as DynamoKey],
  'dynamodb:UpdateItem': (b) => [b.Key as DynamoKey],
  'dynamodb:DeleteItem': (b) => [b.Key as DynamoKey],
  'dynamodb:BatchWriteItem': (b) =>
    Object.values((b.RequestItems ?? {}) as Record<string, { PutRequest?: { Item?: DynamoKey }; DeleteRequest?: { Key?: DynamoKey } }[]>)
      .flat()
      .map((e) => e.PutRequest?.Item ?? e.DeleteRequest?.Key),
  'dynamodb:TransactWriteItems': (b) =>
    ((b.TransactItems ?? []) as { Put?: { Item?: DynamoKey }; Update?: { Key?: DynamoKey }; Delete?: { Key?: DynamoKey } }[]).map((t) => t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key),
};

/**
 * Whether an item is in the correlation table's `Lists` GSI (registry/correlation-keys.ts): the visibility lists'
 * entries (`LIST#…`) and the legacy in-flight entries (`INFLIGHT`) are the only items carrying its keys. The estimate
 * when the emulator measured no index writes (`indexWriteUnits`); a conditional write that fails writes no index, so
 * it errs on the high side.
 */
function inListsIndex(item: DynamoKey): boolean {
  const sk = item?.sk?.S;
  return typeof sk === 'string' && (sk === inFlightKeys.legacySk || sk.startsWith(listKeys.entryPrefix));
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function decodedBody(request: RecordedRequest): string {
  if (!request.body) return '';
  return request.body_encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
}

/**
 * The read units a DynamoDB read request costs by its body (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#read-operation-consumption):
 * a strongly consistent read one unit per 4 KB, an eventually consistent one half, a transactional one two; every
 * item and every Query or Scan result taken as at most 4 KB. The estimate until the launcher's measurement of the read
 * ({@link READ_UNITS_RECORD}) replaces it. Undefined for anything else.
 */
export function readUnitsOf(operation: string, body: Record<string, unknown>): number | undefined {
  const consistent = (b: { ConsistentRead?: unknown } | undefined) => (b?.ConsistentRead === true ? 1 : 0.5);
  switch (operation) {
    case 'GetItem':
    case 'Query':
    case 'Scan':
      return consistent(body);
    case 'BatchGetItem':
      return Object.values((body.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: unknown }>).reduce((units, table) => units + (table.Keys?.length ?? 0) * consistent(table), 0);
    case 'TransactGetItems':
      return 2 * (Array.isArray(body.TransactItems) ? body.TransactItems.length : 0);
    default:
      return undefined;
  }
}

/**
 * Caller, service, operation and entry count of one recorded request; undefined for the sandbox's own
 * tooling and for moto's own endpoints. Service comes from the SigV4 credential scope; the operation from
 * `X-Amz-Target` (JSON protocols), `Action=` (query protocols) or, for REST APIs, method and path.
 */
export function classifyRequest(
  request: RecordedRequest,
): { principal: AwsCallCount['principal']; function?: string; service: string; operation: string; items: number; indexed: number; itemKinds?: string[]; readUnits?: number; eventBytes?: number } | undefined {
  const authorization = header(request.headers, 'authorization') ?? '';
  const credential = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization);
  if (!credential) return undefined;
  const caller = principalOfAccessKey(credential[1]);
  if (!caller || caller.principal === 'tooling') return undefined;
  const principal = caller.principal;
  const service = credential[2];
  const body = decodedBody(request);
  let operation: string | undefined;
  const target = header(request.headers, 'x-amz-target');
  if (target) operation = target.slice(target.lastIndexOf('.') + 1);
  else {
    const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body) ?? /[?&]Action=([A-Za-z]+)/.exec(request.url);
    if (action) operation = action[1];
  }
  operation ??= `${request.method} ${new URL(request.url, 'http://x').pathname.replace(/\/[^/]*\d[^/]*/g, '/{id}')}`;
  let items = 1;
  let indexed = 0;
  let itemKinds: string[] | undefined;
  let readUnits: number | undefined;
  let eventBytes: number | undefined;
  const entries = BATCH_ENTRIES[`${service}:${operation}`];
  const written = WRITE_ITEMS[`${service}:${operation}`] as (typeof WRITE_ITEMS)[string] | undefined;
  const read = service === 'dynamodb' && READ_OPERATIONS.has(operation);
  if ((entries || written || read) && body.startsWith('{')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if (read) readUnits = readUnitsOf(operation, parsed);
      const list = entries?.(parsed);
      if (Array.isArray(list)) items = list.length;
      if (service === 'events' && operation === 'PutEvents' && Array.isArray(list)) eventBytes = list.reduce((n: number, entry) => n + putEventsEntrySize(entry as PutEventsEntry), 0);
      if (written) {
        const keys = written(parsed);
        indexed = keys.filter(inListsIndex).length;
        itemKinds = keys.map(itemKindOf);
      }
    } catch {
      // A body that is not JSON is counted as one item.
    }
  }
  // A write whose body names no item it can read (e.g. not JSON) still cost what the emulator measured.
  if (written && !itemKinds?.length) itemKinds = ['other'];
  return { principal, ...(caller.function ? { function: caller.function } : {}), service, operation, items, indexed, ...(itemKinds ? { itemKinds } : {}), ...(readUnits !== undefined ? { readUnits } : {}), ...(eventBytes !== undefined ? { eventBytes } : {}) };
}

type PutEventsEntry = { Time?: unknown; Source?: unknown; DetailType?: unknown; Detail?: unknown; Resources?: unknown } | undefined;

/**
 * The size EventBridge counts for one PutEvents entry: Time 14 bytes when given; Source, DetailType, Detail and each
 * of Resources their UTF-8 bytes (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export function putEventsEntrySize(entry: PutEventsEntry): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry?.Resources) ? entry.Resources.reduce((n: number, r) => n + bytes(r), 0) : 0;
  return (entry?.Time !== undefined && entry.Time !== null ? 14 : 0) + bytes(entry?.Source) + bytes(entry?.DetailType) + bytes(entry?.Detail) + resources;
}

const READ_OPERATIONS: ReadonlySet<string> = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * The records on one line of moto's request log. Its threads append records concurrently, so under load two
 * records can land on one line before their newlines (seen at 400 orders: `{…}{…}`). Inside a record every quote
 * of a string value is escaped, so an unescaped `}{"` only occurs between two records.
 */
export function recordsOnLine(line: string): RecordedRequest[] {
  return line
    .split(/(?<=\})(?=\{")/)
    .filter((part) => part.trim() !== '')
    .map((part) => {
      try {
        return JSON.parse(part) as RecordedRequest;
      } catch (error) {
        throw new Error(`moto's request log has a record that is not JSON (${(error as Error).message}): ${part.slice(0, 200)}`, { cause: error });
      }
    });
}

/**
 * The method of the records the launcher adds after each DynamoDB write while recording: the request's caller and
 * operation, and in its body the write units its items cost by size (`{"writeUnits", "items"}`).
 */
export const WRITE_UNITS_RECORD = 'LSYNC-WRITE-UNITS';

function writeUnitsIn(record: RecordedRequest): { units: number; indexUnits?: number } {
  const body = JSON.parse(decodedBody(record) || '{}') as { writeUnits?: unknown; indexWriteUnits?: unknown };
  const units = body.writeUnits;
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 0) throw new Error(`a ${WRITE_UNITS_RECORD} record without its write units: ${decodedBody(record).slice(0, 200)}`);
  const indexUnits = body.indexWriteUnits;
  return { units, ...(typeof indexUnits === 'number' && Number.isInteger(indexUnits) && indexUnits >= 0 ? { indexUnits } : {}) };
}

/**
 * The method of the records the launcher adds after each DynamoDB read while recording: the request's caller and
 * operation, and in its body the read units it cost by the size of what it read (`{"readUnits"}`), which replace the
 * units estimated from the request's body ({@link readUnitsOf}).
 */
export const READ_UNITS_RECORD = 'LSYNC-READ-UNITS';

function readUnitsIn(record: RecordedRequest): number {
  const units = (JSON.parse(decodedBody(record) || '{}') as { readUnits?: unknown }).readUnits;
  if (typeof units !== 'number' || !Number.isFinite(units) || units < 0 || !Number.isInteger(units * 2)) throw new Error(`a ${READ_UNITS_RECORD} record without its read units: ${decodedBody(record).slice(0, 200)}`);
  return units;
}

/**
 * The kind of item a key names, by its shape (registry/correlation-keys.ts): the partition key's prefix and the sort
 * key's (`CORR#… / TL#…`, `SHIPMENT#… / STATE`); a Powertools record (key `id`) is an idempotency record.
 */
export function itemKindOf(key: DynamoKey): string {
  const prefix = (value: unknown) => (typeof value === 'string' ? value.replace(/#.*$/s, '#…') : '?');
  if (typeof key?.pk?.S === 'string') return `${prefix(key.pk.S)} / ${prefix(key.sk?.S)}`;
  if (typeof key?.id?.S === 'string') return 'idempotency record';
  return 'other';
}

/** What the meter reads from moto's request log: requests by caller, service and operation; write units by item. */
export interface RecordingCounts {
  readonly awsCalls: AwsCallCount[];
  readonly writesByItem: ItemWriteUnits[];
}

/**
 * Reads moto's request log (JSON lines) once: the requests by caller, service and operation, with the write units
 * measured for them, and those write units by function and kind of item — each write request's items (from its
 * body) paired with the units the launcher measured for it (the `LSYNC-WRITE-UNITS` record that follows it, with the
 * same signed Authorization header; a batch's units shared evenly among its entries).
 */
export function meterRecording(lines: Iterable<string>): RecordingCounts {
  const counts = new Map<string, { principal: AwsCallCount['principal']; function?: string; service: string; operation: string; count: number; items: number; indexed: number; writeUnits?: number; indexWriteUnits?: number; readUnits?: number; eventBytes?: number }>();
  const pending = new Map<string, { function: string; items: string[] }>();
  // A read's units as estimated from its body, until the launcher's measured ones follow (same Authorization).
  const pendingReads = new Map<string, number>();
  const byItem = new Map<string, ItemWriteUnits & { writes: number; writeUnits: number }>();
  for (const line of lines) {
    for (const record of recordsOnLine(line)) {
      const units = record.method === WRITE_UNITS_RECORD;
      const readUnits = record.method === READ_UNITS_RECORD;
      const call = classifyRequest(units || readUnits ? { ...record, body: '' } : record);
      if (!call) continue;
      const key = `${call.principal}|${call.function ?? ''}|${call.service}|${call.operation}`;
      const entry = counts.get(key) ?? { principal: call.principal, ...(call.function ? { function: call.function } : {}), service: call.service, operation: call.operation, count: 0, items: 0, indexed: 0 };
      const authorization = header(record.headers, 'authorization') ?? '';
      if (readUnits) {
        const measured = readUnitsIn(record);
        const estimated = pendingReads.get(authorization);
        pendingReads.delete(authorization);
        entry.readUnits = (entry.readUnits ?? 0) + measured - (estimated ?? 0);
      } else if (units) {
        const { units: measured, indexUnits } = writeUnitsIn(record);
        entry.writeUnits = (entry.writeUnits ?? 0) + measured;
        if (indexUnits !== undefined) entry.indexWriteUnits = (entry.indexWriteUnits ?? 0) + indexUnits;
        const request = pending.get(authorization);
        pending.delete(authorization);
        for (const item of request?.items ?? []) {
          const itemKey = `${request!.function}|${item}`;
          const total = byItem.get(itemKey) ?? { function: request!.function, item, writes: 0, writeUnits: 0 };
          total.writes += 1;
          total.writeUnits += measured / request!.items.length;
          byItem.set(itemKey, total);
        }
      } else {
        entry.count += 1;
        entry.items += call.items;
        entry.indexed += call.indexed;
        if (call.eventBytes !== undefined) entry.eventBytes = (entry.eventBytes ?? 0) + call.eventBytes;
        if (call.readUnits !== undefined) {
          entry.readUnits = (entry.readUnits ?? 0) + call.readUnits;
          pendingReads.set(authorization, call.readUnits);
        }
        if (call.itemKinds) pending.set(authorization, { function: call.function ?? call.principal, items: call.itemKinds });
      }
      counts.set(key, entry);
    }
  }
  return {
    awsCalls: [...counts.values()].sort(
      (a, b) => a.service.localeCompare(b.service) || a.operation.localeCompare(b.operation) || a.principal.localeCompare(b.principal) || (a.function ?? '').localeCompare(b.function ?? ''),
    ),
    writesByItem: [...byItem.values()].sort((a, b) => b.writeUnits - a.writeUnits || a.function.localeCompare(b.function) || a.item.localeCompare(b.item)),
  };
}

/** Counts recorded requests (JSON lines) by caller, service and operation, with the write units measured for them. */
export function countRecordedRequests(lines: Iterable<string>): AwsCallCount[] {
  return meterRecording(lines).awsCalls;
}

/** DynamoDB write units by function and kind of item (JSON lines of moto's request log): the cost bench's split. */
export function writeUnitsByItem(lines: Iterable<string>): ItemWriteUnits[] {
  return meterRecording(lines).writesByItem;
}

/**
 * The lines of a file, read a chunk at a time: a volume run's recording (hundreds of thousands of requests with
 * their headers and bodies) is larger than the longest string V8 can hold, so it is never read whole.
 */
export function* linesOf(file: string, chunkBytes = 1 << 20): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(chunkBytes);
    let rest = Buffer.alloc(0);
    for (let read = readSync(fd, buffer, 0, chunkBytes, null); read > 0; read = readSync(fd, buffer, 0, chunkBytes, null)) {
      let data = Buffer.concat([rest, buffer.subarray(0, read)]);
      for (let newline = data.indexOf(10); newline >= 0; newline = data.indexOf(10)) {
        yield data.subarray(0, newline).toString('utf8');
        data = data.subarray(newline + 1);
      }
      rest = Buffer.from(data);
    }
    if (rest.length > 0) yield rest.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * What the meter reads of a running sandbox (its port; a Sandbox satisfies it): moto's request recorder and
 * the local runtime's counters.
 */
export interface MeteredSandbox {
  readonly emulator: Pick<Emulator, 'recorder' | 'recordingFile'>;
  readonly functions: { readonly functions: readonly Pick<LocalFunction, 'spec' | 'stats'>[] };
  readonly pollers: readonly Pick<SqsPoller, 'spec' | 'stats'>[];
  readonly stepFunctions: Pick<LocalStepFunctions, 'stats'>;
  readonly apis: readonly Pick<LocalRestApi, 'spec' | 'stats'>[];
}

interface Snapshot {
  readonly functions: Map<string, { invocations: number; billedMs: number; rateLimitWaitMs: number; logBytes: number; initMs: number }>;
  readonly pollers: Map<string, { batches: number; messages: number }>;
  readonly sfn: { executions: number; stateTransitions: number };
  readonly apis: Map<string, { requests: number; accessLogBytes: number }>;
}

function snapshot(sandbox: MeteredSandbox): Snapshot {
  return {
    functions: new Map(
      sandbox.functions.functions.map((fn) => [fn.spec.functionName, { invocations: fn.stats.invocations, billedMs: fn.stats.billedDurationMs, rateLimitWaitMs: fn.stats.rateLimitWaitMs, logBytes: fn.stats.logBytes, initMs: fn.stats.initDurationMs }]),
    ),
    pollers: new Map(sandbox.pollers.map((p) => [p.spec.logicalId, { batches: p.stats.batches, messages: p.stats.messages }])),
    sfn: { executions: sandbox.stepFunctions.stats.executions, stateTransitions: sandbox.stepFunctions.stats.stateTransitions },
    apis: new Map(sandbox.apis.map((api) => [`${api.spec.stackName}/${api.spec.logicalId}`, { requests: api.stats.requests, accessLogBytes: api.stats.accessLogBytes }])),
  };
}

/** A running meter: `stop()` returns what was used since `startMetering`. */
export interface Meter {
  stop(): Promise<Usage>;
}

/**
 * Starts counting. Needs the emulator's recorder (the sandbox starts moto with a recording file). One meter
 * at a time: starting empties the recording.
 */
export async function startMetering(sandbox: MeteredSandbox): Promise<Meter> {
  const file = sandbox.emulator.recordingFile;
  if (!file) throw new Error('the sandbox emulator has no recording file');
  await sandbox.emulator.recorder('reset');
  const before = snapshot(sandbox);
  const httpApis = new Set(sandbox.apis.filter((api) => api.spec.protocol === 'HTTP').map((api) => `${api.spec.stackName}/${api.spec.logicalId}`));
  await sandbox.emulator.recorder('start');
  return {
    async stop(): Promise<Usage> {
      await sandbox.emulator.recorder('stop');
      const after = snapshot(sandbox);
      const lines = existsSync(file) ? linesOf(file) : [];
      const recorded = meterRecording(lines);
      return {
        awsCalls: recorded.awsCalls,
        writesByItem: recorded.writesByItem,
        lambda: sandbox.functions.functions
          .map((fn) => {
            const was = before.functions.get(fn.spec.functionName) ?? { invocations: 0, billedMs: 0, rateLimitWaitMs: 0, logBytes: 0, initMs: 0 };
            return {
              functionName: fn.spec.functionName,
              logicalId: fn.spec.logicalId,
              service: fn.spec.environment.POWERTOOLS_SERVICE_NAME ?? fn.spec.logicalId,
              memoryMb: fn.spec.memorySize,
              architecture: fn.spec.architecture,
              invocations: fn.stats.invocations - was.invocations,
              billedMs: fn.stats.billedDurationMs - was.billedMs,
              rateLimitWaitMs: fn.stats.rateLimitWaitMs - was.rateLimitWaitMs,
              peakHeapMb: Math.round((fn.stats.peakHeapBytes / 1_048_576) * 10) / 10,
              logBytes: fn.stats.logBytes - was.logBytes,
              initMs: Math.round(fn.stats.initDurationMs - was.initMs),
            };
          })
          .filter((fn) => fn.invocations > 0),
        sqsEventSources: sandbox.pollers
          .map((p) => {
            const was = before.pollers.get(p.spec.logicalId) ?? { batches: 0, messages: 0 };
            const now = after.pollers.get(p.spec.logicalId)!;
            return { functionName: p.spec.functionName, batches: now.batches - was.batches, messages: now.messages - was.messages, batchSize: p.spec.batchSize };
          })
          .filter((p) => p.messages > 0),
        stepFunctions: { executions: after.sfn.executions - before.sfn.executions, stateTransitions: after.sfn.stateTransitions - before.sfn.stateTransitions },
        restApis: [...after.apis]
          .map(([name, now]) => {
            const was = before.apis.get(name) ?? { requests: 0, accessLogBytes: 0 };
            return { name, requests: now.requests - was.requests, ...(httpApis.has(name) ? { protocol: 'HTTP' as const } : {}), accessLogBytes: now.accessLogBytes - was.accessLogBytes };
          })
          .filter((a) => a.requests > 0),
      };
    },
  };
}
