/**
 * Port to the customer-service platform (Zendesk Tickets API). The outbound CS adapter and the exception
 * workflows depend on this interface; `zendesk-client.ts` implements it over HTTP.
 */
export type TicketPriority = 'urgent' | 'high' | 'normal' | 'low';

export interface NewTicket {
  subject: string;
  body: string;
  priority: TicketPriority;
  type?: 'problem' | 'incident' | 'question' | 'task';
  /** Our shipment id: one ticket per shipment exception, found again by it. */
  externalId: string;
  tags?: string[];
}

export interface TicketUpdate {
  comment?: { body: string; public?: boolean };
  status?: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
  priority?: TicketPriority;
  additionalTags?: string[];
}

export interface CsPort {
  /** Creates a ticket; `idempotencyKey` goes into Zendesk's `Idempotency-Key` header. */
  createTicket(ticket: NewTicket, idempotencyKey: string): Promise<{ ticketId: string }>;
  updateTicket(ticketId: string, update: TicketUpdate): Promise<void>;
  findTicketByExternalId(externalId: string): Promise<{ ticketId: string } | undefined>;
}
