import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AssetAssignmentItem } from '../../indexer/index-plan';
import { keys, utcIso, type AssetKind } from '../../../registry/correlation-keys';
import { batchGetAll } from '../../shared/dynamo-pages';
import { MILESTONE_RANK } from '../../shared/outbound/milestones';
import type { AssetAssignments, CarriedShipment, IncidentSpan } from './samsara-alerts';

/** How many of an asset's latest assignments to look at: a vehicle carries a handful of loads at once at most. */
const RECENT_ASSIGNMENTS = 25;

/** An assignment as stored; `releasedAt` only on items written before deliveries were read from the shipment's state. */
type StoredAssignment = AssetAssignmentItem & { readonly releasedAt?: string };

/** What a shipment's state item (`SHIPMENT#<id>` / `STATE`, written by the indexer) says about its delivery. */
export interface ShipmentDelivery {
  readonly shipmentId: string;
  readonly rank?: number;
  /** When the current milestone was reached: the delivery's time once the rank is "delivered" (the highest). */
  readonly milestoneAt?: string;
}

/** When each delivered shipment was delivered, from its state (pure). */
export function deliveredAtOf(states: readonly ShipmentDelivery[]): Map<string, string> {
  const delivered = new Map<string, string>();
  for (const state of states) {
    if (typeof state.rank === 'number' && state.rank >= MILESTONE_RANK.delivered && typeof state.milestoneAt === 'string') delivered.set(state.shipmentId, state.milestoneAt);
  }
  return delivered;
}

/**
 * The assignments that overlap an incident (pure): begun before it ended, not ended before it began. An assignment
 * ends when its shipment is delivered (`deliveredAt`, by shipment id, from the shipment's state: the indexer writes
 * nothing more on the assignment itself); an older item's own `releasedAt` counts too.
 */
export function activeDuring(items: readonly StoredAssignment[], span: IncidentSpan, deliveredAt: ReadonlyMap<string, string> = new Map()): CarriedShipment[] {
  const from = utcIso(span.from);
  const until = utcIso(span.until);
  return items
    .filter((item) => {
      const ended = item.releasedAt ?? deliveredAt.get(item.shipmentId);
      return item.assignedAt <= until && (ended === undefined || ended >= from);
    })
    .map((item) => ({
      shipmentId: item.shipmentId,
      correlationId: item.correlationId,
      ...(item.orderId ? { orderId: item.orderId } : {}),
      ...(item.routeId ? { routeId: item.routeId } : {}),
      ...(item.minCelsius !== undefined ? { minCelsius: item.minCelsius } : {}),
      ...(item.maxCelsius !== undefined ? { maxCelsius: item.maxCelsius } : {}),
    }));
}

/**
 * The asset assignments of the correlation index over DynamoDB (written by the indexer when a shipment is
 * dispatched; ended by its delivery, read from the shipment's state; layout in lib/core/tables.ts): `Query(pk=ASSET#<kind>#<id>, sk <= AT#<until>~)`, newest
 * first, one query per id the asset is known by.
 */
export class DynamoDbAssetAssignments implements AssetAssignments {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async carriedDuring(kind: AssetKind, assetIds: readonly string[], span: IncidentSpan): Promise<CarriedShipment[]> {
    const items: StoredAssignment[] = [];
    for (const assetId of assetIds) {
      const { Items } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :until',
          ExpressionAttributeValues: { ':pk': keys.assetPk(kind, assetId), ':until': keys.assignmentsUntil(utcIso(span.until)) },
          ScanIndexForward: false,
          Limit: RECENT_ASSIGNMENTS,
        }),
      );
      items.push(...((Items ?? []) as StoredAssignment[]));
    }
    // Whether each candidate was delivered, and when: one batch read of their state items (an alert is rare, a
    // delivery is not: reading here is what spares the indexer a write per assignment at every delivery).
    const open = [...new Set(items.filter((i) => i.releasedAt === undefined).map((i) => i.shipmentId))];
    const states = open.length === 0 ? [] : await batchGetAll(this.client, this.tableName, open.map((id) => ({ pk: keys.shipmentPk(id), sk: keys.stateSk })), {
      projection: 'shipmentId, #rank, milestoneAt',
      names: { '#rank': 'rank' },
      what: 'shipment state reads',
    });
    return activeDuring(items, span, deliveredAtOf(states as unknown as ShipmentDelivery[]));
  }
}

/** Asset assignments from a list of items (tests; the in-memory correlation store's items fit). */
export class InMemoryAssetAssignments implements AssetAssignments {
  constructor(private readonly items: () => Iterable<Record<string, unknown>>) {}

  async carriedDuring(kind: AssetKind, assetIds: readonly string[], span: IncidentSpan): Promise<CarriedShipment[]> {
    const pks = new Set(assetIds.map((id) => keys.assetPk(kind, id)));
    const all = [...this.items()];
    const items = all.filter((i) => i.itemType === 'asset-assignment' && pks.has(String(i.pk))) as unknown as StoredAssignment[];
    const states = all.filter((i) => i.sk === keys.stateSk) as unknown as ShipmentDelivery[];
    return activeDuring(items, span, deliveredAtOf(states));
  }
}
