import { createHash } from 'node:crypto';
import { numberEnv, requireEnv } from '../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError, ValidationError } from '../shared/errors';
import { HttpJsonClient, seg } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import type { CaseHistory, CaseSource, CaseStatusChange, CsPort, NewTicket, ShipmentTicketUpdate, TicketUpdate, UpdateByExternalIdOptions, UpdatedTicket } from './cs-port';
import { planUpdateByExternalId, type ListedTicket } from './ticket-plan';

/** Zendesk API credentials: an API token, used with the agent's email when one is given. */
export interface ZendeskCredentials {
  readonly apiToken: string;
  /** With an email the token is sent as Basic `{email}/token:{apiToken}` (Zendesk API tokens); without, as a Bearer (OAuth) token. */
  readonly email?: string;
}

interface TicketResponse {
  ticket?: { id?: unknown };
}

interface TicketListResponse {
  tickets?: { id?: unknown; status?: unknown; subject?: unknown; priority?: unknown; type?: unknown; tags?: unknown; created_at?: unknown }[];
}

interface ShowTicketResponse {
  ticket?: { status?: unknown; external_id?: unknown; created_at?: unknown };
}

interface AuditListResponse {
  audits?: { created_at?: unknown; events?: { type?: unknown; field_name?: unknown; value?: unknown }[] }[];
  next_page?: unknown;
}

const TICKET_ID = /^\d+$/;
/** List Audits for a Ticket: "Returns a maximum of 100 records per page" (contracts/zendesk/openapi.json). */
const AUDITS_PER_PAGE = 100;
/** A case's history is a handful of audits; past this many pages the sweep gives up on it (counted unreadable). */
const MAX_AUDIT_PAGES = 10;
const RESOLVED = new Set(['solved', 'closed']);

function ticketNumber(id: string, what: string): number {
  if (!TICKET_ID.test(id)) throw new ValidationError(`${what} must be a Zendesk ticket number, got ${JSON.stringify(id)}`, what);
  return Number(id);
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The tag that records on a ticket what one idempotency key did to it: `lsync-c-…` created it, `lsync-u-…` added an
 * update. Zendesk honours `Idempotency-Key` on ticket creation only; an update whose answer is lost after Zendesk
 * applied it would add its note twice when retried. So every update carries its marker in `additional_tags`, and
 * before updating, the tickets listed for the shipment (List Tickets returns each ticket's `tags`) are checked for it:
 * found, the update already landed and is not sent again. Tags: https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
 * (Update Ticket `additional_tags`; the ticket's `tags` in every ticket response).
 */
export function markerTag(kind: 'created' | 'updated', idempotencyKey: string): string {
  return `lsync-${kind === 'created' ? 'c' : 'u'}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20)}`;
}

const MARKER = /^lsync-[cu]-[0-9a-f]{20}$/;

function withoutMarkers(tickets: readonly ListedTicket[]): ListedTicket[] {
  return tickets.map((t) => (t.tags ? { ...t, tags: t.tags.filter((tag) => !MARKER.test(tag)) } : t));
}

/**
 * The Zendesk Tickets API over HTTP (implements {@link CsPort}); contracts/zendesk/openapi.json holds every
 * request it sends to Zendesk's published contract.
 * - create: `POST /api/v2/tickets.json` with `Idempotency-Key` (Zendesk replays the first response for a
 *   repeated key) and `external_id` = our shipment id; a follow-up adds `via_followup_source_id`;
 * - update: `PUT /api/v2/tickets/{id}.json` (comment, status, priority, `additional_tags`), by shipment at most once per
 *   idempotency key (see {@link markerTag});
 * - list by external id: `GET /api/v2/tickets.json?external_id=` (external ids are not unique in Zendesk).
 * `.json` on the paths is Zendesk's optional suffix ("Appending .json doesn't change the way the endpoint
 * works", https://developer.zendesk.com/api-reference/introduction/doc-conventions/).
 * Over the rate limit Zendesk answers 429 with `Retry-After`, which the HTTP client turns into a
 * RateLimitedError for the adapter to honour.
 */
export class ZendeskClient implements CsPort, CaseSource {
  constructor(
    private readonly http: HttpJsonClient,
    private readonly credentials: CredentialsSource<ZendeskCredentials>,
  ) {}

  async createTicket(ticket: NewTicket, idempotencyKey: string): Promise<{ ticketId: string }> {
    const { body } = await this.http.request<TicketResponse>({
      method: 'POST',
      path: '/api/v2/tickets.json',
      headers: await this.authorization(),
      idempotencyKey,
      json: {
        ticket: {
          subject: ticket.subject,
          comment: { body: ticket.body, public: false },
          priority: ticket.priority,
          ...(ticket.type ? { type: ticket.type } : {}),
          ...(ticket.status ? { status: ticket.status } : {}),
          external_id: ticket.externalId,
          tags: [...(ticket.tags ?? []), markerTag('created', idempotencyKey)],
          ...(ticket.followUpOf !== undefined ? { via_followup_source_id: ticketNumber(ticket.followUpOf, 'followUpOf') } : {}),
        },
      },
    });
    const id = body?.ticket?.id;
    if (typeof id !== 'number' && typeof id !== 'string') throw new UpstreamUnavailableError('Zendesk created a ticket but returned no id');
    return { ticketId: String(id) };
  }

  async updateTicket(ticketId: string, update: TicketUpdate): Promise<void> {
    const ticket: Record<string, unknown> = {};
    if (update.comment) ticket.comment = { body: update.comment.body, public: update.comment.public ?? false };
    if (update.status) ticket.status = update.status;
    if (update.priority) ticket.priority = update.priority;
    if (update.additionalTags && update.additionalTags.length > 0) ticket.additional_tags = update.additionalTags;
    await this.http.request({ method: 'PUT', path: `/api/v2/tickets/${seg(String(ticketNumber(ticketId, 'ticketId')))}.json`, headers: await this.authorization(), json: { ticket } });
  }

  async updateTicketByExternalId(externalId: string, shipmentUpdate: ShipmentTicketUpdate, options: UpdateByExternalIdOptions): Promise<UpdatedTicket | undefined> {
    const tickets = await this.ticketsByExternalId(externalId);
    const created = markerTag('created', options.idempotencyKey);
    const updated = markerTag('updated', options.idempotencyKey);
    const landed = tickets.find((t) => t.tags?.includes(created) || t.tags?.includes(updated));
    if (landed) return { ticketId: landed.id, alreadyDone: landed.tags?.includes(created) ? 'created' : 'updated' };
    const update: ShipmentTicketUpdate = { ...shipmentUpdate, additionalTags: [...(shipmentUpdate.additionalTags ?? []), updated] };
    // A follow-up inherits the closed ticket's tags: not its markers, which record what other keys did to that ticket.
    const plan = planUpdateByExternalId(externalId, withoutMarkers(tickets), update, options.followUp);
    if (plan.kind === 'none') return undefined;
    if (plan.kind === 'update') {
      try {
        await this.updateTicket(plan.ticketId, update);
        return { ticketId: plan.ticketId };
      } catch (error) {
        // Closed between the list and the update (Zendesk's automation closes solved tickets): 422. Look again.
        if (!(error instanceof RejectedByTargetError && error.status === 422)) throw error;
        const again = planUpdateByExternalId(externalId, withoutMarkers(await this.ticketsByExternalId(externalId)), update, options.followUp);
        if (again.kind !== 'follow-up' || again.sourceTicketId !== plan.ticketId) throw error;
        return this.createFollowUp(again.ticket, again.sourceTicketId, options.idempotencyKey);
      }
    }
    return this.createFollowUp(plan.ticket, plan.sourceTicketId, options.idempotencyKey);
  }

  /** Every ticket with this external id (List Tickets, `external_id` filter), as the plan reads them. */
  async ticketsByExternalId(externalId: string): Promise<ListedTicket[]> {
    const { body } = await this.http.request<TicketListResponse>({
      method: 'GET',
      path: '/api/v2/tickets.json',
      query: { external_id: externalId },
      headers: await this.authorization(),
    });
    return (body?.tickets ?? [])
      .filter((t) => typeof t.id === 'number' || (typeof t.id === 'string' && TICKET_ID.test(t.id)))
      .map((t) => ({
        id: String(t.id),
        status: str(t.status),
        subject: str(t.subject),
        priority: str(t.priority) ?? null,
        type: str(t.type) ?? null,
        tags: Array.isArray(t.tags) ? t.tags.filter((tag): tag is string => typeof tag === 'string') : [],
        createdAt: str(t.created_at),
      }));
  }

  /**
   * A ticket's status (Show Ticket) and, when it is solved or closed, its status changes from its audits (List Audits
   * for a Ticket, offset pagination: `page` and `per_page`, `next_page` null on the last page). A status is recorded
   * in an audit's `Create` or `Change` event with `field_name` "status" (Ticket Audit events reference); the audit's
   * `created_at` is the change's time. Undefined for a ticket Zendesk does not have (404).
   */
  async readCaseHistory(caseId: string): Promise<CaseHistory | undefined> {
    const ticketPath = `/api/v2/tickets/${seg(String(ticketNumber(caseId, 'caseId')))}`;
    let ticket: ShowTicketResponse['ticket'];
    try {
      ticket = (await this.http.request<ShowTicketResponse>({ method: 'GET', path: `${ticketPath}.json`, headers: await this.authorization() })).body?.ticket;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
    const status = str(ticket?.status);
    if (!status) throw new RejectedByTargetError(`Zendesk's ticket ${caseId} has no status`, 422);
    const externalId = str(ticket?.external_id);
    const createdAt = str(ticket?.created_at);
    const history = { vendor: 'zendesk' as const, caseId, status, ...(externalId ? { externalId } : {}), ...(createdAt ? { createdAt } : {}) };
    if (!RESOLVED.has(status)) return { ...history, statusChanges: [] };
    const statusChanges: CaseStatusChange[] = [];
    for (let page = 1; ; page++) {
      if (page > MAX_AUDIT_PAGES) throw new RejectedByTargetError(`Zendesk's ticket ${caseId} has more than ${MAX_AUDIT_PAGES * AUDITS_PER_PAGE} audits`, 422);
      const { body } = await this.http.request<AuditListResponse>({
        method: 'GET',
        path: `${ticketPath}/audits.json`,
        query: { page: String(page), per_page: String(AUDITS_PER_PAGE) },
        headers: await this.authorization(),
      });
      for (const audit of body?.audits ?? []) {
        const at = str(audit.created_at);
        for (const event of audit.events ?? []) {
          // Other event types ("Events may be added at any time … ignore undocumented event types") are not ours.
          if ((event.type === 'Change' || event.type === 'Create') && event.field_name === 'status' && typeof event.value === 'string' && at) statusChanges.push({ status: event.value.toLowerCase(), at });
        }
      }
      if (typeof body?.next_page !== 'string') break;
    }
    statusChanges.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { ...history, statusChanges };
  }

  private async createFollowUp(ticket: NewTicket, sourceTicketId: string, idempotencyKey: string): Promise<UpdatedTicket> {
    const { ticketId } = await this.createTicket(ticket, idempotencyKey);
    return { ticketId, followUpOf: sourceTicketId };
  }

  private async authorization(): Promise<Record<string, string>> {
    const { apiToken, email } = await this.credentials();
    return email
      ? { authorization: `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}` }
      : { authorization: `Bearer ${apiToken}` };
  }
}

/**
 * The Zendesk client for a Lambda: base URL from `API_BASE_URL`, token (and optional `email`) from the
 * JSON secret named by `SECRET_NAME`, timeout from `HTTP_TIMEOUT_MS`, pacing from `HTTP_MIN_INTERVAL_MS` (lookups from
 * `HTTP_LOOKUP_MIN_INTERVAL_MS` when set).
 */
export function createZendeskClientFromEnv(): ZendeskClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({
    target: 'Zendesk',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS'),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS'),
    lookupMinIntervalMs: numberEnv('HTTP_LOOKUP_MIN_INTERVAL_MS'),
  });
  return new ZendeskClient(http, secretFieldsFromSecretsManager(secretName, ['apiToken'], ['email']));
}
