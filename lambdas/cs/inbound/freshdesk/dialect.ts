import { createHash } from 'node:crypto';
import { buildCanonicalEvent, type CanonicalDetail } from '../../../shared/canonical-event';
import { dialectIdentity, type DecodedEvent, type DeferredMapResult, type Dialect, type MapResult } from '../../../shared/webhook/dialect';
import type { CaseSource } from '../../cs-port';
import { caseResolvedEvent } from '../case-resolution';
import { freshdeskWebhook } from '../../../shared/webhook/generated/vendor-validators.js';
import { asIdentifier, compact } from '../../../shared/webhook/mapping';
import { signatureHeader, type WebhookRequest } from '../../../shared/webhook/request';
import { constantTimeEqual } from '../../../shared/webhook/signatures';
import { SignatureError } from '../../../shared/webhook/errors';
import { validateOrThrow, type SchemaValidator } from '../../../shared/webhook/validation';
import { VENDOR_DIALECTS } from '../../../../registry/vendors';

/**
 * Freshdesk automation webhooks → `case.updated` / `case.resolved`.
 *
 * Freshdesk has no webhook subscriptions and no fixed payload: an admin adds the "Trigger webhook" action to an
 * automation rule that runs on ticket updates, and writes the body (JSON, "Advanced" content) with placeholders
 * such as `{{ticket.id}}`, `{{ticket.status}}`, `{{ticket.priority}}` and a custom field `{{ticket.cf_…}}`
 * (https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules; the
 * placeholders: https://support.freshdesk.com/support/solutions/articles/196562). The body this dialect reads is
 * the one docs/webhooks.md ("Freshdesk") tells the admin to enter, one rule per event: `event` is a literal the rule
 * sets, the rest are placeholders. contracts/freshdesk/ keeps it with its sources.
 *
 * Authentication: Freshdesk signs nothing. The action can send custom headers; the admin adds
 * `X-Lsync-Webhook-Secret: <freshdeskWebhookSecret>`, compared constant-time here (both sides hashed to 32
 * bytes first, so neither the length nor the content leaks through timing).
 *
 * No replay window: Freshdesk's placeholders give no time of the change that fired the rule (the list has due-by
 * times, no updated-at), and the header holds the secret itself, so whoever could replay a captured request
 * could also forge one with any timestamp — a window would add no protection. Freshdesk's own retries and replays
 * are absorbed by deduplication: the event id is `<ticket>:<event>:<sha256 prefix of the body>`, so an
 * identical body within the idempotency window is processed once (the same status set twice in a row inside the
 * window is recorded once; docs/webhooks.md says so).
 *
 * A resolution (status Resolved or Closed) is a fact the CS reconciliation sweep can also observe: with the ticket
 * reader configured (the stage's Freshdesk API), the intake reads the ticket's stats (View a Ticket, `include=stats`:
 * `resolved_at`, `closed_at`) and builds the `case.resolved` of that fact, with the id and time the sweep gives a
 * resolution whose webhook was lost (case-resolution.ts): a late webhook after a restore is the same event. When the
 * read fails or the stats have no time yet, the resolution is published as before (the rule's id, the time it
 * arrived): the view then shows the case resolved and the sweep leaves it alone.
 *
 * The shipment is the ticket's `cf_lsync_shipment_id` custom field (logistics-sync sets it when it opens the
 * ticket); a ticket without it is not ours: 202 ignored. Statuses and priorities arrive as Freshdesk's labels
 * (`{{ticket.status}}` renders "Resolved", not 4): the four default statuses and priorities are mapped, a custom
 * status is recorded as a status change without a canonical status. Note bodies are never asked for.
 */

export interface FreshdeskWebhook {
  readonly event: string;
  readonly ticket_id: string | number;
  readonly status?: string;
  readonly priority?: string;
  readonly shipment_id?: string;
  readonly note_private?: string | boolean;
}

const ENTRY = VENDOR_DIALECTS.freshdesk;
const validateFreshdeskWebhook = freshdeskWebhook as SchemaValidator<FreshdeskWebhook>;

/** The default ticket statuses by the label `{{ticket.status}}` renders (developers.freshdesk.com/api/#ticket_properties: 2 Open, 3 Pending, 4 Resolved, 5 Closed). */
const STATUS_BY_LABEL: Readonly<Record<string, 'open' | 'pending' | 'solved' | 'closed'>> = { open: 'open', pending: 'pending', resolved: 'solved', closed: 'closed' };
/** The priorities by label (1 Low, 2 Medium, 3 High, 4 Urgent); Medium is the canonical `normal`. */
const PRIORITY_BY_LABEL: Readonly<Record<string, 'low' | 'normal' | 'high' | 'urgent'>> = { low: 'low', medium: 'normal', high: 'high', urgent: 'urgent' };

const label = (value: string | undefined) => value?.trim().toLowerCase() ?? '';
const status = (value: string | undefined) => STATUS_BY_LABEL[label(value)];
const priority = (value: string | undefined) => PRIORITY_BY_LABEL[label(value)];

const sha256 = (value: Buffer | string) => createHash('sha256').update(value).digest();

/** Checks the shared secret the rule sends in `X-Lsync-Webhook-Secret`, constant-time. */
export function verifyFreshdesk(request: WebhookRequest, secret: string): void {
  const received = signatureHeader(request, ENTRY.signature.signatureHeader);
  if (!constantTimeEqual(sha256(received), sha256(secret))) {
    throw new SignatureError('signature-mismatch', `${ENTRY.signature.signatureHeader} does not match the Freshdesk webhook secret`);
  }
}

/** The event id: Freshdesk sends none, so the ticket, the event and a hash of the body (see the module comment). */
export function freshdeskEventId(event: FreshdeskWebhook, body: Buffer): string {
  return `${String(event.ticket_id)}:${event.event}:${sha256(body).toString('hex').slice(0, 16)}`;
}

/** What the intake reads of a resolved ticket: the CS client's case history (its stats). */
export type FreshdeskResolutions = Pick<CaseSource, 'readCaseHistory'>;

/** Logs what the deferred read could not do (the pipeline's logger in Lambda). */
export type ResolutionWarning = (message: string, extra: Record<string, unknown>) => void;

/** Maps one verified, valid rule webhook to canonical events, or ignores it with the reason; with `resolutions`, a resolution reads its time first. */
export function mapFreshdesk(decoded: DecodedEvent<FreshdeskWebhook>, receivedAt: string, resolutions?: FreshdeskResolutions, warn?: ResolutionWarning): MapResult | DeferredMapResult {
  const webhook = decoded.event;
  const shipmentId = asIdentifier(webhook.shipment_id?.trim());
  if (!shipmentId) return { kind: 'ignored', reason: 'ticket has no cf_lsync_shipment_id: not a logistics-sync case' };
  const refs = { caseId: String(webhook.ticket_id), shipmentId };
  // No time of the change is available (module comment): the event happened when Freshdesk sent it.
  const event = <T extends object>(eventType: string, data: T): CanonicalDetail<T> =>
    buildCanonicalEvent({ eventType, system: 'cs', vendor: ENTRY.route, vendorEventId: decoded.vendorEventId, occurredAt: receivedAt, receivedAt, refs, data });

  switch (webhook.event) {
    case 'ticket.status_changed': {
      const now = status(webhook.status);
      if (now === 'solved' || now === 'closed') {
        const asReceived: MapResult = { kind: 'events', events: [event('case.resolved', { status: now })] };
        if (!resolutions) return asReceived;
        return { kind: 'deferred', complete: () => resolutionFact(refs, now, decoded.vendorEventId, receivedAt, resolutions, asReceived, warn) };
      }
      return { kind: 'events', events: [event('case.updated', compact({ change: 'status-changed', status: now }))] };
    }
    case 'ticket.priority_changed':
      return { kind: 'events', events: [event('case.updated', compact({ change: 'priority-changed', priority: priority(webhook.priority), status: status(webhook.status) }))] };
    case 'ticket.note_added': {
      const isPrivate = webhook.note_private === true || label(typeof webhook.note_private === 'string' ? webhook.note_private : undefined) === 'true';
      return { kind: 'events', events: [event('case.updated', compact({ change: 'comment-added', comment: { public: !isPrivate }, status: status(webhook.status) }))] };
    }
    default:
      return { kind: 'ignored', reason: `Freshdesk rule event ${webhook.event} is not mapped` };
  }
}

/** The resolution as the fact the stats record (the sweep's event), or as received when they cannot tell. */
async function resolutionFact(
  refs: { caseId: string; shipmentId: string },
  status: 'solved' | 'closed',
  vendorEventId: string,
  receivedAt: string,
  resolutions: FreshdeskResolutions,
  asReceived: MapResult,
  warn: ResolutionWarning = () => undefined,
): Promise<MapResult> {
  let history: Awaited<ReturnType<FreshdeskResolutions['readCaseHistory']>>;
  try {
    history = await resolutions.readCaseHistory(refs.caseId);
  } catch (error) {
    warn('Freshdesk ticket stats unreadable: the resolution is published as received', { caseId: refs.caseId, error: (error as Error).message });
    return asReceived;
  }
  const change = history?.statusChanges.filter((c) => c.status === status).at(-1);
  const event = change && caseResolvedEvent({ vendor: 'freshdesk', ticketId: refs.caseId, shipmentId: refs.shipmentId, status, at: change.at, ...(history?.createdAt ? { createdAt: history.createdAt } : {}), vendorEventId, receivedAt });
  if (!event) {
    warn('Freshdesk ticket stats give no time for the resolution: it is published as received', { caseId: refs.caseId, status, ticketStatus: history?.status });
    return asReceived;
  }
  return { kind: 'events', events: [event] };
}

/**
 * The Freshdesk dialect; with `resolutions` (the stage's Freshdesk API), a resolution is published as the fact its
 * stats record (module comment).
 */
export function freshdeskDialectWith(resolutions?: FreshdeskResolutions, warn?: ResolutionWarning): Dialect<FreshdeskWebhook> {
  return {
    ...dialectIdentity(ENTRY),
    verify: (request, secret) => verifyFreshdesk(request, secret),
    decode(request, json) {
      const event = validateOrThrow(validateFreshdeskWebhook, json, 'invalid Freshdesk webhook');
      return { event, vendorEventId: freshdeskEventId(event, request.body), vendorEventType: event.event };
    },
    map: (decoded, receivedAt) => mapFreshdesk(decoded, receivedAt, resolutions, warn),
  };
}
