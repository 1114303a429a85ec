import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BATCH_ATTEMPTS, batchBackoff, batchGetAll, queryAll } from '../shared/dynamo-pages';
import { guardMilestone } from '../shared/outbound/milestones';
import { inFlightAttributes, inFlightUpdate, refusedMilestone, type MilestoneDecision, type AssetAssignmentItem, type KnownMember, type LinkItem, type MilestoneUpdate, type ShipmentStateItem, type TimelineItem } from './index-plan';
import { keys, type LinkKind } from '../../registry/correlation-keys';

/** Port: the writes and reads of the correlation indexer. */
export interface CorrelationStore {
  /**
   * Applies a milestone to the shipment state with the monotonic guard: written only when it ranks above
   * the current milestone. Returns what happened.
   */
  applyMilestone(update: MilestoneUpdate, now: Date, expiresAt: number): Promise<MilestoneDecision>;
  /** Whether an event's timeline entry exists (the event was indexed before). */
  hasTimeline(pk: string, sk: string): Promise<boolean>;
  /** Writes a timeline entry once; `duplicate` when the event was indexed before. */
  putTimeline(item: TimelineItem): Promise<'new' | 'duplicate'>;
  /** Writes link items (idempotent: the same item again changes nothing that matters). */
  putLinks(items: readonly LinkItem[]): Promise<void>;
  /** Which of these links of a correlation exist, keyed by `keys.memberSk(kind, id)`: one batch read. */
  linksKnown(correlationId: string, links: readonly { kind: LinkKind; externalId: string }[]): Promise<Map<string, KnownMember>>;
  /** A correlation's timeline, oldest first. */
  timeline(correlationId: string): Promise<TimelineItem[]>;
  /** Writes a shipment's asset assignments (idempotent); they end with its delivery, which its state records. */
  putAssignments(items: readonly AssetAssignmentItem[]): Promise<void>;
}

const BATCH_WRITE_LIMIT = 25;

/** The correlation store over DynamoDB (the layout in lib/core/tables.ts). Every write is conditional or idempotent. */
export class DynamoDbCorrelationStore implements CorrelationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async applyMilestone(update: MilestoneUpdate, now: Date, expiresAt: number): Promise<MilestoneDecision> {
    const key = { pk: keys.shipmentPk(update.shipmentId), sk: keys.stateSk };
    // The shipment enters (or stays in) the sweeps' `InFlight` index below delivery and leaves it at delivery, in the
    // same guarded write (index-plan.ts inFlightAttributes).
    const inFlight = inFlightUpdate(update);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET itemType = :type, shipmentId = :shipmentId, #rank = :rank, milestone = :milestone, lastEventId = :eventId, milestoneAt = :at, updatedAt = :now, correlationId = :corr, expiresAt = :exp${update.receivedAt ? ', milestoneReceivedAt = :received' : ''}${inFlight.set} ADD version :one${inFlight.remove.length > 0 ? ` REMOVE ${inFlight.remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(#rank) OR #rank < :rank',
          ExpressionAttributeNames: { '#rank': 'rank', ...inFlight.names },
          ExpressionAttributeValues: {
            ...inFlight.values,
            ':type': 'shipment-state',
            ':shipmentId': update.shipmentId,
            ':rank': update.rank,
            ':milestone': update.milestone,
            ':eventId': update.eventId,
            ':at': update.occurredAt,
            ':now': now.toISOString(),
            ':corr': update.correlationId,
            ':exp': expiresAt,
            ':one': 1,
            ...(update.receivedAt ? { ':received': update.receivedAt } : {}),
          },
        }),
      );
      return 'advance';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const current = (Item as ShipmentStateItem | undefined)?.rank;
    const decision = refusedMilestone(guardMilestone(update.rank, current), update.receivedAt, (Item as ShipmentStateItem | undefined)?.milestoneReceivedAt);
    if (decision === 'late') {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression: 'ADD lateEvents :one SET updatedAt = :now', ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString() } }),
      );
    }
    // 'advance' here means the item changed between the two calls; a lower rank lost the race: treat as late.
    return decision === 'advance' ? 'late' : decision;
  }

  async hasTimeline(pk: string, sk: string): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ProjectionExpression: 'pk' }));
    return Item !== undefined;
  }

  async putTimeline(item: TimelineItem): Promise<'new' | 'duplicate'> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return 'new';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  async putLinks(items: readonly LinkItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
      let pending = items.slice(i, i + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} link writes unprocessed after ${attempt} attempts`);
        await batchBackoff(attempt);
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }

  async linksKnown(correlationId: string, links: readonly { kind: LinkKind; externalId: string }[]): Promise<Map<string, KnownMember>> {
    const unique = [...new Map(links.map((l) => [keys.memberSk(l.kind, l.externalId), l])).values()];
    const items = await batchGetAll(
      this.client,
      this.tableName,
      unique.map((l) => ({ pk: keys.linkPk(l.kind, l.externalId), sk: keys.linkSk(correlationId) })),
      { projection: '#kind, externalId, expiresAt, firstEventId, firstSeenAt', names: { '#kind': 'kind' }, what: 'link reads' },
    );
    const known = new Map<string, KnownMember>();
    for (const item of items as unknown as (KnownMember & { kind: LinkKind; externalId: string })[]) {
      known.set(keys.memberSk(item.kind, item.externalId), { expiresAt: Number(item.expiresAt), firstEventId: item.firstEventId, firstSeenAt: item.firstSeenAt });
    }
    return known;
  }

  async putAssignments(items: readonly AssetAssignmentItem[]): Promise<void> {
    // Links are written the same way; the batch writer is shared.
    await this.putLinks(items as unknown as LinkItem[]);
  }

  async timeline(correlationId: string): Promise<TimelineItem[]> {
    return (await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
      ExpressionAttributeValues: { ':pk': keys.corrPk(correlationId), ':tl': keys.timelinePrefix },
    })) as unknown as TimelineItem[];
  }
}

/** In-memory correlation store for handler tests, with the same guard and conditions. */
export class InMemoryCorrelationStore implements CorrelationStore {
  readonly items = new Map<string, Record<string, unknown>>();

  private id(pk: string, sk: string): string {
    return `${pk}\u0000${sk}`;
  }

  async applyMilestone(update: MilestoneUpdate, now: Date, expiresAt: number): Promise<MilestoneDecision> {
    const id = this.id(keys.shipmentPk(update.shipmentId), keys.stateSk);
    const current = this.items.get(id) as Partial<ShipmentStateItem> | undefined;
    const decision = refusedMilestone(guardMilestone(update.rank, current?.rank), update.receivedAt, current?.milestoneReceivedAt);
    if (decision === 'advance') {
      const inFlight = inFlightAttributes(update);
      this.items.set(id, {
        ...current,
        pk: keys.shipmentPk(update.shipmentId),
        sk: keys.stateSk,
        itemType: 'shipment-state',
        shipmentId: update.shipmentId,
        rank: update.rank,
        milestone: update.milestone,
        lastEventId: update.eventId,
        milestoneAt: update.occurredAt,
        ...(update.receivedAt ? { milestoneReceivedAt: update.receivedAt } : {}),
        updatedAt: now.toISOString(),
        correlationId: update.correlationId,
        expiresAt,
        version: (current?.version ?? 0) + 1,
        ...inFlight.set,
      });
      for (const name of inFlight.remove) delete (this.items.get(id) as Record<string, unknown>)[name];
    } else if (decision === 'late' && current) {
      this.items.set(id, { ...current, lateEvents: (current.lateEvents ?? 0) + 1 });
    }
    return decision;
  }

  async hasTimeline(pk: string, sk: string): Promise<boolean> {
    return this.items.has(this.id(pk, sk));
  }

  async putTimeline(item: TimelineItem): Promise<'new' | 'duplicate'> {
    const id = this.id(item.pk, item.sk);
    if (this.items.has(id)) return 'duplicate';
    this.items.set(id, { ...item });
    return 'new';
  }

  async putLinks(items: readonly LinkItem[]): Promise<void> {
    for (const item of items) this.items.set(this.id(item.pk, item.sk), { ...item });
  }

  async linksKnown(correlationId: string, links: readonly { kind: LinkKind; externalId: string }[]): Promise<Map<string, KnownMember>> {
    const known = new Map<string, KnownMember>();
    for (const { kind, externalId } of links) {
      const item = this.items.get(this.id(keys.linkPk(kind, externalId), keys.linkSk(correlationId)));
      if (item) known.set(keys.memberSk(kind, externalId), { expiresAt: Number(item.expiresAt), firstEventId: String(item.firstEventId), firstSeenAt: String(item.firstSeenAt) });
    }
    return known;
  }

  async timeline(correlationId: string): Promise<TimelineItem[]> {
    const pk = keys.corrPk(correlationId);
    return [...this.items.values()]
      .filter((i) => i.pk === pk && String(i.sk).startsWith(keys.timelinePrefix))
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk))) as unknown as TimelineItem[];
  }

  async putAssignments(items: readonly AssetAssignmentItem[]): Promise<void> {
    for (const item of items) {
      const id = this.id(item.pk, item.sk);
      this.items.set(id, { ...this.items.get(id), ...item });
    }
  }

  /** The state item of a shipment, for assertions. */
  state(shipmentId: string): ShipmentStateItem | undefined {
    return this.items.get(this.id(keys.shipmentPk(shipmentId), keys.stateSk)) as ShipmentStateItem | undefined;
  }
}
