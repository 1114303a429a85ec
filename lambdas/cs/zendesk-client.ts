import { numberEnv, requireEnv } from '../shared/env';
import { UpstreamUnavailableError } from '../shared/errors';
import { HttpJsonClient, seg } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import type { CsPort, NewTicket, TicketUpdate } from './cs-port';

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
  tickets?: { id?: unknown; status?: unknown }[];
}

/**
 * The Zendesk Tickets API over HTTP (implements {@link CsPort}).
 * - create: `POST /api/v2/tickets.json` with `Idempotency-Key` (Zendesk replays the first response for a
 *   repeated key) and `external_id` = our shipment id;
 * - update: `PUT /api/v2/tickets/{id}.json` (comment, status, priority, `additional_tags`);
 * - find: `GET /api/v2/tickets.json?external_id=` (the oldest open ticket wins).
 * Over the rate limit Zendesk answers 429 with `Retry-After`, which the HTTP client turns into a
 * RateLimitedError for the adapter to honour.
 */
export class ZendeskClient implements CsPort {
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
          external_id: ticket.externalId,
          ...(ticket.tags && ticket.tags.length > 0 ? { tags: ticket.tags } : {}),
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
    await this.http.request({ method: 'PUT', path: `/api/v2/tickets/${seg(ticketId)}.json`, headers: await this.authorization(), json: { ticket } });
  }

  async findTicketByExternalId(externalId: string): Promise<{ ticketId: string } | undefined> {
    const { body } = await this.http.request<TicketListResponse>({
      method: 'GET',
      path: '/api/v2/tickets.json',
      query: { external_id: externalId },
      headers: await this.authorization(),
    });
    const candidates = (body?.tickets ?? [])
      .filter((t) => (typeof t.id === 'number' || typeof t.id === 'string') && t.status !== 'deleted')
      .sort((a, b) => Number(a.id) - Number(b.id));
    return candidates.length > 0 ? { ticketId: String(candidates[0].id) } : undefined;
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
 * JSON secret named by `SECRET_NAME`, timeout from `HTTP_TIMEOUT_MS`, pacing from `HTTP_MIN_INTERVAL_MS`.
 */
export function createZendeskClientFromEnv(): ZendeskClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({
    target: 'Zendesk',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS', 8000),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS', 0),
  });
  return new ZendeskClient(http, secretFieldsFromSecretsManager(secretName, ['apiToken'], ['email']));
}
