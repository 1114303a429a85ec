import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  /** A credit memo's: the invoice it corrects (the note names it). */
  readonly correctsInvoiceId?: string;
  /** The `invoice.posted` event: its action's Idempotency-Key is the note's, and the note's record names it. */
  readonly eventId: string;
  readonly correlationId: string;
  readonly refs: CanonicalRefs;
}

/**
 * Port: invoice notes and who adds them. Every invoice action claims its note here first (a conditional write: one
 * claimant; a claim left by a crashed environment expires after {@link PENDING_NOTE_CLAIM_SECONDS}), adds it to the
 * shipment's ticket, and marks it added; when the shipment has no ticket yet, the note stays left for a case the
 * exception workflows open later for the shipment (an excursion handled after the delivery), its claim left to lapse
 * (no write: most invoices find no ticket; a case within that minute waits for it). So
 * the invoice action, its retries and the case's action never add a note twice, and a note once added is never added
 * again: this item is the invoice action's guard (it keeps no Powertools record: docs/cost.md); the note's
 * Idempotency-Key (the invoice action's) makes the ticket's marker tell a repeat of a call whose answer was lost.
 *
 * The case's action reads only these items, not the correlation ledger: the ledger can lag the bus by minutes under
 * load (the 200-order chaos run: an invoice posted 28 s before the case was not indexed yet).
 */
export interface PendingNotes {
  /** The shipment's notes left and not yet added (a consistent read). */
  list(shipmentId: string): Promise<PendingNote[]>;
  /** Whether this invoice's note is unknown here, left (not added yet, claimed or not), or added (a consistent read). */
  status(shipmentId: string, invoiceId: string): Promise<PendingNoteStatus>;
  /** Leaves a note, claimed by `owner` when given; false when the invoice's note is here already. */
  leave(shipmentId: string, note: PendingNote, now: Date, ttlSeconds: number, owner?: string): Promise<boolean>;
  /** Claims a left note for `owner`: false when it is gone or added; {@link PendingNoteBusyError} while another owner holds it. */
  claim(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<boolean>;
  /** The claimed note was added to the ticket: marked added (never added again). */
  done(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<void>;
  /** The claimant's call failed: the note stays left, unclaimed (a claimant that found no ticket lets its claim lapse instead). */
  release(shipmentId: string, invoiceId: string, owner: string): Promise<void>;
}

export type PendingNoteStatus = 'none' | 'left' | 'added';

/**
 * How long a note item is kept (left, waiting for a case; or added, the never-twice mark) when no TTL is given: the
 * handler gives the stage's correlation TTL instead (cs-outbound.ts `noteTtlSeconds`), which the index keeps its items
 * for. Before, this was the TTL whatever the stage: after 90 days an invoice replayed from a longer archive (the prod
 * stage keeps 365 days) found no mark here, and only the vendors' marker tags (zendesk-client.ts `markerTag`, the
 * Freshdesk key tag) kept it from a second note.
 */
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
    return Items.filter((item) => item.addedAt === undefined).map((item) => item.note as PendingNote).filter((note) => note !== undefined);
  }

  async status(shipmentId: string, invoiceId: string): Promise<PendingNoteStatus> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key(shipmentId, invoiceId), ConsistentRead: true, ProjectionExpression: 'pk, addedAt' }));
    return Item === undefined ? 'none' : Item.addedAt !== undefined ? 'added' : 'left';
  }

  async leave(shipmentId: string, note: PendingNote, now: Date, ttlSeconds: number, owner?: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(shipmentId, note.invoiceId),
            itemType: 'pending-note',
            note,
            leftAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + ttlSeconds,
            ...(owner ? { claimedBy: owner, claimUntil: now.getTime() + PENDING_NOTE_CLAIM_SECONDS * 1000 } : {}),
          },
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
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(addedAt) AND (attribute_not_exists(claimUntil) OR claimUntil < :now OR claimedBy = :owner)',
          ExpressionAttributeValues: { ':owner': owner, ':now': now.getTime(), ':until': now.getTime() + PENDING_NOTE_CLAIM_SECONDS * 1000 },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    if ((await this.status(shipmentId, invoiceId)) !== 'left') return false;
    throw new PendingNoteBusyError(`shipment ${shipmentId}: another invocation is adding the note of invoice ${invoiceId}`);
  }

  async done(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(shipmentId, invoiceId),
        UpdateExpression: 'SET addedAt = :now REMOVE claimedBy, claimUntil',
        ConditionExpression: 'claimedBy = :owner',
        ExpressionAttributeValues: { ':owner': owner, ':now': now.toISOString() },
      }),
    );
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
  private async conditional(command: UpdateCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** In-memory left notes for handler tests, with the same semantics. */
export class InMemoryPendingNotes implements PendingNotes {
  /** Each note with its claim, when it was added, and when it expires (epoch ms, from the TTL it was left with). */
  readonly items = new Map<string, { note: PendingNote; claimedBy?: string; claimUntil?: number; addedAt?: string; expiresAt?: number }>();

  private key(shipmentId: string, invoiceId: string): string {
    return `${shipmentId}/${invoiceId}`;
  }

  async list(shipmentId: string): Promise<PendingNote[]> {
    return [...this.items.entries()].filter(([k, v]) => k.startsWith(`${shipmentId}/`) && v.addedAt === undefined).map(([, v]) => v.note);
  }

  async status(shipmentId: string, invoiceId: string): Promise<PendingNoteStatus> {
    const item = this.items.get(this.key(shipmentId, invoiceId));
    return item === undefined ? 'none' : item.addedAt !== undefined ? 'added' : 'left';
  }

  async leave(shipmentId: string, note: PendingNote, now: Date, ttlSeconds: number, owner?: string): Promise<boolean> {
    const key = this.key(shipmentId, note.invoiceId);
    if (this.items.has(key)) return false;
    this.items.set(key, { note, expiresAt: now.getTime() + ttlSeconds * 1000, ...(owner ? { claimedBy: owner, claimUntil: now.getTime() + PENDING_NOTE_CLAIM_SECONDS * 1000 } : {}) });
    return true;
  }

  async claim(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<boolean> {
    const item = this.items.get(this.key(shipmentId, invoiceId));
    if (!item || item.addedAt !== undefined) return false;
    if (item.claimedBy && item.claimedBy !== owner && (item.claimUntil ?? 0) >= now.getTime()) throw new PendingNoteBusyError(`invoice ${invoiceId} note in progress`);
    item.claimedBy = owner;
    item.claimUntil = now.getTime() + PENDING_NOTE_CLAIM_SECONDS * 1000;
    return true;
  }

  async done(shipmentId: string, invoiceId: string, owner: string, now: Date): Promise<void> {
    const item = this.items.get(this.key(shipmentId, invoiceId));
    if (item?.claimedBy !== owner) return;
    delete item.claimedBy;
    delete item.claimUntil;
    item.addedAt = now.toISOString();
  }

  async release(shipmentId: string, invoiceId: string, owner: string): Promise<void> {
    const item = this.items.get(this.key(shipmentId, invoiceId));
    if (item?.claimedBy === owner) {
      delete item.claimedBy;
      delete item.claimUntil;
    }
  }

  /** The notes left and not added, for assertions. */
  get left(): number {
    return [...this.items.values()].filter((v) => v.addedAt === undefined).length;
  }
}
