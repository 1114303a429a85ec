import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { caseResolvedEvent } from './case-resolution';
import { dialectIdentity, type DecodedEvent, type Dialect, type MapResult } from '../../shared/webhook/dialect';
import { zendeskWebhook } from '../../shared/webhook/generated/vendor-validators.js';
import { asIdentifier, compact } from '../../shared/webhook/mapping';
import { signatureHeader } from '../../shared/webhook/request';
import { verifyZendesk, ZENDESK_SIGNATURE_HEADER, ZENDESK_TIMESTAMP_HEADER } from '../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { VENDOR_DIALECTS } from '../../../registry/vendors';

/**
 * Zendesk event webhooks (ticket status, priority, comment and tag changes) → `case.updated` / `case.resolved`.
 * The ticket id is the case id; the ticket's `external_id` is our shipment id (set when logistics-sync opens
 * the ticket), so tickets without one are not ours and are answered 202 ignored.
 * Comment bodies are never read or logged: they may hold personal data.
 */

export interface ZendeskTicket {
  id: string;
  external_id?: string | null;
  status?: string;
  priority?: string | null;
  tags?: string[];
  created_at?: string;
  /** The ticket's last update: for a status change, the update that made it (the time its audit records). */
  updated_at?: string;
}

export interface ZendeskWebhook {
  type: string;
  id: string;
  account_id?: number;
  time: string;
  subject?: string;
  detail?: ZendeskTicket;
  event?: {
    /** status_changed, priority_changed: the value after and before. */
    current?: unknown;
    previous?: unknown;
    /** comment_added. */
    comment?: { is_public?: boolean; attachments?: unknown[] };
    /** tags_changed. */
    tags_added?: unknown;
    tags_removed?: unknown;
  };
}

const validateZendesk = zendeskWebhook as SchemaValidator<ZendeskWebhook>;
const VENDOR = 'zendesk';
const EVENT_PREFIX = 'zen:event-type:';

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
type Status = (typeof STATUSES)[number];
type Priority = (typeof PRIORITIES)[number];

// Zendesk's event payloads spell statuses and priorities in upper case; the Tickets API in lower case.
function status(value: unknown): Status | undefined {
  const v = typeof value === 'string' ? value.toLowerCase() : undefined;
  return (STATUSES as readonly string[]).includes(v ?? '') ? (v as Status) : undefined;
}

function priority(value: unknown): Priority | undefined {
  const v = typeof value === 'string' ? value.toLowerCase() : undefined;
  return (PRIORITIES as readonly string[]).includes(v ?? '') ? (v as Priority) : undefined;
}

function tags(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

export function mapZendesk(decoded: DecodedEvent<ZendeskWebhook>, receivedAt: string): MapResult {
  const webhook = decoded.event;
  const change = webhook.type.slice(EVENT_PREFIX.length);
  const ticket = webhook.detail;
  if (!ticket || !change.startsWith('ticket.')) return { kind: 'ignored', reason: `Zendesk event ${webhook.type} is not a ticket event` };
  if (!ticket.external_id) return { kind: 'ignored', reason: 'ticket has no external_id: not a logistics-sync case' };
  // Zendesk's external_id is free text that other integrations use too; ours is always a shipment id.
  const shipmentId = asIdentifier(ticket.external_id);
  if (!shipmentId) return { kind: 'ignored', reason: 'ticket external_id is not a logistics-sync shipment id: not a logistics-sync case' };
  const refs = { caseId: ticket.id, shipmentId };
  const event = <T extends object>(eventType: string, data: T): CanonicalDetail<T> =>
    buildCanonicalEvent({ eventType, system: 'cs', vendor: VENDOR, vendorEventId: decoded.vendorEventId, occurredAt: webhook.time, receivedAt, refs, data });
  const current = webhook.event?.current;
  const previous = webhook.event?.previous;

  switch (change) {
    case 'ticket.status_changed': {
      const now = status(current);
      if (!now) return { kind: 'ignored', reason: 'status change without a known current status' };
      if (now === 'solved' || now === 'closed') {
        // The fact's time is the ticket's update (`detail.updated_at`), which its audit records too; `time` otherwise.
        const at = [ticket.updated_at, webhook.time].find((t) => t !== undefined && !Number.isNaN(Date.parse(t)));
        const resolved = at && caseResolvedEvent({ vendor: VENDOR, ticketId: ticket.id, shipmentId, status: now, at, createdAt: ticket.created_at, vendorEventId: decoded.vendorEventId, receivedAt });
        return resolved ? { kind: 'events', events: [resolved] } : { kind: 'ignored', reason: 'status change without a valid time' };
      }
      return { kind: 'events', events: [event('case.updated', compact({ change: 'status-changed', status: now, previousStatus: status(previous) }))] };
    }
    case 'ticket.priority_changed':
      return {
        kind: 'events',
        events: [event('case.updated', compact({ change: 'priority-changed', priority: priority(current), previousPriority: priority(previous), status: status(ticket.status) }))],
      };
    case 'ticket.comment_added': {
      const comment = webhook.event?.comment;
      const attachmentCount = Array.isArray(comment?.attachments) ? Math.min(comment.attachments.length, 50) : undefined;
      return {
        kind: 'events',
        events: [event('case.updated', compact({ change: 'comment-added', comment: compact({ public: comment?.is_public === true, attachmentCount }), status: status(ticket.status) }))],
      };
    }
    case 'ticket.tags_changed': {
      // Zendesk sends the change, not the lists: event.tags_added / event.tags_removed (ticket-events reference).
      // The canonical case.updated records additions only; a change that only removes tags is recorded with none.
      const added = [...new Set(tags(webhook.event?.tags_added).map((t) => t.toLowerCase()))].filter((t) => /^[a-z0-9][a-z0-9_:-]{0,79}$/.test(t)).slice(0, 20);
      return { kind: 'events', events: [event('case.updated', { change: 'tags-changed', tagsAdded: added })] };
    }
    default:
      return { kind: 'ignored', reason: `Zendesk event ${webhook.type} is not mapped` };
  }
}

export const zendeskDialect: Dialect<ZendeskWebhook> = {
  ...dialectIdentity(VENDOR_DIALECTS.zendesk),
  verify(request, secret, now, toleranceSeconds) {
    verifyZendesk({
      timestamp: signatureHeader(request, ZENDESK_TIMESTAMP_HEADER),
      signature: signatureHeader(request, ZENDESK_SIGNATURE_HEADER),
      body: request.body,
      secret,
      now,
      toleranceSeconds,
    });
  },
  decode(_request, json) {
    const event = validateOrThrow(validateZendesk, json, 'invalid Zendesk webhook');
    return { event, vendorEventId: event.id, vendorEventType: event.type.slice(EVENT_PREFIX.length) };
  },
  map: mapZendesk,
};
