import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AssetAssignmentItem } from '../../indexer/index-plan';
import { keys, utcIso, type AssetKind } from '../../../registry/correlation-keys';
import type { AssetAssignments, CarriedShipment, IncidentSpan } from './samsara-alerts';

/** How many of an asset's latest assignments to look at: a vehicle carries a handful of loads at once at most. */
const RECENT_ASSIGNMENTS = 25;

type StoredAssignment = AssetAssignmentItem & { readonly releasedAt?: string };

/** The assignments that overlap an incident: begun before it ended, not ended before it began (pure). */
export function activeDuring(items: readonly StoredAssignment[], span: IncidentSpan): CarriedShipment[] {
  const from = utcIso(span.from);
  const until = utcIso(span.until);
  return items
    .filter((item) => item.assignedAt <= until && (item.releasedAt === undefined || item.releasedAt >= from))
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
 * dispatched, ended at delivery; layout in lib/core/tables.ts): `Query(pk=ASSET#<kind>#<id>, sk <= AT#<until>~)`, newest
 * first, one query per id the asset is known by.
 */
export class DynamoDbAssetAssignments implements AssetAssignments {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async carriedDuring(kind: AssetKind, assetIds: readonly string[], span: IncidentSpan): Promise<CarriedShipment[]> {
    const found: CarriedShipment[] = [];
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
      found.push(...activeDuring((Items ?? []) as StoredAssignment[], span));
    }
    return found;
  }
}

/** Asset assignments from a list of items (tests; the in-memory correlation store's items fit). */
export class InMemoryAssetAssignments implements AssetAssignments {
  constructor(private readonly items: () => Iterable<Record<string, unknown>>) {}

  async carriedDuring(kind: AssetKind, assetIds: readonly string[], span: IncidentSpan): Promise<CarriedShipment[]> {
    const pks = new Set(assetIds.map((id) => keys.assetPk(kind, id)));
    const items = [...this.items()].filter((i) => i.itemType === 'asset-assignment' && pks.has(String(i.pk))) as unknown as StoredAssignment[];
    return activeDuring(items, span);
  }
}
