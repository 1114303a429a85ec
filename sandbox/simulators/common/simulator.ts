import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContractCheck, ContractName } from '../../../contracts/contract';
import { canonicalHeaders } from '../signing';
import { ContractEnforcer, type ContractScope } from './contract-enforcement';
import { handleControl, type ControlPlaneHost, type ResetScope } from './control-plane';
import { FaultController, type ActiveFault, type FaultSpec } from './faults';
import { parseJson, writeResponse, type SimRequest, type SimResponse } from './http';
import { IdempotencyStore, type IdempotencyPolicy } from './idempotency';
import type { ActionHandler, Handler, RouteOptions, SimLogger, SimulatorOptions } from './options';
import type { PathPattern } from './paths';
import { CallRecorder, type CallRecord } from './records';
import { RequestPipeline, type RouteDef } from './request-pipeline';
import { TimerRegistry } from './timers';
import { SimHttpError, SimValidationError, asObject, requiredString, signedAtOption } from './validate';
import { DEFAULT_RETRY_POLICY, validateAbandonment, WebhookSender, type ActiveAbandonment, type OutgoingWebhook, type WebhookAbandonment, type WebhookDelivery } from './webhooks';

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
  private readonly vendorContracts: ContractEnforcer;
  private readonly pipeline: RequestPipeline;
  private server?: Server;
  private baseUrl?: string;

  protected constructor(
    /** `erp`, `fleet` or `cs`. */
    readonly system: string,
    private readonly options: SimulatorOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.faultController = new FaultController(this.now);
    this.vendorContracts = new ContractEnforcer(system);
    this.pipeline = new RequestPipeline({
      system,
      now: this.now,
      log: this.log,
      maxBodyBytes: this.maxBodyBytes,
      recorder: this.recorder,
      faults: this.faultController,
      timers: this.timers,
      routes: this.httpRoutes,
      contracts: this.vendorContracts,
      idempotency: () => this.idempotency,
      validation: () => ({ status: this.validationStatus, code: this.validationCode }),
      authenticate: (req) => this.authenticate(req),
      errorResponse: (status, code, message, headers) => this.errorResponse(status, code, message, headers),
      contractViolation: (check, req) => this.contractViolation(check, req),
      beforeRoute: (req) => this.beforeRoute(req),
      decorate: (req, response) => this.decorate(req, response),
      control: (method, path, query, rawBody) => handleControl(this.controlHost(), method, path, query, rawBody),
    });
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

  /**
   * Fault: the next matching webhooks (default one) never arrive — the vendor gave up on them. Each is recorded as
   * abandoned, without an attempt; `redeliver` sends it later (the original arriving late). Cleared by `reset`.
   */
  abandonWebhooks(spec: WebhookAbandonment = {}): ActiveAbandonment {
    const problems = validateAbandonment(spec);
    if (problems.length > 0) throw new SimValidationError(`invalid webhook abandonment: ${problems.join('; ')}`);
    const active = this.webhooks.abandon(spec);
    this.log('fault set', { system: this.system, abandonWebhooks: spec });
    return active;
  }

  /** Webhook abandonments still set. */
  get webhookAbandonments(): readonly ActiveAbandonment[] {
    return this.webhooks.activeAbandonments;
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
    await this.vendorContracts.load();
    this.webhooks.resume();
    const server = createServer((req, res) => {
      this.pipeline.handle(req, res).catch((error: unknown) => {
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
    this.vendorContracts.add(name, scope);
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
    this.vendorContracts.checkWebhook(webhook, () => this.webhookPayload(webhook));
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
      abandonWebhooks: (spec) => this.abandonWebhooks(spec),
      webhookAbandonments: () => this.webhookAbandonments,
      webhooks: () => this.webhooksSent,
      redeliver: (id, options) => this.redeliver(id, options),
      webhookTargets: () => this.webhookTargets,
      setWebhookTarget: (dialect, url) => this.setWebhookTarget(dialect, url),
      snapshot: () => this.snapshot(),
      actionNames: () => this.actionNames,
      runAction: (name, args) => this.runAction(name, args),
    };
  }
}
