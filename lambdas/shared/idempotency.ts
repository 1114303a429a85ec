import { IdempotencyConfig, IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Powertools idempotency wiring shared by inbound and outbound adapters. The table has the Powertools layout
 * (`id` partition key, `expiration` TTL; see lib/core/tables.ts); the table name arrives as `IDEMPOTENCY_TABLE`.
 */

/** The persistence layer over the stack's idempotency table. */
export function dynamoDbPersistenceLayer(tableName: string, client?: DynamoDBClient): DynamoDBPersistenceLayer {
  return client ? new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }) : new DynamoDBPersistenceLayer({ tableName });
}

/**
 * Whether a stored record answers a request instead of running it (pure): a completed record that has not expired,
 * or an in-progress one whose holder may still be running (written by a layer that claims before it runs).
 */
export function recordAnswers(existing: IdempotencyRecord, nowMs: number): boolean {
  const status = existing.getStatus();
  if (status === IdempotencyRecordStatus.COMPLETED) return true;
  if (status !== IdempotencyRecordStatus.INPROGRESS) return false;
  return existing.inProgressExpiryTimestamp === undefined || existing.inProgressExpiryTimestamp >= nowMs;
}

/**
 * The webhook intake's write policy: **record on success**. Powertools' layer claims a key before running (a put
 * in progress) and completes it after (an update): two writes per webhook, and a copy arriving meanwhile is
 * refused. This one reads the key first (a consistent read, half the price of a write): a completed record answers
 * the copy with the stored response; otherwise nothing is written until the run succeeds, when the completed
 * record is written once (Powertools' own update, an upsert). A failed run leaves nothing to delete.
 *
 * The price: a copy arriving while its original is still running runs too. For the intake that is publishing the
 * same canonical events again, with the same deterministic ids, which every consumer already deduplicates (the
 * indexer's timeline entry, the outbound records and guards, the workflows' execution names), as EventBridge's
 * at-least-once delivery requires of them anyway. Not for work whose repeat has an effect of its own.
 */
export class RecordOnSuccessPersistenceLayer extends DynamoDBPersistenceLayer {
  protected override async _putRecord(record: IdempotencyRecord): Promise<void> {
    let existing: IdempotencyRecord;
    try {
      existing = await this._getRecord(record.idempotencyKey);
    } catch (error) {
      if (error instanceof IdempotencyItemNotFoundError) return;
      throw error;
    }
    if (recordAnswers(existing, Date.now())) throw new IdempotencyItemAlreadyExistsError(`a record answers ${record.idempotencyKey}`, existing);
  }

  protected override async _deleteRecord(): Promise<void> {
    // Nothing was written before the run succeeded.
  }
}

export interface BusinessKeyIdempotencyOptions {
  /** JMESPath to the business key inside the idempotent function's first argument, e.g. `key`. */
  readonly keyPath: string;
  /** How long a completed record answers repeats. */
  readonly ttlSeconds: number;
}

/**
 * An idempotency configuration keyed on a business key (never on the whole payload, whose timestamps and
 * signatures differ between a vendor's attempts). A missing key is an error, not a silent bypass.
 */
export function businessKeyIdempotencyConfig(options: BusinessKeyIdempotencyOptions): IdempotencyConfig {
  return new IdempotencyConfig({
    eventKeyJmesPath: options.keyPath,
    expiresAfterSeconds: options.ttlSeconds,
    throwOnNoIdempotencyKey: true,
  });
}

/**
 * An in-memory persistence layer with the same semantics as the DynamoDB ones: Powertools' (`claim-first`: a
 * conditional put that fails on a live record, expiry, delete on failure) or the intake's
 * ({@link RecordOnSuccessPersistenceLayer}, `record-on-success`): the test double of the port, not an SDK mock.
 */
export class InMemoryPersistenceLayer extends BasePersistenceLayer {
  /** Calls per operation, for assertions. */
  readonly calls = { put: 0, get: 0, update: 0, delete: 0 };
  /** Records stored (puts and updates that wrote): what DynamoDB would bill as writes. */
  writes = 0;
  /** When set, every operation throws it (a persistence outage). */
  failWith?: Error;

  /** `records`: share one store between layers (two containers, or two versions of the intake). */
  constructor(
    readonly policy: 'claim-first' | 'record-on-success' = 'claim-first',
    readonly records = new Map<string, IdempotencyRecord>(),
  ) {
    super();
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    this.calls.get++;
    this.maybeFail();
    const record = this.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError(`no record for ${idempotencyKey}`);
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    this.calls.put++;
    this.maybeFail();
    const existing = this.records.get(record.idempotencyKey);
    if (existing && recordAnswers(existing, Date.now())) {
      throw new IdempotencyItemAlreadyExistsError(`record exists for ${record.idempotencyKey}`, existing);
    }
    if (this.policy === 'record-on-success') return;
    this.records.set(record.idempotencyKey, record);
    this.writes++;
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.calls.update++;
    this.maybeFail();
    this.records.set(record.idempotencyKey, record);
    this.writes++;
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.calls.delete++;
    this.maybeFail();
    if (this.policy === 'claim-first') this.records.delete(record.idempotencyKey);
  }

  private maybeFail(): void {
    if (this.failWith) throw this.failWith;
  }
}
