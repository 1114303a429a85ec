import { randomUUID } from 'node:crypto';
import type { ContractCheck } from '../../contracts/contract';
import {
  SimHttpError,
  SimValidationError,
  VendorSimulator,
  asObject,
  json,
  oneOf,
  optionalOneOf,
  optionalString,
  requiredString,
  signedAtOption,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
  type WebhookDelivery,
  safeEqual,
} from './common';
import {
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TYPES,
  commentAdded,
  normaliseTags,
  priorityChange,
  statusChange,
  tagsChanged,
  ticketEvent,
  type TicketChange,
  type TicketPriority,
  type TicketStatus,
  type ZendeskComment,
  type ZendeskTicket,
  type ZendeskUser,
} from './cs-payloads';
import { rfc3339Seconds, zendeskSignature } from './signing';

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

const INTEGRATION_USER: ZendeskUser = { id: 9001, name: 'logistics-sync integration', is_staff: true };
const AGENT: ZendeskUser = { id: 9100, name: 'Sam Agent', is_staff: true };
/** Business rules (triggers, automations) act as Zendesk itself. */
const AUTOMATION: ZendeskUser = { id: -1, name: 'Zendesk', is_staff: true };

function stringArray(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new SimValidationError(`${what} must be an array of strings`);
  return value as string[];
}

/**
 * A Zendesk-shaped customer-service system, held to Zendesk's contract (contracts/zendesk/openapi.json): the
 * Tickets API with `Idempotency-Key`, `external_id` lists, follow-ups of closed tickets, closed tickets that
 * refuse updates, rate-limit headers, and signed ticket event webhooks for agent-side changes (solve,
 * priority, comment, tags) and for Zendesk's automation closing solved tickets.
 */
export class CsSimulator extends VendorSimulator {
  readonly credentials: CsCredentials;
  readonly accountId: number;
  private readonly subdomain: string;
  private readonly rateLimit: number;
  private tickets = new Map<number, ZendeskTicket>();
  private comments = new Map<number, ZendeskComment[]>();
  private ticketSeq = 0;
  private commentSeq = 0;
  private window = { startedAt: 0, count: 0 };

  constructor(private readonly csOptions: CsSimulatorOptions) {
    super('cs', csOptions);
    this.credentials = { ...DEFAULT_CS_CREDENTIALS, ...csOptions.credentials };
    this.accountId = csOptions.accountId ?? 24815001;
    this.subdomain = csOptions.subdomain ?? 'lsync-sandbox';
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
      this.route('GET', `/api/v2/tickets/:id${suffix}`, (req) => json(200, { ticket: this.ticket(req.params.id) }));
      this.route('PUT', `/api/v2/tickets/:id${suffix}`, (req) => this.updateTicket(req));
      this.route('GET', `/api/v2/tickets/:id/comments${suffix}`, (req) => {
        const comments = this.comments.get(this.ticket(req.params.id).id) ?? [];
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
    const ticket = this.ticket(String(ticketId));
    const changes: TicketChange[] = [];
    if (options.comment) changes.push(this.appendComment(ticket, options.comment, true, AGENT, 'web'));
    changes.push(...this.applyStatus(ticket, 'solved'));
    return this.announce(ticket, AGENT, changes, options);
  }

  /** An agent sets the status. */
  setTicketStatus(ticketId: number, status: TicketStatus, options: AgentChangeOptions = {}): Promise<WebhookDelivery[]> {
    const ticket = this.ticket(String(ticketId));
    return this.announce(ticket, AGENT, this.applyStatus(ticket, oneOf({ status }, 'status', TICKET_STATUSES)), options);
  }

  /** An agent sets the priority. */
  setTicketPriority(ticketId: number, priority: TicketPriority, options: AgentChangeOptions = {}): Promise<WebhookDelivery[]> {
    const ticket = this.ticket(String(ticketId));
    return this.announce(ticket, AGENT, this.applyPriority(ticket, oneOf({ priority }, 'priority', TICKET_PRIORITIES)), options);
  }

  /** An agent adds a comment. */
  addAgentComment(ticketId: number, body: string, options: AgentChangeOptions & { public?: boolean } = {}): Promise<WebhookDelivery[]> {
    const ticket = this.ticket(String(ticketId));
    return this.announce(ticket, AGENT, [this.appendComment(ticket, body, options.public ?? true, AGENT, 'web')], options);
  }

  /** An agent adds and removes tags (Zendesk stores tags lower case, a space separates tags). */
  changeTicketTags(ticketId: number, options: AgentChangeOptions & { add?: readonly string[]; remove?: readonly string[] }): Promise<WebhookDelivery[]> {
    const ticket = this.ticket(String(ticketId));
    return this.announce(ticket, AGENT, this.applyTags(ticket, options.add ?? [], options.remove ?? []), options);
  }

  /**
   * Zendesk's automation closes solved tickets (the default "Close ticket 4 days after status is set to solved";
   * agents cannot set Closed themselves): every solved ticket becomes closed, with a status_changed webhook each.
   */
  async closeSolvedTickets(options: AgentChangeOptions = {}): Promise<WebhookDelivery[]> {
    const deliveries: WebhookDelivery[] = [];
    for (const ticket of [...this.tickets.values()].filter((t) => t.status === 'solved')) {
      deliveries.push(...(await this.announce(ticket, AUTOMATION, this.applyStatus(ticket, 'closed'), options)));
    }
    return deliveries;
  }

  /** Comments of a ticket, oldest first. */
  commentsOf(ticketId: number): ZendeskComment[] {
    return [...(this.comments.get(ticketId) ?? [])];
  }

  snapshot(): unknown {
    return { tickets: [...this.tickets.values()].map((ticket) => ({ ...ticket, comments: this.comments.get(ticket.id) ?? [] })) };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.tickets.clear();
    this.comments.clear();
    this.ticketSeq = 0;
    this.commentSeq = 0;
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

  private ticket(id: string): ZendeskTicket {
    const ticket = /^\d+$/.test(id) ? this.tickets.get(Number(id)) : undefined;
    if (!ticket) throw new SimHttpError(404, 'RecordNotFound', 'Not found');
    return ticket;
  }

  private createTicket(req: SimRequest): SimResponse {
    const ticketIn = asObject(asObject(req.body, 'body').ticket, 'ticket');
    const comment = ticketIn.comment === undefined ? {} : asObject(ticketIn.comment, 'ticket.comment');
    const body = (typeof comment.body === 'string' ? comment.body : undefined) ?? optionalString(ticketIn, 'description');
    if (!body || body.trim() === '') throw new SimValidationError('Description: cannot be blank (ticket.comment.body is required)');
    const status = optionalOneOf(ticketIn, 'status', TICKET_STATUSES, 'ticket.');
    if (status === 'closed') throw new SimValidationError('Status: closed is not allowed when creating a ticket');
    // A follow-up: "The parameter only works with closed tickets. It has no effect with other tickets." Follow-ups
    // "inherit the tags from the parent ticket upon creation … If you … include tags in the request, those tags
    // will replace the parent ticket's tags" (creating-and-updating-tickets, Creating a follow-up ticket).
    const sourceId = typeof ticketIn.via_followup_source_id === 'number' ? ticketIn.via_followup_source_id : undefined;
    const source = sourceId === undefined ? undefined : this.tickets.get(sourceId);
    const followUpOf = source?.status === 'closed' ? source : undefined;
    const now = rfc3339Seconds(this.now());
    const id = ++this.ticketSeq;
    const subject = optionalString(ticketIn, 'subject', 'ticket.') ?? body.slice(0, 60);
    const ticket: ZendeskTicket = {
      id,
      url: `https://${this.subdomain}.zendesk.com/api/v2/tickets/${id}.json`,
      external_id: optionalString(ticketIn, 'external_id', 'ticket.') ?? null,
      via: { channel: 'api' },
      created_at: now,
      updated_at: now,
      type: optionalOneOf(ticketIn, 'type', TICKET_TYPES, 'ticket.') ?? null,
      subject,
      raw_subject: subject,
      description: body,
      priority: optionalOneOf(ticketIn, 'priority', TICKET_PRIORITIES, 'ticket.') ?? null,
      status: status ?? (typeof ticketIn.assignee_id === 'number' ? 'open' : 'new'),
      requester_id: typeof ticketIn.requester_id === 'number' ? ticketIn.requester_id : INTEGRATION_USER.id,
      submitter_id: INTEGRATION_USER.id,
      assignee_id: typeof ticketIn.assignee_id === 'number' ? ticketIn.assignee_id : null,
      organization_id: null,
      group_id: typeof ticketIn.group_id === 'number' ? ticketIn.group_id : null,
      tags: normaliseTags(ticketIn.tags === undefined && followUpOf ? followUpOf.tags : stringArray(ticketIn.tags, 'ticket.tags')),
      custom_fields: this.customFields(ticketIn.custom_fields),
      is_public: comment.public !== false,
      followup_ids: [],
    };
    if (followUpOf) followUpOf.followup_ids.push(id);
    this.tickets.set(id, ticket);
    this.comments.set(id, []);
    this.appendComment(ticket, body, comment.public !== false, INTEGRATION_USER, 'api');
    ticket.updated_at = now;
    return json(201, { ticket, audit: this.audit(ticket, 'Create') }, { location: ticket.url });
  }

  private listTickets(req: SimRequest): SimResponse {
    const externalId = req.query.get('external_id');
    const tickets = [...this.tickets.values()].filter((t) => externalId === null || t.external_id === externalId);
    return json(200, { tickets, next_page: null, previous_page: null, count: tickets.length });
  }

  private updateTicket(req: SimRequest): SimResponse {
    const ticket = this.ticket(req.params.id);
    const changes = asObject(asObject(req.body, 'body').ticket, 'ticket');
    // "Tickets with a status set to Closed can't be updated in most cases" (support.zendesk.com 4408894213018).
    if (ticket.status === 'closed') return this.recordInvalid({ status: ['Status: closed prevents ticket update'] });
    if (changes.safe_update === true && changes.updated_stamp !== ticket.updated_at) {
      throw new SimHttpError(409, 'UpdateConflict', `updated_stamp ${JSON.stringify(changes.updated_stamp)} does not match the ticket's updated_at ${ticket.updated_at}`);
    }
    // Validate everything before changing anything.
    const status = optionalOneOf(changes, 'status', TICKET_STATUSES, 'ticket.');
    const priority = optionalOneOf(changes, 'priority', TICKET_PRIORITIES, 'ticket.');
    const type = optionalOneOf(changes, 'type', TICKET_TYPES, 'ticket.');
    const comment = changes.comment === undefined ? undefined : asObject(changes.comment, 'ticket.comment');
    const commentBody = comment ? requiredString(comment, 'body', 'ticket.comment.') : undefined;
    const additional = stringArray(changes.additional_tags, 'ticket.additional_tags');
    const removed = stringArray(changes.remove_tags, 'ticket.remove_tags');
    const replaced = changes.tags === undefined ? undefined : stringArray(changes.tags, 'ticket.tags');
    const customFields = changes.custom_fields === undefined ? undefined : this.customFields(changes.custom_fields);

    const events: TicketChange[] = [];
    if (comment && commentBody) events.push(this.appendComment(ticket, commentBody, comment.public !== false, INTEGRATION_USER, 'api'));
    if (status) events.push(...this.applyStatus(ticket, status));
    if (priority) events.push(...this.applyPriority(ticket, priority));
    if (type) ticket.type = type;
    if (typeof changes.subject === 'string') ticket.subject = ticket.raw_subject = changes.subject;
    if (typeof changes.external_id === 'string') ticket.external_id = changes.external_id;
    if (typeof changes.assignee_id === 'number') ticket.assignee_id = changes.assignee_id;
    if (replaced) {
      const next = normaliseTags(replaced);
      events.push(...this.applyTags(ticket, next.filter((t) => !ticket.tags.includes(t)), ticket.tags.filter((t) => !next.includes(t))));
    }
    events.push(...this.applyTags(ticket, additional, removed));
    if (customFields) {
      for (const field of customFields) {
        const existing = ticket.custom_fields.find((f) => f.id === field.id);
        if (existing) existing.value = field.value;
        else ticket.custom_fields.push(field);
      }
    }
    ticket.updated_at = rfc3339Seconds(this.now());
    if (this.csOptions.webhooksForApiChanges && events.length > 0) {
      this.announce(ticket, INTEGRATION_USER, events, {}).catch((error: unknown) => this.log('ticket webhook not sent', { system: this.system, ticketId: ticket.id, error: String(error) }));
    }
    return json(200, { ticket, audit: this.audit(ticket, 'Change') });
  }

  // ------------------------------------------------------------ internals

  private customFields(value: unknown): { id: number; value: unknown }[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new SimValidationError('ticket.custom_fields must be an array');
    return value.map((raw, index) => {
      const field = asObject(raw, `ticket.custom_fields[${index}]`);
      if (typeof field.id !== 'number') throw new SimValidationError(`ticket.custom_fields[${index}].id must be a number`);
      return { id: field.id, value: field.value ?? null };
    });
  }

  private audit(ticket: ZendeskTicket, type: string): Record<string, unknown> {
    return { id: this.now().getTime(), ticket_id: ticket.id, created_at: ticket.updated_at, author_id: INTEGRATION_USER.id, events: [{ type }] };
  }

  private applyStatus(ticket: ZendeskTicket, status: TicketStatus): TicketChange[] {
    if (ticket.status === status) return [];
    const previous = ticket.status;
    ticket.status = status;
    ticket.updated_at = rfc3339Seconds(this.now());
    return [statusChange(previous, status)];
  }

  private applyPriority(ticket: ZendeskTicket, priority: TicketPriority): TicketChange[] {
    if (ticket.priority === priority) return [];
    const previous = ticket.priority;
    ticket.priority = priority;
    ticket.updated_at = rfc3339Seconds(this.now());
    return [priorityChange(previous, priority)];
  }

  /** Adds and removes tags (normalised as Zendesk stores them); one tags_changed change when anything changed. */
  private applyTags(ticket: ZendeskTicket, add: readonly string[], remove: readonly string[]): TicketChange[] {
    const removeSet = new Set(normaliseTags(remove));
    const added = normaliseTags(add).filter((t) => !ticket.tags.includes(t) && !removeSet.has(t));
    const removed = ticket.tags.filter((t) => removeSet.has(t));
    if (added.length === 0 && removed.length === 0) return [];
    ticket.tags = [...ticket.tags.filter((t) => !removeSet.has(t)), ...added];
    ticket.updated_at = rfc3339Seconds(this.now());
    return [tagsChanged(added, removed)];
  }

  private appendComment(ticket: ZendeskTicket, body: string, isPublic: boolean, author: ZendeskUser, channel: string): TicketChange {
    const comment: ZendeskComment = { id: 70_000 + ++this.commentSeq, type: 'Comment', author_id: author.id, body, public: isPublic, created_at: rfc3339Seconds(this.now()), via: { channel } };
    const list = this.comments.get(ticket.id) ?? [];
    list.push(comment);
    this.comments.set(ticket.id, list);
    ticket.updated_at = comment.created_at;
    return commentAdded(comment, author);
  }

  /** Sends one webhook per change, in order. */
  private async announce(ticket: ZendeskTicket, actor: ZendeskUser, changes: TicketChange[], options: AgentChangeOptions): Promise<WebhookDelivery[]> {
    const deliveries: WebhookDelivery[] = [];
    const secret = this.csOptions.zendeskSecret;
    const sequenceId = randomUUID().replaceAll('-', '').toUpperCase();
    for (const [index, change] of changes.entries()) {
      const envelope = ticketEvent({ accountId: this.accountId, id: randomUUID(), time: this.now().toISOString(), ticket, actorId: actor.id, change, sequence: { id: sequenceId, position: index + 1 } });
      deliveries.push(
        await this.emit({
          dialect: 'zendesk',
          eventType: change.type,
          eventId: envelope.id,
          body: JSON.stringify(envelope),
          contentType: 'application/json',
          headers: {
            'user-agent': 'Zendesk Webhook',
            'x-zendesk-account-id': String(this.accountId),
            'x-zendesk-webhook-id': '01HZSANDBOXWEBHOOK0000000',
            'x-zendesk-webhook-invocation-id': randomUUID(),
          },
          sign: (body, at) => {
            const timestamp = rfc3339Seconds(at);
            return { 'x-zendesk-webhook-signature': zendeskSignature(secret, timestamp, body), 'x-zendesk-webhook-signature-timestamp': timestamp };
          },
          ...(options.signedAt ? { signedAt: options.signedAt } : {}),
        }),
      );
    }
    return deliveries;
  }
}
