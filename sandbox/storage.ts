import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand, paginateScan, type AttributeValue, type TableDescription } from '@aws-sdk/client-dynamodb';
import { clientConfig } from './aws';
import { itemKindOf, type Usage } from './metering';
import { measureMonitoring } from './monitoring';

/**
 * What the product keeps in DynamoDB at the end of a metered run, and for how long: the cost bench prices storage
 * from it (sandbox/cost-model.ts `storageCostOf`). Each item is sized as DynamoDB bills storage, and its remaining
 * life read from the table's TTL attribute, so a retention knob (`retention.correlationTtlDays`,
 * `retention.idempotencyTtlHours`) shows in the figure it changes.
 *
 * Sizes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html): an item is
 * the sum of its attribute names and values (a string its UTF-8 bytes, a number about one byte per two significant
 * digits plus one, a binary its raw bytes, a Boolean or null one byte, a list or map 3 bytes plus one per element
 * beside its elements), and "all items in DynamoDB require 100 bytes of storage overhead for indexing". A GSI stores,
 * per item that has its key attributes, the table's key, the index's key and the projected attributes, plus 100 bytes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.StorageConsiderations).
 */

/** The storage overhead DynamoDB bills per item, and per index entry. */
export const ITEM_OVERHEAD_BYTES = 100;

const utf8 = (value: string) => Buffer.byteLength(value, 'utf8');

/** A number's size: one byte per two significant digits, plus one (leading and trailing zeros trimmed). */
function numberSize(value: string): number {
  const [mantissa = ''] = value.replace(/^[+-]/, '').toLowerCase().split('e');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** The size of an attribute value, without its name (DynamoDB's rules, above). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((n, element) => n + 1 + valueSize(element), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((n, [name, element]) => n + 1 + utf8(name) + valueSize(element), 0);
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  throw new Error(`an attribute value of no type DynamoDB knows: ${JSON.stringify(value)}`);
}

/** An item's size as DynamoDB counts it (names and values), without the storage overhead. */
export function itemSize(item: Readonly<Record<string, AttributeValue>>, names: Iterable<string> = Object.keys(item)): number {
  let size = 0;
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) size += utf8(name) + valueSize(value);
  }
  return size;
}

/** A GSI as the table describes it: its key attributes and what it projects. */
interface IndexShape {
  readonly keys: readonly string[];
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly include: readonly string[];
}

/** The bytes an item takes in a GSI (its entry and the overhead), or 0 when it lacks the index's key attributes. */
export function indexEntryBytes(item: Readonly<Record<string, AttributeValue>>, tableKeys: readonly string[], index: IndexShape): number {
  if (index.keys.some((key) => item[key] === undefined)) return 0;
  const names = index.projection === 'ALL' ? Object.keys(item) : [...new Set([...tableKeys, ...index.keys, ...(index.projection === 'INCLUDE' ? index.include : [])])];
  return itemSize(item, names) + ITEM_OVERHEAD_BYTES;
}

/** What one kind of item (its key's shape, metering.ts `itemKindOf`) of one table holds at the end of the run. */
export interface StoredItems {
  /** The table's role: `CorrelationTable`, `IdempotencyTable` (the deployed name without the stack's prefix and suffix). */
  readonly table: string;
  readonly kind: string;
  readonly items: number;
  /** The items' billed size: each item's size plus {@link ITEM_OVERHEAD_BYTES}. */
  readonly bytes: number;
  /** What they take in the table's GSIs, overhead included. */
  readonly indexBytes: number;
  /** Σ (bytes + index bytes) × days each item has left before its TTL: the storage they will be billed for. */
  readonly byteDays: number;
  /** Of `items`, those without a TTL (kept until something deletes them), and their bytes with their index entries. */
  readonly unexpiringItems: number;
  readonly unexpiringBytes: number;
}

/** The product's DynamoDB storage at one moment ({@link measureStorage}). */
export interface StorageUsage {
  readonly measuredAt: string;
  readonly items: readonly StoredItems[];
}

/** The table's role in a deployed name (`LogisticsSync-TablesCorrelationTable1A2B-XYZ` → `CorrelationTable`). */
export function tableRole(name: string): string {
  return /([A-Z][a-z]+Table)(?=[0-9A-F]{8}|-|$)/.exec(name)?.[1] ?? name;
}

function indexShapes(table: TableDescription): IndexShape[] {
  return (table.GlobalSecondaryIndexes ?? []).map((gsi) => ({
    keys: (gsi.KeySchema ?? []).map((k) => k.AttributeName!),
    projection: (gsi.Projection?.ProjectionType ?? 'ALL') as IndexShape['projection'],
    include: gsi.Projection?.NonKeyAttributes ?? [],
  }));
}

/**
 * Reads every table in the emulator (the sandbox's own client: not metered) and sizes what it holds, by kind of item,
 * with each item's remaining life from the table's TTL attribute (epoch seconds) at `now`.
 */
export async function measureStorage(client: DynamoDBClient, now: Date): Promise<StorageUsage> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start);
  const byKind = new Map<string, { table: string; kind: string; items: number; bytes: number; indexBytes: number; byteDays: number; unexpiringItems: number; unexpiringBytes: number }>();
  const nowSeconds = now.getTime() / 1000;
  for (const name of names.sort()) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const ttlAttribute = ttl.TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED' ? ttl.TimeToLiveDescription.AttributeName : undefined;
    const tableKeys = (table?.KeySchema ?? []).map((k) => k.AttributeName!);
    const indexes = table ? indexShapes(table) : [];
    for await (const page of paginateScan({ client }, { TableName: name })) {
      for (const item of page.Items ?? []) {
        const kind = itemKindOf(item as Parameters<typeof itemKindOf>[0]);
        const key = `${name}|${kind}`;
        const entry = byKind.get(key) ?? { table: tableRole(name), kind, items: 0, bytes: 0, indexBytes: 0, byteDays: 0, unexpiringItems: 0, unexpiringBytes: 0 };
        const bytes = itemSize(item) + ITEM_OVERHEAD_BYTES;
        const indexBytes = indexes.reduce((n, index) => n + indexEntryBytes(item, tableKeys, index), 0);
        const expires = ttlAttribute && item[ttlAttribute]?.N !== undefined ? Number(item[ttlAttribute].N) : undefined;
        entry.items += 1;
        entry.bytes += bytes;
        entry.indexBytes += indexBytes;
        if (expires === undefined || !Number.isFinite(expires)) {
          entry.unexpiringItems += 1;
          entry.unexpiringBytes += bytes + indexBytes;
        } else {
          entry.byteDays += (bytes + indexBytes) * Math.max(0, expires - nowSeconds) / 86_400;
        }
        byKind.set(key, entry);
      }
    }
  }
  return { measuredAt: now.toISOString(), items: [...byKind.values()].sort((a, b) => b.byteDays - a.byteDays || a.table.localeCompare(b.table) || a.kind.localeCompare(b.kind)) };
}

/**
 * What a metered run leaves to be priced beyond its requests, read when its meter stops: the tables' storage, the
 * stage's retention of its logs and archive, and the monitoring (sandbox/monitoring.ts).
 */
export async function measureKept(
  sandbox: Parameters<typeof measureMonitoring>[0] & { readonly config: { readonly retention: { readonly logRetentionDays: number; readonly eventArchiveDays: number } } },
): Promise<Required<Pick<Usage, 'storage' | 'retention' | 'monitoring'>>> {
  const client = new DynamoDBClient(clientConfig(sandbox.emulator.endpoint));
  try {
    const { logRetentionDays, eventArchiveDays } = sandbox.config.retention;
    return { storage: await measureStorage(client, new Date()), retention: { logRetentionDays, eventArchiveDays }, monitoring: await measureMonitoring(sandbox) };
  } finally {
    client.destroy();
  }
}
