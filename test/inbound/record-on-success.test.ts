import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { IdempotencyAlreadyInProgressError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { businessKeyIdempotencyConfig, RecordOnSuccessPersistenceLayer } from '../../lambdas/shared/idempotency';
import { clientConfig } from '../../sandbox/aws';
import { startEmulator, type Emulator } from '../../sandbox/emulator';

/**
 * The intake's write policy over the real emulator: Powertools' `makeIdempotent` with the layer the deployed
 * inbound adapters use, on a table with the stack's idempotency layout (`id`, TTL `expiration`).
 */
describe('record on success (the webhook intake’s idempotency layer) over the emulator', () => {
  let emulator: Emulator;
  let client: DynamoDBClient;
  const tableName = 'Idempotency';
  let n = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
    client = new DynamoDBClient(clientConfig(emulator.endpoint));
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
  });
  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  /** A fresh key prefix per test (the records of one test do not answer another's). */
  function config() {
    const c = businessKeyIdempotencyConfig({ keyPath: 'key', ttlSeconds: 3600 });
    // As in a Lambda invocation: Powertools bounds an in-progress claim by the time left.
    c.registerLambdaContext({ getRemainingTimeInMillis: () => 25_000 } as unknown as Context);
    return c;
  }
  function idempotent(run: (job: { key: string }) => Promise<unknown>, layer: DynamoDBPersistenceLayer = new RecordOnSuccessPersistenceLayer({ tableName, awsSdkV3Client: client })) {
    return makeIdempotent(run, { persistenceStore: layer, config: config(), keyPrefix: `test-${++n}` });
  }
  async function records(prefix: number): Promise<Record<string, unknown>[]> {
    const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName }));
    return Items.map((item) => unmarshall(item)).filter((item) => String(item.id).startsWith(`test-${prefix}#`));
  }

  test('nothing is written before the run succeeds; then one completed record, which answers every repeat', async () => {
    let runs = 0;
    let seenDuringRun: Record<string, unknown>[] = [];
    const once = idempotent(async () => {
      runs++;
      seenDuringRun = await records(n);
      return { status: 'accepted', eventIds: ['e1'] };
    });
    expect(await once({ key: 'evt-1' })).toEqual({ status: 'accepted', eventIds: ['e1'] });
    expect(seenDuringRun).toEqual([]);
    expect(await records(n)).toEqual([expect.objectContaining({ status: 'COMPLETED', data: { status: 'accepted', eventIds: ['e1'] } })]);
    expect(await once({ key: 'evt-1' })).toEqual({ status: 'accepted', eventIds: ['e1'] });
    expect(runs).toBe(1);
  });

  test('a failed run leaves nothing, and the retry runs', async () => {
    let runs = 0;
    const once = idempotent(async () => {
      if (++runs === 1) throw new Error('EventBridge unavailable');
      return { status: 'accepted' };
    });
    await expect(once({ key: 'evt-2' })).rejects.toThrow('EventBridge unavailable');
    expect(await records(n)).toEqual([]);
    expect(await once({ key: 'evt-2' })).toEqual({ status: 'accepted' });
    expect(runs).toBe(2);
  });

  test('a live claim written by Powertools’ own layer is in progress: not run again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const claimFirst = idempotent(async () => {
      await gate;
      return { by: 'claim-first' };
    }, new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }));
    const prefix = n;
    const first = claimFirst({ key: 'evt-3' });
    for (let i = 0; i < 50 && (await records(prefix)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const copy = makeIdempotent(async (_job: { key: string }) => ({ by: 'record-on-success' }), {
      persistenceStore: new RecordOnSuccessPersistenceLayer({ tableName, awsSdkV3Client: client }),
      config: config(),
      keyPrefix: `test-${prefix}`,
    });
    await expect(copy({ key: 'evt-3' })).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    release();
    expect(await first).toEqual({ by: 'claim-first' });
    expect(await copy({ key: 'evt-3' })).toEqual({ by: 'claim-first' });
  });

  test('an expired record does not answer: the event runs again and its record is rewritten', async () => {
    let runs = 0;
    const once = idempotent(async () => ({ run: ++runs }));
    expect(await once({ key: 'evt-4' })).toEqual({ run: 1 });
    const [stored] = await records(n);
    await client.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: String(stored!.id) }, status: { S: 'COMPLETED' }, expiration: { N: '1' }, data: { M: { run: { N: '1' } } } } }));
    expect(await once({ key: 'evt-4' })).toEqual({ run: 2 });
    expect(await records(n)).toEqual([expect.objectContaining({ status: 'COMPLETED', data: { run: 2 } })]);
  });
});
