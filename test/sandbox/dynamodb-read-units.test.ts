import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readUnitsOfCall } from '../../sandbox/cost-model';
import type { Emulator } from '../../sandbox/emulator';
import { startRecordingEmulator, type RecordingEmulator } from '../support/recording-emulator';

/**
 * DynamoDB bills a read by the size of what it read: a GetItem (each key of a BatchGetItem) by its item rounded up to
 * 4 KB, at least one unit; a Query or Scan by the total size of the items it read before its filter, rounded up to
 * 4 KB, an index's entries as projected; half for an eventually consistent read, two for a transactional one; a
 * projection lowers nothing. The launcher's `dynamodb-read-units-by-size` patch measures each read while recording and
 * the meter (metering.ts) counts what it measured instead of taking every read as at most 4 KB.
 */
describe('the emulator measures read units by item size while recording', () => {
  let recording: RecordingEmulator;
  let emulator: Emulator;
  let dynamodb: DynamoDBClient;
  const table = 'ReadUnits';
  const pad = (bytes: number) => 'x'.repeat(bytes);
  const item = (pk: string, sk: string, bytes: number, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({ pk: { S: pk }, sk: { S: sk }, body: { S: pad(bytes) }, ...extra });

  beforeAll(async () => {
    recording = await startRecordingEmulator('lsync-rcu-');
    ({ emulator, dynamodb } = recording);
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gpk', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [{ IndexName: 'Small', KeySchema: [{ AttributeName: 'gpk', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
      }),
    );
    // A 5 KB item, a 1 KB one, and a partition of three 1.5 KB items (4.5 KB together), the latter in the index too.
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item('BIG', 'x', 5000) }));
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item('SMALL', 'x', 1000) }));
    for (const sk of ['a', 'b', 'c']) await dynamodb.send(new PutItemCommand({ TableName: table, Item: item('P', sk, 1500, { gpk: { S: 'G' }, kind: { S: sk } }) }));
  });
  afterAll(async () => {
    await recording?.stop();
  });

  test('the launcher reports the patch', async () => {
    expect((await emulator.capabilities()).patches).toContain('dynamodb-read-units-by-size');
  });

  /** The read units the meter counts for the requests sent by `send`, by operation. */
  async function measured(send: () => Promise<unknown>): Promise<Record<string, { requests: number; readUnits: number }>> {
    await emulator.recorder('reset');
    await emulator.recorder('start');
    await send();
    await emulator.recorder('stop');
    return Object.fromEntries(recording.dynamoCalls().map((c) => [c.operation, { requests: c.count, readUnits: readUnitsOfCall(c) }]));
  }

  test('reads by key: the stored item rounded up to 4 KB, at least one unit, projection or not', async () => {
    const units = await measured(async () => {
      await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'BIG' }, sk: { S: 'x' } }, ConsistentRead: true })); // 5 KB: 2
      await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'BIG' }, sk: { S: 'x' } }, ProjectionExpression: 'pk' })); // 2 × ½: 1
      await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'NONE' }, sk: { S: 'x' } }, ConsistentRead: true })); // none: 1
      await dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [{ pk: { S: 'BIG' }, sk: { S: 'x' } }, { pk: { S: 'SMALL' }, sk: { S: 'x' } }, { pk: { S: 'NONE' }, sk: { S: 'x' } }] } } }),
      ); // 1 + ½ + ½
      await dynamodb.send(
        new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: table, Key: { pk: { S: 'BIG' }, sk: { S: 'x' } } } }, { Get: { TableName: table, Key: { pk: { S: 'SMALL' }, sk: { S: 'x' } } } }] }),
      ); // 2 × 2 + 2 × 1
    });
    expect(units).toEqual({
      GetItem: { requests: 3, readUnits: 2 + 1 + 1 },
      BatchGetItem: { requests: 1, readUnits: 2 },
      TransactGetItems: { requests: 1, readUnits: 6 },
    });
  });

  test('a Query or Scan: the items read before the filter, together, rounded up to 4 KB; an index by what it projects', async () => {
    const partition = { TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'P' } } };
    const units = await measured(async () => {
      await dynamodb.send(new QueryCommand({ ...partition, ConsistentRead: true })); // 4.5 KB: 2
      await dynamodb.send(new QueryCommand(partition)); // 2 × ½: 1
      // Filtered to nothing and projected: the same three items read, 1.
      await dynamodb.send(
        new QueryCommand({ ...partition, FilterExpression: 'kind = :none', ProjectionExpression: 'pk', ExpressionAttributeValues: { ':p': { S: 'P' }, ':none': { S: 'z' } } }),
      );
      await dynamodb.send(new QueryCommand({ ...partition, Limit: 1 })); // one 1.5 KB item: ½
      await dynamodb.send(new QueryCommand({ TableName: table, IndexName: 'Small', KeyConditionExpression: 'gpk = :g', ExpressionAttributeValues: { ':g': { S: 'G' } } })); // three keys-only entries: ½
      await dynamodb.send(new ScanCommand({ TableName: table, ConsistentRead: true })); // 5 + 1 + 4.5 KB: 3
    });
    expect(units).toEqual({
      Query: { requests: 5, readUnits: 2 + 1 + 1 + 0.5 + 0.5 },
      Scan: { requests: 1, readUnits: 3 },
    });
  });

  test('a refused read costs nothing and leaves the other requests\' units as measured', async () => {
    const units = await measured(async () => {
      await expect(dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'BIG' } } }))).rejects.toThrow();
      await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'SMALL' }, sk: { S: 'x' } } }));
    });
    // The refused request is counted as a request; its units, estimated from its body (½), are replaced by none.
    expect(units.GetItem).toEqual({ requests: 2, readUnits: 0.5 });
  });
});
