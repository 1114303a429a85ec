import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AssetAssignmentItem } from '../../indexer/index-plan';
import { keys, utcIso, type AssetKind } from '../../indexer/keys';
import type { AssetAssignments, CarriedShipment } from './samsara-alerts';

/** How many of an asset's latest assignments to look at: a vehicle carries a handful of loads at once at most. */
const RECENT_ASSIGNMENTS = 25;

type StoredAssignment = AssetAssignmentItem & { readonly releasedAt?: string };

/** The assignments active at `at` among an asset's assignments that began at or before it (pure). */
export function activeAt(items: readonly StoredAssignment[], at: string): CarriedShipment[] {
  const time = utcIso(at);
  return items
    .filter((item) => item.assignedAt <= time && (item.releasedAt === undefined || item.releasedAt > time))
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
 * dispatched, ended at delivery; layout in lib/tables.ts): `Query(pk=ASSET#<kind>#<id>, sk <= AT#<at>~)`, newest
 * first, one query per id the asset is known by.
 */
export class DynamoDbAssetAssignments implements AssetAssignments {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async carriedAt(kind: AssetKind, assetIds: readonly string[], at: string): Promise<CarriedShipment[]> {
    const found: CarriedShipment[] = [];
    for (const assetId of assetIds) {
      const { Items } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :until',
          ExpressionAttributeValues: { ':pk': keys.assetPk(kind, assetId), ':until': keys.assignmentsUntil(utcIso(at)) },
          ScanIndexForward: false,
          Limit: RECENT_ASSIGNMENTS,
        }),
      );
      found.push(...activeAt((Items ?? []) as StoredAssignment[], at));
    }
    return found;
  }
}

/** Asset assignments from a list of items (tests; the in-memory correlation store's items fit). */
export class InMemoryAssetAssignments implements AssetAssignments {
  constructor(private readonly items: () => Iterable<Record<string, unknown>>) {}

  async carriedAt(kind: AssetKind, assetIds: readonly string[], at: string): Promise<CarriedShipment[]> {
    const pks = new Set(assetIds.map((id) => keys.assetPk(kind, id)));
    const items = [...this.items()].filter((i) => i.itemType === 'asset-assignment' && pks.has(String(i.pk))) as unknown as StoredAssignment[];
    return activeAt(items, at);
  }
}
