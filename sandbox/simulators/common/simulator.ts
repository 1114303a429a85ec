import { randomUUID } from 'node:crypto';
import { loadContract, type Contract, type ContractCheck, type ContractName } from '../../../contracts/contract';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalHeaders } from '../signing';
import { handleControl, type ControlPlaneHost, type ResetScope } from './control-plane';
import { FaultController, type ActiveFault, type FaultSpec } from './faults';
import { BodyTooLargeError, flattenHeaders, parseJson, queryObject, readBody, writeResponse, type SimRequest, type SimResponse } from './http';
import { IdempotencyStore, requestFingerprint, type IdempotencyPolicy } from './idempotency';
import { matchPath, type PathPattern } from './paths';
import { CallRecorder, type CallRecord } from './records';
import { TimerRegistry } from './timers';
import { SimHttpError, SimValidationError, asObject, requiredString, signedAtOption } from './validate';
import { DEFAULT_RETRY_POLICY, WebhookSender, type OutgoingWebhook, type RetryPolicy, type WebhookDelivery } from './webhooks';

/** The body as a contract sees it: form fields of an urlencoded body, else the text (JSON bodies arrive parsed). */
function contractBody(request: SimRequest): unknown {
  if (request.rawBody === '') return undefined;
  if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(request.rawBody));
  return request.rawBody;
}

export type SimLogger = (message: string, fields?: Record<string, unknown>) => void;

/** Options every simulator accepts. */
export interface SimulatorOptions {
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind. @default 0 - a free port */
  port?: number;
  /** Receives one line per notable event (start, stop, webhook delivered, handler error). @default - silent */
  log?: SimLogger;
  /** Clock for timestamps, token expiry, fault windows and idempotency TTLs. @default - the system clock */
  now?: () => Date;
  /** How webhooks are retried. @default DEFAULT_RETRY_POLICY */
  webhookRetry?: Partial<RetryPolicy>;
  /** Larger request bodies get 413. @default 1 MiB */
  maxBodyBytes?: number;
  /**
   * Secret of the logistics-sync canonical dialect (X-Lsync-Signature). With it the simulator can send
   * canonical events with `sendCanonical()`. @default - canonical webhooks cannot be sent
   */
  canonicalSecret?: string;
  /** Where canonical webhooks go. @default - unset until setWebhookTarget('canonical', url) */
  canonicalWebhookUrl?: string;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface RouteOptions {
  /** The route needs the vendor's credentials. @default true */
  auth?: boolean;
  /** The route honours the `Idempotency-Key` header with the simulator's policy. @default false */
  idempotent?: boolean;
}

/** A vendor-side action (e.g. "the driver departs"), callable in-process and over `POST /__sim/actions/{name}`. */
export type ActionHandler = (args: Record<string, unknown>) => unknown;

interface RouteDef {
  method: string;
  pattern: string;
  handler: Handler;
  auth: boolean;
  idempotent: boolean;
}

type MutableRequest = { -readonly [K in keyof SimRequest]: SimRequest[K] };

/** Where a contract applies (see `enforceContract`). */
export interface ContractScope {
  /**
   * Requests whose path starts with this prefix are held to the contract, with the prefix removed (the
   * vendor's server URL path, e.g. `/sap/opu/odata/sap/API_SALES_ORDER_SRV`); the longest matching prefix
   * wins. @default '' - every request
   */
  readonly pathPrefix?: string;
  /** Hold requests to it; false for a contract that only documents webhooks (a format). @default true */
  readonly requests?: boolean;
  /** Also check every webhook this simulator sends against this documented webhook (e.g. an envelope). @default - only webhooks of documented events */
  readonly everyWebhookAs?: string;
  /** Only webhooks of this dialect are held to the contract (e.g. `cloudevents`, not our own canonical format). @default - every dialect */
  readonly dialect?: string;
}

interface EnforcedContract {
  readonly name: ContractName;
  readonly scope: ContractScope;
  contract?: Contract;
}

/**
 * The machinery every simulated vendor system shares: an HTTP server on loopback, a record of every
 * call, switchable faults, vendor-style idempotency, webhook delivery with retries, and the `/__sim`
 * control plane. Subclasses add routes, authentication, the vendor's error shape and their data.
 */
export abstract class VendorSimulator {
  protected readonly now: () => Date;
  protected readonly log: SimLogger;
  protected readonly timers = new TimerRegistry();
  protected readonly webhooks: WebhookSender;
  /** Status for invalid input; Zendesk answers 422, most APIs 400. */
  protected validationStatus = 400;
  protected validationCode = 'invalid_request';

  private readonly recorder = new CallRecorder();
  private readonly faultController: FaultController;
  private readonly httpRoutes: RouteDef[] = [];
  private readonly actions = new Map<string, ActionHandler>();
  private readonly targets = new Map<string, string | undefined>();
  private idempotency?: { policy: IdempotencyPolicy; store: IdempotencyStore };
  private readonly maxBodyBytes: number;
  private server?: Server;
  private baseUrl?: string;
  private readonly enforced: EnforcedContract[] = [];

  protected constructor(
    /** `erp`, `fleet` or `cs`. */
    readonly system: string,
    private readonly options: SimulatorOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.faultController = new FaultController(this.now);
    this.targets.set('canonical', options.canonicalWebhookUrl);
    this.webhooks = new WebhookSender({ ...DEFAULT_RETRY_POLICY, ...options.webhookRetry }, this.timers, this.now, (message, fields) =>
      this.log(message, { system: this.system, ...fields }),
    );
    this.action('sendCanonical', (args) =>
      this.sendCanonical(asObject(args.event, 'event'), {
        ...(args.eventType !== undefined ? { eventType: requiredString(args, 'eventType') } : {}),
        ...(args.eventId !== undefined ? { eventId: requiredString(args, 'eventId') } : {}),
        ...signedAtOption(args),
      }),
    );
  }

  // ---------------------------------------------------------------- public API

  /** Base URL, e.g. `http://127.0.0.1:41234`. Throws before `start()`. */
  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.system} simulator is not started`);
    return this.baseUrl;
  }

  /** Every request received since the last reset, oldest first. */
  get calls(): readonly CallRecord[] {
    return this.recorder.all;
  }

  /** Calls with this method (`*` for any) whose path matches the pattern, e.g. `callsTo('PUT', '/shipments/:id/status')`. */
  callsTo(method: string, pattern: PathPattern): CallRecord[] {
    return this.recorder.filter(method, pattern);
  }

  /** Every webhook this simulator sent since the last reset, with each attempt. */
  get webhooksSent(): readonly WebhookDelivery[] {
    return this.webhooks.all;
  }

  /** Faults currently set. */
  get faults(): ActiveFault[] {
    return this.faultController.list();
  }

  /** Sets a fault; several may be active at once (slow ones add up, the first blocking one wins). */
  setFault(spec: FaultSpec): ActiveFault {
    const fault = this.faultController.add(spec);
    this.log('fault set', { system: this.system, fault });
    return fault;
  }

  /** Clears one fault, or all. Returns how many were cleared. */
  clearFaults(id?: string): number {
    return this.faultController.clear(id);
  }

  /**
   * Clears call records, webhook records, faults and remembered idempotency keys; with scope `all`
   * (the default) also puts the simulated data back to its seed and cancels scheduled work (pending
   * invoice postings, webhook retry waits, requests parked in a slow fault).
   */
  reset(scope: ResetScope = 'all'): void {
    // A full reset also cancels scheduled work (e.g. an invoice about to be posted for data that is gone).
    if (scope === 'all') this.timers.cancelAll();
    this.recorder.clear();
    this.webhooks.clear();
    this.faultController.clear();
    this.idempotency?.store.clear();
    if (scope === 'all') this.resetState();
  }

  /** Sets (or with undefined, unsets) where webhooks of one dialect go. */
  setWebhookTarget(dialect: string, url: string | undefined): void {
    if (!this.targets.has(dialect)) throw new SimValidationError(`${this.system} sends no ${dialect} webhooks; dialects: ${[...this.targets.keys()].join(', ')}`);
    if (url !== undefined) new URL(url);
    this.targets.set(dialect, url);
  }

  get webhookTargets(): Record<string, string | null> {
    return Object.fromEntries([...this.targets].map(([dialect, url]) => [dialect, url ?? null]));
  }

  /**
   * Sends an earlier webhook again: same event id, same body bytes, freshly signed (or signed at
   * `signedAt`), as the vendor does when it retries a delivery.
   */
  redeliver(deliveryId: string, options: { signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const original = this.webhooks.outgoingFor(deliveryId);
    if (!original) throw new SimHttpError(404, 'not_found', `no webhook delivery ${deliveryId}`);
    const { signedAt: _previous, ...rest } = original;
    return this.webhooks.deliver({ ...rest, ...(options.signedAt ? { signedAt: options.signedAt } : {}), redeliveryOf: deliveryId });
  }

  /** Resolves when every webhook started so far (including retries) is done. */
  settled(): Promise<void> {
    return this.webhooks.settled();
  }

  /**
   * Sends a canonical event (our own JSON format) to this system's canonical endpoint, signed with the
   * canonical scheme (X-Lsync-Timestamp, X-Lsync-Signature). For systems without a vendor format.
   */
  sendCanonical(event: Record<string, unknown>, options: { eventType?: string; eventId?: string; signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const secret = this.options.canonicalSecret;
    if (!secret) throw new SimHttpError(409, 'no_canonical_secret', `${this.system} simulator has no canonical secret`);
    const metadata = (event.metadata ?? {}) as Record<string, unknown>;
    return this.emit({
      dialect: 'canonical',
      eventType: options.eventType ?? String(metadata.eventType ?? 'canonical'),
      eventId: options.eventId ?? String(metadata.eventId ?? randomUUID()),
      body: JSON.stringify(event),
      contentType: 'application/json',
      sign: (body, at) => canonicalHeaders(secret, body, at),
      ...(options.signedAt ? { signedAt: options.signedAt } : {}),
    });
  }

  /** Names of the vendor-side actions. */
  get actionNames(): string[] {
    return [...this.actions.keys()];
  }

  /** Runs a vendor-side action by name with JSON-style arguments (dates as RFC 3339 strings). */
  async runAction(name: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const action = this.actions.get(name);
    if (!action) throw new SimHttpError(404, 'not_found', `${this.system} has no action ${name}; actions: ${this.actionNames.join(', ')}`);
    return await action(args);
  }

  /** The simulated system's data, as served by `GET /__sim/state`. */
  abstract snapshot(): unknown;

  /** Starts listening; resolves with the base URL. */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    for (const entry of this.enforced) entry.contract ??= await loadContract(entry.name);
    this.webhooks.resume();
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        this.log('request failed', { system: this.system, error: String(error) });
        if (!res.headersSent) writeResponse(res, { status: 500, body: { error: 'internal_error' } });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.baseUrl = `http://${host}:${address.port}`;
    this.log('simulator started', { system: this.system, url: this.baseUrl });
    return this.baseUrl;
  }

  /** Cancels timers and webhook attempts, closes every connection and the listener. */
  async stop(): Promise<void> {
    this.timers.cancelAll();
    this.webhooks.stop();
    await this.webhooks.settled();
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.log('simulator stopped', { system: this.system });
  }

  // ---------------------------------------------------------------- for subclasses

  /** Checks credentials; returns the refusal, or undefined to let the request through. */
  protected abstract authenticate(req: SimRequest): SimResponse | undefined;

  /** An error in the vendor's shape. */
  protected abstract errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse;

  /** Puts the simulated data back to its seed. */
  protected abstract resetState(): void;

  /**
   * Holds every request to the vendor's published contract (contracts/<name>/openapi.json): a request for an
   * operation the vendor does not have is answered 404, one that breaks the operation's schema is answered by
   * {@link contractViolation}, and a 2xx answer of the simulator's own that breaks it becomes a 500 (a
   * simulator defect must not pass for vendor behaviour). Webhooks of documented events are checked before
   * they are sent. Loaded by `start()`. A simulator that serves several vendor APIs (or sends a format that
   * has its own contract) enforces one per path prefix ({@link ContractScope}).
   */
  protected enforceContract(name: ContractName, scope: ContractScope = {}): void {
    this.enforced.push({ name, scope });
  }

  /** What a webhook's body is, for checking it against a contract. @default the body parsed as JSON */
  protected webhookPayload(webhook: Omit<OutgoingWebhook, 'url'>): unknown {
    return parseJson(webhook.body);
  }

  /** How the vendor answers a request that breaks its contract. @default the simulator's validation status and error shape */
  protected contractViolation(check: ContractCheck, _req?: SimRequest): SimResponse {
    return this.errorResponse(this.validationStatus, this.validationCode, `invalid request: ${check.errors.join('; ')}`);
  }

  /** Runs before routing, after faults (e.g. a vendor's own rate limiter). */
  protected beforeRoute(_req: SimRequest): SimResponse | undefined {
    return undefined;
  }

  /** Adds headers every answer carries (e.g. rate-limit headers). */
  protected decorate(_req: SimRequest, response: SimResponse): SimResponse {
    return response;
  }

  protected route(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): void {
    this.httpRoutes.push({ method: method.toUpperCase(), pattern, handler, auth: options.auth ?? true, idempotent: options.idempotent ?? false });
  }

  protected action(name: string, handler: ActionHandler): void {
    this.actions.set(name, handler);
  }

  protected useIdempotency(policy: IdempotencyPolicy): void {
    this.idempotency = { policy, store: new IdempotencyStore(policy.ttlMs, this.now) };
  }

  /** Declares the webhook dialects this simulator sends, with their initial targets. */
  protected declareWebhookDialects(targets: Record<string, string | undefined>): void {
    for (const [dialect, url] of Object.entries(targets)) this.targets.set(dialect, url);
  }

  /** Sends a webhook to the target of its dialect. Throws when that target is not set. */
  protected emit(webhook: Omit<OutgoingWebhook, 'url'>): Promise<WebhookDelivery> {
    for (const { contract, scope } of this.enforced) {
      if (!contract || (scope.dialect !== undefined && scope.dialect !== webhook.dialect)) continue;
      const events = [webhook.eventType, scope.everyWebhookAs].filter((event): event is string => event !== undefined && contract.document['x-webhooks']?.[event] !== undefined);
      for (const event of new Set(events)) {
        const errors = contract.checkWebhook(event, this.webhookPayload(webhook));
        if (errors.length > 0) {
          throw new SimHttpError(500, 'contract_violation', `${this.system} simulator would send a ${webhook.eventType} webhook outside the ${contract.name} contract (${event}): ${errors.join('; ')}`);
        }
      }
    }
    const url = this.targets.get(webhook.dialect);
    if (!url) {
      throw new SimHttpError(409, 'no_webhook_target', `${this.system} has no ${webhook.dialect} webhook URL; set it with setWebhookUrls() or PUT /__sim/webhook-targets`);
    }
    return this.webhooks.deliver({ ...webhook, url });
  }

  /** Runs `fn` after `ms` (cancelled by stop); failures are logged. */
  protected later(ms: number, fn: () => Promise<void> | void): void {
    this.timers.schedule(ms, fn, (error) => this.log('scheduled task failed', { system: this.system, error: String(error) }));
  }

  // ---------------------------------------------------------------- pipeline

  private controlHost(): ControlPlaneHost {
    return {
      system: this.system,
      callsTo: (method, pattern) => this.callsTo(method, pattern),
      reset: (scope) => this.reset(scope),
      listFaults: () => this.faults,
      setFault: (spec) => this.setFault(spec),
      clearFaults: (id) => this.clearFaults(id),
      webhooks: () => this.webhooksSent,
      redeliver: (id, options) => this.redeliver(id, options),
      webhookTargets: () => this.webhookTargets,
      setWebhookTarget: (dialect, url) => this.setWebhookTarget(dialect, url),
      snapshot: () => this.snapshot(),
      actionNames: () => this.actionNames,
      runAction: (name, args) => this.runAction(name, args),
    };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    let rawBody = '';
    let tooLarge = false;
    try {
      rawBody = await readBody(req, this.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      tooLarge = true;
    }
    if (path === '/__sim' || path.startsWith('/__sim/')) {
      writeResponse(res, await handleControl(this.controlHost(), method, path, url.searchParams, rawBody));
      return;
    }

    const started = performance.now();
    const headers = flattenHeaders(req.headers);
    const parsed = parseJson(rawBody);
    const record = this.recorder.start({
      at: this.now().toISOString(),
      method,
      path,
      query: queryObject(url.searchParams),
      headers,
      body: parsed ?? (rawBody === '' ? null : rawBody),
      idempotencyKey: headers['idempotency-key'] ?? null,
    });
    const request: MutableRequest = { method, path, query: url.searchParams, headers, rawBody, body: parsed, params: {}, record };
    const answer = (response: SimResponse): void => {
      record.status = response.status;
      record.durationMs = Math.round(performance.now() - started);
      writeResponse(res, response);
    };

    if (tooLarge) return answer(this.errorResponse(413, 'payload_too_large', `request body larger than ${this.maxBodyBytes} bytes`));

    const decision = this.faultController.evaluate(method, path);
    if (decision.applied.length > 0) record.faults = decision.applied;
    if (decision.delayMs > 0) {
      try {
        await this.timers.sleep(decision.delayMs);
      } catch {
        res.destroy();
        return;
      }
    }
    const blocking = decision.blocking;
    if (blocking?.kind === 'drop' && !blocking.afterHandling) {
      req.socket.destroy();
      return;
    }
    let response: SimResponse;
    if (blocking && blocking.kind !== 'drop') {
      const retryAfter = decision.retryAfterSeconds !== undefined ? { 'retry-after': String(decision.retryAfterSeconds) } : undefined;
      if (blocking.kind === 'rateLimit') response = this.errorResponse(429, 'rate_limited', 'Too many requests (simulated rate limit)', retryAfter);
      else if (blocking.kind === 'maintenance') response = this.errorResponse(503, 'maintenance', 'Service unavailable: scheduled maintenance (simulated)', retryAfter);
      else response = this.errorResponse(blocking.status ?? 500, 'internal_error', 'Internal server error (simulated)');
    } else {
      response = await this.dispatch(request);
    }
    response = this.decorate(request, response);
    if (blocking?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    answer(response);
  }

  private async dispatch(request: MutableRequest): Promise<SimResponse> {
    const early = this.beforeRoute(request);
    if (early) return early;
    const matching = this.httpRoutes.flatMap((route) => {
      const params = matchPath(route.pattern, request.path);
      return params ? [{ route, params }] : [];
    });
    if (matching.length === 0) return this.errorResponse(404, 'not_found', `No such resource: ${request.method} ${request.path}`);
    const match = matching.find((m) => m.route.method === request.method);
    if (!match) {
      return this.errorResponse(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}`, { allow: [...new Set(matching.map((m) => m.route.method))].join(', ') });
    }
    request.params = match.params;
    if (match.route.auth) {
      const refusal = this.authenticate(request);
      if (refusal) return refusal;
    }
    const enforced = this.contractFor(request.path);
    const check = enforced?.contract?.checkRequest({
      method: request.method,
      path: request.path.slice(enforced.prefix.length) || '/',
      query: request.query,
      headers: request.headers,
      body: request.body ?? contractBody(request),
    });
    if (check) {
      request.record.contract = { ...(check.operationId ? { operationId: check.operationId } : {}), errors: check.errors };
      if (!check.operationId) return this.errorResponse(404, 'not_found', `No such resource: ${request.method} ${request.path}`);
      if (check.errors.length > 0) return this.contractViolation(check, request);
    }
    const key = request.record.idempotencyKey;
    const response =
      match.route.idempotent && this.idempotency && key ? await this.invokeIdempotent(match.route.handler, request, key, this.idempotency) : await this.invoke(match.route.handler, request);
    return check?.operationId && enforced?.contract ? this.checkOwnResponse(request, enforced.contract, check.operationId, response) : response;
  }

  /** The contract that holds requests to `path`: the one with the longest matching path prefix. */
  private contractFor(path: string): { contract?: Contract; prefix: string } | undefined {
    let best: EnforcedContract | undefined;
    for (const entry of this.enforced) {
      const prefix = entry.scope.pathPrefix ?? '';
      if (entry.scope.requests === false || !(prefix === '' || path === prefix || path.startsWith(`${prefix}/`))) continue;
      if (!best || prefix.length > (best.scope.pathPrefix ?? '').length) best = entry;
    }
    return best ? { contract: best.contract, prefix: best.scope.pathPrefix ?? '' } : undefined;
  }

  private checkOwnResponse(request: MutableRequest, contract: Contract, operationId: string, response: SimResponse): SimResponse {
    if (response.status < 200 || response.status > 299) return response;
    const errors = contract.checkResponse(operationId, response.status, response.body);
    if (errors.length === 0) return response;
    request.record.contract = { ...request.record.contract, errors: request.record.contract?.errors ?? [], responseErrors: errors };
    this.log('simulator answer breaks the vendor contract', { system: this.system, operationId, errors });
    return this.errorResponse(500, 'contract_violation', `simulator answer to ${operationId} breaks the ${contract.name} contract: ${errors.join('; ')}`);
  }

  private async invokeIdempotent(handler: Handler, request: SimRequest, key: string, idem: { policy: IdempotencyPolicy; store: IdempotencyStore }): Promise<SimResponse> {
    const lookup = idem.store.begin(key, requestFingerprint(request.method, request.path, request.rawBody));
    switch (lookup.kind) {
      case 'hit':
        request.record.replayed = true;
        return { ...lookup.response, headers: { ...lookup.response.headers, ...idem.policy.hitHeaders } };
      case 'mismatch':
        return idem.policy.mismatch();
      case 'in-flight':
        return idem.policy.inFlight();
      case 'miss': {
        const response = await this.invoke(handler, request);
        idem.store.complete(key, response);
        return { ...response, headers: { ...response.headers, ...idem.policy.missHeaders } };
      }
    }
  }

  private async invoke(handler: Handler, request: SimRequest): Promise<SimResponse> {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof SimHttpError) return this.errorResponse(error.status, error.code, error.message, error.headers);
      if (error instanceof SimValidationError) return this.errorResponse(this.validationStatus, this.validationCode, error.message);
      this.log('handler failed', { system: this.system, path: request.path, error: String(error) });
      return this.errorResponse(500, 'internal_error', 'simulator handler failed');
    }
  }
}
