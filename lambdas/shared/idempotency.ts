import { IdempotencyConfig, IdempotencyItemAlreadyExistsError } from '@aws-lambda-powertools/idempotency';
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
 * An in-memory persistence layer with the same semantics as the DynamoDB one (conditional put that fails
 * on a live record, expiry, delete on failure): the test double of the port, not an SDK mock.
 */
export class InMemoryPersistenceLayer extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();
  /** Calls per operation, for assertions. */
  readonly calls = { put: 0, get: 0, update: 0, delete: 0 };
  /** When set, every operation throws it (a persistence outage). */
  failWith?: Error;

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    this.calls.get++;
    this.maybeFail();
    const record = this.records.get(idempotencyKey);
    if (!record) throw new Error(`no record for ${idempotencyKey}`);
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    this.calls.put++;
    this.maybeFail();
    const existing = this.records.get(record.idempotencyKey);
    const inProgressExpired =
      existing?.getStatus() === 'INPROGRESS' && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < Date.now();
    if (existing && !existing.isExpired() && !inProgressExpired) {
      throw new IdempotencyItemAlreadyExistsError(`record exists for ${record.idempotencyKey}`, existing);
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.calls.update++;
    this.maybeFail();
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.calls.delete++;
    this.maybeFail();
    this.records.delete(record.idempotencyKey);
  }

  private maybeFail(): void {
    if (this.failWith) throw this.failWith;
  }
}
