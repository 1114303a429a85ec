/**
 * Port and adapters for the shipment views the correlation indexer keeps (lambdas/visibility/project.ts) and the
 * business impact the exception workflows record: both live on the shipment's state item
 * (`SHIPMENT#<id>` / `STATE`, next to the milestone the indexer guards), the list entries beside it
 * (`SHIPMENT#<id>` / `LIST#<name>`). Layout and access patterns: lib/core/tables.ts.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../registry/correlation-keys';
import { queryAll } from '../shared/dynamo-pages';
import { attributeUpdate, inFlightAttributes, inFlightUpdate, type MilestoneUpdate } from '../indexer/index-plan';
import type { BusinessImpact } from './impact';
import { listKeys, unbilledAttributes, unbilledKeys, type ListEntry, type ListName } from './lists';
import type { ShipmentView } from './shipment-view';
import { encodeView, LEGACY_VIEW_ATTRIBUTE, VIEW_ATTRIBUTE, VIEW_PROJECTION, VIEW_PROJECTION_NAMES, viewOfItem } from './view-codec';

export interface StoredView {
  readonly view?: ShipmentView;
  /** 0 when the shipment has no view yet. */
  readonly version: number;
  readonly impact?: BusinessImpact;
  /**
   * Whether the state item carries the `Unbilled` GSI's keys. A view that is unbilled without them was last saved by a
   * version before 847969d, which kept an entry `LIST#unbilled` instead: the next save moves it (lists.ts).
   */
  readonly unbilledIndexed?: boolean;
}

/** Port: what the view projection reads and writes. */
export interface ShipmentViewStore {
  /** The shipment's view, its version and its recorded business impact (a consistent read). */
  load(shipmentId: string): Promise<StoredView>;
  /**
   * Writes the view as version `expected + 1` if it is still at `expected`; false when another writer got there first.
   * The same write sets or removes the unbilled list's keys (lists.ts `unbilledAttributes`).
   */
  save(shipmentId: string, view: ShipmentView, expected: number, expiresAt: number, now: Date): Promise<boolean>;
  /**
   * {@link save} and the indexer's guarded milestone update in one write, when one event both advances the shipment
   * and changes its view (the delivery: milestone and `deliveredAt`): written only if the view is still at
   * `expected` and the milestone ranks above the current one; false when either guard says no (the caller then
   * applies each on its own). @default - not available: two writes
   */
  saveWithMilestone?(shipmentId: string, view: ShipmentView, expected: number, expiresAt: number, now: Date, milestone: MilestoneUpdate): Promise<boolean>;
  /** Writes a list entry unless a newer view version already wrote it. */
  putEntry(entry: ListEntry, version: number, expiresAt: number): Promise<void>;
  /** Removes a shipment from a list unless a newer view version wrote its entry since. */
  removeEntry(shipmentId: string, list: ListName, version: number): Promise<void>;
  /** The shipments linked into a correlation (for an invoice that names only its order). */
  shipmentsOf(correlationId: string): Promise<string[]>;
}

/** Port: where the exception workflows' Enrich task records a shipment's business impact. */
export interface ImpactRecorder {
  /** Records the impact on the shipment's state; writes only when it differs from what is recorded. Returns whether it wrote. */
  record(shipmentId: string, impact: BusinessImpact, now: Date, expiresAt: number): Promise<boolean>;
}

/** Key-order-independent JSON, so equal values compare equal whatever order their fields were written in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const stateKey = (shipmentId: string) => ({ pk: keys.shipmentPk(shipmentId), sk: keys.stateSk });

function ignoreConditionFailure(error: unknown): void {
  if (!(error instanceof ConditionalCheckFailedException)) throw error;
}

/** Over DynamoDB (the correlation table). */
export class DynamoDbShipmentViewStore implements ShipmentViewStore, ImpactRecorder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(shipmentId: string): Promise<StoredView> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: stateKey(shipmentId),
        ConsistentRead: true,
        ProjectionExpression: `${VIEW_PROJECTION}, viewVersion, impact, #unbilledPk`,
        ExpressionAttributeNames: { ...VIEW_PROJECTION_NAMES, '#unbilledPk': unbilledKeys.pkAttribute },
      }),
    );
    return storedViewOf(Item);
  }

  async save(shipmentId: string, view: ShipmentView, expected: number, expiresAt: number, now: Date): Promise<boolean> {
    const unbilled = attributeUpdate(unbilledAttributes(view), 'ub');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(shipmentId),
          // The milestone attributes belong to the indexer's guarded update; the view never touches them. The view is
          // stored compressed (view-codec.ts); the map an older version wrote goes. The unbilled list's keys follow the view.
          UpdateExpression: `SET #viewZ = :view, viewVersion = :next, viewUpdatedAt = :now, itemType = if_not_exists(itemType, :type), shipmentId = if_not_exists(shipmentId, :id), expiresAt = :exp${unbilled.set} REMOVE ${['#view', ...unbilled.remove].join(', ')}`,
          ConditionExpression: expected === 0 ? 'attribute_not_exists(viewVersion)' : 'viewVersion = :expected',
          ExpressionAttributeNames: { '#view': LEGACY_VIEW_ATTRIBUTE, '#viewZ': VIEW_ATTRIBUTE, ...unbilled.names },
          ExpressionAttributeValues: {
            ...unbilled.values,
            ':view': encodeView(view),
            ':next': expected + 1,
            ':now': now.toISOString(),
            ':type': 'shipment-state',
            ':id': shipmentId,
            ':exp': expiresAt,
            ...(expected === 0 ? {} : { ':expected': expected }),
          },
        }),
      );
      return true;
    } catch (error) {
      ignoreConditionFailure(error);
      return false;
    }
  }

  async saveWithMilestone(shipmentId: string, view: ShipmentView, expected: number, expiresAt: number, now: Date, milestone: MilestoneUpdate): Promise<boolean> {
    const inFlight = inFlightUpdate(milestone);
    const unbilled = attributeUpdate(unbilledAttributes(view), 'ub');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(shipmentId),
          // The attributes of DynamoDbCorrelationStore.applyMilestone (the in-flight membership included) and of save
          // (the unbilled membership included), under both their conditions.
          UpdateExpression: `SET itemType = :type, shipmentId = :id, #rank = :rank, milestone = :milestone, lastEventId = :eventId, milestoneAt = :at, updatedAt = :now, correlationId = :corr, expiresAt = :exp, #viewZ = :view, viewVersion = :next, viewUpdatedAt = :now${milestone.receivedAt ? ', milestoneReceivedAt = :received' : ''}${inFlight.set}${unbilled.set} ADD version :one REMOVE ${['#view', ...inFlight.remove, ...unbilled.remove].join(', ')}`,
          ConditionExpression: `(attribute_not_exists(#rank) OR #rank < :rank) AND ${expected === 0 ? 'attribute_not_exists(viewVersion)' : 'viewVersion = :expected'}`,
          ExpressionAttributeNames: { '#rank': 'rank', '#view': LEGACY_VIEW_ATTRIBUTE, '#viewZ': VIEW_ATTRIBUTE, ...inFlight.names, ...unbilled.names },
          ExpressionAttributeValues: {
            ...inFlight.values,
            ...unbilled.values,
            ':type': 'shipment-state',
            ':id': shipmentId,
            ':rank': milestone.rank,
            ':milestone': milestone.milestone,
            ':eventId': milestone.eventId,
            ':at': milestone.occurredAt,
            ':now': now.toISOString(),
            ':corr': milestone.correlationId,
            ':exp': expiresAt,
            ':view': encodeView(view),
            ':next': expected + 1,
            ':one': 1,
            ...(milestone.receivedAt ? { ':received': milestone.receivedAt } : {}),
            ...(expected === 0 ? {} : { ':expected': expected }),
          },
        }),
      );
      return true;
    } catch (error) {
      ignoreConditionFailure(error);
      return false;
    }
  }

  async putEntry(entry: ListEntry, version: number, expiresAt: number): Promise<void> {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...entry, viewVersion: version, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR viewVersion < :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  async removeEntry(shipmentId: string, list: ListName, version: number): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: keys.shipmentPk(shipmentId), sk: listKeys.entrySk(list) },
          ConditionExpression: 'viewVersion <= :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  async shipmentsOf(correlationId: string): Promise<string[]> {
    // The shipments the correlation's events named (timeline refs), and those of older mirror items
    // (`LINK#shipment#<id>`, written by versions before 2026-12-05) while they last.
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.corrPk(correlationId) },
      ProjectionExpression: 'sk, externalId, #refs.#shipment',
      ExpressionAttributeNames: { '#refs': 'refs', '#shipment': 'shipmentId' },
    });
    const shipments = new Set<string>();
    for (const item of items as { sk?: string; externalId?: string; refs?: { shipmentId?: string } }[]) {
      if (typeof item.refs?.shipmentId === 'string') shipments.add(item.refs.shipmentId);
      if (item.sk?.startsWith(keys.memberSk('shipment', '')) && item.externalId) shipments.add(item.externalId);
    }
    return [...shipments];
  }

  async record(shipmentId: string, impact: BusinessImpact, now: Date, expiresAt: number): Promise<boolean> {
    // A read costs a fraction of a write: the same exception enriched again (a retry, a second alert) writes nothing.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: stateKey(shipmentId), ProjectionExpression: 'impact' }));
    if (Item?.impact && stableJson(Item.impact) === stableJson(impact)) return false;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: stateKey(shipmentId),
        UpdateExpression: 'SET impact = :impact, impactRecordedAt = :now, itemType = if_not_exists(itemType, :type), shipmentId = if_not_exists(shipmentId, :id), expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeValues: { ':impact': impact, ':now': now.toISOString(), ':type': 'shipment-state', ':id': shipmentId, ':exp': expiresAt },
      }),
    );
    return true;
  }
}

/** What load() returns for a state item (pure). */
function storedViewOf(item: Record<string, unknown> | undefined): StoredView {
  const view = viewOfItem(item);
  return {
    ...(view ? { view } : {}),
    version: typeof item?.viewVersion === 'number' ? item.viewVersion : 0,
    ...(item?.impact ? { impact: structuredClone(item.impact) as BusinessImpact } : {}),
    unbilledIndexed: item?.[unbilledKeys.pkAttribute] !== undefined,
  };
}

/** Applies attributes to set and remove to an item in memory, as an UpdateExpression's SET and REMOVE would. */
function applyAttributes(item: Record<string, unknown>, ...updates: { readonly set: Readonly<Record<string, string>>; readonly remove: readonly string[] }[]): void {
  for (const { set, remove } of updates) {
    Object.assign(item, set);
    for (const name of remove) delete item[name];
  }
}

/** A state item without the map form of its view (a write of the view removes it, as `REMOVE #view` does). */
function withoutLegacyView(item: Record<string, unknown> | undefined): Record<string, unknown> {
  const { [LEGACY_VIEW_ATTRIBUTE]: _legacy, ...rest } = item ?? {};
  return rest;
}

/**
 * In memory, with the same conditions, for tests. Pass the `items` map of an InMemoryCorrelationStore to share
 * its state items, as the real table does.
 */
export class InMemoryShipmentViewStore implements ShipmentViewStore, ImpactRecorder {
  /** Writes by kind, for assertions on the write cost. */
  readonly writes = { view: 0, entry: 0, impact: 0 };

  constructor(readonly items: Map<string, Record<string, unknown>> = new Map()) {}

  private id(pk: string, sk: string): string {
    return `${pk}\u0000${sk}`;
  }

  private state(shipmentId: string): Record<string, unknown> | undefined {
    return this.items.get(this.id(keys.shipmentPk(shipmentId), keys.stateSk));
  }

  async load(shipmentId: string): Promise<StoredView> {
    return storedViewOf(this.state(shipmentId));
  }

  async save(shipmentId: string, view: ShipmentView, expected: number, expiresAt: number, now: Date): Promise<boolean> {
    const current = this.state(shipmentId);
    if ((typeof current?.viewVersion === 'number' ? current.viewVersion : 0) !== expected) return false;
    this.items.set(this.id(keys.shipmentPk(shipmentId), keys.stateSk), {
      itemType: 'shipment-state',
      shipmentId,
      pk: keys.shipmentPk(shipmentId),
      sk: keys.stateSk,
      ...withoutLegacyView(current),
      [VIEW_ATTRIBUTE]: encodeView(view),
      viewVersion: expected + 1,
      viewUpdatedAt: now.toISOString(),
      expiresAt,
    });
    applyAttributes(this.state(shipmentId)!, unbilledAttributes(view));
    this.writes.view++;
    return true;
  }

  async saveWithMilestone(shipmentId: string, view: ShipmentView, expected: number, expiresAt: number, now: Date, milestone: MilestoneUpdate): Promise<boolean> {
    const inFlight = inFlightAttributes(milestone);
    const current = this.state(shipmentId);
    if ((typeof current?.viewVersion === 'number' ? current.viewVersion : 0) !== expected) return false;
    if (typeof current?.rank === 'number' && current.rank >= milestone.rank) return false;
    this.items.set(this.id(keys.shipmentPk(shipmentId), keys.stateSk), {
      ...withoutLegacyView(current),
      pk: keys.shipmentPk(shipmentId),
      sk: keys.stateSk,
      itemType: 'shipment-state',
      shipmentId,
      rank: milestone.rank,
      milestone: milestone.milestone,
      lastEventId: milestone.eventId,
      milestoneAt: milestone.occurredAt,
      ...(milestone.receivedAt ? { milestoneReceivedAt: milestone.receivedAt } : {}),
      updatedAt: now.toISOString(),
      correlationId: milestone.correlationId,
      version: (typeof current?.version === 'number' ? current.version : 0) + 1,
      [VIEW_ATTRIBUTE]: encodeView(view),
      viewVersion: expected + 1,
      viewUpdatedAt: now.toISOString(),
      expiresAt,
    });
    applyAttributes(this.state(shipmentId)!, inFlight, unbilledAttributes(view));
    this.writes.view++;
    return true;
  }

  async putEntry(entry: ListEntry, version: number, expiresAt: number): Promise<void> {
    const id = this.id(entry.pk, entry.sk);
    const current = this.items.get(id);
    if (current && !((current.viewVersion as number) < version)) return;
    this.items.set(id, { ...entry, viewVersion: version, expiresAt });
    this.writes.entry++;
  }

  async removeEntry(shipmentId: string, list: ListName, version: number): Promise<void> {
    const id = this.id(keys.shipmentPk(shipmentId), listKeys.entrySk(list));
    const current = this.items.get(id);
    if (!current || (current.viewVersion as number) > version) return;
    this.items.delete(id);
    this.writes.entry++;
  }

  async shipmentsOf(correlationId: string): Promise<string[]> {
    const pk = keys.corrPk(correlationId);
    const prefix = keys.memberSk('shipment', '');
    const named = [...this.items.values()]
      .filter((i) => i.pk === pk)
      .flatMap((i) => [(i.refs as { shipmentId?: string } | undefined)?.shipmentId, String(i.sk).startsWith(prefix) ? String(i.externalId) : undefined]);
    return [...new Set(named.filter((id): id is string => typeof id === 'string'))];
  }

  async record(shipmentId: string, impact: BusinessImpact, now: Date, expiresAt: number): Promise<boolean> {
    const current = this.state(shipmentId);
    if (current?.impact && stableJson(current.impact) === stableJson(impact)) return false;
    this.items.set(this.id(keys.shipmentPk(shipmentId), keys.stateSk), {
      itemType: 'shipment-state',
      shipmentId,
      pk: keys.shipmentPk(shipmentId),
      sk: keys.stateSk,
      expiresAt,
      ...current,
      impact: structuredClone(impact),
      impactRecordedAt: now.toISOString(),
    });
    this.writes.impact++;
    return true;
  }

  /** The list entries currently stored, for assertions. */
  entries(list?: ListName): ListEntry[] {
    return [...this.items.values()].filter((i) => i.itemType === 'list-entry' && (!list || i.list === list)) as unknown as ListEntry[];
  }
}
