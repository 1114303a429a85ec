/**
 * The error vocabulary of every adapter. Only handlers turn these into an HTTP status or a batch-item
 * failure; a raw error or stack never reaches a caller.
 */
export class IntegrationError extends Error {
  /** Stable, machine-readable class used in metrics, DLQ message attributes and `lsync dlq --error`. */
  readonly errorClass: string = 'IntegrationError';
  /** Whether trying again later can succeed. */
  readonly retryable: boolean = false;
  constructor(
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.context = options.context ?? {};
  }
  override name = 'IntegrationError';
  readonly context: Record<string, unknown>;
}

/** Bad input: never retry. `field` names what failed when known. */
export class ValidationError extends IntegrationError {
  override readonly errorClass = 'ValidationError';
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly field?: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
  }
}

/** A request that failed authentication (bad or stale signature). Never retry. */
export class AuthenticationError extends IntegrationError {
  override readonly errorClass = 'AuthenticationError';
  override name = 'AuthenticationError';
}

/** The target refused the request for good (4xx other than 408/429): retrying cannot help. */
export class RejectedByTargetError extends IntegrationError {
  override readonly errorClass = 'RejectedByTarget';
  override name = 'RejectedByTargetError';
  constructor(
    message: string,
    readonly status: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
  }
}

/** The target or one of our dependencies is down, timed out or answered 5xx: retry with backoff. */
export class UpstreamUnavailableError extends IntegrationError {
  override readonly errorClass: string = 'UpstreamUnavailable';
  override readonly retryable = true;
  override name = 'UpstreamUnavailableError';
  constructor(
    message: string,
    readonly status?: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
  }
}

/** The target asked us to slow down: retry after `retryAfterSeconds`. */
export class RateLimitedError extends IntegrationError {
  override readonly errorClass = 'RateLimited';
  override readonly retryable = true;
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
  }
}

/** Outbound calls are held (maintenance window or open circuit): keep the message in the queue, burn no attempt. */
export class HeldError extends IntegrationError {
  override readonly errorClass = 'Held';
  override readonly retryable = true;
  override name = 'HeldError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
  }
}

/** Someone else is working on the same thing right now (another execution environment): retry shortly, count no failure. */
export class BusyError extends IntegrationError {
  override readonly errorClass: string = 'Busy';
  override readonly retryable = true;
  override name = 'BusyError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
  }
}

/** Class name for anything thrown, for metrics and DLQ attributes. */
export function errorClassOf(error: unknown): string {
  if (error instanceof IntegrationError) return error.errorClass;
  if (error instanceof Error) return error.name || 'Error';
  return 'Unknown';
}
