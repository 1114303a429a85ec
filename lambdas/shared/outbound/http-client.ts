import { HeldError, RateLimitedError, RejectedByTargetError, UpstreamUnavailableError, type IntegrationError } from '../errors';

/**
 * A small JSON-over-HTTP client for the target APIs, on the runtime's `fetch`: a timeout on every request,
 * a per-container pace (the adapter's share of the target's rate limit), and every non-2xx answer turned
 * into the error vocabulary of lambdas/shared/errors.ts. Response bodies never appear in error messages
 * (they may hold personal data); the method, the path and the status do.
 */

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with `/`; callers encode path segments. */
  readonly path: string;
  readonly query?: Record<string, string | undefined>;
  readonly headers?: Record<string, string>;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Record<string, string>;
  /** Sent as the `Idempotency-Key` header. */
  readonly idempotencyKey?: string;
}

export interface HttpResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface HttpJsonClientOptions {
  /** Name of the target for error messages, e.g. `ERP`. */
  readonly target: string;
  readonly baseUrl: string;
  /** Per-request timeout. @default 8000 */
  readonly timeoutMs?: number;
  /**
   * Minimum milliseconds between two requests from this container (the adapter's share of the target's
   * rate limit: maxConcurrency / rateLimitPerSecond). @default 0 - no pacing
   */
  readonly minIntervalMs?: number;
  /**
   * Minimum milliseconds between two GET requests (lookups) from this container, when the vendor limits its reads
   * apart from its writes (Samsara: Create Route 100/min, Retrieve a trailer 5/s): GETs then wait for their own
   * slot only, not behind the writes' pace, and writes are not held by GETs. @default 0 - GETs share `minIntervalMs`'s pace
   */
  readonly lookupMinIntervalMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/**
 * The target still processes an earlier request with the same `Idempotency-Key` (409 to a keyed write, as
 * Zendesk and the ERP answer a repeat that overtakes the original): retry shortly, it is not a refusal.
 */
export class IdempotencyConflictError extends UpstreamUnavailableError {
  override readonly errorClass = 'IdempotencyConflict';
  override name = 'IdempotencyConflictError';
}

/**
 * The error for a non-2xx status (pure).
 * - 429 → RateLimitedError (Retry-After, default 1 s);
 * - 503 with Retry-After → HeldError: the target announced maintenance and when to come back, so the
 *   message is held (no attempt burned) rather than retried;
 * - 408, other 5xx → UpstreamUnavailableError (retry with backoff);
 * - 409 to a request with an Idempotency-Key → IdempotencyConflictError (retry shortly);
 * - any other 4xx → RejectedByTargetError (never retried).
 */
export function errorForStatus(
  target: string,
  request: Pick<HttpRequest, 'method' | 'path' | 'idempotencyKey'>,
  status: number,
  retryAfterSeconds: number | undefined,
): IntegrationError {
  const what = `${target} answered ${status} to ${request.method} ${request.path}`;
  const context = { target, status, method: request.method, path: request.path };
  if (status === 429) return new RateLimitedError(what, retryAfterSeconds ?? 1, { context });
  if (status === 503 && retryAfterSeconds !== undefined) {
    return new HeldError(`${what}: in maintenance, back in ${retryAfterSeconds} s`, retryAfterSeconds, { context });
  }
  if (status === 408 || status >= 500) return new UpstreamUnavailableError(what, status, { context });
  if (status === 409 && request.idempotencyKey) return new IdempotencyConflictError(`${what}: the same Idempotency-Key is still being processed`, status, { context });
  return new RejectedByTargetError(what, status, { context });
}

export class HttpJsonClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly minIntervalMs: number;
  private readonly lookupMinIntervalMs: number;
  private readonly fetchFn: typeof fetch;
  /** The next free slot of each pace: the writes' (every request's, without a lookup pace) and the lookups'. */
  private readonly nextSlot = { requests: 0, lookups: 0 };

  constructor(private readonly options: HttpJsonClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 8000;
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.lookupMinIntervalMs = options.lookupMinIntervalMs ?? 0;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  get target(): string {
    return this.options.target;
  }

  /** A client with the same options (fetch, timeout, pacing interval) for another base URL, e.g. an OAuth token endpoint on its own host. */
  withBaseUrl(baseUrl: string, target = this.options.target): HttpJsonClient {
    return new HttpJsonClient({ ...this.options, baseUrl, target });
  }

  /** Sends the request; resolves for 2xx with the parsed JSON body (undefined when empty), throws otherwise. */
  async request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>> {
    await (request.method === 'GET' && this.lookupMinIntervalMs > 0 ? this.pace('lookups', this.lookupMinIntervalMs) : this.pace('requests', this.minIntervalMs));
    const url = new URL(this.baseUrl + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    }
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;

    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, { method: request.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw this.transportError(request, error);
    }
    if (response.status < 200 || response.status >= 300) {
      throw errorForStatus(this.options.target, request, response.status, parseRetryAfter(response.headers.get('retry-after'), new Date()));
    }
    let parsed: unknown = undefined;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new UpstreamUnavailableError(`${this.options.target} answered ${response.status} to ${request.method} ${request.path} with a body that is not JSON`, response.status, { cause: error });
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  private transportError(request: HttpRequest, error: unknown): UpstreamUnavailableError {
    const name = error instanceof Error ? error.name : '';
    const what = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${this.timeoutMs} ms` : 'connection failed';
    const code = (error as { cause?: { code?: string } })?.cause?.code;
    return new UpstreamUnavailableError(`${this.options.target} ${request.method} ${request.path} ${what}${code ? ` (${code})` : ''}`, undefined, {
      cause: error,
      context: { target: this.options.target, method: request.method, path: request.path },
    });
  }

  /** Spaces the requests of one pace from this container at least `intervalMs` apart. */
  private async pace(which: 'requests' | 'lookups', intervalMs: number): Promise<void> {
    if (intervalMs <= 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot[which]);
    this.nextSlot[which] = slot + intervalMs;
    if (slot > now) {
      rateLimitWaitMs += slot - now;
      await new Promise((resolve) => setTimeout(resolve, slot - now));
    }
  }
}

/** What this container's clients waited for their pacing slots since {@link takeRateLimitWaitMs} was last called. */
let rateLimitWaitMs = 0;

/**
 * The milliseconds every client of this container spent waiting for a pacing slot since the last call, and starts
 * counting again (one invocation at a time per container: the outbound handler takes it once per invocation).
 * Lambda bills that wait; it is long when the adapter runs at its target's rate limit (a backlog), and nothing below it.
 */
export function takeRateLimitWaitMs(): number {
  const waited = rateLimitWaitMs;
  rateLimitWaitMs = 0;
  return waited;
}

/** Path segment encoding for ids placed in URLs. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
