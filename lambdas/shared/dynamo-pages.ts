import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** BatchGetItem takes at most 100 keys per request. */
export const BATCH_GET_LIMIT = 100;
/** Attempts at what DynamoDB leaves unprocessed in a batch request (throttling), backing off exponentially between them. */
export const BATCH_ATTEMPTS = 5;

/** Waits before attempt `attempt` (0-based) at a batch's unprocessed entries: none first, then 100, 200, 400… ms. */
export async function batchBackoff(attempt: number): Promise<void> {
  if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}

/**
 * Every item a query matches, page after page (`LastEvaluatedKey`), or the first `input.Limit` or so when it has one
 * (the last page read may take it past the limit).
 */
export async function queryAll(client: Pick<DynamoDBDocumentClient, 'send'>, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && (input.Limit === undefined || items.length < input.Limit));
  return items;
}

/**
 * The items of `keyList` that exist in `tableName`, in requests of at most {@link BATCH_GET_LIMIT} keys, retrying
 * what DynamoDB leaves unprocessed; throws when keys are still unprocessed after {@link BATCH_ATTEMPTS} attempts
 * (never an answer that silently lacks items). Order is DynamoDB's, not the keys'.
 */
export async function batchGetAll(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  keyList: readonly Record<string, unknown>[],
  options: { readonly projection?: string; readonly names?: Record<string, string>; readonly what?: string } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < keyList.length; i += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] = keyList.slice(i, i + BATCH_GET_LIMIT);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} ${options.what ?? 'reads'} unprocessed after ${attempt} attempts`);
      await batchBackoff(attempt);
      const result = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending, ...(options.projection ? { ProjectionExpression: options.projection } : {}), ...(options.names ? { ExpressionAttributeNames: options.names } : {}) },
          },
        }),
      );
      found.push(...((result.Responses?.[tableName] ?? []) as Record<string, unknown>[]));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return found;
}
