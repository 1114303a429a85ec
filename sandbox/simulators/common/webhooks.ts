import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseJson } from './http';
import { SimulatorStoppedError, type TimerRegistry } from './timers';

/**
 * How the simulated vendor retries a webhook: on network errors, timeouts and 5xx answers, with
 * exponential backoff, never on 2xx/3xx/4xx.
 */
export interface RetryPolicy {
  /** Attempts in total, including the first. @default 4 */
  maxAttempts: number;
  /** Wait before the second attempt; doubles after each attempt. @default 200 */
  initialBackoffMs: number;
  /** Upper bound of the wait between attempts. @default 2000 */
  maxBackoffMs: number;
  /** An attempt without an answer within this time counts as failed. @default 5000 */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 200, maxBackoffMs: 2000, timeoutMs: 5000 };

/** A webhook to deliver. The signature is computed per attempt by `sign`. */
export interface OutgoingWebhook {
  /** Our endpoint's dialect, e.g. `samsara`, `zendesk`, `cloudevents`, `motive`, `canonical`. */
  dialect: string;
  url: string;
  /** Vendor event type (for records and filtering). */
  eventType: string;
  /** Vendor event id; the same on every attempt and every redelivery. */
  eventId: string;
  /** The exact bytes sent (UTF-8); never re-serialised between attempts. */
  body: string;
  contentType: string;
  /** Signature headers for `body` signed at `at`. */
  sign: (body: string, at: Date) => Record<string, string>;
  /** Unsigned extra headers. */
  headers?: Record<string, string>;
  /**
   * Sign every attempt with this time instead of the send time, e.g. ten minutes ago to test stale
   * signatures. @default - each attempt is signed when it is sent, like the vendors do
   */
  signedAt?: Date;
  /** The delivery this one repeats, for vendor-retry simulations. */
  redeliveryOf?: string;
}

export interface WebhookAttempt {
  at: string;
  /** HTTP status of the answer; null on network error or timeout. */
  status: number | null;
  error?: string;
  durationMs: number;
  /** First 2 KB of the answer body. */
  responseBody?: string;
  /** Headers sent on this attempt (signature headers differ between attempts). */
  headers: Record<string, string>;
}

/** One webhook as the simulated vendor sent it, with every attempt. */
export interface WebhookDelivery {
  id: string;
  dialect: string;
  url: string;
  eventType: string;
  eventId: string;
  /** Parsed JSON body (or the raw text when it is not JSON). */
  body: unknown;
  rawBody: string;
  attempts: WebhookAttempt[];
  /** Status of the last attempt. */
  status: number | null;
  /** True when an attempt got a 2xx answer. */
  ok: boolean;
  /** True when no further attempt will be made. */
  done: boolean;
  redeliveryOf?: string;
  /** The vendor gave up on it without an attempt (an abandonment fault, see {@link WebhookAbandonment}). */
  abandoned?: true;
}

/**
 * Fault: the vendor gives up on a webhook for good — its retries exhausted while we were unreachable, or it never
 * sent it — so it never arrives. The delivery is recorded (abandoned, no attempt) and can be sent later with
 * `redeliver` (the original arriving late after all); redeliveries are never abandoned.
 */
export interface WebhookAbandonment {
  /** Only webhooks of this vendor event type. @default - any type */
  eventType?: string;
  /** Only webhooks whose body contains this text (e.g. a shipment id). @default - any body */
  bodyIncludes?: string;
  /** How many matching webhooks to abandon. @default 1 */
  count?: number;
}

/** An abandonment as it is currently set: how many matching webhooks it will still drop. */
export interface ActiveAbandonment extends WebhookAbandonment {
  remaining: number;
  abandoned: string[];
}

/** Problems with an abandonment spec, each naming the bad value; empty when valid. */
export function validateAbandonment(spec: unknown): string[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [`an abandonment must be an object, got ${JSON.stringify(spec)}`];
  const s = spec as Record<string, unknown>;
  const errors: string[] = [];
  for (const field of ['eventType', 'bodyIncludes'] as const) {
    if (s[field] !== undefined && (typeof s[field] !== 'string' || s[field] === '')) errors.push(`${field} must be a non-empty string, got ${JSON.stringify(s[field])}`);
  }
  if (s.count !== undefined && !(typeof s.count === 'number' && Number.isInteger(s.count) && s.count >= 1)) errors.push(`count must be a positive integer, got ${JSON.stringify(s.count)}`);
  const known = new Set(['eventType', 'bodyIncludes', 'count']);
  for (const key of Object.keys(s)) if (!known.has(key)) errors.push(`unknown field ${key}`);
  return errors;
}

interface AttemptResult {
  status: number | null;
  error?: string;
  responseBody?: string;
}

function post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    // agent: false — one connection per attempt, closed afterwards, so nothing lingers after stop().
    const req = send(target, { method: 'POST', headers, agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 2048) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? null, responseBody: Buffer.concat(chunks).toString('utf8').slice(0, 2048) }));
      res.on('error', (error) => resolve({ status: null, error: error.message }));
    });
    req.on('error', (error: Error) => resolve({ status: null, error: signal.aborted ? `aborted: ${String(signal.reason)}` : error.message }));
    req.end(body);
  });
}

/** Delivers webhooks with the vendor's retry behaviour and keeps a record of each. */
export class WebhookSender {
  private deliveries: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<WebhookDelivery>>();
  private readonly controllers = new Set<AbortController>();
  private readonly outgoing = new Map<string, OutgoingWebhook>();
  private abandonments: ActiveAbandonment[] = [];
  private stopped = false;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly timers: TimerRegistry,
    private readonly now: () => Date,
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  get all(): readonly WebhookDelivery[] {
    return this.deliveries;
  }

  find(id: string): WebhookDelivery | undefined {
    return this.deliveries.find((d) => d.id === id);
  }

  /** The webhook behind a delivery, so it can be sent again byte for byte. */
  outgoingFor(id: string): OutgoingWebhook | undefined {
    return this.outgoing.get(id);
  }

  /** Sets an abandonment fault (the next matching webhooks never arrive). */
  abandon(spec: WebhookAbandonment): ActiveAbandonment {
    const active: ActiveAbandonment = { ...spec, remaining: spec.count ?? 1, abandoned: [] };
    this.abandonments.push(active);
    return active;
  }

  /** Abandonment faults still set. */
  get activeAbandonments(): readonly ActiveAbandonment[] {
    return this.abandonments.filter((a) => a.remaining > 0);
  }

  private abandonmentFor(webhook: OutgoingWebhook): ActiveAbandonment | undefined {
    if (webhook.redeliveryOf) return undefined;
    return this.abandonments.find(
      (a) => a.remaining > 0 && (a.eventType === undefined || a.eventType === webhook.eventType) && (a.bodyIncludes === undefined || webhook.body.includes(a.bodyIncludes)),
    );
  }

  /** Sends a webhook, retrying as the policy says; resolves when no further attempt will be made. */
  deliver(webhook: OutgoingWebhook): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      dialect: webhook.dialect,
      url: webhook.url,
      eventType: webhook.eventType,
      eventId: webhook.eventId,
      body: parseJson(webhook.body) ?? webhook.body,
      rawBody: webhook.body,
      attempts: [],
      status: null,
      ok: false,
      done: false,
      ...(webhook.redeliveryOf ? { redeliveryOf: webhook.redeliveryOf } : {}),
    };
    this.deliveries.push(delivery);
    this.outgoing.set(delivery.id, webhook);
    const abandonment = this.abandonmentFor(webhook);
    if (abandonment) {
      abandonment.remaining -= 1;
      abandonment.abandoned.push(delivery.id);
      Object.assign(delivery, { done: true, abandoned: true });
      this.log('webhook abandoned (fault): never delivered', { dialect: delivery.dialect, eventType: delivery.eventType, eventId: delivery.eventId, deliveryId: delivery.id });
      return Promise.resolve(delivery);
    }
    const run = this.attemptAll(webhook, delivery).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
    return run;
  }

  /** Resolves when every delivery started so far is done. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  clear(): void {
    this.deliveries = [];
    this.outgoing.clear();
    this.abandonments = [];
  }

  /** Allows deliveries again after `stop()` (a restarted simulator). */
  resume(): void {
    this.stopped = false;
  }

  /** Aborts attempts in flight; later deliveries fail immediately. */
  stop(): void {
    this.stopped = true;
    for (const controller of this.controllers) controller.abort('simulator stopped');
  }

  private async attemptAll(webhook: OutgoingWebhook, delivery: WebhookDelivery): Promise<WebhookDelivery> {
    let backoff = this.policy.initialBackoffMs;
    for (let attempt = 1; attempt <= this.policy.maxAttempts && !this.stopped; attempt++) {
      const result = await this.attemptOnce(webhook, delivery);
      if (result.status !== null && result.status < 500) break;
      if (attempt === this.policy.maxAttempts) break;
      try {
        await this.timers.sleep(backoff);
      } catch (error) {
        if (error instanceof SimulatorStoppedError) break;
        throw error;
      }
      backoff = Math.min(backoff * 2, this.policy.maxBackoffMs);
    }
    delivery.done = true;
    this.log('webhook delivered', { dialect: delivery.dialect, eventType: delivery.eventType, eventId: delivery.eventId, status: delivery.status, attempts: delivery.attempts.length });
    return delivery;
  }

  private async attemptOnce(webhook: OutgoingWebhook, delivery: WebhookDelivery): Promise<AttemptResult> {
    const sentAt = this.now();
    const headers: Record<string, string> = {
      'content-type': webhook.contentType,
      'user-agent': `logistics-sync-simulator/${webhook.dialect}`,
      ...webhook.headers,
      ...webhook.sign(webhook.body, webhook.signedAt ?? sentAt),
    };
    const controller = new AbortController();
    this.controllers.add(controller);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort('timeout');
    }, this.policy.timeoutMs);
    const started = performance.now();
    let result: AttemptResult;
    try {
      result = await post(webhook.url, headers, webhook.body, controller.signal);
      if (result.status === null && timedOut) result = { status: null, error: `timeout after ${this.policy.timeoutMs} ms` };
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
    delivery.attempts.push({
      at: sentAt.toISOString(),
      status: result.status,
      durationMs: Math.round(performance.now() - started),
      headers,
      ...(result.error ? { error: result.error } : {}),
      ...(result.responseBody !== undefined ? { responseBody: result.responseBody } : {}),
    });
    delivery.status = result.status;
    delivery.ok = result.status !== null && result.status >= 200 && result.status < 300;
    return result;
  }
}
