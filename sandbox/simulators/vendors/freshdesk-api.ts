import { randomUUID } from 'node:crypto';
import type { ContractCheck } from '../../../contracts/contract';
import { SimValidationError, VendorSimulator, json, requiredString, safeEqual, type SimRequest, type SimResponse, type SimulatorOptions, type WebhookDelivery } from '../common';
import { freshdeskWebhookHeaders, renderRule, ruleFor } from './freshdesk';
import { FreshdeskTicketBook, FreshdeskValidationError, UI_AGENT_ID, type FreshdeskNoteRecord, type FreshdeskTicketRecord, type FreshdeskTicketStats, type TicketChange } from './freshdesk-tickets';

export interface FreshdeskCredentials {
  /** The API key, sent as the Basic user name (any password). */
  apiKey: string;
}

export const DEFAULT_FRESHDESK_CREDENTIALS: FreshdeskCredentials = { apiKey: 'freshdesk-sandbox-api-key' };

export interface FreshdeskSimulatorOptions extends SimulatorOptions {
  /** The value of the custom header the automation rules send (our `freshdeskWebhookSecret`). */
  webhookSecret: string;
  credentials?: Partial<FreshdeskCredentials>;
  /** Where the rules' webhooks go (our `/webhooks/cs/freshdesk`). @default - unset */
  webhookUrl?: string;
  /** Calls per minute before 429 (the reference's plan limits: Growth 200, Pro 400, Enterprise 700). @default 400 */
  rateLimitPerMinute?: number;
  /** Fire the rules for changes made through the API too (Freshdesk's rules do; off so our own updates do not echo). @default false */
  webhooksForApiChanges?: boolean;
}

/**
 * A Freshdesk account's tickets API v2 held to contracts/freshdesk/openapi.json (written from
 * https://developers.freshdesk.com/api/): Basic auth with the API key, tickets, notes, conversations and Filter
 * Tickets (freshdesk-tickets.ts), Freshdesk's error bodies, the per-minute limit with `X-RateLimit-Total`,
 * `X-RateLimit-Remaining`, `X-RateLimit-Used-CurrentRequest` and 429 `Retry-After`; and the customer's automation
 * rules (contracts/freshdesk/automation-rules.json) sending webhooks when an agent or an automation changes a
 * ticket (freshdesk.ts renders them).
 */
/** Runs a handler; Freshdesk's field-level refusals become its 400 `{description: "Validation failed", errors}`. */
function validated(handler: () => SimResponse): SimResponse {
  try {
    return handler();
  } catch (error) {
    if (error instanceof FreshdeskValidationError) return json(400, { description: 'Validation failed', errors: error.errors });
    throw error;
  }
}

export class FreshdeskSimulator extends VendorSimulator {
  readonly credentials: FreshdeskCredentials;
  private readonly book: FreshdeskTicketBook;
  private readonly rateLimit: number;
  private window = { startedAt: 0, count: 0 };

  constructor(private readonly freshdeskOptions: FreshdeskSimulatorOptions) {
    super('cs', freshdeskOptions);
    this.credentials = { ...DEFAULT_FRESHDESK_CREDENTIALS, ...freshdeskOptions.credentials };
    this.book = new FreshdeskTicketBook(this.now);
    this.rateLimit = freshdeskOptions.rateLimitPerMinute ?? 400;
    this.validationStatus = 400;
    this.validationCode = 'invalid_value';
    this.declareWebhookDialects({ freshdesk: freshdeskOptions.webhookUrl });
    this.enforceContract('freshdesk');

    this.route('POST', '/api/v2/tickets', (req) =>
      validated(() => {
        const ticket = this.book.create(req.body);
        return json(201, ticket, { location: `/api/v2/tickets/${ticket.id}` });
      }),
    );
    this.route('GET', '/api/v2/tickets', () => json(200, this.book.list().sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, 30)));
    this.route('GET', '/api/v2/search/tickets', (req) =>
      validated(() => {
        const results = this.book.filter(req.query.get('query') ?? '""');
        const page = Number(req.query.get('page') ?? '1');
        return json(200, { results: results.slice((page - 1) * 30, page * 30), total: results.length });
      }),
    );
    // `include` embeds more (the contract holds its values); `stats` is the one the simulator serves.
    this.route('GET', '/api/v2/tickets/:id', (req) => {
      const ticket = this.book.ticket(req.params.id);
      const include = (req.query.get('include') ?? '').split(',');
      return json(200, include.includes('stats') ? { ...ticket, stats: { ...this.book.statsOf(ticket.id) } } : ticket);
    });
    this.route('PUT', '/api/v2/tickets/:id', (req) =>
      validated(() => {
        const ticket = this.book.ticket(req.params.id);
        this.announceApiChanges(ticket, this.book.update(ticket, req.body));
        return json(200, ticket);
      }),
    );
    this.route('POST', '/api/v2/tickets/:id/notes', (req) => {
      const ticket = this.book.ticket(req.params.id);
      const { note, change } = this.book.addNote(ticket, req.body);
      this.announceApiChanges(ticket, [change]);
      return json(201, note);
    });
    this.route('GET', '/api/v2/tickets/:id/conversations', (req) => json(200, this.book.notesOf(this.book.ticket(req.params.id).id)));

    const ticketArg = (args: Record<string, unknown>): number => {
      const id = args.ticketId;
      if ((typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && /^\d+$/.test(id))) return Number(id);
      throw new SimValidationError(`ticketId must be a ticket number, got ${JSON.stringify(id)}`);
    };
    this.action('resolveTicket', (args) => this.resolveTicket(ticketArg(args), args.reply === undefined ? {} : { reply: requiredString(args, 'reply') }));
    this.action('setTicketPriority', (args) => this.setTicketPriority(ticketArg(args), Number(args.priority)));
    this.action('closeResolvedTickets', () => this.closeResolvedTickets());
  }

  // ------------------------------------------------------------ agent-side and automation changes (fire the rules)

  /** An agent resolves the ticket (Resolved, 4), optionally after a public note. */
  async resolveTicket(ticketId: number, options: { reply?: string } = {}): Promise<WebhookDelivery[]> {
    const ticket = this.book.ticket(ticketId);
    const changes: TicketChange[] = [];
    if (options.reply) changes.push(this.book.addNote(ticket, { body: options.reply, private: false }, UI_AGENT_ID).change);
    changes.push(...this.book.setStatus(ticket, 4));
    return this.fireRules(ticket, changes);
  }

  /** An agent sets the priority (1 Low … 4 Urgent). */
  setTicketPriority(ticketId: number, priority: number): Promise<WebhookDelivery[]> {
    if (![1, 2, 3, 4].includes(priority)) throw new SimValidationError('priority must be 1, 2, 3 or 4');
    const ticket = this.book.ticket(ticketId);
    return this.fireRules(ticket, this.book.setPriority(ticket, priority));
  }

  /**
   * The account's time-triggered automation closes resolved tickets (Freshdesk sets up "close resolved tickets
   * after 48 hours" as a default automation): every Resolved ticket becomes Closed (5), each firing the status rule.
   */
  async closeResolvedTickets(): Promise<WebhookDelivery[]> {
    const deliveries: WebhookDelivery[] = [];
    for (const ticket of this.book.list().filter((t) => t.status === 4)) deliveries.push(...(await this.fireRules(ticket, this.book.setStatus(ticket, 5))));
    return deliveries;
  }

  /** Notes (and replies) of a ticket, oldest first. */
  notesOf(ticketId: number): FreshdeskNoteRecord[] {
    return this.book.notesOf(ticketId);
  }

  snapshot(): { tickets: (FreshdeskTicketRecord & { notes: FreshdeskNoteRecord[]; stats: FreshdeskTicketStats })[] } {
    return { tickets: this.book.list().map((ticket) => ({ ...ticket, notes: this.book.notesOf(ticket.id), stats: { ...this.book.statsOf(ticket.id) } })) };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.book.clear();
    this.window = { startedAt: 0, count: 0 };
  }

  /** Basic with the API key as the user name; the password is not checked (the reference's examples send X). */
  protected authenticate(req: SimRequest): SimResponse | undefined {
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
    const user = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] : undefined;
    if (user !== undefined && safeEqual(user, this.credentials.apiKey)) return undefined;
    return json(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
  }

  /** Freshdesk's error bodies: 400 `{description, errors}`, 401/403/429 `{code, message}`, 404 without a body. */
  protected errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
    if (status === 404) return { status: 404, headers: { ...headers }, body: '' };
    if (status === 400) return json(400, { description: 'Validation failed', errors: [{ field: 'request', message, code }] }, headers);
    return json(status, { code, message }, headers);
  }

  /** A request outside the contract: Freshdesk's 400 with one error per offending field. */
  protected contractViolation(check: ContractCheck): SimResponse {
    const errors = check.errors.map((error) => {
      const field = /must have required property '([^']+)'/.exec(error)?.[1] ?? /^(?:requestBody|query|path)\.?([a-z_]+)/.exec(error)?.[1] ?? 'request';
      return { field, message: error, code: /required/.test(error) ? 'missing_field' : 'invalid_value' };
    });
    return json(400, { description: 'Validation failed', errors });
  }

  /** The per-minute limit (a fixed window): over it, 429 with Retry-After in seconds. */
  protected beforeRoute(): SimResponse | undefined {
    const now = this.now().getTime();
    if (now - this.window.startedAt >= 60_000) this.window = { startedAt: now, count: 0 };
    if (this.window.count >= this.rateLimit) {
      const retryAfter = Math.max(1, Math.ceil((this.window.startedAt + 60_000 - now) / 1000));
      return this.errorResponse(429, 'rate_limit_exceeded', `You have exceeded the limit of ${this.rateLimit} requests per minute`, { 'retry-after': String(retryAfter) });
    }
    this.window.count += 1;
    return undefined;
  }

  protected decorate(_req: SimRequest, response: SimResponse): SimResponse {
    const remaining = response.status === 429 ? 0 : Math.max(0, this.rateLimit - this.window.count);
    return {
      ...response,
      headers: { ...response.headers, 'x-ratelimit-total': String(this.rateLimit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-used-currentrequest': '1' },
    };
  }

  // ------------------------------------------------------------ the rules

  private announceApiChanges(ticket: FreshdeskTicketRecord, changes: TicketChange[]): void {
    if (!this.freshdeskOptions.webhooksForApiChanges || changes.length === 0) return;
    this.fireRules(ticket, changes).catch((error: unknown) => this.log('rule webhook not sent', { system: this.system, ticketId: ticket.id, error: String(error) }));
  }

  /**
   * Runs the documented rules against the changes: status and priority changes fire their rules, a public note the
   * note rule (the rule is for public notes); each rule sends its rendered body with the custom header. Rules whose
   * condition ("lsync shipment id is not empty") does not hold send nothing.
   */
  private async fireRules(ticket: FreshdeskTicketRecord, changes: readonly TicketChange[]): Promise<WebhookDelivery[]> {
    if (!ticket.custom_fields.cf_lsync_shipment_id) return [];
    const deliveries: WebhookDelivery[] = [];
    for (const change of changes) {
      const event = change.kind === 'status' ? 'ticket.status_changed' : change.kind === 'priority' ? 'ticket.priority_changed' : change.private ? undefined : 'ticket.note_added';
      if (!event) continue;
      const body = renderRule(ruleFor(event), ticket);
      const { 'content-type': contentType, ...headers } = freshdeskWebhookHeaders(this.freshdeskOptions.webhookSecret);
      deliveries.push(await this.emit({ dialect: 'freshdesk', eventType: event, eventId: randomUUID(), body, contentType: contentType!, headers: { 'user-agent': 'Freshdesk', ...headers }, sign: () => ({}) }));
    }
    return deliveries;
  }
}
