/**
 * What the visibility API reads: pages of a list (partitions of the `Lists` or the `Unbilled` GSI, one after the
 * other), the state items of a page's shipments, and a trace. Never a scan. Layout: lib/core/tables.ts, lambdas/visibility/lists.ts.
 */
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../registry/correlation-keys';
import { traceById, type Trace } from '../trace/trace-query';
import type { BusinessImpact } from './impact';
import { listIndexOf, unbilledKeys } from './lists';
import type { ShipmentView } from './shipment-view';
import { VIEW_PROJECTION, VIEW_PROJECTION_NAMES, viewOfItem } from './view-codec';

/** Which entries of a list to read, in GSI order. */
export interface ListQuery {
  /**
   * GSI partition keys, read one after the other (e.g. the months of the disrupted list, newest first); each names its
   * GSI (lists.ts `listIndexOf`).
   */
  readonly partitions: readonly string[];
  /** Only sort keys below this (the trouble list's severity bound). */
  readonly sortKeyBelow?: string;
  readonly customerId?: string;
  /** Only entries in trouble since at or before this time (UTC ISO): the age filter. */
  readonly sinceAtOrBefore?: string;
  /** Newest first (the disrupted list). @default false */
  readonly descending?: boolean;
}

/** Where a page stopped: the partition it was reading and DynamoDB's key in it (absent at a partition's start). */
export interface ListPosition {
  readonly partition: number;
  readonly key?: Readonly<Record<string, string>>;
}

/** An item of a list's GSI: a list entry (`Lists`) or a shipment's state item (`Unbilled`), as the index projects it. */
export interface ListMember {
  readonly shipmentId: string;
  readonly customerId?: string;
  /** `Lists` only: the partition the entry is in. */
  readonly listPk?: string;
}

export interface ListPage {
  readonly entries: ListMember[];
  /** Where the next page starts; absent when the list is exhausted. */
  readonly next?: ListPosition;
}

/** A shipment's state item as the API needs it. */
export interface ShipmentState {
  readonly shipmentId: string;
  readonly milestone?: string;
  readonly milestoneAt?: string;
  readonly view?: ShipmentView;
  readonly impact?: BusinessImpact;
  /** When the exception workflows recorded `impact` (ISO 8601): the latest record is the ERP's latest word on the order. */
  readonly impactRecordedAt?: string;
  /** Whether the state item is in the `Unbilled` GSI (an entry `LIST#unbilled` of an older version then repeats it). */
  readonly unbilledIndexed?: boolean;
}

export interface VisibilityReader {
  /** Up to `limit` entries from `from` (or the start). May return fewer when filters drop entries; `next` says whether more exist. */
  list(query: ListQuery, limit: number, from?: ListPosition): Promise<ListPage>;
  /** The state items of these shipments (missing ones are left out). */
  states(shipmentIds: readonly string[]): Promise<Map<string, ShipmentState>>;
  /** The trace of any id, as `lsync trace` and `GET /trace/{id}` give it. */
  trace(id: string): Promise<Trace | undefined>;
}

/** DynamoDB Query calls one page may make before it returns what it has (filters can drop many entries). */
const MAX_QUERIES_PER_PAGE = 10;

function toState(item: Record<string, unknown>): ShipmentState {
  const view = viewOfItem(item);
  return {
    shipmentId: String(item.shipmentId ?? String(item.pk).slice('SHIPMENT#'.length)),
    ...(typeof item.milestone === 'string' ? { milestone: item.milestone } : {}),
    ...(typeof item.milestoneAt === 'string' ? { milestoneAt: item.milestoneAt } : {}),
    ...(view ? { view } : {}),
    ...(item.impact ? { impact: item.impact as BusinessImpact } : {}),
    ...(item.impact && typeof item.impactRecordedAt === 'string' ? { impactRecordedAt: item.impactRecordedAt } : {}),
    ...(item[unbilledKeys.pkAttribute] !== undefined ? { unbilledIndexed: true } : {}),
  };
}

export class DynamoDbVisibilityReader implements VisibilityReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(query: ListQuery, limit: number, from: ListPosition = { partition: 0 }): Promise<ListPage> {
    const entries: ListMember[] = [];
    let position: ListPosition | undefined = from;
    for (let calls = 0; position && position.partition < query.partitions.length && entries.length < limit && calls < MAX_QUERIES_PER_PAGE; calls++) {
      const filters: string[] = [];
      const partition = query.partitions[position.partition]!;
      const index = listIndexOf(partition);
      const values: Record<string, unknown> = { ':pk': partition };
      if (query.sortKeyBelow !== undefined) values[':below'] = query.sortKeyBelow;
      if (query.customerId) {
        filters.push('customerId = :customer');
        values[':customer'] = query.customerId;
      }
      if (query.sinceAtOrBefore) {
        filters.push('#since <= :cutoff');
        values[':cutoff'] = query.sinceAtOrBefore;
      }
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.index,
          KeyConditionExpression: query.sortKeyBelow !== undefined ? '#pk = :pk AND #sk < :below' : '#pk = :pk',
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ExpressionAttributeNames: { '#pk': index.pkAttribute, ...(query.sortKeyBelow !== undefined ? { '#sk': index.skAttribute } : {}), ...(query.sinceAtOrBefore ? { '#since': 'since' } : {}) },
          ExpressionAttributeValues: values,
          ScanIndexForward: !query.descending,
          Limit: limit - entries.length,
          ...(position.key ? { ExclusiveStartKey: position.key } : {}),
        }),
      );
      entries.push(...((page.Items ?? []) as ListMember[]));
      position = page.LastEvaluatedKey
        ? { partition: position.partition, key: page.LastEvaluatedKey as Record<string, string> }
        : position.partition + 1 < query.partitions.length
          ? { partition: position.partition + 1 }
          : undefined;
    }
    return { entries, ...(position ? { next: position } : {}) };
  }

  async states(shipmentIds: readonly string[]): Promise<Map<string, ShipmentState>> {
    const found = new Map<string, ShipmentState>();
    const unique = [...new Set(shipmentIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> }> | undefined = {
        [this.tableName]: {
          Keys: unique.slice(i, i + 100).map((id) => ({ pk: keys.shipmentPk(id), sk: keys.stateSk })),
          ProjectionExpression: `pk, shipmentId, milestone, milestoneAt, ${VIEW_PROJECTION}, impact, impactRecordedAt, #unbilledPk`,
          ExpressionAttributeNames: { ...VIEW_PROJECTION_NAMES, '#unbilledPk': unbilledKeys.pkAttribute },
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt >= 5) throw new Error(`DynamoDB left shipment states unread after ${attempt} attempts`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const state = toState(item);
          found.set(state.shipmentId, state);
        }
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  trace(id: string): Promise<Trace | undefined> {
    return traceById(this.client, this.tableName, id);
  }
}

/**
 * The same reads over the items of an in-memory store (an InMemoryShipmentViewStore's or InMemoryCorrelationStore's
 * `items`), for tests: the GSI's order, key condition, filters and limits, and a page key like DynamoDB's.
 */
export class InMemoryVisibilityReader implements VisibilityReader {
  /** Query calls made, for assertions on the read pattern. */
  queries = 0;

  constructor(
    private readonly items: Map<string, Record<string, unknown>>,
    private readonly traces: (id: string) => Trace | undefined = () => undefined,
  ) {}

  async list(query: ListQuery, limit: number, from: ListPosition = { partition: 0 }): Promise<ListPage> {
    const entries: ListMember[] = [];
    let position: ListPosition | undefined = from;
    for (let calls = 0; position && position.partition < query.partitions.length && entries.length < limit && calls < MAX_QUERIES_PER_PAGE; calls++) {
      this.queries++;
      const pk = query.partitions[position.partition]!;
      const { pkAttribute, skAttribute } = listIndexOf(pk);
      const order = (e: Record<string, unknown>) => `${String(e[skAttribute])}\u0000${String(e.pk)}`;
      const all = [...this.items.values()]
        .filter((i) => i[pkAttribute] === pk && (query.sortKeyBelow === undefined || String(i[skAttribute]) < query.sortKeyBelow))
        .sort((a, b) => order(a).localeCompare(order(b)) * (query.descending ? -1 : 1));
      const startAfter: string | undefined = position.key ? `${position.key[skAttribute]}\u0000${position.key.pk}` : undefined;
      const remaining: Record<string, unknown>[] = startAfter === undefined ? all : all.filter((i) => (query.descending ? order(i) < startAfter : order(i) > startAfter));
      const evaluated: Record<string, unknown>[] = remaining.slice(0, limit - entries.length);
      entries.push(
        ...(evaluated.filter((i) => (!query.customerId || i.customerId === query.customerId) && (!query.sinceAtOrBefore || String(i.since) <= query.sinceAtOrBefore)) as unknown as ListMember[]),
      );
      const last: Record<string, unknown> | undefined = evaluated[evaluated.length - 1];
      position =
        last && remaining.length > evaluated.length
          ? { partition: position.partition, key: { pk: String(last.pk), sk: String(last.sk), [pkAttribute]: String(last[pkAttribute]), [skAttribute]: String(last[skAttribute]) } }
          : position.partition + 1 < query.partitions.length
            ? { partition: position.partition + 1 }
            : undefined;
    }
    return { entries, ...(position ? { next: position } : {}) };
  }

  async states(shipmentIds: readonly string[]): Promise<Map<string, ShipmentState>> {
    const found = new Map<string, ShipmentState>();
    for (const id of shipmentIds) {
      const item = this.items.get(`${keys.shipmentPk(id)}\u0000${keys.stateSk}`);
      if (item) found.set(id, toState(item));
    }
    return found;
  }

  async trace(id: string): Promise<Trace | undefined> {
    return this.traces(id);
  }
}
