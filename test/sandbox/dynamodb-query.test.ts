import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientConfig } from '../../sandbox/aws';
import { startEmulator, type Emulator } from '../../sandbox/emulator';

/**
 * The launcher's `dynamodb-query-one-partition` patch: moto sorted every item of the table for each query; a query
 * now reads the partition (or, on an index, every item unsorted, the query sorting its results). The answers must
 * be DynamoDB's: one partition, in sort-key order either way, paged with Limit and ExclusiveStartKey, index queries
 * over the items that carry the index's keys.
 */
describe('the emulator: queries read one partition', () => {
  let emulator: Emulator;
  let dynamodb: DynamoDBClient;
  const table = 'Partitions';
  const single = 'SingleKey';

  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
    dynamodb = new DynamoDBClient(clientConfig(emulator.endpoint));
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'listPk', 'listSk'].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [{ IndexName: 'Lists', KeySchema: [{ AttributeName: 'listPk', KeyType: 'HASH' }, { AttributeName: 'listSk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } }],
      }),
    );
    await dynamodb.send(new CreateTableCommand({ TableName: single, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }));
    // Three partitions of five items, written out of order; every other item of partition B is in the index.
    for (const p of ['C', 'A', 'B']) {
      for (const n of [3, 1, 5, 2, 4]) {
        const inList = p === 'B' && n % 2 === 1;
        await dynamodb.send(
          new PutItemCommand({ TableName: table, Item: { pk: { S: `P#${p}` }, sk: { S: `TL#${n}` }, n: { N: String(n) }, ...(inList ? { listPk: { S: 'LIST#b' }, listSk: { S: `${6 - n}` } } : {}) } }),
        );
      }
    }
    for (const id of ['x', 'y']) await dynamodb.send(new PutItemCommand({ TableName: single, Item: { id: { S: id } } }));
  });
  afterAll(async () => {
    dynamodb?.destroy();
    await emulator?.stop();
  });

  const sks = async (input: Omit<QueryCommandInput, 'TableName'>, name = table) => {
    const { Items = [], LastEvaluatedKey } = await dynamodb.send(new QueryCommand({ TableName: name, ...input }));
    return { keys: Items.map((i) => i.sk?.S ?? i.id?.S), last: LastEvaluatedKey };
  };

  test('the launcher reports the patch', async () => {
    expect((await emulator.capabilities()).patches).toContain('dynamodb-query-one-partition');
  });

  test('a table query answers its partition only, in sort-key order, forwards and backwards, with key conditions and pages', async () => {
    expect((await sks({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P#A' } } })).keys).toEqual(['TL#1', 'TL#2', 'TL#3', 'TL#4', 'TL#5']);
    expect((await sks({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P#B' } }, ScanIndexForward: false })).keys).toEqual(['TL#5', 'TL#4', 'TL#3', 'TL#2', 'TL#1']);
    expect((await sks({ KeyConditionExpression: 'pk = :p AND sk > :s', ExpressionAttributeValues: { ':p': { S: 'P#C' }, ':s': { S: 'TL#3' } } })).keys).toEqual(['TL#4', 'TL#5']);
    const first = await sks({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :tl)', ExpressionAttributeValues: { ':p': { S: 'P#C' }, ':tl': { S: 'TL#' } }, Limit: 2 });
    expect(first.keys).toEqual(['TL#1', 'TL#2']);
    const second = await sks({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :tl)', ExpressionAttributeValues: { ':p': { S: 'P#C' }, ':tl': { S: 'TL#' } }, ExclusiveStartKey: first.last });
    expect(second.keys).toEqual(['TL#3', 'TL#4', 'TL#5']);
    expect((await sks({ KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P#none' } } })).keys).toEqual([]);
  });

  test('an index query answers the items with its keys, in the index sort order, paged', async () => {
    const all = await sks({ IndexName: 'Lists', KeyConditionExpression: 'listPk = :l', ExpressionAttributeValues: { ':l': { S: 'LIST#b' } } });
    expect(all.keys).toEqual(['TL#5', 'TL#3', 'TL#1']);
    const page = await sks({ IndexName: 'Lists', KeyConditionExpression: 'listPk = :l', ExpressionAttributeValues: { ':l': { S: 'LIST#b' } }, Limit: 1 });
    expect(page.keys).toEqual(['TL#5']);
    expect((await sks({ IndexName: 'Lists', KeyConditionExpression: 'listPk = :l', ExpressionAttributeValues: { ':l': { S: 'LIST#b' } }, ExclusiveStartKey: page.last })).keys).toEqual(['TL#3', 'TL#1']);
  });

  test('a table without a sort key answers its one item', async () => {
    expect((await sks({ KeyConditionExpression: 'id = :i', ExpressionAttributeValues: { ':i': { S: 'y' } } }, single)).keys).toEqual(['y']);
  });
});
