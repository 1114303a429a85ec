/**
 * The Freshdesk side of the CS port's vocabulary (pure): statuses, priorities and types as Freshdesk API v2
 * defines them (https://developers.freshdesk.com/api/#ticket_properties: status 2 Open, 3 Pending, 4 Resolved,
 * 5 Closed; priority 1 Low, 2 Medium, 3 High, 4 Urgent; the default ticket types Question, Incident, Problem,
 * Feature Request, Refund), the shipment reference field, the Filter Tickets queries and the HTML of notes.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../shared/errors';
import type { NewTicket, TicketPriority, TicketStatus } from '../cs-port';
import type { ListedTicket } from '../ticket-plan';

/**
 * The custom ticket field holding our shipment id (single-line text, label "lsync shipment id"): Freshdesk tickets
 * have no external id. The customer creates it (docs/vendors.md, "Freshdesk").
 */
export const SHIPMENT_FIELD = 'cf_lsync_shipment_id';

/**
 * The port's statuses in Freshdesk. Freshdesk has no "new" (a ticket starts Open) and no "on hold" among the
 * default statuses (accounts add custom ones with account-specific numbers): hold is sent as Pending.
 */
export const STATUS_VALUES: Readonly<Record<TicketStatus, number>> = { new: 2, open: 2, pending: 3, hold: 3, solved: 4, closed: 5 };
/** Freshdesk's default statuses in the port's words (custom statuses are neither closed nor known: `open`). */
export const STATUS_NAMES: Readonly<Record<number, TicketStatus>> = { 2: 'open', 3: 'pending', 4: 'solved', 5: 'closed' };
export const PRIORITY_VALUES: Readonly<Record<TicketPriority, number>> = { low: 1, normal: 2, high: 3, urgent: 4 };
export const PRIORITY_NAMES: Readonly<Record<number, TicketPriority>> = { 1: 'low', 2: 'normal', 3: 'high', 4: 'urgent' };
/** The default ticket types; a task has none (the ticket is created without a type). */
export const TYPE_VALUES: Readonly<Record<NonNullable<NewTicket['type']>, string | undefined>> = { problem: 'Problem', incident: 'Incident', question: 'Question', task: undefined };
const TYPE_NAMES: Readonly<Record<string, NonNullable<NewTicket['type']>>> = { Problem: 'problem', Incident: 'incident', Question: 'question' };

/** Freshdesk keeps tags of at most 32 characters (Create a Ticket, `tags`). */
const MAX_TAG = 32;
const SHIPMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

/** The shipment id, checked: it goes into a Filter Tickets query between single quotes. */
export function shipmentValue(externalId: string): string {
  if (!SHIPMENT_ID.test(externalId)) throw new ValidationError(`externalId must be a logistics-sync shipment id, got ${JSON.stringify(externalId)}`, 'externalId');
  return externalId;
}

/**
 * A Filter Tickets query: "the query in double quotes, string values in single quotes", fields by API name
 * (https://developers.freshdesk.com/api/#filter_tickets).
 */
export function filterQuery(field: string, value: string): string {
  return `"${field}:'${value}'"`;
}

/**
 * The tag that makes a creation idempotent: Freshdesk's API takes no Idempotency-Key, so the key's hash becomes a
 * tag the client looks for before creating (within the 32-character limit).
 */
export function idempotencyTag(key: string): string {
  return `lsync-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Tags as Freshdesk keeps them: non-empty, at most 32 characters, each once. */
export function freshdeskTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t !== '' && t.length <= MAX_TAG))];
}

/** Plain text as the HTML Freshdesk takes for descriptions and notes (escaped, line breaks kept). */
export function noteHtml(text: string): string {
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
  return escaped.split('\n').join('<br>');
}

/** A Freshdesk ticket as Filter Tickets returns it (the fields the client reads). */
export interface FreshdeskTicket {
  readonly id?: unknown;
  readonly status?: unknown;
  readonly priority?: unknown;
  readonly subject?: unknown;
  readonly type?: unknown;
  readonly tags?: unknown;
  readonly created_at?: unknown;
}

/** A Freshdesk ticket in the words of the update plan (lambdas/cs/ticket-plan.ts). */
export function listedTicket(ticket: FreshdeskTicket): ListedTicket | undefined {
  if (typeof ticket.id !== 'number' || !Number.isSafeInteger(ticket.id)) return undefined;
  return {
    id: String(ticket.id),
    status: typeof ticket.status === 'number' ? (STATUS_NAMES[ticket.status] ?? 'open') : undefined,
    subject: typeof ticket.subject === 'string' ? ticket.subject : undefined,
    priority: typeof ticket.priority === 'number' ? (PRIORITY_NAMES[ticket.priority] ?? null) : null,
    type: typeof ticket.type === 'string' ? (TYPE_NAMES[ticket.type] ?? null) : null,
    // Our own bookkeeping tags are not carried over to a follow-up.
    tags: Array.isArray(ticket.tags) ? ticket.tags.filter((t): t is string => typeof t === 'string' && !/^lsync-[0-9a-f]{16}$/.test(t) && t !== FOLLOW_UP_TAG) : [],
    createdAt: typeof ticket.created_at === 'string' ? ticket.created_at : undefined,
  };
}

/** The tag of a ticket logistics-sync opened because every earlier ticket of the shipment was closed. */
export const FOLLOW_UP_TAG = 'lsync-follow-up';

/** The first line of a follow-up's description: Freshdesk's API has no follow-up link, so the text names the closed ticket. */
export function followUpLine(closedTicketId: string): string {
  return `Follow-up of closed ticket #${closedTicketId}.`;
}
