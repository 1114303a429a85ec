import { createHash } from 'node:crypto';
import { makeIdempotent, type IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { Context } from 'aws-lambda';
import { businessKeyIdempotencyConfig } from '../idempotency';

/**
 * Port: runs a side effect at most once per key. A repeat with the same key (a redelivered message, a
 * vendor retry that became the same canonical event) returns the first result without running again; a
 * concurrent repeat fails with Powertools' `IdempotencyAlreadyInProgressError` (retried later).
 */
export interface IdempotentRunner {
  run<T extends JSONValue>(key: string, work: () => Promise<T>): Promise<T>;
  /** Lets the runner bound "in progress" records by the invocation's remaining time. */
  registerContext(context: Context): void;
}

/**
 * Powertools idempotency (`makeIdempotent` on a plain function) keyed on a business key string: the
 * record id is `<keyPrefix>#<hash of the key>`, so the key prefix, not the function name, scopes the
 * records (a renamed or redeployed function keeps its records).
 */
export class PowertoolsIdempotentRunner implements IdempotentRunner {
  private readonly config: IdempotencyConfig;
  private readonly runOnce: (input: { key: string }, work: () => Promise<JSONValue>) => Promise<JSONValue>;

  constructor(persistenceStore: BasePersistenceLayer, options: { keyPrefix: string; expiresAfterSeconds: number }) {
    this.config = businessKeyIdempotencyConfig({ keyPath: 'key', ttlSeconds: options.expiresAfterSeconds });
    this.runOnce = makeIdempotent(async (_input: { key: string }, work: () => Promise<JSONValue>) => work(), {
      persistenceStore,
      config: this.config,
      keyPrefix: options.keyPrefix,
      dataIndexArgument: 0,
    });
  }

  async run<T extends JSONValue>(key: string, work: () => Promise<T>): Promise<T> {
    return (await this.runOnce({ key }, work)) as T;
  }

  registerContext(context: Context): void {
    this.config.registerLambdaContext(context);
  }
}

/**
 * The business key of one side effect: (target, operation, canonical event id). Used for the Powertools
 * record and, hashed, as the target's own `Idempotency-Key`.
 */
export function actionKey(target: string, operation: string, eventId: string): string {
  return `${target}:${operation}:${eventId}`;
}

/**
 * The `Idempotency-Key` header for an action: deterministic (SHA-256 of the action key), so every retry,
 * redelivery and redrive of the same event sends the same key, and the target can recognise a repeat even
 * when our own record was lost or expired.
 */
export function targetIdempotencyKey(target: string, operation: string, eventId: string): string {
  return `lsync-${createHash('sha256').update(actionKey(target, operation, eventId)).digest('hex').slice(0, 48)}`;
}
