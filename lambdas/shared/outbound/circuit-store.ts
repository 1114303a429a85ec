import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { circuitAfterFailure, CLOSED_CIRCUIT, type CircuitSettings, type CircuitState } from './decisions';

/**
 * Port: the circuit breaker state of one target, shared by every container of its adapter.
 *
 * Why shared (DynamoDB) and not per container: the event source runs up to `maxConcurrency` containers,
 * and containers come and go. Per-container state would let each new container rediscover the outage
 * with its own N failures, and would forget an open circuit on every recycle. One item per target costs
 * one GetItem per batch plus writes only on failures and on the first success after failures.
 */
export interface CircuitStore {
  load(): Promise<CircuitState>;
  /**
   * Counts an `unavailable` failure atomically and opens (or re-opens) the circuit when due. Returns the new
   * state, and `opened` when this call opened it: of several containers crossing the threshold together exactly
   * one is told, so the opening is logged and counted once.
   */
  recordFailure(now: Date): Promise<FailureRecorded>;
  /** Closes the circuit and resets the counters. */
  recordSuccess(): Promise<void>;
}

export interface FailureRecorded {
  readonly state: CircuitState;
  readonly opened: boolean;
}

interface CircuitItem {
  consecutiveFailures?: number;
  openUntil?: number;
  openCount?: number;
}

function toState(item: CircuitItem | undefined): CircuitState {
  if (!item) return CLOSED_CIRCUIT;
  return {
    consecutiveFailures: item.consecutiveFailures ?? 0,
    openCount: item.openCount ?? 0,
    ...(typeof item.openUntil === 'number' ? { openUntil: item.openUntil } : {}),
  };
}

/**
 * Circuit state in the correlation table: `pk = CIRCUIT#<target>`, `sk = STATE` (lib/core/tables.ts).
 * Failures are counted with an atomic `ADD`; opening is a conditional write, so when several containers
 * cross the threshold together only one sets the cooldown.
 */
export class DynamoDbCircuitStore implements CircuitStore {
  private readonly key: { pk: string; sk: string };

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    target: string,
    private readonly settings: CircuitSettings,
  ) {
    this.key = { pk: `CIRCUIT#${target}`, sk: 'STATE' };
  }

  async load(): Promise<CircuitState> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key }));
    return toState(Item as CircuitItem | undefined);
  }

  async recordFailure(now: Date): Promise<FailureRecorded> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key,
        UpdateExpression: 'ADD consecutiveFailures :one SET updatedAt = :now',
        ExpressionAttributeValues: { ':one': 1, ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const counted = toState(Attributes as CircuitItem);
    // The pure rule counts the failure itself: give it the state before this failure.
    const next = circuitAfterFailure({ ...counted, consecutiveFailures: counted.consecutiveFailures - 1 }, now, this.settings);
    if (next.openUntil === counted.openUntil) return { state: counted, opened: false };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key,
          UpdateExpression: 'SET openUntil = :until, openCount = :count',
          ConditionExpression: 'attribute_not_exists(openUntil) OR openUntil <= :nowMs',
          ExpressionAttributeValues: { ':until': next.openUntil, ':count': next.openCount, ':nowMs': now.getTime() },
        }),
      );
      return { state: next, opened: true };
    } catch (error) {
      // Another container opened it first: its cooldown stands, and the opening is its to report.
      if (error instanceof ConditionalCheckFailedException) return { state: await this.load(), opened: false };
      throw error;
    }
  }

  async recordSuccess(): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...this.key, consecutiveFailures: 0, openCount: 0, updatedAt: new Date().toISOString() } }),
    );
  }
}

/** Circuit state in memory, for handler tests (and the same rules as the DynamoDB store). */
export class InMemoryCircuitStore implements CircuitStore {
  constructor(
    private readonly settings: CircuitSettings,
    public state: CircuitState = CLOSED_CIRCUIT,
  ) {}

  async load(): Promise<CircuitState> {
    return this.state;
  }

  async recordFailure(now: Date): Promise<FailureRecorded> {
    const before = this.state;
    this.state = circuitAfterFailure(this.state, now, this.settings);
    return { state: this.state, opened: this.state.openUntil !== undefined && this.state.openUntil !== before.openUntil };
  }

  async recordSuccess(): Promise<void> {
    this.state = CLOSED_CIRCUIT;
  }
}
