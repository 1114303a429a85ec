import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * What the intake remembers between files, in the stack's idempotency table (its `id` key and `expiration` TTL, as
 * the Powertools records there; our ids start with `edi#`, Powertools' with the function name): the interchange
 * control numbers taken from each partner — the dedupe key, with the file they came in, so the same file delivered
 * twice by S3/SQS is told from a partner resending a control number — and the counter of our own acknowledgements'
 * control numbers per partner.
 */
export type Claim = { readonly status: 'new' } | { readonly status: 'same-file' } | { readonly status: 'duplicate'; readonly firstSource: string };

export interface InterchangeLedger {
  /** Takes `key` (partner and ISA13) for the file `source`; a key taken by another file is a duplicate. */
  claimInterchange(key: string, source: string): Promise<Claim>;
  /** The next control number of our acknowledgements to a partner (1, 2, …; wraps below 10^9). */
  nextControlNumber(partner: string): Promise<number>;
}

export class DynamoDbInterchangeLedger implements InterchangeLedger {
  constructor(
    private readonly table: string,
    private readonly ttlSeconds: number,
    private readonly client: DynamoDBClient = new DynamoDBClient({}),
    private readonly now: () => number = Date.now,
  ) {}

  async claimInterchange(key: string, source: string): Promise<Claim> {
    const id = `edi#interchange#${key}`;
    const nowSeconds = Math.floor(this.now() / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { id: { S: id }, source: { S: source }, expiration: { N: String(nowSeconds + this.ttlSeconds) } },
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }),
      );
      return { status: 'new' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) && (error as Error).name !== 'ConditionalCheckFailedException') throw error;
      const existing = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: true }));
      const first = existing.Item?.source?.S ?? 'an earlier file';
      return first === source ? { status: 'same-file' } : { status: 'duplicate', firstSource: first };
    }
  }

  async nextControlNumber(partner: string): Promise<number> {
    const result = await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { id: { S: `edi#ack-control#${partner}` } },
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'next' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return ((Number(result.Attributes?.next?.N ?? '1') - 1) % 999_999_999) + 1;
  }
}

/** The ledger in memory, for tests. */
export class InMemoryInterchangeLedger implements InterchangeLedger {
  readonly interchanges = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  async claimInterchange(key: string, source: string): Promise<Claim> {
    const first = this.interchanges.get(key);
    if (first === undefined) {
      this.interchanges.set(key, source);
      return { status: 'new' };
    }
    return first === source ? { status: 'same-file' } : { status: 'duplicate', firstSource: first };
  }
  async nextControlNumber(partner: string): Promise<number> {
    const next = (this.counters.get(partner) ?? 0) + 1;
    this.counters.set(partner, next);
    return next;
  }
}
