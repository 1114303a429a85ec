import { numberEnv, requireEnv } from '../../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError, ValidationError } from '../../shared/errors';
import { HttpJsonClient, seg } from '../../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../../shared/outbound/secrets';
import type { CaseHistory, CaseSource, CaseStatusChange, CsPort, NewTicket, ShipmentTicketUpdate, TicketUpdate, UpdateByExternalIdOptions, UpdatedTicket } from '../cs-port';
import { planUpdateByExternalId, type ListedTicket } from '../ticket-plan';
import {
  filterQuery,
  FOLLOW_UP_TAG,
  followUpLine,
  freshdeskTags,
  idempotencyTag,
  listedTicket,
  noteHtml,
  PRIORITY_VALUES,
  SHIPMENT_FIELD,
  shipmentValue,
  STATUS_NAMES,
  STATUS_VALUES,
  TYPE_VALUES,
  type FreshdeskTicket,
} from './tickets';

/** Freshdesk API credentials: the API key (Basic, key as user name), and the contact tickets are opened for. */
export interface FreshdeskCredentials {
  readonly apiKey: string;
  /** Requester of the tickets logistics-sync opens (Create a Ticket needs one; Freshdesk makes the contact if new). */
  readonly requesterEmail: string;
}

interface FilterResponse {
  results?: FreshdeskTicket[];
}

/** View a Ticket with `include=stats`: what the sweep and the intake read. */
interface ViewedTicket {
  status?: unknown;
  created_at?: unknown;
  custom_fields?: Record<string, unknown> | null;
  stats?: { resolved_at?: unknown; closed_at?: unknown } | null;
}

const TICKET_ID = /^[1-9]\d{0,17}$/;

function ticketPath(id: string, suffix = ''): string {
  if (!TICKET_ID.test(id)) throw new ValidationError(`ticketId must be a Freshdesk ticket number, got ${JSON.stringify(id)}`, 'ticketId');
  return `/api/v2/tickets/${seg(id)}${suffix}`;
}

/**
 * The Freshdesk tickets API v2 over HTTP (implements {@link CsPort}); contracts/freshdesk/openapi.json holds every
 * request it sends to Freshdesk's reference (https://developers.freshdesk.com/api/).
 * - create: `POST /api/v2/tickets` with the requester's email, subject, HTML description, status, priority, type,
 *   tags and the shipment in the `cf_lsync_shipment_id` custom field; Freshdesk takes no Idempotency-Key, so the
 *   key becomes a tag looked up first (Filter Tickets `tag:'…'`): a retried creation finds the first ticket;
 * - update: a private note (`POST …/notes`, `private: true`), and `PUT /api/v2/tickets/{id}` for status,
 *   priority and tags (Freshdesk replaces the tag list, so the ticket's tags are read and merged first);
 * - a shipment's tickets: Filter Tickets on the custom field (`GET /api/v2/search/tickets?query="cf_…:'…'"`).
 * Closed tickets: Freshdesk does not lock them, but nobody works a Closed ticket, so a shipment whose tickets are
 * all closed gets a new ticket naming the newest closed one (lambdas/cs/ticket-plan.ts decides; Freshdesk's API
 * has no follow-up link). Freshdesk's search index trails writes by a moment: a ticket created seconds ago may
 * not be found yet (docs/vendors.md says what that means). Over the rate limit Freshdesk answers 429 with
 * `Retry-After`, which the HTTP client turns into a RateLimitedError for the adapter to honour.
 */
export class FreshdeskClient implements CsPort, CaseSource {
  constructor(
    private readonly http: HttpJsonClient,
    private readonly credentials: CredentialsSource<FreshdeskCredentials>,
  ) {}

  async createTicket(ticket: NewTicket, idempotencyKey: string): Promise<{ ticketId: string }> {
    const keyTag = idempotencyTag(idempotencyKey);
    const [created] = await this.filter(filterQuery('tag', keyTag));
    if (created) return { ticketId: created.id };
    const { requesterEmail } = await this.credentials();
    const type = ticket.type ? TYPE_VALUES[ticket.type] : undefined;
    const description = ticket.followUpOf !== undefined ? `${followUpLine(ticket.followUpOf)}\n${ticket.body}` : ticket.body;
    const { body } = await this.http.request<{ id?: unknown }>({
      method: 'POST',
      path: '/api/v2/tickets',
      headers: await this.authorization(),
      json: {
        email: requesterEmail,
        subject: ticket.subject,
        description: noteHtml(description),
        status: STATUS_VALUES[ticket.status ?? 'open'],
        priority: PRIORITY_VALUES[ticket.priority],
        ...(type ? { type } : {}),
        tags: freshdeskTags([...(ticket.tags ?? []), ...(ticket.followUpOf !== undefined ? [FOLLOW_UP_TAG] : []), keyTag]),
        custom_fields: { [SHIPMENT_FIELD]: shipmentValue(ticket.externalId) },
      },
    });
    if (typeof body?.id !== 'number') throw new UpstreamUnavailableError('Freshdesk created a ticket but returned no id');
    return { ticketId: String(body.id) };
  }

  async updateTicket(ticketId: string, update: TicketUpdate): Promise<void> {
    const fields: Record<string, unknown> = {};
    if (update.status) fields.status = STATUS_VALUES[update.status];
    if (update.priority) fields.priority = PRIORITY_VALUES[update.priority];
    const added = freshdeskTags(update.additionalTags ?? []);
    if (added.length > 0) {
      // `tags` replaces the ticket's tags (Update a Ticket): read them, and send the union only when it grows.
      const { body } = await this.http.request<{ tags?: unknown }>({ method: 'GET', path: ticketPath(ticketId), headers: await this.authorization() });
      const current = Array.isArray(body?.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
      const merged = freshdeskTags([...current, ...added]);
      if (merged.length > current.length) fields.tags = merged;
    }
    if (update.comment) {
      await this.http.request({
        method: 'POST',
        path: ticketPath(ticketId, '/notes'),
        headers: await this.authorization(),
        json: { body: noteHtml(update.comment.body), private: update.comment.public !== true },
      });
    }
    if (Object.keys(fields).length > 0) await this.http.request({ method: 'PUT', path: ticketPath(ticketId), headers: await this.authorization(), json: fields });
  }

  async updateTicketByExternalId(externalId: string, update: ShipmentTicketUpdate, options: UpdateByExternalIdOptions): Promise<UpdatedTicket | undefined> {
    const plan = planUpdateByExternalId(externalId, await this.ticketsByExternalId(externalId), update, options.followUp);
    if (plan.kind === 'none') return undefined;
    if (plan.kind === 'update') {
      await this.updateTicket(plan.ticketId, update);
      return { ticketId: plan.ticketId };
    }
    const { ticketId } = await this.createTicket(plan.ticket, options.idempotencyKey);
    return { ticketId, followUpOf: plan.sourceTicketId };
  }

  /**
   * A ticket's status and, when it is resolved or closed, its resolutions from its stats: View a Ticket with
   * `include=stats` ("the ticket's closed_at, resolved_at and first_responded_at time",
   * https://developers.freshdesk.com/api/#view_a_ticket; one more API credit). Freshdesk keeps the last resolution and
   * closure only, which is what a lost status webhook was about. Undefined for a ticket Freshdesk does not have (404).
   * The CS reconciliation sweep reads it (`CaseSource`), and the intake for a status rule's resolution (its time).
   */
  async readCaseHistory(caseId: string): Promise<CaseHistory | undefined> {
    let ticket: ViewedTicket | undefined;
    try {
      ticket = (await this.http.request<ViewedTicket>({ method: 'GET', path: ticketPath(caseId), query: { include: 'stats' }, headers: await this.authorization() })).body;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
    const status = typeof ticket?.status === 'number' ? STATUS_NAMES[ticket.status] : undefined;
    if (!status) throw new RejectedByTargetError(`Freshdesk's ticket ${caseId} has no known status (${JSON.stringify(ticket?.status)})`, 422);
    const shipment = ticket?.custom_fields?.[SHIPMENT_FIELD];
    const history = {
      vendor: 'freshdesk' as const,
      caseId,
      status,
      ...(typeof shipment === 'string' && shipment !== '' ? { externalId: shipment } : {}),
      ...(typeof ticket?.created_at === 'string' ? { createdAt: ticket.created_at } : {}),
    };
    const changes: CaseStatusChange[] = [];
    if (status === 'solved' || status === 'closed') {
      const { resolved_at: resolvedAt, closed_at: closedAt } = ticket?.stats ?? {};
      if (typeof resolvedAt === 'string') changes.push({ status: 'solved', at: resolvedAt });
      if (status === 'closed' && typeof closedAt === 'string') changes.push({ status: 'closed', at: closedAt });
    }
    return { ...history, statusChanges: changes.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)) };
  }

  /** Every ticket of the shipment (Filter Tickets on the shipment field), as the plan reads them. */
  async ticketsByExternalId(externalId: string): Promise<ListedTicket[]> {
    return this.filter(filterQuery(SHIPMENT_FIELD, shipmentValue(externalId)));
  }

  /** The first page of a Filter Tickets query (30 tickets: a shipment has a handful). */
  private async filter(query: string): Promise<ListedTicket[]> {
    const { body } = await this.http.request<FilterResponse>({ method: 'GET', path: '/api/v2/search/tickets', query: { query }, headers: await this.authorization() });
    return (body?.results ?? []).map(listedTicket).filter((t): t is ListedTicket => t !== undefined);
  }

  /** Basic authentication with the API key as the user name and `X` as the password (the reference's convention). */
  private async authorization(): Promise<Record<string, string>> {
    const { apiKey } = await this.credentials();
    return { authorization: `Basic ${Buffer.from(`${apiKey}:X`).toString('base64')}` };
  }
}

/**
 * The Freshdesk client for a Lambda: base URL (`https://<domain>.freshdesk.com`) from `API_BASE_URL`, `apiKey` and
 * `requesterEmail` from the JSON secret named by `SECRET_NAME`, timeout from `HTTP_TIMEOUT_MS`, pacing from
 * `HTTP_MIN_INTERVAL_MS`.
 */
export function createFreshdeskClientFromEnv(): FreshdeskClient {
  const http = new HttpJsonClient({
    target: 'Freshdesk',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS'),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS'),
  });
  return new FreshdeskClient(http, secretFieldsFromSecretsManager(requireEnv('SECRET_NAME'), ['apiKey', 'requesterEmail']));
}
