import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, test } from 'vitest';
import { BATCH_ATTEMPTS, batchGetAll, queryAll } from '../../lambdas/shared/dynamo-pages';

type Send = Pick<DynamoDBDocumentClient, 'send'>;
const client = (send: (command: unknown) => unknown): Send => ({ send: send as Send['send'] });

describe('paged DynamoDB reads', () => {
  test('queryAll follows LastEvaluatedKey to the end, and stops once it has Limit items', async () => {
    const pages = [{ Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { k: 2 } }, { Items: [{ n: 3 }], LastEvaluatedKey: { k: 3 } }, { Items: [{ n: 4 }] }];
    const starts: unknown[] = [];
    const paged = client((command) => {
      const input = (command as QueryCommand).input;
      starts.push(input.ExclusiveStartKey);
      return pages[starts.length - 1];
    });
    expect(await queryAll(paged, { TableName: 't', KeyConditionExpression: 'pk = :pk' })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(starts).toEqual([undefined, { k: 2 }, { k: 3 }]);
    starts.length = 0;
    expect(await queryAll(paged, { TableName: 't', KeyConditionExpression: 'pk = :pk', Limit: 2 })).toEqual([{ n: 1 }, { n: 2 }]);
    expect(starts).toHaveLength(1);
  });

  test('batchGetAll asks 100 keys at a time and again for what DynamoDB left unprocessed', async () => {
    const requested: number[] = [];
    let first = true;
    const reads = client((command) => {
      const keys = (command as BatchGetCommand).input.RequestItems!.t!.Keys! as { id: number }[];
      requested.push(keys.length);
      // The first request leaves its last key unprocessed.
      const left = first ? keys.slice(-1) : [];
      first = false;
      return { Responses: { t: keys.slice(0, keys.length - left.length).map((k) => ({ ...k, found: true })) }, UnprocessedKeys: left.length ? { t: { Keys: left } } : {} };
    });
    const keys = Array.from({ length: 150 }, (_, id) => ({ id }));
    const items = await batchGetAll(reads, 't', keys);
    expect(items.map((i) => i.id).sort((a, b) => Number(a) - Number(b))).toEqual(keys.map((k) => k.id));
    expect(requested).toEqual([100, 1, 50]);
  });

  test('batchGetAll throws, naming what, when keys stay unprocessed: never a silently short answer', async () => {
    let calls = 0;
    const throttled = client((command) => {
      calls += 1;
      return { Responses: { t: [] }, UnprocessedKeys: { t: { Keys: (command as BatchGetCommand).input.RequestItems!.t!.Keys } } };
    });
    await expect(batchGetAll(throttled, 't', [{ id: 1 }], { what: 'link reads' })).rejects.toThrow(`DynamoDB left 1 link reads unprocessed after ${BATCH_ATTEMPTS} attempts`);
    expect(calls).toBe(BATCH_ATTEMPTS);
  }, 10_000);
});
