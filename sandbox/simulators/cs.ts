import type { ContractCheck } from '../../contracts/contract';
import {
  SimValidationError,
  VendorSimulator,
  asObject,
  json,
  oneOf,
  requiredString,
  signedAtOption,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
  type WebhookDelivery,
  safeEqual,
} from './common';
import { TICKET_PRIORITIES, TICKET_STATUSES, type TicketChange, type TicketPriority, type TicketStatus, type ZendeskComment, type ZendeskTicket, type ZendeskUser } from './cs-payloads';
import { AGENT, AUDITS_PER_PAGE_MAX, AUTOMATION, INTEGRATION_USER, stringArray, TicketBook } from './cs-tickets';
import { ticketEventWebhooks } from './cs-webhooks';

export interface CsCredentials {
  /** Agent e-mail for Basic auth `{email}/token:{apiToken}`. */
  email: string;
  apiToken: string;
  /** Bearer (OAuth) token. */
  oauthToken: string;
}

export const DEFAULT_CS_CREDENTIALS: CsCredentials = {
  email: 'integration@example.com',
  apiToken: 'zendesk-sandbox-api-token',
  oauthToken: 'zendesk-sandbox-oauth-token',
};

export interface CsSimulatorOptions extends SimulatorOptions {
  /** Webhook signing secret, used as a UTF-8 string. */
  zendeskSecret: string;
  credentials?: Partial<CsCredentials>;
  /** Where ticket event webhooks go (our `/webhooks/cs/zendesk`). @default - unset */
  webhookUrl?: string;
  /** @default 24815001 */
  accountId?: number;
  /** @default 'lsync-sandbox' (ticket URLs are https://{subdomain}.zendesk.com/api/v2/tickets/{id}.json) */
  subdomain?: string;
  /** Requests per minute before the simulator's own 429 (X-Rate-Limit). @default 700 */
  rateLimitPerMinute?: number;
  /** How long Idempotency-Key answers are kept. @default 2 h */
  idempotencyTtlMs?: number;
  /**
   * Also send webhooks for changes made through the API, as Zendesk does when a trigger matches.
   * Off by default so our own updates do not echo back. @default false
   */
  webhooksForApiChanges?: boolean;
}

/** Options of agent-side changes. */
export interface AgentChangeOptions {
  /** Sign the webhooks at this time (stale-signature tests). @default - the send time */
  signedAt?: Date;
}

/**
 * A Zendesk-shaped customer-service system, held to Zendesk's contract (contracts/zendesk/openapi.json): the
 * Tickets API with `Idempotency-Key`, `external_id` lists, follow-ups of closed tickets, closed tickets that
 * refuse updates, rate-limit headers, and signed ticket event webhooks for agent-side changes (solve,
 * priority, comment, tags) and for Zendesk's automation closing solved tickets. The tickets and the Tickets API's
 * rules are in cs-tickets.ts, the webhooks' headers and signatures in cs-webhooks.ts, their payloads in cs-payloads.ts.
 */
export class CsSimulator extends VendorSimulator {
  readonly credentials: CsCredentials;
  readonly accountId: number;
  private readonly rateLimit: number;
  private readonly book: TicketBook;
  private window = { startedAt: 0, count: 0 };

  constructor(private readonly csOptions: CsSimulatorOptions) {
    super('cs', csOptions);
    this.credentials = { ...DEFAULT_CS_CREDENTIALS, ...csOptions.credentials };
    this.accountId = csOptions.accountId ?? 24815001;
    this.book = new TicketBook({ subdomain: csOptions.subdomain ?? 'lsync-sandbox', now: this.now });
    this.rateLimit = csOptions.rateLimitPerMinute ?? 700;
    this.validationStatus = 422;
    this.validationCode = 'RecordInvalid';
    this.declareWebhookDialects({ zendesk: csOptions.webhookUrl });
    this.useIdempotency({
      ttlMs: csOptions.idempotencyTtlMs ?? 2 * 3_600_000,
      missHeaders: { 'x-idempotency-lookup': 'miss' },
      hitHeaders: { 'x-idempotency-lookup': 'hit' },
      mismatch: () => this.errorResponse(400, 'InvalidIdempotencyKey', 'Idempotency-Key was already used with a different request payload'),
      inFlight: () => this.errorResponse(409, 'IdempotencyKeyInUse', 'A request with this Idempotency-Key is still being processed'),
    });
    this.resetState();

    this.enforceContract('zendesk');
    // Every path with and without Zendesk's optional `.json` suffix ("Appending .json doesn't change the way the
    // endpoint works", https://developer.zendesk.com/api-reference/introduction/doc-conventions/). The `.json`
    // forms go first: `:id` alone would also match `1.json`.
    for (const suffix of ['.json', '']) {
      this.route('POST', `/api/v2/tickets${suffix}`, (req) => this.createTicket(req), { idempotent: true });
      this.route('GET', `/api/v2/tickets${suffix}`, (req) => this.listTickets(req));
      this.route('GET', `/api/v2/tickets/:id${suffix}`, (req) => json(200, { ticket: this.book.ticket(req.params.id) }));
      this.route('PUT', `/api/v2/tickets/:id${suffix}`, (req) => this.updateTicket(req));
      this.route('GET', `/api/v2/tickets/:id/audits${suffix}`, (req) => this.listAudits(req, suffix));
      this.route('GET', `/api/v2/tickets/:id/comments${suffix}`, (req) => {
        const comments = this.book.commentsOf(this.book.ticket(req.params.id).id);
        return json(200, { comments, next_page: null, previous_page: null, count: comments.length });
      });
    }

    const ticketArg = (args: Record<string, unknown>): number => {
      const id = args.ticketId;
      if (typeof id === 'number' && Number.isInteger(id)) return id;
      if (typeof id === 'string' && /^\d+$/.test(id)) return Number(id);
      throw new SimValidationError(`ticketId must be a ticket number, got ${JSON.stringify(id)}`);
    };
    this.action('solveTicket', (args) => this.solveTicket(ticketArg(args), { ...(args.comment !== undefined ? { comment: requiredString(args, 'comment') } : {}), ...signedAtOption(args) }));
    this.action('setTicketStatus', (args) => this.setTicketStatus(ticketArg(args), requiredString(args, 'status') as TicketStatus, signedAtOption(args)));
    this.action('setTicketPriority', (args) => this.setTicketPriority(ticketArg(args), requiredString(args, 'priority') as TicketPriority, signedAtOption(args)));
    this.action('addAgentComment', (args) => this.addAgentComment(ticketArg(args), requiredString(args, 'body'), { public: args.public !== false, ...signedAtOption(args) }));
    this.action('changeTicketTags', (args) =>
      this.changeTicketTags(ticketArg(args), { add: stringArray(args.add, 'add'), remove: stringArray(args.remove, 'remove'), ...signedAtOption(args) }),
    );
    this.action('closeSolvedTickets', (args) => this.closeSolvedTickets(signedAtOption(args)));
  }

  // ------------------------------------------------------------ agent-side actions (send webhooks)

  /** An agent solves the ticket (optionally with a public comment first). */
  solveTicket(ticketId: number, options: AgentChangeOptions & { comment?: string } = {}): Promise<WebhookDelivery[]> {
    const ticket = this.book.ticket(String(ticketId));
    const changes: TicketChange[] = [];
    if (options.comment) changes.push(this.book.appendComment(ticket, options.comment, true, AGENT, 'web'));
    changes.push(...this.book.applyStatus(ticket, 'solved'));
    return this.announce(ticket, AGENT, changes, options);
  }

  /** An agent sets the status. */
  setTicketStatus(ticketId: number, status: TicketStatus, options: AgentChangeOptions = {}): Promise<WebhookDelivery[]> {
    const ticket = this.book.ticket(String(ticketId));
    return this.announce(ticket, AGENT, this.book.applyStatus(ticket, oneOf({ status }, 'status', TICKET_STATUSES)), options);
  }

  /** An agent sets the priority. */
  setTicketPriority(ticketId: number, priority: TicketPriority, options: AgentChangeOptions = {}): Promise<WebhookDelivery[]> {
    const ticket = this.book.ticket(String(ticketId));
    return this.announce(ticket, AGENT, this.book.applyPriority(ticket, oneOf({ priority }, 'priority', TICKET_PRIORITIES)), options);
  }

  /** An agent adds a comment. */
  addAgentComment(ticketId: number, body: string, options: AgentChangeOptions & { public?: boolean } = {}): Promise<WebhookDelivery[]> {
    const ticket = this.book.ticket(String(ticketId));
    return this.announce(ticket, AGENT, [this.book.appendComment(ticket, body, options.public ?? true, AGENT, 'web')], options);
  }

  /** An agent adds and removes tags (Zendesk stores tags lower case, a space separates tags). */
  changeTicketTags(ticketId: number, options: AgentChangeOptions & { add?: readonly string[]; remove?: readonly string[] }): Promise<WebhookDelivery[]> {
    const ticket = this.book.ticket(String(ticketId));
    return this.announce(ticket, AGENT, this.book.applyTags(ticket, options.add ?? [], options.remove ?? []), options);
  }

  /**
   * Zendesk's automation closes solved tickets (the default "Close ticket 4 days after status is set to solved";
   * agents cannot set Closed themselves): every solved ticket becomes closed, with a status_changed webhook each.
   */
  async closeSolvedTickets(options: AgentChangeOptions = {}): Promise<WebhookDelivery[]> {
    const deliveries: WebhookDelivery[] = [];
    for (const ticket of this.book.list().filter((t) => t.status === 'solved')) {
      deliveries.push(...(await this.announce(ticket, AUTOMATION, this.book.applyStatus(ticket, 'closed'), options)));
    }
    return deliveries;
  }

  /** Comments of a ticket, oldest first. */
  commentsOf(ticketId: number): ZendeskComment[] {
    return this.book.commentsOf(ticketId);
  }

  snapshot(): unknown {
    return { tickets: this.book.list().map((ticket) => ({ ...ticket, comments: this.book.commentsOf(ticket.id) })) };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.book.clear();
    this.window = { startedAt: 0, count: 0 };
  }

  protected authenticate(req: SimRequest): SimResponse | undefined {
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer (\S+)$/.exec(header);
    if (bearer && safeEqual(bearer[1], this.credentials.oauthToken)) return undefined;
    const basic = /^Basic (\S+)$/.exec(header);
    if (basic && safeEqual(Buffer.from(basic[1], 'base64').toString('utf8'), `${this.credentials.email}/token:${this.credentials.apiToken}`)) return undefined;
    return json(401, { error: "Couldn't authenticate you" }, { 'www-authenticate': 'Basic realm="Web Password"' });
  }

  /**
   * Zendesk's error body: `{ error, description }`, with `details` by field for validation errors
   * (https://developer.zendesk.com/api-reference/introduction/requests/). Not found is Zendesk's documented
   * `{"error":"RecordNotFound","description":"Not found"}`.
   */
  protected errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
    if (status === 404) return json(404, { error: 'RecordNotFound', description: 'Not found' }, headers);
    if (code === 'RecordInvalid') return this.recordInvalid({ base: [message] }, headers);
    return json(status, { error: code, description: message }, headers);
  }

  /** 422 RecordInvalid with `details` by field, as Zendesk answers a record it will not save. */
  private recordInvalid(details: Record<string, readonly string[]>, headers?: Record<string, string>): SimResponse {
    const body = Object.fromEntries(Object.entries(details).map(([field, descriptions]) => [field, descriptions.map((description) => ({ description }))]));
    return json(422, { error: 'RecordInvalid', description: 'Record validation errors', details: body }, headers);
  }

  /**
   * A request outside Zendesk's contract: a body that breaks the ticket schema is a record Zendesk will not
   * save (422 RecordInvalid, details by field, e.g. `priority`); a bad path, query or header parameter, or a body
   * that is not JSON, is a bad request (400; the body shape of Zendesk's 400 answers is not documented).
   */
  protected contractViolation(check: ContractCheck): SimResponse {
    const bodyErrors = check.errors.filter((e) => e.startsWith('requestBody'));
    if (bodyErrors.length === 0 || bodyErrors.length !== check.errors.length) {
      return json(400, { error: 'InvalidRequest', description: `Invalid request: ${check.errors.join('; ')}` });
    }
    const details: Record<string, string[]> = {};
    for (const error of bodyErrors) {
      const required = /must have required property '([^']+)'/.exec(error);
      const field = required?.[1] ?? /^requestBody(?:\.ticket)?\.([a-z_]+)/.exec(error)?.[1] ?? 'base';
      (details[field] ??= []).push(error.replace(/^requestBody\./, ''));
    }
    return this.recordInvalid(details);
  }

  /** Zendesk's account-wide limit: a fixed one-minute window; over it, 429 with Retry-After. */
  protected beforeRoute(): SimResponse | undefined {
    const now = this.now().getTime();
    if (now - this.window.startedAt >= 60_000) this.window = { startedAt: now, count: 0 };
    if (this.window.count >= this.rateLimit) {
      const retryAfter = Math.max(1, Math.ceil((this.window.startedAt + 60_000 - now) / 1000));
      return this.errorResponse(429, 'TooManyRequests', `Rate limit of ${this.rateLimit} requests per minute exceeded`, { 'retry-after': String(retryAfter) });
    }
    this.window.count += 1;
    return undefined;
  }

  protected decorate(_req: SimRequest, response: SimResponse): SimResponse {
    const remaining = response.status === 429 ? 0 : Math.max(0, this.rateLimit - this.window.count);
    return { ...response, headers: { ...response.headers, 'x-rate-limit': String(this.rateLimit), 'x-rate-limit-remaining': String(remaining) } };
  }

  // ------------------------------------------------------------ API handlers

  private createTicket(req: SimRequest): SimResponse {
    const ticket = this.book.create(req.body);
    return json(201, { ticket, audit: this.book.auditPage(ticket.id, 1, 1).audits[0] }, { location: ticket.url });
  }

  private listTickets(req: SimRequest): SimResponse {
    const tickets = this.book.list(req.query.get('external_id'));
    return json(200, { tickets, next_page: null, previous_page: null, count: tickets.length });
  }

  private updateTicket(req: SimRequest): SimResponse {
    const ticket = this.book.ticket(req.params.id);
    const changes = asObject(asObject(req.body, 'body').ticket, 'ticket');
    // "Tickets with a status set to Closed can't be updated in most cases" (support.zendesk.com 4408894213018).
    if (ticket.status === 'closed') return this.recordInvalid({ status: ['Status: closed prevents ticket update'] });
    const events = this.book.update(ticket, changes);
    const audit = this.book.recordAudit(ticket, INTEGRATION_USER, 'api', events);
    if (this.csOptions.webhooksForApiChanges && events.length > 0) {
      this.announce(ticket, INTEGRATION_USER, events, {}).catch((error: unknown) => this.log('ticket webhook not sent', { system: this.system, ticketId: ticket.id, error: String(error) }));
    }
    return json(200, { ticket, audit });
  }

  /**
   * List Audits for a Ticket, offset pagination: `page` and `per_page` (at most 100), `next_page` / `previous_page`
   * the URLs of the neighbouring pages or null (contracts/zendesk/openapi.json `TicketAuditsResponseNoneCursor`).
   */
  private listAudits(req: SimRequest, suffix: string): SimResponse {
    const ticket = this.book.ticket(req.params.id);
    const page = Number(req.query.get('page') ?? '1');
    const perPage = Number(req.query.get('per_page') ?? String(AUDITS_PER_PAGE_MAX));
    const { audits, count, hasMore } = this.book.auditPage(ticket.id, page, perPage);
    const url = (p: number) => `https://${this.csOptions.subdomain ?? 'lsync-sandbox'}.zendesk.com/api/v2/tickets/${ticket.id}/audits${suffix}?page=${p}&per_page=${perPage}`;
    return json(200, { audits, count, next_page: hasMore ? url(page + 1) : null, previous_page: page > 1 ? url(page - 1) : null });
  }

  /** Records the audit of an agent-side change and sends one webhook per change, in order (cs-webhooks.ts). */
  private async announce(ticket: ZendeskTicket, actor: ZendeskUser, changes: TicketChange[], options: AgentChangeOptions): Promise<WebhookDelivery[]> {
    if (changes.length > 0 && actor !== INTEGRATION_USER) this.book.recordAudit(ticket, actor, actor === AUTOMATION ? 'rule' : 'web', changes);
    const deliveries: WebhookDelivery[] = [];
    const webhooks = ticketEventWebhooks(ticket, actor, changes, { accountId: this.accountId, secret: this.csOptions.zendeskSecret, now: this.now, ...(options.signedAt ? { signedAt: options.signedAt } : {}) });
    for (const webhook of webhooks) deliveries.push(await this.emit(webhook));
    return deliveries;
  }
}
