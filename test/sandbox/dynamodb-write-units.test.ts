import { readFileSync } from 'node:fs';
import { BatchWriteItemCommand, ConditionalCheckFailedException, CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { inFlightKeys, LIST_INDEX, unbilledKeys } from '../../registry/correlation-keys';
import { DynamoDbVisibilityReader } from '../../lambdas/visibility/reader';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import { VIEW_ATTRIBUTE, viewOfItem } from '../../lambdas/visibility/view-codec';
import { DynamoDbShipmentViewStore } from '../../lambdas/visibility/view-store';
import { SHIPMENT, story } from '../visibility/story';
import { indexWriteUnitsOf, writeUnitsOf } from '../../sandbox/cost-model';
import type { Emulator } from '../../sandbox/emulator';
import { startRecordingEmulator, type RecordingEmulator } from '../support/recording-emulator';
import { countRecordedRequests, writeUnitsByItem } from '../../sandbox/metering';

/**
 * DynamoDB bills a write by item size: one write unit per 1 KB of the larger of the item before and after, for a
 * failed conditional write too, twice in a transaction. moto reports a fixed capacity; the launcher's
 * `dynamodb-write-units-by-size` patch measures each write on the stored items and the meter (metering.ts) counts
 * what it measured, per function, so the cost bench prices a 1.5 KB state item's update as 2 units, not 1.
 */
describe('the emulator measures write units by item size while recording', () => {
  let recording: RecordingEmulator;
  let emulator: Emulator;
  let dynamodb: DynamoDBClient;
  const table = 'WriteUnits';
  const pad = (bytes: number) => 'x'.repeat(bytes);

  beforeAll(async () => {
    recording = await startRecordingEmulator('lsync-wcu-');
    ({ emulator, dynamodb } = recording);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      }),
    );
  });
  afterAll(async () => {
    await recording?.stop();
  });

  test('the launcher reports the patch', async () => {
    expect((await emulator.capabilities()).patches).toContain('dynamodb-write-units-by-size');
  });

  test('put, update, failed conditional update, delete, batch and transaction: the units AWS would bill, per operation', async () => {
    await emulator.recorder('reset');
    await emulator.recorder('start');
    const key = { pk: { S: 'SHIPMENT#1' }, sk: { S: 'STATE' } };
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { ...key, view: { S: pad(1500) } } })); // 2
    await dynamodb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET more = :m', ExpressionAttributeValues: { ':m': { S: pad(1200) } } })); // before 1.5 KB, after 2.7 KB: 3
    await dynamodb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'REMOVE more' })); // before 2.7 KB: 3
    await expect(
      dynamodb.send(new UpdateItemCommand({ TableName: table, Key: key, UpdateExpression: 'SET v = :v', ConditionExpression: 'attribute_not_exists(pk)', ExpressionAttributeValues: { ':v': { N: '1' } } })),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException); // refused, charged for the 1.5 KB item: 2
    await dynamodb.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: { pk: { S: 'LINK#a' }, sk: { S: 'x' } } } }, { PutRequest: { Item: { pk: { S: 'LINK#b' }, sk: { S: 'x' }, big: { S: pad(3000) } } } }] } }),
    ); // 1 + 3
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: { pk: { S: 'T#1' }, sk: { S: 'x' } } } }] })); // 2 × 1
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key })); // the 1.5 KB item: 2
    await emulator.recorder('stop');

    const calls = recording.dynamoCalls();
    const units = Object.fromEntries(calls.map((c) => [c.operation, { requests: c.count, items: c.items, writeUnits: c.writeUnits }]));
    expect(units).toEqual({
      PutItem: { requests: 1, items: 1, writeUnits: 2 },
      UpdateItem: { requests: 3, items: 3, writeUnits: 3 + 3 + 2 },
      BatchWriteItem: { requests: 1, items: 2, writeUnits: 4 },
      TransactWriteItems: { requests: 1, items: 1, writeUnits: 2 },
      DeleteItem: { requests: 1, items: 1, writeUnits: 2 },
    });
    expect(new Set(calls.map((c) => c.function))).toEqual(new Set(['Indexer']));
    // What the cost model prices: the measured units, not one per item.
    expect(calls.reduce((n, c) => n + writeUnitsOf(c), 0)).toBe(2 + 8 + 4 + 2 + 2);
    // What they paid for, by kind of item (the cost bench's split): a batch's units shared among its entries.
    expect(writeUnitsByItem(readFileSync(emulator.recordingFile!, 'utf8').split('\n'))).toEqual([
      { function: 'Indexer', item: 'SHIPMENT#… / STATE', writes: 5, writeUnits: 2 + 3 + 3 + 2 + 2 },
      { function: 'Indexer', item: 'LINK#… / x', writes: 2, writeUnits: 4 },
      { function: 'Indexer', item: 'T#… / x', writes: 1, writeUnits: 2 },
    ]);
  });

  test('the reference story\'s state item, its view holding the excursion, its case and its hold: one unit per write in the stored form, two as a map', async () => {
    const doc = DynamoDBDocumentClient.from(dynamodb);
    const views = new DynamoDbShipmentViewStore(doc, table);
    const store = new DynamoDbCorrelationStore(doc, table);
    const now = new Date('2026-03-12T14:10:00Z');
    await views.record(SHIPMENT, { orderId: 'SO-1001', customerId: 'C-77', contractId: 'CTR-77', currency: 'EUR', orderValue: '18450.00', penaltyTerms: null }, now, 0);
    await emulator.recorder('reset');
    await emulator.recorder('start');
    for (const event of story().events) await indexEvent(store, event, now, 86_400, views);
    await emulator.recorder('stop');
    const stateWrites = writeUnitsByItem(readFileSync(emulator.recordingFile!, 'utf8').split('\n')).find((w) => w.item === 'SHIPMENT#… / STATE')!;
    expect(stateWrites.writes).toBeGreaterThanOrEqual(7);
    expect(stateWrites.writeUnits).toBe(stateWrites.writes);
    const key = { pk: `SHIPMENT#${SHIPMENT}`, sk: 'STATE' };
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: key }));
    const view = viewOfItem(Item)!;
    expect(Object.values(view.exceptions)).toMatchObject([{ kind: 'temperature-excursion', caseId: '38211', holdId: 'QH-7' }]);
    expect(view.invoice?.invoiceId).toBe('INV-9001');
    // The same item with the view as a map, as versions before the stored form wrote it: over 1 KB, two units a write.
    await emulator.recorder('reset');
    await emulator.recorder('start');
    const { [VIEW_ATTRIBUTE]: _stored, ...rest } = Item!;
    await doc.send(new PutCommand({ TableName: table, Item: { ...rest, view } }));
    await emulator.recorder('stop');
    expect(writeUnitsByItem(readFileSync(emulator.recordingFile!, 'utf8').split('\n'))).toMatchObject([{ item: 'SHIPMENT#… / STATE', writes: 1, writeUnits: 2 }]);
    // Read in either form; the next save of the view replaces the map with the stored form.
    expect((await views.load(SHIPMENT)).view).toEqual(view);
    expect(await views.save(SHIPMENT, { ...view, billingReadyAt: '2026-03-12T13:33:00.000Z' }, Number(Item!.viewVersion), 0, now)).toBe(true);
    const after = (await doc.send(new GetCommand({ TableName: table, Key: key }))).Item!;
    expect(after.view).toBeUndefined();
    expect(viewOfItem(after)).toEqual(view);
  });

  test('GSI writes as DynamoDB bills them: entering, leaving, a key change (two), a projected attribute changed; nothing for any other write', async () => {
    const indexed = 'WriteUnitsIndexed';
    await dynamodb.send(
      new CreateTableCommand({
        TableName: indexed,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gpk', 'gsk'].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [{ IndexName: 'G', KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }, { AttributeName: 'gsk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['shown'] } }],
      }),
    );
    await emulator.recorder('reset');
    await emulator.recorder('start');
    const key = { pk: { S: 'SHIPMENT#1' }, sk: { S: 'STATE' } };
    const update = (expression: string, values?: Record<string, { S: string }>, condition?: string) =>
      dynamodb.send(new UpdateItemCommand({ TableName: indexed, Key: key, UpdateExpression: expression, ...(values ? { ExpressionAttributeValues: values } : {}), ...(condition ? { ConditionExpression: condition } : {}) }));
    await dynamodb.send(new PutItemCommand({ TableName: indexed, Item: { ...key, note: { S: 'x' } } })); // not in the index: 0
    await update('SET gpk = :p, gsk = :k, shown = :s', { ':p': { S: 'IN' }, ':k': { S: '1' }, ':s': { S: 'a' } }); // enters: 1
    await update('SET note = :o', { ':o': { S: pad(2000) } }); // not projected: 0
    await update('SET shown = :s', { ':s': { S: 'b' } }); // projected attribute changed: 1
    await update('SET shown = :s', { ':s': { S: 'b' } }); // the same value: 0
    await update('SET gsk = :k', { ':k': { S: '2' } }); // key changed: delete and put, 2
    await expect(update('SET shown = :s', { ':s': { S: 'c' } }, 'attribute_not_exists(pk)')).rejects.toBeInstanceOf(ConditionalCheckFailedException); // refused: 0
    await update('REMOVE gpk, gsk'); // leaves: 1
    await emulator.recorder('stop');
    const calls = recording.dynamoCalls();
    expect(Object.fromEntries(calls.map((c) => [c.operation, c.indexWriteUnits]))).toEqual({ PutItem: 0, UpdateItem: 1 + 0 + 1 + 0 + 2 + 0 + 1 });
    expect(calls.reduce((n, c) => n + indexWriteUnitsOf(c), 0)).toBe(5);
  });

  test('the unbilled list on the state item, through the real stores on a table with the stack\'s GSIs: in at delivery and out at the invoice, one index write each, no entry', async () => {
    const visibility = 'WriteUnitsVisibility';
    const gsi = (IndexName: string, pk: string, sk: string, projected?: readonly string[]) => ({
      IndexName,
      KeySchema: [{ AttributeName: pk, KeyType: 'HASH' as const }, { AttributeName: sk, KeyType: 'RANGE' as const }],
      Projection: projected ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...projected] } : { ProjectionType: 'ALL' as const },
    });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: visibility,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'listPk', 'listSk', inFlightKeys.pkAttribute, inFlightKeys.skAttribute, unbilledKeys.pkAttribute, unbilledKeys.skAttribute].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [
          gsi(LIST_INDEX, 'listPk', 'listSk'),
          gsi(inFlightKeys.index, inFlightKeys.pkAttribute, inFlightKeys.skAttribute, inFlightKeys.projected),
          gsi(unbilledKeys.index, unbilledKeys.pkAttribute, unbilledKeys.skAttribute, unbilledKeys.projected),
        ],
      }),
    );
    const doc = DynamoDBDocumentClient.from(dynamodb);
    const views = new DynamoDbShipmentViewStore(doc, visibility);
    const store = new DynamoDbCorrelationStore(doc, visibility);
    const reader = new DynamoDbVisibilityReader(doc, visibility);
    const now = new Date('2026-03-12T14:10:00Z');
    const s = story('SHP-2000-01');
    const unbilled = async () => (await reader.list({ partitions: [unbilledKeys.pk, 'LIST#unbilled'] }, 10)).entries.map((e) => [e.shipmentId, e.customerId]);
    /** Index write units and item writes of the entries (`LIST#…`) while these events are indexed. */
    const indexing = async (events: readonly (typeof s.events)[number][]) => {
      await emulator.recorder('reset');
      await emulator.recorder('start');
      for (const event of events) await indexEvent(store, event, now, 86_400, views);
      await emulator.recorder('stop');
      const lines = readFileSync(emulator.recordingFile!, 'utf8').split('\n');
      const indexUnits = countRecordedRequests(lines).reduce((n, c) => n + indexWriteUnitsOf(c), 0);
      const entryWrites = writeUnitsByItem(lines).filter((w) => w.item.includes('LIST#')).reduce((n, w) => n + w.writes, 0);
      return { indexUnits, entryWrites };
    };
    // The customer, as the exception workflows' Enrich records it (the story's events do not name one).
    await views.record('SHP-2000-01', { orderId: 'SO-2000', customerId: 'C-77', contractId: null, currency: 'EUR', orderValue: '100.00', penaltyTerms: null }, now, 0);
    await indexing([s.released, s.dispatched]);
    expect(await unbilled()).toEqual([]);
    // The delivery leaves InFlight and enters Unbilled, in the one write of the state item.
    expect(await indexing([s.delivered])).toEqual({ indexUnits: 2, entryWrites: 0 });
    expect(await unbilled()).toEqual([['SHP-2000-01', 'C-77']]);
    expect(await reader.list({ partitions: [unbilledKeys.pk], customerId: 'C-99' }, 10)).toEqual({ entries: [] });
    // The POD and billing-ready change nothing the index holds.
    expect(await indexing([s.pod, s.ready])).toEqual({ indexUnits: 0, entryWrites: 0 });
    expect((await reader.states(['SHP-2000-01'])).get('SHP-2000-01')).toMatchObject({ unbilledIndexed: true });
    expect(await indexing([s.posted])).toEqual({ indexUnits: 1, entryWrites: 0 });
    expect(await unbilled()).toEqual([]);
  });

  test('nothing is measured while the recorder is off', async () => {
    await emulator.recorder('reset');
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'OFF' }, sk: { S: 'x' }, v: { S: pad(2000) } } }));
    expect(readFileSync(emulator.recordingFile!, 'utf8')).toBe('');
  });
});
