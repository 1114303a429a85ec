import { SimHttpError, asObject } from '../common';
import { rfc3339Seconds } from '../signing';

/**
 * The tickets of a simulated Freshdesk account and the rules of the tickets API v2, from Freshdesk's reference
 * (https://developers.freshdesk.com/api/), not from our client: creation needs a requester (email, or an id
 * Freshdesk knows) and makes the contact when the email is new; status 2 Open … 5 Closed and priority 1 Low …
 * 4 Urgent, defaults Open / Low / source Portal; `type` one of the account's ticket types (the defaults here); `tags` on update replaces the list; notes are private by default;
 * Filter Tickets takes `"field:'value' AND|OR …"` over ticket fields, `tag` and custom fields. Closed tickets are
 * not locked (the reference states no such rule). Field-level checks beyond the contract's schema answer
 * Freshdesk's 400 `{description: "Validation failed", errors: [{field, message, code}]}`.
 */

export interface FreshdeskTicketRecord {
  id: number;
  subject: string;
  description: string;
  description_text: string;
  status: number;
  priority: number;
  source: number;
  type: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  requester_id: number;
  responder_id: number | null;
  group_id: number | null;
  created_at: string;
  updated_at: string;
  due_by: string | null;
  fr_due_by: string | null;
  is_escalated: boolean;
  spam: boolean;
}

export interface FreshdeskNoteRecord {
  id: number;
  body: string;
  body_text: string;
  incoming: boolean;
  private: boolean;
  user_id: number;
  ticket_id: number;
  created_at: string;
  updated_at: string;
}

/**
 * What View a Ticket embeds with `include=stats` ("the ticket's closed_at, resolved_at and first_responded_at time",
 * https://developers.freshdesk.com/api/#view_a_ticket): the last time it was resolved and closed, its first public
 * agent response; null until then.
 */
export interface FreshdeskTicketStats {
  resolved_at: string | null;
  closed_at: string | null;
  first_responded_at: string | null;
}

/** A change an automation rule can fire on (the events of the documented rules). */
export type TicketChange = { readonly kind: 'status'; readonly from: number } | { readonly kind: 'priority'; readonly from: number } | { readonly kind: 'note'; readonly private: boolean };

/** Freshdesk's 400: one entry per field. */
export class FreshdeskValidationError extends SimHttpError {
  constructor(readonly errors: readonly { field: string; message: string; code: string }[]) {
    super(400, 'validation_failed', `Validation failed: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
}

/** The custom ticket fields of the simulated account (the one logistics-sync asks the customer to create). */
export const CUSTOM_FIELDS = ['cf_lsync_shipment_id'] as const;
/** The ticket types of the simulated account: Freshdesk's defaults (an account can add or remove types). */
export const TICKET_TYPES = ['Question', 'Incident', 'Problem', 'Feature Request', 'Refund'] as const;
/** The agent the API key belongs to, and the agent who works tickets in the UI. */
export const API_AGENT_ID = 8001;
export const UI_AGENT_ID = 8002;

const stripHtml = (html: string) => html.replace(/<br\s*\/?>/gi, '\n').replace(/<[^>]*>/g, '').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');

export class FreshdeskTicketBook {
  private readonly tickets = new Map<number, FreshdeskTicketRecord>();
  private readonly notes = new Map<number, FreshdeskNoteRecord[]>();
  private readonly stats = new Map<number, FreshdeskTicketStats>();
  private readonly contacts = new Map<string, number>();
  private ticketSeq = 1000;
  private noteSeq = 43_000_000;
  private contactSeq = 5000;

  constructor(private readonly now: () => Date) {}

  clear(): void {
    this.tickets.clear();
    this.notes.clear();
    this.stats.clear();
    this.contacts.clear();
    this.ticketSeq = 1000;
    this.noteSeq = 43_000_000;
    this.contactSeq = 5000;
  }

  /** A ticket by path id; Freshdesk's 404 otherwise. */
  ticket(id: string | number): FreshdeskTicketRecord {
    const ticket = /^\d+$/.test(String(id)) ? this.tickets.get(Number(id)) : undefined;
    if (!ticket) throw new SimHttpError(404, 'not_found', 'Not found');
    return ticket;
  }

  list(): FreshdeskTicketRecord[] {
    return [...this.tickets.values()];
  }

  notesOf(ticketId: number): FreshdeskNoteRecord[] {
    return [...(this.notes.get(ticketId) ?? [])];
  }

  /** Create a Ticket (the body already holds to the contract's schema). */
  create(input: unknown): FreshdeskTicketRecord {
    const body = asObject(input, 'body');
    const errors: { field: string; message: string; code: string }[] = [];
    let requesterId: number | undefined;
    if (typeof body.requester_id === 'number') {
      if (![...this.contacts.values()].includes(body.requester_id)) errors.push({ field: 'requester_id', message: 'There is no contact matching the given requester_id', code: 'invalid_value' });
      requesterId = body.requester_id;
    } else if (typeof body.email === 'string') {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email)) errors.push({ field: 'email', message: 'It should be in the \'valid email address\' format', code: 'invalid_value' });
      requesterId = this.contacts.get(body.email) ?? ++this.contactSeq;
      this.contacts.set(body.email, requesterId);
    }
    this.checkFields(body, errors);
    if (errors.length > 0) throw new FreshdeskValidationError(errors);
    const now = rfc3339Seconds(this.now());
    const description = typeof body.description === 'string' ? body.description : '';
    const ticket: FreshdeskTicketRecord = {
      id: ++this.ticketSeq,
      subject: typeof body.subject === 'string' ? body.subject : '',
      description,
      description_text: stripHtml(description),
      status: typeof body.status === 'number' ? body.status : 2,
      priority: typeof body.priority === 'number' ? body.priority : 1,
      source: typeof body.source === 'number' ? body.source : 2,
      type: typeof body.type === 'string' ? body.type : null,
      tags: Array.isArray(body.tags) ? [...new Set(body.tags as string[])] : [],
      custom_fields: Object.fromEntries(CUSTOM_FIELDS.map((f) => [f, null])),
      requester_id: requesterId ?? 0,
      responder_id: typeof body.responder_id === 'number' ? body.responder_id : null,
      group_id: typeof body.group_id === 'number' ? body.group_id : null,
      created_at: now,
      updated_at: now,
      due_by: null,
      fr_due_by: null,
      is_escalated: false,
      spam: false,
    };
    Object.assign(ticket.custom_fields, (body.custom_fields as Record<string, unknown> | undefined) ?? {});
    this.tickets.set(ticket.id, ticket);
    this.notes.set(ticket.id, []);
    return ticket;
  }

  /** Update a Ticket: validated first, then applied; returns the changes rules fire on. */
  update(ticket: FreshdeskTicketRecord, input: unknown): TicketChange[] {
    const body = asObject(input, 'body');
    const errors: { field: string; message: string; code: string }[] = [];
    this.checkFields(body, errors);
    if (errors.length > 0) throw new FreshdeskValidationError(errors);
    const changes: TicketChange[] = [];
    if (typeof body.status === 'number') changes.push(...this.setStatus(ticket, body.status));
    if (typeof body.priority === 'number') changes.push(...this.setPriority(ticket, body.priority));
    if (typeof body.subject === 'string') ticket.subject = body.subject;
    if (typeof body.type === 'string') ticket.type = body.type;
    if (Array.isArray(body.tags)) ticket.tags = [...new Set(body.tags as string[])];
    if (body.custom_fields) Object.assign(ticket.custom_fields, body.custom_fields as Record<string, unknown>);
    ticket.updated_at = rfc3339Seconds(this.now());
    return changes;
  }

  setStatus(ticket: FreshdeskTicketRecord, status: number): TicketChange[] {
    if (ticket.status === status) return [];
    const from = ticket.status;
    ticket.status = status;
    ticket.updated_at = rfc3339Seconds(this.now());
    const stats = this.statsOf(ticket.id);
    if (status === 4) stats.resolved_at = ticket.updated_at;
    if (status === 5) stats.closed_at = ticket.updated_at;
    return [{ kind: 'status', from }];
  }

  /** The ticket's stats (`include=stats`). */
  statsOf(ticketId: number): FreshdeskTicketStats {
    let stats = this.stats.get(ticketId);
    if (!stats) this.stats.set(ticketId, (stats = { resolved_at: null, closed_at: null, first_responded_at: null }));
    return stats;
  }

  setPriority(ticket: FreshdeskTicketRecord, priority: number): TicketChange[] {
    if (ticket.priority === priority) return [];
    const from = ticket.priority;
    ticket.priority = priority;
    ticket.updated_at = rfc3339Seconds(this.now());
    return [{ kind: 'priority', from }];
  }

  /** Create a Note (private unless `private: false`). */
  addNote(ticket: FreshdeskTicketRecord, input: unknown, userId = API_AGENT_ID): { note: FreshdeskNoteRecord; change: TicketChange } {
    const body = asObject(input, 'body');
    const now = rfc3339Seconds(this.now());
    const html = String(body.body);
    const note: FreshdeskNoteRecord = { id: ++this.noteSeq, body: html, body_text: stripHtml(html), incoming: body.incoming === true, private: body.private !== false, user_id: userId, ticket_id: ticket.id, created_at: now, updated_at: now };
    this.notes.get(ticket.id)!.push(note);
    ticket.updated_at = now;
    const stats = this.statsOf(ticket.id);
    if (!note.private && !note.incoming && stats.first_responded_at === null) stats.first_responded_at = now;
    return { note, change: { kind: 'note', private: note.private } };
  }

  /** Filter Tickets: `field:'value'` or `field:number` terms joined by AND / OR (AND binds tighter), newest first. */
  filter(rawQuery: string): FreshdeskTicketRecord[] {
    const query = rawQuery.slice(1, -1).trim();
    const groups = query.split(/\s+OR\s+/).map((group) => group.split(/\s+AND\s+/).map((term) => this.term(term)));
    return this.list()
      .filter((t) => groups.some((terms) => terms.every((matches) => matches(t))))
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
  }

  private term(term: string): (t: FreshdeskTicketRecord) => boolean {
    const match = /^([a-z_]+):(?:'([^']*)'|(\d+))$/.exec(term.trim());
    if (!match) throw new FreshdeskValidationError([{ field: 'query', message: `Invalid query term ${JSON.stringify(term)}`, code: 'invalid_value' }]);
    const [, field, text, number] = match;
    const value = text ?? Number(number);
    if (field === 'tag') return (t) => t.tags.includes(String(value));
    if (field === 'status' || field === 'priority' || field === 'group_id' || field === 'requester_id') return (t) => t[field] === Number(value);
    if (field === 'type') return (t) => t.type === value;
    if ((CUSTOM_FIELDS as readonly string[]).includes(field!)) return (t) => t.custom_fields[field!] === value;
    throw new FreshdeskValidationError([{ field: field!, message: 'Unsupported field in query', code: 'invalid_field' }]);
  }

  private checkFields(body: Record<string, unknown>, errors: { field: string; message: string; code: string }[]): void {
    for (const field of Object.keys((body.custom_fields as Record<string, unknown> | undefined) ?? {})) {
      if (!(CUSTOM_FIELDS as readonly string[]).includes(field)) errors.push({ field, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
    }
    if (typeof body.status === 'number' && ![2, 3, 4, 5].includes(body.status)) errors.push({ field: 'status', message: 'It should be one of these values: \'2,3,4,5\'', code: 'invalid_value' });
    if (typeof body.type === 'string' && !(TICKET_TYPES as readonly string[]).includes(body.type)) errors.push({ field: 'type', message: `It should be one of these values: '${TICKET_TYPES.join(',')}'`, code: 'invalid_value' });
  }
}
