import { SimHttpError, SimValidationError, asObject, optionalOneOf, optionalString, requiredString } from './common';
import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  commentAdded,
  normaliseTags,
  priorityChange,
  statusChange,
  tagsChanged,
  ZENDESK_EVENT,
  type TicketChange,
  type TicketPriority,
  type TicketStatus,
  type ZendeskComment,
  type ZendeskTicket,
  type ZendeskUser,
} from './cs-payloads';
import { rfc3339Seconds } from './signing';

/**
 * The tickets of the simulated Zendesk account and the rules of the Tickets API: creation (with follow-ups of
 * closed tickets), updates (validated before anything changes; `safe_update`), comments, status, priority and
 * tags, each change returned as the ticket event a webhook announces.
 */

export const INTEGRATION_USER: ZendeskUser = { id: 9001, name: 'logistics-sync integration', is_staff: true };
export const AGENT: ZendeskUser = { id: 9100, name: 'Sam Agent', is_staff: true };
/** Business rules (triggers, automations) act as Zendesk itself. */
export const AUTOMATION: ZendeskUser = { id: -1, name: 'Zendesk', is_staff: true };

export function stringArray(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new SimValidationError(`${what} must be an array of strings`);
  return value as string[];
}

/**
 * One audit of a ticket: "Audits are a read-only history of all updates to a given ticket … Each audit represents a
 * single update to the ticket" (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/; List
 * Audits for a Ticket, contracts/zendesk/openapi.json `TicketAuditObject`), with the events of the Ticket Audit events
 * reference (`Create`, `Change` with `previous_value`, `Comment`;
 * https://developer.zendesk.com/documentation/ticketing/reference-guides/ticket-audit-events-reference/).
 */
export interface ZendeskAudit {
  id: number;
  ticket_id: number;
  created_at: string;
  author_id: number;
  events: Record<string, unknown>[];
  via: { channel: string };
  metadata: { system: Record<string, unknown>; custom: Record<string, unknown> };
}

/**
 * Offset pagination of List Audits for a Ticket: "Returns a maximum of 100 records per page" (the operation's
 * description, https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/#list-audits-for-a-ticket);
 * `next_page` holds the next page's URL, null on the last
 * (https://developer.zendesk.com/documentation/api-basics/pagination/paginating-through-lists-using-offset-pagination/).
 */
export const AUDITS_PER_PAGE_MAX = 100;

export class TicketBook {
  private readonly tickets = new Map<number, ZendeskTicket>();
  private readonly comments = new Map<number, ZendeskComment[]>();
  private readonly audits = new Map<number, ZendeskAudit[]>();
  private ticketSeq = 0;
  private commentSeq = 0;
  private auditSeq = 0;

  constructor(private readonly options: { readonly subdomain: string; readonly now: () => Date }) {}

  clear(): void {
    this.tickets.clear();
    this.comments.clear();
    this.audits.clear();
    this.ticketSeq = 0;
    this.commentSeq = 0;
    this.auditSeq = 0;
  }

  /** A ticket by id (path segment); Zendesk's 404 otherwise. */
  ticket(id: string): ZendeskTicket {
    const ticket = /^\d+$/.test(id) ? this.tickets.get(Number(id)) : undefined;
    if (!ticket) throw new SimHttpError(404, 'RecordNotFound', 'Not found');
    return ticket;
  }

  /** Every ticket, or those with this `external_id`. */
  list(externalId: string | null = null): ZendeskTicket[] {
    return [...this.tickets.values()].filter((t) => externalId === null || t.external_id === externalId);
  }

  /** Comments of a ticket, oldest first. */
  commentsOf(ticketId: number): ZendeskComment[] {
    return [...(this.comments.get(ticketId) ?? [])];
  }

  /** `POST /api/v2/tickets`: a new ticket (or a follow-up of a closed one) with its first comment. */
  create(input: unknown): ZendeskTicket {
    const ticketIn = asObject(asObject(input, 'body').ticket, 'ticket');
    const comment = ticketIn.comment === undefined ? {} : asObject(ticketIn.comment, 'ticket.comment');
    const body = (typeof comment.body === 'string' ? comment.body : undefined) ?? optionalString(ticketIn, 'description');
    if (!body || body.trim() === '') throw new SimValidationError('Description: cannot be blank (ticket.comment.body is required)');
    const status = optionalOneOf(ticketIn, 'status', TICKET_STATUSES, 'ticket.');
    if (status === 'closed') throw new SimValidationError('Status: closed is not allowed when creating a ticket');
    // A follow-up: "The parameter only works with closed tickets. It has no effect with other tickets." Follow-ups
    // "inherit the tags from the parent ticket upon creation … If you … include tags in the request, those tags
    // will replace the parent ticket's tags" (creating-and-updating-tickets, Creating a follow-up ticket).
    const sourceId = typeof ticketIn.via_followup_source_id === 'number' ? ticketIn.via_followup_source_id : undefined;
    const source = sourceId === undefined ? undefined : this.tickets.get(sourceId);
    const followUpOf = source?.status === 'closed' ? source : undefined;
    const now = rfc3339Seconds(this.options.now());
    const id = ++this.ticketSeq;
    const subject = optionalString(ticketIn, 'subject', 'ticket.') ?? body.slice(0, 60);
    const ticket: ZendeskTicket = {
      id,
      url: `https://${this.options.subdomain}.zendesk.com/api/v2/tickets/${id}.json`,
      external_id: optionalString(ticketIn, 'external_id', 'ticket.') ?? null,
      via: { channel: 'api' },
      created_at: now,
      updated_at: now,
      type: optionalOneOf(ticketIn, 'type', TICKET_TYPES, 'ticket.') ?? null,
      subject,
      raw_subject: subject,
      description: body,
      priority: optionalOneOf(ticketIn, 'priority', TICKET_PRIORITIES, 'ticket.') ?? null,
      status: status ?? (typeof ticketIn.assignee_id === 'number' ? 'open' : 'new'),
      requester_id: typeof ticketIn.requester_id === 'number' ? ticketIn.requester_id : INTEGRATION_USER.id,
      submitter_id: INTEGRATION_USER.id,
      assignee_id: typeof ticketIn.assignee_id === 'number' ? ticketIn.assignee_id : null,
      organization_id: null,
      group_id: typeof ticketIn.group_id === 'number' ? ticketIn.group_id : null,
      tags: normaliseTags(ticketIn.tags === undefined && followUpOf ? followUpOf.tags : stringArray(ticketIn.tags, 'ticket.tags')),
      custom_fields: this.customFields(ticketIn.custom_fields),
      is_public: comment.public !== false,
      followup_ids: [],
    };
    if (followUpOf) followUpOf.followup_ids.push(id);
    this.tickets.set(id, ticket);
    this.comments.set(id, []);
    const first = this.appendComment(ticket, body, comment.public !== false, INTEGRATION_USER, 'api');
    ticket.updated_at = now;
    // "A separate event is created for each property set" (Create events, Ticket Audit events reference).
    const created = (['status', 'priority', 'type', 'subject', 'tags'] as const)
      .filter((field) => ticket[field] !== null && !(field === 'tags' && ticket.tags.length === 0))
      .map((field) => ({ type: 'Create', field_name: field, value: field === 'tags' ? [...ticket.tags] : ticket[field] }));
    this.recordAudit(ticket, INTEGRATION_USER, 'api', [first], created);
    return ticket;
  }

  /**
   * `PUT /api/v2/tickets/{id}` on a ticket that is not closed: every field is validated before anything changes;
   * returns the changes a webhook would announce.
   */
  update(ticket: ZendeskTicket, changes: Record<string, unknown>): TicketChange[] {
    if (changes.safe_update === true && changes.updated_stamp !== ticket.updated_at) {
      throw new SimHttpError(409, 'UpdateConflict', `updated_stamp ${JSON.stringify(changes.updated_stamp)} does not match the ticket's updated_at ${ticket.updated_at}`);
    }
    // Validate everything before changing anything.
    const status = optionalOneOf(changes, 'status', TICKET_STATUSES, 'ticket.');
    const priority = optionalOneOf(changes, 'priority', TICKET_PRIORITIES, 'ticket.');
    const type = optionalOneOf(changes, 'type', TICKET_TYPES, 'ticket.');
    const comment = changes.comment === undefined ? undefined : asObject(changes.comment, 'ticket.comment');
    const commentBody = comment ? requiredString(comment, 'body', 'ticket.comment.') : undefined;
    const additional = stringArray(changes.additional_tags, 'ticket.additional_tags');
    const removed = stringArray(changes.remove_tags, 'ticket.remove_tags');
    const replaced = changes.tags === undefined ? undefined : stringArray(changes.tags, 'ticket.tags');
    const customFields = changes.custom_fields === undefined ? undefined : this.customFields(changes.custom_fields);

    const events: TicketChange[] = [];
    if (comment && commentBody) events.push(this.appendComment(ticket, commentBody, comment.public !== false, INTEGRATION_USER, 'api'));
    if (status) events.push(...this.applyStatus(ticket, status));
    if (priority) events.push(...this.applyPriority(ticket, priority));
    if (type) ticket.type = type;
    if (typeof changes.subject === 'string') ticket.subject = ticket.raw_subject = changes.subject;
    if (typeof changes.external_id === 'string') ticket.external_id = changes.external_id;
    if (typeof changes.assignee_id === 'number') ticket.assignee_id = changes.assignee_id;
    if (replaced) {
      const next = normaliseTags(replaced);
      events.push(...this.applyTags(ticket, next.filter((t) => !ticket.tags.includes(t)), ticket.tags.filter((t) => !next.includes(t))));
    }
    events.push(...this.applyTags(ticket, additional, removed));
    if (customFields) {
      for (const field of customFields) {
        const existing = ticket.custom_fields.find((f) => f.id === field.id);
        if (existing) existing.value = field.value;
        else ticket.custom_fields.push(field);
      }
    }
    ticket.updated_at = rfc3339Seconds(this.options.now());
    return events;
  }

  private customFields(value: unknown): { id: number; value: unknown }[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new SimValidationError('ticket.custom_fields must be an array');
    return value.map((raw, index) => {
      const field = asObject(raw, `ticket.custom_fields[${index}]`);
      if (typeof field.id !== 'number') throw new SimValidationError(`ticket.custom_fields[${index}].id must be a number`);
      return { id: field.id, value: field.value ?? null };
    });
  }

  /**
   * Records one update of a ticket as an audit (created now, at the ticket's `updated_at`): its changes as the Ticket
   * Audit events reference writes them (a status, priority or tags change as a `Change` with `previous_value`; a
   * comment as a `Comment`), after any `Create` events. Returns the audit, which Create and Update Ticket answer with.
   */
  recordAudit(ticket: ZendeskTicket, author: ZendeskUser, channel: string, changes: readonly TicketChange[], created: readonly Record<string, unknown>[] = []): ZendeskAudit {
    const events = [...changes.map((change) => auditEventOf(change, ticket)), ...created].map((event, index) => ({ id: (this.auditSeq + 1) * 100 + index, ...event }));
    const audit: ZendeskAudit = {
      id: 5_000_000 + ++this.auditSeq,
      ticket_id: ticket.id,
      created_at: ticket.updated_at,
      author_id: author.id,
      events,
      via: { channel },
      metadata: { system: {}, custom: {} },
    };
    const list = this.audits.get(ticket.id) ?? [];
    list.push(audit);
    this.audits.set(ticket.id, list);
    return audit;
  }

  /** `GET /api/v2/tickets/{id}/audits`: one page of the ticket's audits, oldest first (offset pagination). */
  auditPage(ticketId: number, page: number, perPage: number): { audits: ZendeskAudit[]; count: number; hasMore: boolean } {
    const all = this.audits.get(ticketId) ?? [];
    const start = (page - 1) * perPage;
    return { audits: all.slice(start, start + perPage), count: all.length, hasMore: start + perPage < all.length };
  }

  applyStatus(ticket: ZendeskTicket, status: TicketStatus): TicketChange[] {
    if (ticket.status === status) return [];
    const previous = ticket.status;
    ticket.status = status;
    ticket.updated_at = rfc3339Seconds(this.options.now());
    return [statusChange(previous, status)];
  }

  applyPriority(ticket: ZendeskTicket, priority: TicketPriority): TicketChange[] {
    if (ticket.priority === priority) return [];
    const previous = ticket.priority;
    ticket.priority = priority;
    ticket.updated_at = rfc3339Seconds(this.options.now());
    return [priorityChange(previous, priority)];
  }

  /** Adds and removes tags (normalised as Zendesk stores them); one tags_changed change when anything changed. */
  applyTags(ticket: ZendeskTicket, add: readonly string[], remove: readonly string[]): TicketChange[] {
    const removeSet = new Set(normaliseTags(remove));
    const added = normaliseTags(add).filter((t) => !ticket.tags.includes(t) && !removeSet.has(t));
    const removed = ticket.tags.filter((t) => removeSet.has(t));
    if (added.length === 0 && removed.length === 0) return [];
    ticket.tags = [...ticket.tags.filter((t) => !removeSet.has(t)), ...added];
    ticket.updated_at = rfc3339Seconds(this.options.now());
    return [tagsChanged(added, removed)];
  }

  appendComment(ticket: ZendeskTicket, body: string, isPublic: boolean, author: ZendeskUser, channel: string): TicketChange {
    const comment: ZendeskComment = { id: 70_000 + ++this.commentSeq, type: 'Comment', author_id: author.id, body, public: isPublic, created_at: rfc3339Seconds(this.options.now()), via: { channel } };
    const list = this.comments.get(ticket.id) ?? [];
    list.push(comment);
    this.comments.set(ticket.id, list);
    ticket.updated_at = comment.created_at;
    return commentAdded(comment, author);
  }
}

/**
 * A ticket change (as a webhook announces it) as the audit event that records it: "value and previous_value are
 * normally strings. However, the attribute is an array when the value of field_name is tags"
 * (https://developer.zendesk.com/documentation/ticketing/reference-guides/ticket-audit-events-reference/).
 */
function auditEventOf(change: TicketChange, ticket: ZendeskTicket): Record<string, unknown> {
  const lower = (value: unknown): unknown => (typeof value === 'string' ? value.toLowerCase() : (value ?? null));
  const event = change.event;
  switch (change.type) {
    case ZENDESK_EVENT.statusChanged:
      return { type: 'Change', field_name: 'status', value: lower(event.current), previous_value: lower(event.previous) };
    case ZENDESK_EVENT.priorityChanged:
      return { type: 'Change', field_name: 'priority', value: lower(event.current), previous_value: lower(event.previous) };
    case ZENDESK_EVENT.tagsChanged: {
      // "the attribute is an array when the value of field_name is tags": the lists after and before.
      const added = (event.tags_added ?? []) as string[];
      const removed = (event.tags_removed ?? []) as string[];
      return { type: 'Change', field_name: 'tags', value: [...ticket.tags], previous_value: [...ticket.tags.filter((t) => !added.includes(t)), ...removed] };
    }
    case ZENDESK_EVENT.commentAdded: {
      const comment = event.comment as { id: string; body: string; is_public: boolean; author: { id: string } };
      return { type: 'Comment', author_id: Number(comment.author.id), body: comment.body, public: comment.is_public, attachments: [] };
    }
    default:
      return { type: 'Change', field_name: change.type };
  }
}
