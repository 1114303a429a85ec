/**
 * Which ticket an update for a shipment goes to (pure). Written for Zendesk; the Freshdesk client uses the same plan
 * with Freshdesk's tickets in these words (lambdas/cs/freshdesk/tickets.ts, `listedTicket`), see docs/vendors.md.
 *
 * Zendesk: a shipment's tickets are found by
 * `external_id` (= our shipment id; Zendesk does not keep external ids unique, so there may be several).
 *
 * Zendesk refuses updates to closed tickets: "Tickets with a status set to Closed can't be updated in most
 * cases … Requesters can create a follow-up request that references a closed ticket"
 * (https://support.zendesk.com/hc/en-us/articles/4408894213018). `solved` is not `closed`: a solved ticket can
 * still be updated (and reopened). So:
 * - the newest ticket that is not closed gets the update;
 * - when every ticket of the shipment is closed, a follow-up of the newest closed one is created
 *   (`via_followup_source_id`, https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-updating-tickets#creating-a-follow-up-ticket)
 *   carrying the update, see {@link followUpTicket};
 * - a shipment without tickets gets nothing (the caller decides whether to open a case).
 */
import type { NewTicket, TicketPriority, TicketUpdate } from './cs-port';

/** A ticket as `GET /api/v2/tickets.json?external_id=` lists it (the fields the plan reads). */
export interface ListedTicket {
  readonly id: string;
  readonly status?: string;
  readonly subject?: string;
  readonly priority?: string | null;
  readonly type?: string | null;
  readonly tags?: readonly string[];
  readonly createdAt?: string;
}

/** What a follow-up carries besides the update; each defaults to the closed ticket's value. */
export interface FollowUpFields {
  readonly subject?: string;
  readonly priority?: TicketPriority;
  readonly type?: NewTicket['type'];
  readonly tags?: readonly string[];
}

export type TicketPlan =
  | { readonly kind: 'update'; readonly ticketId: string }
  | { readonly kind: 'follow-up'; readonly sourceTicketId: string; readonly ticket: NewTicket }
  | { readonly kind: 'none' };

const PRIORITIES: readonly string[] = ['urgent', 'high', 'normal', 'low'];
const TYPES: readonly string[] = ['problem', 'incident', 'question', 'task'];

/** Newest first: by `created_at`, then by id (Zendesk ticket ids grow with every ticket of an account). */
function newestFirst(a: ListedTicket, b: ListedTicket): number {
  const byTime = (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
  return byTime !== 0 ? byTime : Number(b.id) - Number(a.id);
}

/**
 * The update for a shipment's ticket as a plan. `update.comment` is required: a follow-up is a new ticket and
 * Zendesk creates none without a first comment (`comment` is required in Create Ticket).
 */
export function planUpdateByExternalId(
  externalId: string,
  tickets: readonly ListedTicket[],
  update: TicketUpdate & { readonly comment: { readonly body: string } },
  followUp: FollowUpFields = {},
): TicketPlan {
  // Deleted tickets are not listed by the Tickets API; the filter only guards against a stale record.
  const live = tickets.filter((t) => /^\d+$/.test(t.id) && t.status !== 'deleted').sort(newestFirst);
  const open = live.find((t) => t.status !== 'closed');
  if (open) return { kind: 'update', ticketId: open.id };
  const closed = live[0];
  if (!closed) return { kind: 'none' };
  return { kind: 'follow-up', sourceTicketId: closed.id, ticket: followUpTicket(externalId, closed, update, followUp) };
}

/**
 * The follow-up of a closed ticket. Zendesk links it to the closed ticket but copies little over the API:
 * a follow-up "inherit[s] the tags from the parent ticket upon creation … If you … include tags in the request,
 * those tags will replace the parent ticket's tags" (creating-and-updating-tickets, Creating a follow-up ticket),
 * and follow-ups do not take the comments, priority, type, group or assignee of the original
 * (https://support.zendesk.com/hc/en-us/articles/4408883882522). So the request carries everything we rely on:
 * - `external_id` = the shipment id, so the shipment's next update finds the follow-up;
 * - `subject`, `priority` and `type` of the closed ticket (or `followUp`'s); the update's priority wins;
 * - `tags` = the closed ticket's tags (or `followUp.tags`) plus the update's additional tags, because tags sent
 *   with the request replace the inherited ones;
 * - the update's comment as the first comment (an internal note, like every comment logistics-sync writes);
 * - the update's status, unless it is `closed` (a ticket cannot be created closed).
 */
export function followUpTicket(externalId: string, closed: ListedTicket, update: TicketUpdate & { readonly comment: { readonly body: string } }, followUp: FollowUpFields = {}): NewTicket {
  const priority = update.priority ?? followUp.priority ?? (PRIORITIES.includes(closed.priority ?? '') ? (closed.priority as TicketPriority) : 'normal');
  const type = followUp.type ?? (TYPES.includes(closed.type ?? '') ? (closed.type as NonNullable<NewTicket['type']>) : undefined);
  const tags = [...new Set([...(followUp.tags ?? closed.tags ?? []), ...(update.additionalTags ?? [])])];
  return {
    subject: followUp.subject ?? closed.subject ?? `Follow-up of ticket ${closed.id}`,
    body: update.comment.body,
    priority,
    ...(type ? { type } : {}),
    externalId,
    ...(tags.length > 0 ? { tags } : {}),
    ...(update.status && update.status !== 'closed' ? { status: update.status } : {}),
    followUpOf: closed.id,
  };
}
