import { randomUUID } from 'node:crypto';
import { buildCanonicalEvent, isCreditMemo, type CanonicalDetail, type CanonicalRefs } from '../../shared/canonical-event';
import { BusyError } from '../../shared/errors';
import { targetIdempotencyKey } from '../../shared/outbound/idempotency';
import type { CanonicalMessage } from '../../shared/outbound/message';
import type { ActionContext, ActionOutcome, OutboundTarget } from '../../shared/outbound/runner';
import type { CsPort, TicketPriority, TicketUpdate } from '../cs-port';
import { PENDING_NOTE_TTL_SECONDS, type PendingNote, type PendingNotes } from './pending-notes';

export interface InvoiceNoteAction {
  readonly operation: 'comment-invoice-posted';
  /**
   * Guarded by the note's own item (pending-notes.ts): claimed before the ticket is commented, marked added after,
   * left for a case when there is no ticket. The runner keeps no Powertools record for it (two writes that protected
   * nothing the note's item does not; most invoices find no ticket and wrote three).
   */
  readonly guardedByTarget: true;
  readonly shipmentId: string;
  readonly orderId: string;
  readonly invoiceId: string;
  readonly amount?: string;
  readonly currency?: string;
  /** A credit memo (`invoice.posted` with `documentType: credit-memo`) is noted as one, without the POD. @default 'invoice' */
  readonly documentType?: 'invoice' | 'credit-memo';
  /** A credit memo's: the invoice it corrects, when the ERP links them (the note names it). */
  readonly correctsInvoiceId?: string;
}

/** Port: a shipment's proof of delivery (read from the correlation ledger). */
export interface BillingRecords {
  proofOfDelivery(correlationId: string, shipmentId: string): Promise<ProofOfDelivery | undefined>;
  /** The shipment an invoice was posted for, as the correlation index recorded it (a credit memo's note goes there). */
  invoicedShipment?(correlationId: string, invoiceId: string): Promise<string | undefined>;
}

export interface ProofOfDelivery {
  readonly documentId?: string;
  readonly capturedAt: string;
}

/**
 * How long an invoice's note waits for its shipment's proof of delivery to reach the correlation index. The ERP marks
 * a shipment billing-ready on its POD, so an invoice normally follows a POD already on the bus; the index, fed by the
 * ledger queue, may still be behind it (a backlog, a batch retried, the ledger's batching window). Within this time
 * after the invoice was received the note is retried ({@link PodNotIndexedError}) instead of saying "not yet
 * recorded"; after it (an invoice posted without a POD of ours) the note goes without.
 */
export const POD_WAIT_SECONDS = 180;

/** The invoice's note waits for its shipment's POD to be indexed: retried in 10 s, not counted as a failure. */
export class PodNotIndexedError extends BusyError {
  override readonly errorClass = 'PodNotIndexed';
  override name = 'PodNotIndexedError';
  constructor(message: string) {
    super(message, 10);
  }
}

/** Whether an invoice received at `receivedAt` still waits for its POD at `now` (pure). */
export function waitsForPod(receivedAt: string, now: Date): boolean {
  const received = Date.parse(receivedAt);
  return Number.isFinite(received) && now.getTime() - received < POD_WAIT_SECONDS * 1000;
}

export type CsAction =
  | InvoiceNoteAction
  /**
   * A case the exception workflows opened for a shipment already invoiced: the invoice notes it missed. Guarded by the
   * left notes themselves (each is added under its claim and marked added: a repeat finds it added), so the runner
   * keeps no idempotency record for it — most cases find no note left, and the record would be two writes for nothing.
   */
  | { readonly operation: 'comment-invoice-on-case'; readonly shipmentId: string; readonly caseId: string; readonly guardedByTarget: true }
  | { readonly operation: 'update-case'; readonly caseId: string; readonly update: TicketUpdate };

const STATUSES = new Set(['new', 'open', 'pending', 'hold', 'solved', 'closed']);
const PRIORITIES = new Set(['urgent', 'high', 'normal', 'low']);
const TAG = /^[a-z0-9][a-z0-9_:-]*$/;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The CS actions a canonical event asks for (pure):
 * - `invoice.posted` for a shipment → comment the shipment's ticket with the invoice and the POD (a follow-up
 *   of it when the ticket is closed);
 * - `case.opened` by the exception workflows for a shipment → the notes of invoices posted before the case existed
 *   (an excursion handled after the delivery: the invoice's own note found no ticket and was left for a case);
 * - `case.updated` / `case.resolved` decided in the ERP or the fleet system → apply the status, priority
 *   and tags to the ticket. Never those from CS itself (an echo) or from the exception workflows (they
 *   update the ticket themselves and publish the event as a record).
 * Every other event → nothing.
 */
export function planCsActions(message: CanonicalMessage): CsAction[] {
  const { metadata, refs, data } = message.detail;
  const d = data as Record<string, unknown>;
  switch (metadata.eventType) {
    case 'invoice.posted': {
      if (!refs.shipmentId || !refs.orderId || !refs.invoiceId) return [];
      return [{ operation: 'comment-invoice-posted', guardedByTarget: true, shipmentId: refs.shipmentId, orderId: refs.orderId, invoiceId: refs.invoiceId, amount: str(d.grossAmount), currency: str(d.currency), ...(isCreditMemo(message.detail) ? { documentType: 'credit-memo' as const, ...(str(d.correctsInvoiceId) ? { correctsInvoiceId: str(d.correctsInvoiceId) } : {}) } : {}) }];
    }
    case 'case.opened':
      return message.source === 'logistics-sync.orchestrator' && refs.shipmentId && refs.caseId ? [{ operation: 'comment-invoice-on-case', shipmentId: refs.shipmentId, caseId: refs.caseId, guardedByTarget: true }] : [];
    case 'case.updated':
    case 'case.resolved': {
      // Changes made by CS itself or already made by the exception workflows (which publish case events as a
      // record of their own ticket updates) must not be applied a second time.
      if (!refs.caseId || message.source === 'logistics-sync.cs' || message.source === 'logistics-sync.orchestrator') return [];
      const status = str(d.status);
      const priority = str(d.priority);
      const tags = Array.isArray(d.tagsAdded) ? d.tagsAdded.filter((t): t is string => typeof t === 'string' && TAG.test(t)) : [];
      const update: TicketUpdate = {
        ...(status && STATUSES.has(status) ? { status: status as TicketUpdate['status'] } : {}),
        ...(priority && PRIORITIES.has(priority) ? { priority: priority as TicketPriority } : {}),
        ...(tags.length > 0 ? { additionalTags: tags } : {}),
        ...(metadata.eventType === 'case.resolved' && str(d.resolutionCode)
          ? { comment: { body: `Resolved by logistics-sync: ${str(d.resolutionCode)}.`, public: false } }
          : {}),
      };
      return Object.keys(update).length > 0 ? [{ operation: 'update-case', caseId: refs.caseId, update }] : [];
    }
    default:
      return [];
  }
}

/** The internal note added to a shipment's ticket when its invoice (or a credit memo) is posted (pure). */
export function invoiceComment(action: InvoiceNoteAction, pod: { documentId?: string; capturedAt: string } | undefined): string {
  const amount = action.amount ? ` (${action.currency ? `${action.currency} ` : ''}${action.amount})` : '';
  // A credit memo reverses billing: it is said so, and the proof of delivery is not its business.
  if (action.documentType === 'credit-memo') {
    return `Credit memo ${action.invoiceId}${amount} posted for order ${action.orderId}, shipment ${action.shipmentId}${action.correctsInvoiceId ? `, correcting invoice ${action.correctsInvoiceId}` : ''}.`;
  }
  const podLine = pod ? `Proof of delivery: ${pod.documentId ?? 'captured'} at ${pod.capturedAt}.` : 'Proof of delivery: not yet recorded.';
  return `Invoice ${action.invoiceId}${amount} posted for order ${action.orderId}, shipment ${action.shipmentId}.\n${podLine}`;
}

/** The tags the note adds to the ticket (pure). */
export function invoiceNoteTags(documentType: InvoiceNoteAction['documentType'], withPod: boolean): string[] {
  return documentType === 'credit-memo' ? ['credit-memo-posted'] : ['invoice-posted', ...(withPod ? ['pod-captured'] : [])];
}

/**
 * `case.updated` recording the invoice note on the shipment's ticket (pure; id deterministic per ticket and
 * invoice), so the trace shows the CS hop. Routing never sends CS-sourced case events back to CS.
 */
export function invoiceNotedEvent(
  cause: { readonly refs: CanonicalRefs; readonly metadata: { readonly eventId: string; readonly correlationId: string } },
  ticketId: string,
  invoiceId: string,
  withPod: boolean,
  now: Date,
  vendor = 'zendesk',
  documentType?: InvoiceNoteAction['documentType'],
): CanonicalDetail {
  return buildCanonicalEvent({
    eventType: 'case.updated',
    system: 'cs',
    vendor,
    vendorEventId: `ticket-${ticketId}-invoice-${invoiceId}`,
    occurredAt: now.toISOString(),
    receivedAt: now.toISOString(),
    refs: { ...cause.refs, caseId: ticketId },
    correlationId: cause.metadata.correlationId,
    causationId: cause.metadata.eventId,
    data: { change: 'comment-added', comment: { public: false, relatesTo: 'invoice', attachmentCount: 0 }, tagsAdded: invoiceNoteTags(documentType, withPod) },
  });
}

/** The CS side of the outbound adapter: keeps the shipment's ticket in step with billing and case changes. */
export class CsOutbound implements OutboundTarget<CsAction> {
  readonly target = 'cs' as const;

  constructor(
    private readonly cs: CsPort,
    private readonly billing: BillingRecords,
    /** Invoice notes that found no ticket, left for a case opened later (pending-notes.ts). */
    private readonly pending: PendingNotes,
    /** The CS vendor the client calls (registry/api-vendors.ts), named in the events this adapter records. */
    private readonly vendor = 'zendesk',
    /**
     * How long an invoice's note item is kept: the stage's correlation TTL (`retention.correlationTtlDays`, the
     * handler's `CORRELATION_TTL_SECONDS`), so its never-twice mark lasts as long as the correlation it belongs to and
     * a replay from the event archive within it adds no second note.
     */
    private readonly noteTtlSeconds = PENDING_NOTE_TTL_SECONDS,
  ) {}

  plan(message: CanonicalMessage): CsAction[] {
    return planCsActions(message);
  }

  async execute(action: CsAction, message: CanonicalMessage, context: ActionContext): Promise<ActionOutcome> {
    if (action.operation === 'update-case') {
      await this.cs.updateTicket(action.caseId, action.update);
      return { outcome: 'done', ticketId: action.caseId };
    }
    // Unique per execution: two copies of one event's action (a redelivery beside its original) must not share a claim.
    const owner = `${context.idempotencyKey}#${randomUUID()}`;
    if (action.operation === 'comment-invoice-posted') {
      const { metadata } = message.detail;
      // A credit memo's note goes to the shipment of the invoice it corrects, as the index recorded that invoice: the
      // ERP may name another shipment of the order (Business Central names the order's latest billing-ready one).
      const corrected = action.documentType === 'credit-memo' && action.correctsInvoiceId ? await this.billing.invoicedShipment?.(metadata.correlationId, action.correctsInvoiceId) : undefined;
      const shipmentId = corrected ?? action.shipmentId;
      const refs = corrected ? { ...message.detail.refs, shipmentId } : message.detail.refs;
      const note: PendingNote = {
        invoiceId: action.invoiceId,
        orderId: action.orderId,
        ...(action.amount ? { amount: action.amount } : {}),
        ...(action.currency ? { currency: action.currency } : {}),
        ...(action.documentType ? { documentType: action.documentType } : {}),
        ...(action.correctsInvoiceId ? { correctsInvoiceId: action.correctsInvoiceId } : {}),
        eventId: metadata.eventId,
        correlationId: metadata.correlationId,
        refs,
      };
      const status = await this.pending.status(shipmentId, action.invoiceId);
      if (status === 'added') return { outcome: 'skipped', note: `the note of invoice ${action.invoiceId} was added already` };
      // The POD first (a credit memo names none): an invoice normally follows its shipment's POD, which the index may
      // not have yet; the note waits for it a while rather than say "not yet recorded" (POD_WAIT_SECONDS).
      const pod = action.documentType === 'credit-memo' ? undefined : await this.billing.proofOfDelivery(metadata.correlationId, shipmentId);
      if (!pod && action.documentType !== 'credit-memo' && waitsForPod(metadata.receivedAt, context.now())) {
        throw new PodNotIndexedError(`the proof of delivery of shipment ${shipmentId} is not in the correlation index yet: the note of invoice ${action.invoiceId} waits for it`);
      }
      // The note, claimed by this execution, then added (or left for a case when there is no ticket). Left on an
      // earlier attempt, or by a copy of this action meanwhile: added only under its claim.
      if (status === 'none' && (await this.pending.leave(shipmentId, note, context.now(), this.noteTtlSeconds, owner))) {
        const added = await this.addClaimedNote(shipmentId, note, owner, context, { pod });
        return added ?? { outcome: 'skipped', note: `no ticket for shipment ${shipmentId}: the note is left for a case opened later` };
      }
      return this.addLeftNote(shipmentId, note, owner, context, { pod });
    }
    // A case the workflows opened: the notes invoices left for want of a ticket.
    const left = await this.pending.list(action.shipmentId);
    if (left.length === 0) return { outcome: 'skipped', note: `no invoice note left for shipment ${action.shipmentId}` };
    let added = 0;
    for (const note of left) if ((await this.addLeftNote(action.shipmentId, note, owner, context)).outcome === 'done') added++;
    return { outcome: 'done', ticketId: action.caseId, note: `${added} of ${left.length} left invoice note(s) added` };
  }

  /** Adds a left note under its claim (one claimant at a time), then marks it added; released when it could not be added. */
  private async addLeftNote(shipmentId: string, note: PendingNote, owner: string, context: ActionContext, known?: { pod?: ProofOfDelivery }): Promise<ActionOutcome> {
    if (!(await this.pending.claim(shipmentId, note.invoiceId, owner, context.now()))) return { outcome: 'skipped', note: `the note of invoice ${note.invoiceId} was added meanwhile` };
    return (await this.addClaimedNote(shipmentId, note, owner, context, known)) ?? { outcome: 'skipped', note: `still no ticket for shipment ${shipmentId}` };
  }

  /**
   * Adds a note this execution holds the claim of: marked added; released when the call failed (its retry is another
   * execution, which claims it at once). When the shipment has no ticket the note stays left and its claim is not
   * released but lapses (`PENDING_NOTE_CLAIM_SECONDS`, 60 s): most invoices find no ticket, and the release was a write
   * for each of them (docs/cost.md); a case opened within that minute waits for it (`PendingNoteBusy`, retried in 5 s),
   * then adds the note. `known`: the POD already read for it (else read here).
   */
  private async addClaimedNote(shipmentId: string, note: PendingNote, owner: string, context: ActionContext, known?: { pod?: ProofOfDelivery }): Promise<ActionOutcome | undefined> {
    let outcome: ActionOutcome | undefined;
    try {
      outcome = await this.noteInvoice(shipmentId, note, context, known);
    } catch (error) {
      await this.pending.release(shipmentId, note.invoiceId, owner);
      throw error;
    }
    if (outcome) await this.pending.done(shipmentId, note.invoiceId, owner, context.now());
    return outcome;
  }

  /**
   * Comments the shipment's ticket with the invoice and its POD, with the invoice action's Idempotency-Key (the
   * ticket's marker makes a repeat a no-op), and records it; undefined when the shipment has no ticket.
   */
  private async noteInvoice(shipmentId: string, note: PendingNote, context: ActionContext, known?: { pod?: ProofOfDelivery }): Promise<ActionOutcome | undefined> {
    const action: InvoiceNoteAction = {
      operation: 'comment-invoice-posted',
      guardedByTarget: true,
      shipmentId,
      orderId: note.orderId,
      invoiceId: note.invoiceId,
      ...(note.amount ? { amount: note.amount } : {}),
      ...(note.currency ? { currency: note.currency } : {}),
      ...(note.documentType ? { documentType: note.documentType } : {}),
      ...(note.correctsInvoiceId ? { correctsInvoiceId: note.correctsInvoiceId } : {}),
    };
    const pod = action.documentType === 'credit-memo' ? undefined : known ? known.pod : await this.billing.proofOfDelivery(note.correlationId, shipmentId);
    // The shipment's newest ticket that is not closed gets the note; when all are closed, a follow-up of the
    // newest closed one carries it (created with the same Idempotency-Key: a redelivery makes no second).
    const ticket = await this.cs.updateTicketByExternalId(
      shipmentId,
      { comment: { body: invoiceComment(action, pod), public: false }, additionalTags: invoiceNoteTags(action.documentType, pod !== undefined) },
      { idempotencyKey: targetIdempotencyKey('cs', action.operation, note.eventId) },
    );
    if (!ticket) return undefined;
    const cause = { refs: note.refs, metadata: { eventId: note.eventId, correlationId: note.correlationId } };
    await context.publish([invoiceNotedEvent(cause, ticket.ticketId, note.invoiceId, pod !== undefined, context.now(), this.vendor, action.documentType)]);
    return { outcome: 'done', ticketId: ticket.ticketId, ...(ticket.followUpOf ? { followUpOf: ticket.followUpOf } : {}) };
  }
}
