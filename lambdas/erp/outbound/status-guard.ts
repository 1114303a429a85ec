import { UpdateCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Port: the highest shipment milestone already written to a target, so a late fleet event (a departure
 * reported after the delivery) never moves the ERP's status backwards. Kept per target, separate from the
 * indexer's shipment state: the indexer may run behind or ahead of the adapter, the guard must reflect
 * what the target has actually been told.
 */
export interface StatusSyncGuard {
  /** Highest rank synced for the shipment; 0 when none. */
  syncedRank(shipmentId: string): Promise<number>;
  /** Records a synced rank; never lowers it. */
  recordSynced(shipmentId: string, sync: { rank: number; status: string; eventId: string; at: Date }): Promise<void>;
}

/**
 * Guard items in the correlation table: `pk = SHIPMENT#<shipmentId>`, `sk = SYNC#<target>` (lib/core/tables.ts),
 * written with a condition so concurrent writers can only raise the rank.
 */
export class DynamoDbStatusSyncGuard implements StatusSyncGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly target: string,
    private readonly ttlSeconds: number,
  ) {}

  async syncedRank(shipmentId: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `SHIPMENT#${shipmentId}`, sk: `SYNC#${this.target}` }, ConsistentRead: true }),
    );
    return typeof Item?.rank === 'number' ? Item.rank : 0;
  }

  async recordSynced(shipmentId: string, sync: { rank: number; status: string; eventId: string; at: Date }): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `SHIPMENT#${shipmentId}`, sk: `SYNC#${this.target}` },
          UpdateExpression: 'SET #rank = :rank, #status = :status, lastEventId = :eventId, syncedAt = :at, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(#rank) OR #rank < :rank',
          ExpressionAttributeNames: { '#rank': 'rank', '#status': 'status' },
          ExpressionAttributeValues: {
            ':rank': sync.rank,
            ':status': sync.status,
            ':eventId': sync.eventId,
            ':at': sync.at.toISOString(),
            ':exp': Math.floor(sync.at.getTime() / 1000) + this.ttlSeconds,
          },
        }),
      );
    } catch (error) {
      // A higher rank was recorded meanwhile: that one stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** In-memory guard for handler tests. */
export class InMemoryStatusSyncGuard implements StatusSyncGuard {
  readonly ranks = new Map<string, number>();

  async syncedRank(shipmentId: string): Promise<number> {
    return this.ranks.get(shipmentId) ?? 0;
  }

  async recordSynced(shipmentId: string, sync: { rank: number }): Promise<void> {
    this.ranks.set(shipmentId, Math.max(this.ranks.get(shipmentId) ?? 0, sync.rank));
  }
}
