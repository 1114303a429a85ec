import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../registry/correlation-keys';
import type { CanonicalRefs } from '../../shared/canonical-event';
import { BusyError } from '../../shared/errors';

/** An invoice note that found no ticket: what a case opened later for the shipment adds. */
export interface PendingNote {
  readonly invoiceId: string;
  readonly orderId: string;
  readonly amount?: string;
  readonly currency?: string;
  /** A credit memo's note says so (cs-outbound.ts). @default 'invoice' */
  readonly documentType?: 'invoice' | 'credit-memo';
  /** The `invoice.posted` event: its action's Idempotency-Key is the note's, and the note's record names it. */
  readonly eventId: string;
  readonly correlationId: string;
  readonly refs: CanonicalRefs;
}

/**
 * Port: invoice notes handed over from the invoice to a later case. The invoice's action adds its note to the
 * shipment's ticket; when there is none yet, it leaves the note here, and a case the exception workflows open later
 * for the shipment takes it (an excursion handled after the delivery). Whoever adds a left note claims it first
 * (a conditional write: one claimant; a claim left by a crashed environment expires after
 * {@link PENDING_NOTE_CLAIM_SECONDS}), so the case's action and a retried invoice action never add it together; the
 * note's Idempotency-Key (the invoice action's) makes the ticket's marker tell a repeat.
 *
 * The case's action reads only these items, not the correlation ledger: the ledger can lag the bus by minutes under
 * load (the 200-order chaos run: an invoice posted 28 s before the case was not indexed yet).
 */
export interface PendingNotes {
  /** The shipment's notes left and not yet added (a consistent read). */
  list(shipmentId: string): Promise<PendingNote[]>;
  /** Whether this invoice's note was left (a consistent read). */
  has(shipmentId: string, invoiceId: string): Promise<boolean>;
  /** Leaves a note; false when it was left already. */
  leave(shipmentId: string, note: PendingNote, now: Date, ttlSeconds: number): Promise<boolean>;
  /** Claims a left note for `owner`: false when it is gone (added meanwhile); {@link PendingNoteBusyError} while another owner holds it. */
  claim(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<boolean>;
  /** The claimed note was added: removes it. */
  done(shipmentId: string, invoiceId: string, owner: string): Promise<void>;
  /** The claimant could not add it (no ticket, or a failure): the note stays left, unclaimed. */
  release(shipmentId: string, invoiceId: string, owner: string): Promise<void>;
}

/** How long a left note waits for a case (the correlation index keeps its items as long). */
export const PENDING_NOTE_TTL_SECONDS = 90 * 86_400;

/** Longer than one note's calls (list + update, or list + follow-up creation) within the CS function's timeout. */
export const PENDING_NOTE_CLAIM_SECONDS = 60;

/** Another execution environment is adding the same left note: try again shortly (no failure counted). */
export class PendingNoteBusyError extends BusyError {
  override readonly errorClass = 'PendingNoteBusy';
  override name = 'PendingNoteBusyError';
  constructor(message: string) {
    super(message, 5);
  }
}

/** Left notes as items of the correlation table: `SHIPMENT#<id>` / `NOTE#invoice#<invoiceId>`. */
export class DynamoDbPendingNotes implements PendingNotes {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(shipmentId: string, invoiceId: string) {
    return { pk: keys.shipmentPk(shipmentId), sk: keys.invoiceNoteSk(invoiceId) };
  }

  async list(shipmentId: string): Promise<PendingNote[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.shipmentPk(shipmentId), ':prefix': keys.invoiceNoteSk('') },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => item.note as PendingNote).filter((note) => note !== undefined);
  }

  async has(shipmentId: string, invoiceId: string): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(shipmentId, invoiceId), ConsistentRead: true, ProjectionExpression: 'pk' }));
    return Item !== undefined;
  }

  async leave(shipmentId: string, note: PendingNote, now: Date, ttlSeconds: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(shipmentId, note.invoiceId), itemType: 'pending-note', note, leftAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async claim(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shipmentId, invoiceId),
          UpdateExpression: 'SET claimedBy = :owner, claimUntil = :until',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimUntil) OR claimUntil < :now OR claimedBy = :owner)',
          ExpressionAttributeValues: { ':owner': owner, ':now': now.getTime(), ':until': now.getTime() + PENDING_NOTE_CLAIM_SECONDS * 1000 },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    if (!(await this.has(shipmentId, invoiceId))) return false;
    throw new PendingNoteBusyError(`shipment ${shipmentId}: another invocation is adding the note of invoice ${invoiceId}`);
  }

  async done(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    await this.conditional(new DeleteCommand({ TableName: this.tableName, Key: this.key(shipmentId, invoiceId), ConditionExpression: 'claimedBy = :owner', ExpressionAttributeValues: { ':owner': owner } }));
  }

  async release(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(shipmentId, invoiceId),
        UpdateExpression: 'REMOVE claimedBy, claimUntil',
        ConditionExpression: 'claimedBy = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  }

  /** A write conditioned on still holding the claim: when the claim expired and another owner took it, theirs now. */
  private async conditional(command: DeleteCommand | UpdateCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** In-memory left notes for handler tests, with the same semantics. */
export class InMemoryPendingNotes implements PendingNotes {
  readonly items = new Map<string, { note: PendingNote; claimedBy?: string; claimUntil?: number }>();

  private key(shipmentId: string, invoiceId: string): string {
    return `${shipmentId}/${invoiceId}`;
  }

  async list(shipmentId: string): Promise<PendingNote[]> {
    return [...this.items.entries()].filter(([k]) => k.startsWith(`${shipmentId}/`)).map(([, v]) => v.note);
  }

  async has(shipmentId: string, invoiceId: string): Promise<boolean> {
    return this.items.has(this.key(shipmentId, invoiceId));
  }

  async leave(shipmentId: string, note: PendingNote): Promise<boolean> {
    const key = this.key(shipmentId, note.invoiceId);
    if (this.items.has(key)) return false;
    this.items.set(key, { note });
    return true;
  }

  async claim(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<boolean> {
    const item = this.items.get(this.key(shipmentId, invoiceId));
    if (!item) return false;
    if (item.claimedBy && item.claimedBy !== owner && (item.claimUntil ?? 0) >= now.getTime()) throw new PendingNoteBusyError(`invoice ${invoiceId} note in progress`);
    item.claimedBy = owner;
    item.claimUntil = now.getTime() + PENDING_NOTE_CLAIM_SECONDS * 1000;
    return true;
  }

  async done(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    const key = this.key(shipmentId, invoiceId);
    if (this.items.get(key)?.claimedBy === owner) this.items.delete(key);
  }

  async release(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    const item = this.items.get(this.key(shipmentId, invoiceId));
    if (item?.claimedBy === owner) {
      delete item.claimedBy;
      delete item.claimUntil;
    }
  }
}
