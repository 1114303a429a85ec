import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbAssetAssignments, InMemoryAssetAssignments } from '../../lambdas/fleet/inbound/asset-assignments';
import { DynamoDbCorrelationStore, InMemoryCorrelationStore, type CorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import type { AssetAssignments } from '../../lambdas/fleet/inbound/samsara-alerts';
import { keys } from '../../registry/correlation-keys';
import { clientConfig } from '../../sandbox/aws';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { example } from '../outbound/support';

/**
 * Which shipments a truck carried during an alert's incident: the indexer records an assignment at dispatch and
 * writes nothing on it at delivery; the lookup reads the candidates' state items to leave out the shipments delivered
 * before the incident began. Over the real emulator (the projection, the reserved word `rank`, the batch read) and the
 * in-memory double the handler tests use: both must answer the same.
 */
const TRUCK = '212014918087523';
/** The example event of `type` for another shipment at another time, with an id of its own. */
function eventOf(type: 'shipment.dispatched' | 'shipment.delivered', shipmentId: string, at: string): CanonicalDetail {
  const event = structuredClone(example(type)) as CanonicalDetail;
  event.metadata.eventId = `${type}-${shipmentId}`.toLowerCase().replace(/[^a-z0-9]/g, '').padEnd(64, '0');
  event.metadata.occurredAt = at;
  event.refs = { ...event.refs, shipmentId };
  return event;
}
const dispatched = (shipmentId: string, at: string) => eventOf('shipment.dispatched', shipmentId, at);
const delivered = (shipmentId: string, at: string) => eventOf('shipment.delivered', shipmentId, at);
const span = (from: string, until: string) => ({ from, until });

async function indexStory(store: CorrelationStore): Promise<void> {
  const now = new Date('2026-03-12T20:00:00Z');
  // SHP-A: on the truck 06:30–13:31. SHP-B: loaded at 12:00, still on it.
  await indexEvent(store, dispatched('SHP-A', '2026-03-12T06:30:00.000Z'), now, 86_400);
  await indexEvent(store, delivered('SHP-A', '2026-03-12T13:31:00.000Z'), now, 86_400);
  await indexEvent(store, dispatched('SHP-B', '2026-03-12T12:00:00.000Z'), now, 86_400);
}

function expectStory(assignments: AssetAssignments) {
  const carried = async (from: string, until: string) => (await assignments.carriedDuring('vehicle', [TRUCK], span(from, until))).map((s) => s.shipmentId).sort();
  return Promise.all([
    // Before either was loaded: none. While only A was on it: A. Both on it: both. Across A's delivery: both.
    expect(carried('2026-03-12T05:00:00Z', '2026-03-12T05:30:00Z')).resolves.toEqual([]),
    expect(carried('2026-03-12T10:00:00Z', '2026-03-12T10:30:00Z')).resolves.toEqual(['SHP-A']),
    expect(carried('2026-03-12T12:30:00Z', '2026-03-12T13:00:00Z')).resolves.toEqual(['SHP-A', 'SHP-B']),
    expect(carried('2026-03-12T13:00:00Z', '2026-03-12T14:00:00Z')).resolves.toEqual(['SHP-A', 'SHP-B']),
    // After A was delivered: B only.
    expect(carried('2026-03-12T14:00:00Z', '2026-03-12T14:30:00Z')).resolves.toEqual(['SHP-B']),
  ]);
}

describe('asset assignments end with the delivery, read from the shipment state', () => {
  test('in memory: the handler tests’ double answers as DynamoDB does', async () => {
    const store = new InMemoryCorrelationStore();
    await indexStory(store);
    await expectStory(new InMemoryAssetAssignments(() => store.items.values()));
  });

  describe('over the emulator', () => {
    let emulator: Emulator;
    let client: DynamoDBDocumentClient;
    const table = 'Correlation';

    beforeAll(async () => {
      emulator = await startEmulator({ log: () => undefined });
      client = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(emulator.endpoint)));
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        }),
      );
      await indexStory(new DynamoDbCorrelationStore(client, table));
    });
    afterAll(async () => {
      client?.destroy();
      await emulator?.stop();
    });

    test('a dispatch writes one assignment per asset and a delivery writes none', async () => {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: table, FilterExpression: 'itemType = :t', ExpressionAttributeValues: { ':t': 'asset-assignment' } }));
      expect(Items.map((i) => `${String(i.pk)} ${String(i.shipmentId)}`).sort()).toEqual([
        `${keys.assetPk('trailer', '281474977110204')} SHP-A`,
        `${keys.assetPk('trailer', '281474977110204')} SHP-B`,
        `${keys.assetPk('vehicle', TRUCK)} SHP-A`,
        `${keys.assetPk('vehicle', TRUCK)} SHP-B`,
      ]);
      expect(Items.every((i) => i.releasedAt === undefined)).toBe(true);
    });

    test('the lookup leaves out what was delivered before the incident began', async () => {
      await expectStory(new DynamoDbAssetAssignments(client, table));
    });

    test('an assignment written by an earlier version with its own releasedAt still ends then', async () => {
      await client.send(
        new PutCommand({
          TableName: table,
          Item: { pk: keys.assetPk('vehicle', 'OLD-1'), sk: keys.assignmentSk('2026-03-12T06:00:00.000Z', 'SHP-OLD'), itemType: 'asset-assignment', assetKind: 'vehicle', assetId: 'OLD-1', shipmentId: 'SHP-OLD', correlationId: 'SO-OLD', assignedAt: '2026-03-12T06:00:00.000Z', releasedAt: '2026-03-12T09:00:00.000Z', expiresAt: 1 },
        }),
      );
      const assignments = new DynamoDbAssetAssignments(client, table);
      expect((await assignments.carriedDuring('vehicle', ['OLD-1'], span('2026-03-12T08:00:00Z', '2026-03-12T08:30:00Z'))).map((s) => s.shipmentId)).toEqual(['SHP-OLD']);
      expect(await assignments.carriedDuring('vehicle', ['OLD-1'], span('2026-03-12T10:00:00Z', '2026-03-12T10:30:00Z'))).toEqual([]);
    });
  });
});
