import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../registry/correlation-keys';
import { BusyError } from '../../shared/errors';

/**
 * Port: one writer at a time per invoice note of a shipment. Two actions may add the same note — the invoice's own
 * (`invoice.posted`) and the one for a case opened after it (`case.opened`) — with the same Idempotency-Key, whose
 * marker on the ticket makes the second of two *sequential* attempts find the note there. Two *concurrent* ones
 * could both list the tickets before either wrote (the chaos test saw the note twice): the lock makes them sequential.
 * The holder lists and writes, then releases, whatever the outcome (the marker covers an answer lost after the
 * write); a lock left by a crashed environment expires after {@link NOTE_LOCK_SECONDS}.
 */
export interface NoteLock {
  /** Takes the lock, or throws {@link NoteBusyError} while another owner holds it. */
  acquire(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<void>;
  release(shipmentId: string, invoiceId: string, owner: string): Promise<void>;
}

/** Longer than one note's calls (list + update, or list + follow-up creation) within the CS function's timeout. */
export const NOTE_LOCK_SECONDS = 60;

/** Another execution environment is adding the same invoice note: try again shortly (no failure counted). */
export class NoteBusyError extends BusyError {
  override readonly errorClass = 'NoteBusy';
  override name = 'NoteBusyError';
  constructor(message: string) {
    super(message, 5);
  }
}

/** The lock as an item of the correlation table: `SHIPMENT#<id>` / `NOTE#invoice#<invoiceId>`, deleted on release. */
export class DynamoDbNoteLock implements NoteLock {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(shipmentId: string, invoiceId: string) {
    return { pk: keys.shipmentPk(shipmentId), sk: keys.invoiceNoteSk(invoiceId) };
  }

  async acquire(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId, invoiceId),
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: {
            ':owner': owner,
            ':now': now.getTime(),
            ':until': now.getTime() + NOTE_LOCK_SECONDS * 1000,
            ':exp': Math.floor(now.getTime() / 1000) + 2 * NOTE_LOCK_SECONDS,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NoteBusyError(`shipment ${shipmentId}: another invocation is adding the note of invoice ${invoiceId}`);
      throw error;
    }
  }

  async release(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: this.key(shipmentId, invoiceId), ConditionExpression: 'leaseOwner = :owner', ExpressionAttributeValues: { ':owner': owner } }),
      );
    } catch (error) {
      // Expired and taken by another owner: theirs now.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** In-memory lock for handler tests, with the same semantics. */
export class InMemoryNoteLock implements NoteLock {
  readonly locks = new Map<string, { owner: string; until: number }>();
  acquired = 0;

  async acquire(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<void> {
    const key = `${shipmentId}/${invoiceId}`;
    const held = this.locks.get(key);
    if (held && held.owner !== owner && held.until >= now.getTime()) throw new NoteBusyError(`shipment ${shipmentId}: invoice ${invoiceId} note in progress`);
    this.locks.set(key, { owner, until: now.getTime() + NOTE_LOCK_SECONDS * 1000 });
    this.acquired++;
  }

  async release(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    const key = `${shipmentId}/${invoiceId}`;
    if (this.locks.get(key)?.owner === owner) this.locks.delete(key);
  }
}
