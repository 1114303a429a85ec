/**
 * Port to the customer-service platform (in the words of Zendesk's Tickets API, where it began). The outbound CS
 * adapter and the exception workflows depend on this interface; `zendesk-client.ts` and `freshdesk/client.ts`
 * implement it over HTTP (cs-clients.ts picks one per `systems.cs.vendor`).
 */
import type { FollowUpFields } from './ticket-plan';

export type TicketPriority = 'urgent' | 'high' | 'normal' | 'low';
export type TicketStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';

export interface NewTicket {
  subject: string;
  /** The first comment, an internal note. */
  body: string;
  priority: TicketPriority;
  type?: 'problem' | 'incident' | 'question' | 'task';
  /** Our shipment id: one ticket per shipment exception, found again by it. */
  externalId: string;
  tags?: string[];
  /** Status at creation (never `closed`). @default - Zendesk's: new, or open when assigned */
  status?: Exclude<TicketStatus, 'closed'>;
  /** A follow-up of this closed ticket (Zendesk `via_followup_source_id`). */
  followUpOf?: string;
}

export interface TicketUpdate {
  comment?: { body: string; public?: boolean };
  status?: TicketStatus;
  priority?: TicketPriority;
  additionalTags?: string[];
}

/** An update for a shipment's case: it always adds a comment (a follow-up cannot be created without one). */
export type ShipmentTicketUpdate = TicketUpdate & { comment: { body: string; public?: boolean } };

export interface UpdateByExternalIdOptions {
  /**
   * `Idempotency-Key` of the follow-up creation, and the key of the marker tag the update leaves on the ticket.
   * Derive it from the message being processed, so that a redelivered message makes no second follow-up and no
   * second note.
   */
  idempotencyKey: string;
  /** What a follow-up carries besides the update (defaults: the closed ticket's subject, priority, type, tags). */
  followUp?: FollowUpFields;
}

export interface UpdatedTicket {
  /** The ticket that got the update: an existing one, or the new follow-up. */
  ticketId: string;
  /** Set when every ticket of the shipment was closed: the closed ticket the new follow-up links to. */
  followUpOf?: string;
  /**
   * Set when an earlier attempt with the same idempotency key had already done it (its answer was lost on the
   * way back) and nothing was sent this time: `updated` (the note is on the ticket) or `created` (the ticket
   * itself, or the follow-up, was created under this key).
   */
  alreadyDone?: 'updated' | 'created';
}

export interface CsPort {
  /** Creates a ticket; `idempotencyKey` goes into Zendesk's `Idempotency-Key` header. */
  createTicket(ticket: NewTicket, idempotencyKey: string): Promise<{ ticketId: string }>;
  /** Updates one ticket. Zendesk refuses updates to closed tickets (422). */
  updateTicket(ticketId: string, update: TicketUpdate): Promise<void>;
  /**
   * Updates the shipment's case, i.e. its tickets with `external_id` = `externalId`: the newest one that is not
   * closed gets the update; when all are closed, a follow-up of the newest closed one is created carrying it
   * (lambdas/cs/ticket-plan.ts). Undefined when the shipment has no ticket at all.
   */
  updateTicketByExternalId(externalId: string, update: ShipmentTicketUpdate, options: UpdateByExternalIdOptions): Promise<UpdatedTicket | undefined>;
}

/** A change of a case's status, as the CS platform's history records it. */
export interface CaseStatusChange {
  /** The status after the change, in the Tickets API's words (lower case). */
  readonly status: string;
  /** When the change was made (the update's time, as the platform records it). */
  readonly at: string;
}

/** What the CS reconciliation sweep reads of one case (lambdas/cs/reconciliation). */
export interface CaseHistory {
  /** The platform that answered: its resolutions are its facts (lambdas/cs/inbound/case-resolution.ts). */
  readonly vendor: 'zendesk' | 'freshdesk';
  readonly caseId: string;
  /** The ticket's `external_id`: our shipment id when logistics-sync opened it. */
  readonly externalId?: string;
  readonly status: string;
  readonly createdAt?: string;
  /**
   * The status changes of its history, oldest first; read only when the case is solved or closed (an open case has no
   * resolution to restore, and the history costs more reads).
   */
  readonly statusChanges: readonly CaseStatusChange[];
}

/** Port of the CS reconciliation sweep: a case's current status and, when it is resolved, its status history. */
export interface CaseSource {
  /** Undefined when the platform does not know the case (404). */
  readCaseHistory(caseId: string): Promise<CaseHistory | undefined>;
}
