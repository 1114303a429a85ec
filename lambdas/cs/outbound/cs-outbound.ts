import { buildCanonicalEvent, type CanonicalDetail, type CanonicalRefs } from '../../shared/canonical-event';
import { targetIdempotencyKey } from '../../shared/outbound/idempotency';
import type { CanonicalMessage } from '../../shared/outbound/message';
import type { ActionContext, ActionOutcome, OutboundTarget } from '../../shared/outbound/runner';
import type { CsPort, TicketPriority, TicketUpdate } from '../cs-port';
import type { NoteLock } from './note-lock';

export interface InvoiceNoteAction {
  readonly operation: 'comment-invoice-posted';
  readonly shipmentId: string;
  readonly orderId: string;
  readonly invoiceId: string;
  readonly amount?: string;
  readonly currency?: string;
}

/** An invoice already posted for a shipment, as the ledger recorded it: the note it asks for, and its event. */
export interface PostedInvoice {
  readonly eventId: string;
  readonly correlationId: string;
  readonly refs: CanonicalRefs;
  readonly action: InvoiceNoteAction;
}

/** Port: a shipment's proof of delivery and posted invoices (read from the correlation ledger). */
export interface BillingRecords {
  proofOfDelivery(correlationId: string, shipmentId: string): Promise<{ documentId?: string; capturedAt: string } | undefined>;
  /** In any of the correlations given (a case's correlation may be its shipment's while the invoice's is the order's). */
  invoicesPosted(correlationIds: readonly string[], shipmentId: string): Promise<PostedInvoice[]>;
}

export type CsAction =
  | InvoiceNoteAction
  /** A case the exception workflows opened for a shipment already invoiced: the invoice note it missed. */
  | { readonly operation: 'comment-invoice-on-case'; readonly shipmentId: string; readonly caseId: string }
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
 * - `case.opened` by the exception workflows for a shipment → the same note, when the invoice was posted before
 *   the case existed (an excursion handled after the delivery: the invoice's own note found no ticket);
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
      return [{ operation: 'comment-invoice-posted', shipmentId: refs.shipmentId, orderId: refs.orderId, invoiceId: refs.invoiceId, amount: str(d.grossAmount), currency: str(d.currency) }];
    }
    case 'case.opened':
      return message.source === 'logistics-sync.orchestrator' && refs.shipmentId && refs.caseId ? [{ operation: 'comment-invoice-on-case', shipmentId: refs.shipmentId, caseId: refs.caseId }] : [];
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

/** The internal note added to a shipment's ticket when its invoice is posted (pure). */
export function invoiceComment(action: InvoiceNoteAction, pod: { documentId?: string; capturedAt: string } | undefined): string {
  const amount = action.amount ? ` (${action.currency ? `${action.currency} ` : ''}${action.amount})` : '';
  const podLine = pod ? `Proof of delivery: ${pod.documentId ?? 'captured'} at ${pod.capturedAt}.` : 'Proof of delivery: not yet recorded.';
  return `Invoice ${action.invoiceId}${amount} posted for order ${action.orderId}, shipment ${action.shipmentId}.\n${podLine}`;
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
    data: { change: 'comment-added', comment: { public: false, relatesTo: 'invoice', attachmentCount: 0 }, tagsAdded: ['invoice-posted', ...(withPod ? ['pod-captured'] : [])] },
  });
}

/** The CS side of the outbound adapter: keeps the shipment's ticket in step with billing and case changes. */
export class CsOutbound implements OutboundTarget<CsAction> {
  readonly target = 'cs' as const;

  constructor(
    private readonly cs: CsPort,
    private readonly billing: BillingRecords,
    /** Keeps the invoice's own note and the late case's note of the same invoice from running at once. */
    private readonly lock: NoteLock,
    /** The CS vendor the client calls (registry/api-vendors.ts), named in the events this adapter records. */
    private readonly vendor = 'zendesk',
  ) {}

  plan(message: CanonicalMessage): CsAction[] {
    return planCsActions(message);
  }

  async execute(action: CsAction, message: CanonicalMessage, context: ActionContext): Promise<ActionOutcome> {
    if (action.operation === 'update-case') {
      await this.cs.updateTicket(action.caseId, action.update);
      return { outcome: 'done', ticketId: action.caseId };
    }
    const { correlationId } = message.detail.metadata;
    if (action.operation === 'comment-invoice-posted') {
      return this.noteInvoice(action, { eventId: message.detail.metadata.eventId, correlationId, refs: message.detail.refs }, context.idempotencyKey, context);
    }
    // A case opened after the shipment's invoice was posted: the note that invoice's own action could not place
    // (no ticket then), made now with that action's Idempotency-Key, so a ticket that has it already is left alone
    // and a late invoice action finds it done.
    const { refs } = message.detail;
    const correlations = [correlationId, ...(refs.orderId ? [refs.orderId] : []), action.shipmentId];
    const invoices = await this.billing.invoicesPosted(correlations, action.shipmentId);
    if (invoices.length === 0) return { outcome: 'skipped', note: `no invoice posted yet for shipment ${action.shipmentId}` };
    let noted = 0;
    for (const invoice of invoices) {
      const key = targetIdempotencyKey('cs', invoice.action.operation, invoice.eventId);
      const outcome = await this.noteInvoice(invoice.action, { eventId: invoice.eventId, correlationId: invoice.correlationId, refs: invoice.refs }, key, context);
      if (outcome.outcome === 'done') noted++;
    }
    return { outcome: 'done', ticketId: action.caseId, note: `${noted} of ${invoices.length} invoice note(s) added to case ${action.caseId}` };
  }

  /** Comments the shipment's ticket with the invoice and its POD, once per Idempotency-Key, and records it. */
  private async noteInvoice(
    action: InvoiceNoteAction,
    invoice: { eventId: string; correlationId: string; refs: CanonicalRefs },
    idempotencyKey: string,
    context: ActionContext,
  ): Promise<ActionOutcome> {
    const pod = await this.billing.proofOfDelivery(invoice.correlationId, action.shipmentId);
    // The shipment's newest ticket that is not closed gets the note; when all are closed, a follow-up of the
    // newest closed one carries it (created with this action's Idempotency-Key: a redelivery makes no second).
    // Under the note's lock (owned by this message's action): the invoice's note and a late case's are sequential.
    const owner = context.idempotencyKey;
    await this.lock.acquire(action.shipmentId, action.invoiceId, owner, context.now());
    let ticket: Awaited<ReturnType<CsPort['updateTicketByExternalId']>>;
    try {
      ticket = await this.cs.updateTicketByExternalId(
        action.shipmentId,
        { comment: { body: invoiceComment(action, pod), public: false }, additionalTags: ['invoice-posted', ...(pod ? ['pod-captured'] : [])] },
        { idempotencyKey },
      );
    } finally {
      await this.lock.release(action.shipmentId, action.invoiceId, owner);
    }
    if (!ticket) return { outcome: 'skipped', note: `no ticket for shipment ${action.shipmentId}` };
    const cause = { refs: invoice.refs, metadata: { eventId: invoice.eventId, correlationId: invoice.correlationId } };
    await context.publish([invoiceNotedEvent(cause, ticket.ticketId, action.invoiceId, pod !== undefined, context.now(), this.vendor)]);
    return { outcome: 'done', ticketId: ticket.ticketId, ...(ticket.followUpOf ? { followUpOf: ticket.followUpOf } : {}) };
  }
}
