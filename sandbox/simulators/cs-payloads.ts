/**
 * Zendesk-shaped resources and event-webhook payloads, as pure functions, written from Zendesk's contract
 * (contracts/zendesk/openapi.json: the Tickets API's TicketObject and the ticket event webhooks of
 * https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/).
 */

export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export const TICKET_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export const TICKET_TYPES = ['problem', 'incident', 'question', 'task'] as const;

export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** A ticket as the Tickets API returns it (the fields this integration touches, plus the usual ones). */
export interface ZendeskTicket {
  id: number;
  url: string;
  external_id: string | null;
  via: { channel: string };
  created_at: string;
  updated_at: string;
  type: string | null;
  subject: string;
  raw_subject: string;
  description: string;
  priority: TicketPriority | null;
  status: TicketStatus;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  is_public: boolean;
  /** "The ids of the followups created from this ticket. Ids are only visible once the ticket is closed." */
  followup_ids: number[];
}

export interface ZendeskComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  public: boolean;
  created_at: string;
  via: { channel: string };
}

export interface ZendeskUser {
  id: number;
  name: string;
  is_staff: boolean;
}

/** Event type names (`zen:event-type:ticket.*`). */
export const ZENDESK_EVENT = {
  statusChanged: 'zen:event-type:ticket.status_changed',
  priorityChanged: 'zen:event-type:ticket.priority_changed',
  commentAdded: 'zen:event-type:ticket.comment_added',
  tagsChanged: 'zen:event-type:ticket.tags_changed',
} as const;

/** One change to a ticket, as a webhook event's `type` and `event` object. */
export interface TicketChange {
  type: string;
  event: Record<string, unknown>;
}

const upper = (value: string | null): string | null => (value === null ? null : value.toUpperCase());
const idString = (value: number | null): string | null => (value === null ? null : String(value));

/**
 * The `detail` object of ticket events. As in Zendesk's examples, ids are strings and status, priority
 * and type are upper case (consumers should compare case-insensitively).
 */
export function ticketDetail(ticket: ZendeskTicket, actorId: number): Record<string, unknown> {
  return {
    actor_id: String(actorId),
    assignee_id: idString(ticket.assignee_id),
    brand_id: '360001',
    created_at: ticket.created_at,
    custom_status: null,
    description: ticket.description,
    external_id: ticket.external_id,
    form_id: '360002',
    group_id: idString(ticket.group_id),
    id: String(ticket.id),
    is_public: ticket.is_public,
    organization_id: idString(ticket.organization_id),
    priority: upper(ticket.priority),
    requester_id: String(ticket.requester_id),
    status: upper(ticket.status),
    subject: ticket.subject,
    submitter_id: String(ticket.submitter_id),
    tags: [...ticket.tags],
    type: upper(ticket.type),
    updated_at: ticket.updated_at,
    via: { channel: ticket.via.channel },
  };
}

export function statusChange(previous: TicketStatus, current: TicketStatus): TicketChange {
  return { type: ZENDESK_EVENT.statusChanged, event: { current: upper(current), previous: upper(previous) } };
}

export function priorityChange(previous: TicketPriority | null, current: TicketPriority | null): TicketChange {
  return { type: ZENDESK_EVENT.priorityChanged, event: { current: upper(current), previous: upper(previous) } };
}

/** Tags changed: the tags the change added and removed (not the lists before and after). */
export function tagsChanged(added: readonly string[], removed: readonly string[]): TicketChange {
  return { type: ZENDESK_EVENT.tagsChanged, event: { tags_added: [...added], tags_removed: [...removed] } };
}

export function commentAdded(comment: ZendeskComment, author: ZendeskUser): TicketChange {
  return {
    type: ZENDESK_EVENT.commentAdded,
    event: { comment: { id: String(comment.id), body: comment.body, is_public: comment.public, author: { id: String(author.id), is_staff: author.is_staff, name: author.name } } },
  };
}

export interface ZendeskEventEnvelope {
  account_id: number;
  detail: Record<string, unknown>;
  event: Record<string, unknown>;
  id: string;
  subject: string;
  time: string;
  type: string;
  zendesk_event_version: string;
}

/**
 * One ticket event. `sequence` is the event object's common `meta.sequence`: the id of the action that
 * triggered the event (events of one action share it) and the event's position in that action.
 */
export function ticketEvent(fields: { accountId: number; id: string; time: string; ticket: ZendeskTicket; actorId: number; change: TicketChange; sequence?: { id: string; position: number } }): ZendeskEventEnvelope {
  return {
    account_id: fields.accountId,
    detail: ticketDetail(fields.ticket, fields.actorId),
    event: fields.sequence ? { meta: { sequence: { ...fields.sequence } }, ...fields.change.event } : fields.change.event,
    id: fields.id,
    subject: `zen:ticket:${fields.ticket.id}`,
    time: fields.time,
    type: fields.change.type,
    zendesk_event_version: '2022-11-06',
  };
}

/** Zendesk tags: lower case, no spaces (a space separates tags), unique. */
export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.flatMap((tag) => tag.toLowerCase().split(/\s+/)).filter((tag) => tag !== ''))];
}
