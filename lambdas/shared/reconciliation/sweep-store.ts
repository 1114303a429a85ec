import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../dynamo-pages';
import { inFlightKeys, keys, LIST_INDEX } from '../../../registry/correlation-keys';
import { cursorAfter, type InFlightShipment, type ShipmentSnapshot } from './sweep-plan';
import { VIEW_PROJECTION, VIEW_PROJECTION_NAMES, viewOfItem } from '../../visibility/view-codec';

/** Port: what a sweep reads from (and the one thing it deletes in) the correlation table. */
export interface SweepStore {
  /** One page of the shipments in flight, after `cursor`; `cursor` in the answer when there are more. */
  page(cursor: Readonly<Record<string, string>> | undefined, limit: number): Promise<{ shipments: InFlightShipment[]; cursor?: Record<string, string> }>;
  /** The state items of these shipments (rank, the view's cases and holds), by shipment id. */
  snapshots(shipmentIds: readonly string[]): Promise<Map<string, ShipmentSnapshot>>;
  /** Which of these timeline entries exist, as `pk \u0000 sk`. */
  indexed(entries: readonly { readonly pk: string; readonly sk: string }[]): Promise<Set<string>>;
  /** Drops a shipment's legacy in-flight entry (delivered, or superseded by the `InFlight` index). */
  leave(shipmentId: string): Promise<void>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The cursor of a sweep continuing with the legacy entries from their start. */
const LEGACY_START: Readonly<Record<string, string>> = { phase: 'legacy' };

/** Whether a cursor is in the legacy phase: {@link LEGACY_START}, or a `Lists` query's key (a sweep begun before 2026-12-06). */
function isLegacyCursor(cursor: Readonly<Record<string, string>> | undefined): boolean {
  return cursor !== undefined && (cursor.phase === 'legacy' || cursor.listPk !== undefined);
}

/** A shipment in flight as an index item has it (the `InFlight` projection of a state item, or a legacy entry). */
function shipmentOf(item: Record<string, unknown>, legacy = false): InFlightShipment[] {
  const shipmentId = str(item.shipmentId);
  const correlationId = str(item.correlationId);
  if (!shipmentId || !correlationId) return [];
  const optional = { orderId: str(item.orderId), routeId: str(item.routeId), customerId: str(item.customerId) };
  return [{ shipmentId, correlationId, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)), ...(legacy ? { legacy: true as const } : {}) }];
}

/** A state item's view as the sweep needs it (lambdas/visibility/shipment-view.ts keeps cases and holds by id). */
export function snapshotOf(item: Record<string, unknown>): ShipmentSnapshot {
  const view = (viewOfItem(item) ?? {}) as { cases?: Record<string, { status?: unknown }>; holds?: Record<string, { status?: unknown }> };
  const entries = (by: Record<string, { status?: unknown }> | undefined) => Object.entries(by ?? {}).map(([id, v]) => ({ id, status: String(v?.status ?? '') }));
  return {
    ...(typeof item.rank === 'number' ? { rank: item.rank } : {}),
    ...(item[inFlightKeys.pkAttribute] !== undefined ? { inFlight: true } : {}),
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
    // The `InFlight` index first, then the legacy entries (a cursor with the `Lists` keys is in that phase).
    if (!isLegacyCursor(cursor)) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: inFlightKeys.index,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': inFlightKeys.pkAttribute },
          ExpressionAttributeValues: { ':pk': inFlightKeys.pk },
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: { ...cursor } } : {}),
        }),
      );
      const shipments = (result.Items ?? []).flatMap((item) => shipmentOf(item));
      const next = result.LastEvaluatedKey as Record<string, string> | undefined;
      if (next) return { shipments, cursor: next };
      if (shipments.length >= limit) return { shipments, cursor: LEGACY_START };
      const legacy = await this.legacyPage(undefined, limit - shipments.length);
      return { shipments: [...shipments, ...legacy.shipments], ...(legacy.cursor ? { cursor: legacy.cursor } : {}) };
    }
    return this.legacyPage(cursor?.listPk ? cursor : undefined, limit);
  }

  /** Entries of the `Lists` GSI's in-flight partition, written by versions before 2026-12-06 (registry/correlation-keys.ts). */
  private async legacyPage(cursor: Readonly<Record<string, string>> | undefined, limit: number): Promise<{ shipments: InFlightShipment[]; cursor?: Record<string, string> }> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LIST_INDEX,
        KeyConditionExpression: 'listPk = :pk',
        ExpressionAttributeValues: { ':pk': inFlightKeys.legacyListPk },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: { ...cursor } } : {}),
      }),
    );
    const shipments = (result.Items ?? []).flatMap((item) => shipmentOf(item, true));
    const next = result.LastEvaluatedKey as Record<string, string> | undefined;
    return { shipments, ...(next ? { cursor: next } : {}) };
  }

  async snapshots(shipmentIds: readonly string[]): Promise<Map<string, ShipmentSnapshot>> {
    const items = await this.batchGet(shipmentIds.map((id) => ({ pk: keys.shipmentPk(id), sk: keys.stateSk })), `pk, #rank, #inFlight, ${VIEW_PROJECTION}`, {
      '#rank': 'rank',
      '#inFlight': inFlightKeys.pkAttribute,
      ...VIEW_PROJECTION_NAMES,
    });
    return new Map(items.map((item) => [String(item.pk).slice(keys.shipmentPk('').length), snapshotOf(item)]));
  }

  async indexed(entries: readonly { readonly pk: string; readonly sk: string }[]): Promise<Set<string>> {
    const items = await this.batchGet(entries, 'pk, sk');
    return new Set(items.map((item) => `${String(item.pk)}\u0000${String(item.sk)}`));
  }

  async leave(shipmentId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: keys.shipmentPk(shipmentId), sk: inFlightKeys.legacySk } }));
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
    const inIndex = (legacy: boolean) =>
      [...this.items.values()]
        .filter((i) => (legacy ? i.listPk === inFlightKeys.legacyListPk : i[inFlightKeys.pkAttribute] === inFlightKeys.pk))
        .sort((a, b) => (legacy ? String(a.listSk).localeCompare(String(b.listSk)) : String(a[inFlightKeys.skAttribute]).localeCompare(String(b[inFlightKeys.skAttribute]))));
    const after = (legacy: boolean, from: Readonly<Record<string, string>> | undefined) =>
      inIndex(legacy).filter((i) => !from || (legacy ? String(i.listSk) > String(from.listSk) : String(i[inFlightKeys.skAttribute]) > String(from[inFlightKeys.skAttribute])));
    const shipments: InFlightShipment[] = [];
    let legacy = isLegacyCursor(cursor);
    let remaining = legacy ? after(true, cursor?.listPk ? cursor : undefined) : after(false, cursor);
    for (;;) {
      const taken = remaining.slice(0, limit - shipments.length);
      shipments.push(...taken.flatMap((item) => shipmentOf(item, legacy)));
      const last = taken.at(-1);
      if (remaining.length > taken.length && last) return { shipments, cursor: cursorAfter({ shipmentId: String(last.shipmentId), ...(legacy ? { legacy: true as const } : {}) }) };
      if (legacy) return { shipments };
      if (shipments.length >= limit) return { shipments, cursor: LEGACY_START };
      legacy = true;
      remaining = after(true, undefined);
    }
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
    this.items.delete(`${keys.shipmentPk(shipmentId)}\u0000${inFlightKeys.legacySk}`);
  }
}
