/**
 * Deduplication of vendor webhooks in one write per accepted webhook (docs/cost.md). Powertools idempotency wrote
 * twice (the record in progress, then completed with the answer); here the answer of a webhook that maps straight to
 * canonical events is known before anything is published (the events' ids are deterministic), so the one conditional
 * put of the claim carries it, and no completion write follows. What the completion write used to prove — the events
 * did reach the bus — is read instead where it already lands: the correlation index's timeline entry of the last
 * event (`CORR#<correlationId>` / `TL#<occurredAt>#<eventId>`, lambdas/indexer).
 *
 * A repeat of a vendor event id within the window (the idempotency TTL):
 * - its events are in the index: answered 202 with the first answer, nothing published;
 * - not (yet) in the index while the first invocation may still run: 409, retry shortly, nothing published;
 * - not in the index after the first invocation's time is up: that invocation died before publishing (a failure it
 *   saw deletes the claim), so this one takes the claim over and publishes the same event ids (a first attempt that
 *   did publish, its events still unindexed, is deduplicated downstream by those ids).
 * A webhook whose answer is known only after a step (a read-back, a lookup: `deferred`), or a stage without the
 * index, keeps the completion write: the claim, then the answer.
 *
 * Layout: the Powertools table and attribute names (`id`, `expiration` TTL in seconds, `status`,
 * `in_progress_expiration` in ms, `data`: the answer as JSON), plus `token` (who holds the claim) and `proofPk`,
 * `proofSk` (the timeline entry that proves the answer). Records the Powertools layer completed are answered too.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, utcIso } from '../../../registry/correlation-keys';
import type { CanonicalDetail } from '../canonical-event';
import type { AcceptedBody, IgnoredBody, QueuedBody } from './responses';

export type WebhookAnswer = AcceptedBody | IgnoredBody | QueuedBody;

/** Where an accepted webhook's events are known to have been published: the index entry of its last event. */
export interface IndexProof {
  readonly pk: string;
  readonly sk: string;
}

/** One claim on a vendor event id. */
export interface DedupeRecord {
  readonly id: string;
  /** Epoch seconds: the record answers repeats until then (TTL attribute). */
  readonly expiresAt: number;
  /** Epoch ms: the invocation that holds the claim may still be running until then. */
  readonly inProgressUntil: number;
  readonly token?: string;
  readonly completed: boolean;
  readonly answer?: WebhookAnswer;
  readonly proof?: IndexProof;
}

export type ClaimResult = { readonly kind: 'claimed' } | { readonly kind: 'exists'; readonly record: DedupeRecord };

/** Port: the claims (DynamoDB in Lambda, in memory in tests). */
export interface DedupeStore {
  /** Writes the claim unless a live record (not past `expiresAt`) exists; then returns that record. */
  claim(record: DedupeRecord, now: Date): Promise<ClaimResult>;
  /** Replaces a claim whose holder died, if it is still that claim; false when another repeat took it first. */
  takeOver(record: DedupeRecord, previous: DedupeRecord): Promise<boolean>;
  /** Records the answer of a claim that had none (a deferred mapping). */
  complete(id: string, token: string, answer: WebhookAnswer): Promise<void>;
  /** Deletes our claim after a failure, so the vendor's retry is processed. */
  release(id: string, token: string): Promise<void>;
}

/** Port: whether an event's timeline entry is in the correlation index. */
export interface IndexProbe {
  indexed(proof: IndexProof): Promise<boolean>;
}

/** The record id: the Powertools form (`<prefix>#<md5 of the JSON key, base64>`), so records of either layout answer. */
export function dedupeId(prefix: string, key: string): string {
  return `${prefix}#${createHash('md5').update(JSON.stringify(key)).digest('base64')}`;
}

/** The timeline entry the indexer writes for an event (lambdas/indexer/index-plan.ts). */
export function indexProofOf(event: CanonicalDetail<object>): IndexProof {
  return { pk: keys.corrPk(event.metadata.correlationId), sk: keys.timelineSk(utcIso(event.metadata.occurredAt), event.metadata.eventId) };
}

export type RepeatDecision = { readonly action: 'answer'; readonly answer: WebhookAnswer } | { readonly action: 'in-progress' } | { readonly action: 'take-over' };

/** What to do with a repeat, given the live record and whether its proof is in the index (pure). */
export function decideRepeat(record: DedupeRecord, nowMs: number, indexed: boolean): RepeatDecision {
  if (record.answer && (record.completed || (record.proof && indexed))) return { action: 'answer', answer: record.answer };
  if (nowMs < record.inProgressUntil) return { action: 'in-progress' };
  return { action: 'take-over' };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

function toItem(record: DedupeRecord): Record<string, unknown> {
  return {
    id: record.id,
    expiration: record.expiresAt,
    in_progress_expiration: record.inProgressUntil,
    status: record.completed ? 'COMPLETED' : 'INPROGRESS',
    ...(record.token ? { token: record.token } : {}),
    ...(record.answer ? { data: JSON.stringify(record.answer) } : {}),
    ...(record.proof ? { proofPk: record.proof.pk, proofSk: record.proof.sk } : {}),
  };
}

function fromItem(item: Record<string, unknown>): DedupeRecord {
  const data = typeof item.data === 'string' ? (JSON.parse(item.data) as WebhookAnswer) : undefined;
  return {
    id: String(item.id),
    expiresAt: Number(item.expiration),
    inProgressUntil: Number(item.in_progress_expiration ?? 0),
    completed: item.status === 'COMPLETED',
    ...(typeof item.token === 'string' ? { token: item.token } : {}),
    ...(data ? { answer: data } : {}),
    ...(typeof item.proofPk === 'string' && typeof item.proofSk === 'string' ? { proof: { pk: item.proofPk, sk: item.proofSk } } : {}),
  };
}

/** A fresh claim token. */
export function newToken(): string {
  return randomUUID();
}

/** Over the idempotency table. */
export class DynamoDbDedupeStore implements DedupeStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(record: DedupeRecord, now: Date): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(id) OR expiration < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // The failed put's old item: read it (a read, not a write; the document client does not unmarshall it from the error).
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { id: record.id }, ConsistentRead: true }));
    // Gone in between (released after a failure, or expired): the caller answers 409 and the vendor retries shortly.
    if (!Item) return { kind: 'exists', record: { id: record.id, expiresAt: record.expiresAt, inProgressUntil: Number.MAX_SAFE_INTEGER, completed: false } };
    return { kind: 'exists', record: fromItem(Item) };
  }

  async takeOver(record: DedupeRecord, previous: DedupeRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'in_progress_expiration = :previous',
          ExpressionAttributeValues: { ':previous': previous.inProgressUntil },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  async complete(id: string, token: string, answer: WebhookAnswer): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id },
        UpdateExpression: 'SET #status = :completed, #data = :data',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#status': 'status', '#data': 'data', '#token': 'token' },
        ExpressionAttributeValues: { ':completed': 'COMPLETED', ':data': JSON.stringify(answer), ':token': token },
      }),
    );
  }

  async release(id: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { id }, ConditionExpression: '#token = :token', ExpressionAttributeNames: { '#token': 'token' }, ExpressionAttributeValues: { ':token': token } }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** Over the correlation table (GetItem of the key only). */
export class DynamoDbIndexProbe implements IndexProbe {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async indexed(proof: IndexProof): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: proof.pk, sk: proof.sk }, ProjectionExpression: 'pk' }));
    return Item !== undefined;
  }
}

/** In memory, with the same conditions, for tests. */
export class InMemoryDedupeStore implements DedupeStore {
  readonly records = new Map<string, DedupeRecord>();
  /** Writes by kind (a claim that finds a live record is a failed conditional write: counted too). */
  readonly calls = { claim: 0, takeOver: 0, complete: 0, release: 0 };
  /** When set, every operation throws it (a store outage). */
  failWith?: Error;

  private check(): void {
    if (this.failWith) throw this.failWith;
  }

  async claim(record: DedupeRecord, now: Date): Promise<ClaimResult> {
    this.calls.claim++;
    this.check();
    const current = this.records.get(record.id);
    if (current && current.expiresAt >= Math.floor(now.getTime() / 1000)) return { kind: 'exists', record: current };
    this.records.set(record.id, record);
    return { kind: 'claimed' };
  }

  async takeOver(record: DedupeRecord, previous: DedupeRecord): Promise<boolean> {
    this.calls.takeOver++;
    this.check();
    if (this.records.get(record.id)?.inProgressUntil !== previous.inProgressUntil) return false;
    this.records.set(record.id, record);
    return true;
  }

  async complete(id: string, token: string, answer: WebhookAnswer): Promise<void> {
    this.calls.complete++;
    this.check();
    const current = this.records.get(id);
    if (!current || current.token !== token) throw new Error(`claim ${id} is not held by ${token}`);
    this.records.set(id, { ...current, completed: true, answer });
  }

  async release(id: string, token: string): Promise<void> {
    this.calls.release++;
    this.check();
    if (this.records.get(id)?.token === token) this.records.delete(id);
  }

  /** Writes so far, as the table would bill them. */
  get writes(): number {
    return this.calls.claim + this.calls.takeOver + this.calls.complete + this.calls.release;
  }
}

/** In memory: the timeline entries of the events a publisher published (the index keeping up). */
export class InMemoryIndexProbe implements IndexProbe {
  readonly entries = new Set<string>();

  /** Marks events as indexed. */
  add(events: readonly CanonicalDetail<object>[]): void {
    for (const event of events) {
      const proof = indexProofOf(event);
      this.entries.add(`${proof.pk}\u0000${proof.sk}`);
    }
  }

  async indexed(proof: IndexProof): Promise<boolean> {
    return this.entries.has(`${proof.pk}\u0000${proof.sk}`);
  }
}
