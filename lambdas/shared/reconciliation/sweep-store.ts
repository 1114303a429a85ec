import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../dynamo-pages';
import { inFlightKeys, keys, LIST_INDEX } from '../../../registry/correlation-keys';
import type { InFlightShipment, ShipmentSnapshot } from './sweep-plan';
import { VIEW_PROJECTION, VIEW_PROJECTION_NAMES, viewOfItem } from '../../visibility/view-codec';

/** Port: what a sweep reads from (and the one thing it deletes in) the correlation table. */
export interface SweepStore {
  /** One page of the shipments in flight, after `cursor`; `cursor` in the answer when there are more. */
  page(cursor: Readonly<Record<string, string>> | undefined, limit: number): Promise<{ shipments: InFlightShipment[]; cursor?: Record<string, string> }>;
  /** The state items of these shipments (rank, the view's cases and holds), by shipment id. */
  snapshots(shipmentIds: readonly string[]): Promise<Map<string, ShipmentSnapshot>>;
  /** Which of these timeline entries exist, as `pk \u0000 sk`. */
  indexed(entries: readonly { readonly pk: string; readonly sk: string }[]): Promise<Set<string>>;
  /** Drops a delivered shipment's left-behind in-flight entry. */
  leave(shipmentId: string): Promise<void>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A state item's view as the sweep needs it (lambdas/visibility/shipment-view.ts keeps cases and holds by id). */
export function snapshotOf(item: Record<string, unknown>): ShipmentSnapshot {
  const view = (viewOfItem(item) ?? {}) as { cases?: Record<string, { status?: unknown }>; holds?: Record<string, { status?: unknown }> };
  const entries = (by: Record<string, { status?: unknown }> | undefined) => Object.entries(by ?? {}).map(([id, v]) => ({ id, status: String(v?.status ?? '') }));
  return {
    ...(typeof item.rank === 'number' ? { rank: item.rank } : {}),
    cases: entries(view.cases).map(({ id, status }) => ({ caseId: id, status })),
    holds: entries(view.holds).map(({ id, status }) => ({ holdId: id, status })),
  };
}

/** The sweep's reads over DynamoDB (layout and access pattern 10 in lib/core/tables.ts). */
export class DynamoDbSweepStore implements SweepStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(cursor: Readonly<Record<string, string>> | undefined, limit: number): Promise<{ shipments: InFlightShipment[]; cursor?: Record<string, string> }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LIST_INDEX,
        KeyConditionExpression: 'listPk = :pk',
        ExpressionAttributeValues: { ':pk': inFlightKeys.listPk },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: { ...cursor } } : {}),
      }),
    );
    const shipments = (result.Items ?? []).flatMap((item): InFlightShipment[] => {
      const shipmentId = str(item.shipmentId);
      const correlationId = str(item.correlationId);
      if (!shipmentId || !correlationId) return [];
      const optional = { orderId: str(item.orderId), routeId: str(item.routeId), customerId: str(item.customerId) };
      return [{ shipmentId, correlationId, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) }];
    });
    const next = result.LastEvaluatedKey as Record<string, string> | undefined;
    return { shipments, ...(next ? { cursor: next } : {}) };
  }

  async snapshots(shipmentIds: readonly string[]): Promise<Map<string, ShipmentSnapshot>> {
    const items = await this.batchGet(shipmentIds.map((id) => ({ pk: keys.shipmentPk(id), sk: keys.stateSk })), `pk, #rank, ${VIEW_PROJECTION}`, { '#rank': 'rank', ...VIEW_PROJECTION_NAMES });
    return new Map(items.map((item) => [String(item.pk).slice(keys.shipmentPk('').length), snapshotOf(item)]));
  }

  async indexed(entries: readonly { readonly pk: string; readonly sk: string }[]): Promise<Set<string>> {
    const items = await this.batchGet(entries, 'pk, sk');
    return new Set(items.map((item) => `${String(item.pk)}\u0000${String(item.sk)}`));
  }

  async leave(shipmentId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: keys.shipmentPk(shipmentId), sk: inFlightKeys.sk } }));
  }

  private async batchGet(keyList: readonly { readonly pk: string; readonly sk: string }[], projection: string, names?: Record<string, string>): Promise<Record<string, unknown>[]> {
    const unique = [...new Map(keyList.map((k) => [`${k.pk}\u0000${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
    return batchGetAll(this.client, this.tableName, unique, { projection, ...(names ? { names } : {}) });
  }
}

/**
 * The sweep's reads over the items of an in-memory correlation table (the `items` of the indexer's
 * InMemoryCorrelationStore, keyed `pk \u0000 sk`), for tests: the same pages, in the GSI's order.
 */
export class InMemorySweepStore implements SweepStore {
  constructor(private readonly items: Map<string, Record<string, unknown>>) {}

  async page(cursor: Readonly<Record<string, string>> | undefined, limit: number): Promise<{ shipments: InFlightShipment[]; cursor?: Record<string, string> }> {
    const entries = [...this.items.values()]
      .filter((i) => i.listPk === inFlightKeys.listPk)
      .sort((a, b) => String(a.listSk).localeCompare(String(b.listSk)))
      .filter((i) => !cursor || String(i.listSk) > String(cursor.listSk));
    const page = entries.slice(0, limit);
    const shipments = page.map((item) => {
      const optional = { orderId: str(item.orderId), routeId: str(item.routeId), customerId: str(item.customerId) };
      return { shipmentId: String(item.shipmentId), correlationId: String(item.correlationId), ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) };
    });
    const last = page.at(-1);
    return { shipments, ...(entries.length > limit && last ? { cursor: { listPk: inFlightKeys.listPk, listSk: String(last.listSk), pk: String(last.pk), sk: String(last.sk) } } : {}) };
  }

  async snapshots(shipmentIds: readonly string[]): Promise<Map<string, ShipmentSnapshot>> {
    return new Map(shipmentIds.flatMap((id) => {
      const item = this.items.get(`${keys.shipmentPk(id)}\u0000${keys.stateSk}`);
      return item ? [[id, snapshotOf(item)] as const] : [];
    }));
  }

  async indexed(entries: readonly { readonly pk: string; readonly sk: string }[]): Promise<Set<string>> {
    return new Set(entries.map((e) => `${e.pk}\u0000${e.sk}`).filter((id) => this.items.has(id)));
  }

  async leave(shipmentId: string): Promise<void> {
    this.items.delete(`${keys.shipmentPk(shipmentId)}\u0000${inFlightKeys.sk}`);
  }
}
