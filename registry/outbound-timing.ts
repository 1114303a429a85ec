/**
 * How an outbound adapter's time is divided, from its stage settings (`systems.<system>.outbound`): the per-request
 * timeout, the pacing of one container, the time a message needs before the adapter starts it, and whether a full
 * batch fits in the function's timeout. Pure; used by the construct (lib/adapters/outbound-adapter.ts: environment
 * and synth-time check) and by the handler (lambdas/shared/outbound/bootstrap.ts: the gate's budget), so the two
 * cannot disagree.
 *
 * Why: the adapter paces every request to its container's share of the target's rate limit, and a message takes
 * about {@link CALLS_PER_MESSAGE} requests (a status update and its token, a route creation and the trailer lookup,
 * a ticket search and its update). The gate starts a message only when the invocation has its budget left (the
 * worst case: each call waits its pacing slot and then runs into the request timeout); otherwise the message is held
 * (re-sent with a one-second delay). A budget that leaves out the pacing starts messages that then run out of time,
 * and a batch whose pacing alone exceeds the timeout has its tail held on every invocation: the fleet adapter with
 * 5 messages, 1.3 s pacing and a 6 s budget in a 10 s timeout returned half of every batch to the queue.
 */

/** Requests a typical message makes (token requests are cached per container). */
export const CALLS_PER_MESSAGE = 2;

export interface OutboundTimingSettings {
  readonly timeoutSeconds: number;
  readonly maxConcurrency: number;
  readonly rateLimitPerSecond: number;
  readonly batchSize: number;
  /** Lookups paced on their own (`outbound.lookupRateLimitPerSecond`); unset or 0: they share the pace above. */
  readonly lookupRateLimitPerSecond?: number;
}

export interface OutboundTiming {
  /** One request may take a quarter of the function timeout, between 1 and 10 s. */
  readonly httpTimeoutMs: number;
  /** This container's share of the target's rate limit: one request per this many ms. */
  readonly minIntervalMs: number;
  /**
   * This container's share of the vendor's lookup limit, when lookups are paced on their own; 0 when they share the
   * pace above. A message's two calls are then one slot of each pace in the budgets below.
   */
  readonly lookupMinIntervalMs: number;
  /** Time left in the invocation below which the next message is held instead of started. */
  readonly callBudgetMs: number;
  /** Time the last message of a full batch can expect to start at: the pacing of the messages before it. */
  readonly lastMessageStartsMs: number;
}

export function httpTimeoutMs(timeoutSeconds: number): number {
  return Math.min(10_000, Math.max(1000, Math.floor((timeoutSeconds * 1000) / 4)));
}

export function minIntervalMs(maxConcurrency: number, rateLimitPerSecond: number): number {
  return Math.ceil((1000 * maxConcurrency) / rateLimitPerSecond);
}

/**
 * The worst case of one message: each call waits for its pacing slot, then runs into the timeout; plus a second of
 * slack. With lookups on a pace of their own (`lookupPacingMs` > 0), a message's two calls are a lookup and a write,
 * one slot of each pace.
 */
export function callBudgetMs(requestTimeoutMs: number, pacingMs: number, lookupPacingMs = 0): number {
  if (lookupPacingMs > 0) return requestTimeoutMs + pacingMs + requestTimeoutMs + lookupPacingMs + 1000;
  return CALLS_PER_MESSAGE * (requestTimeoutMs + pacingMs) + 1000;
}

/** The pacing one message spends: its calls' slots (one of each pace when lookups have their own). */
function pacingPerMessageMs(pacingMs: number, lookupPacingMs: number): number {
  return lookupPacingMs > 0 ? pacingMs + lookupPacingMs : CALLS_PER_MESSAGE * pacingMs;
}

export function outboundTiming(settings: OutboundTimingSettings): OutboundTiming {
  const timeout = httpTimeoutMs(settings.timeoutSeconds);
  const pacing = minIntervalMs(settings.maxConcurrency, settings.rateLimitPerSecond);
  const lookupPacing = settings.lookupRateLimitPerSecond ? minIntervalMs(settings.maxConcurrency, settings.lookupRateLimitPerSecond) : 0;
  return {
    httpTimeoutMs: timeout,
    minIntervalMs: pacing,
    lookupMinIntervalMs: lookupPacing,
    callBudgetMs: callBudgetMs(timeout, pacing, lookupPacing),
    lastMessageStartsMs: (settings.batchSize - 1) * pacingPerMessageMs(pacing, lookupPacing),
  };
}

/**
 * Why a full batch does not fit in the timeout, if it does not: its last message must still find its budget when
 * the pacing of the ones before it is spent. Names the largest batch size that fits.
 */
export function outboundTimingProblems(settings: OutboundTimingSettings): string[] {
  const t = outboundTiming(settings);
  const timeoutMs = settings.timeoutSeconds * 1000;
  if (t.lastMessageStartsMs + t.callBudgetMs <= timeoutMs) return [];
  const perMessage = pacingPerMessageMs(t.minIntervalMs, t.lookupMinIntervalMs);
  const fits = Math.floor((timeoutMs - t.callBudgetMs) / perMessage) + 1;
  return [
    `a batch of ${settings.batchSize} does not fit in the ${settings.timeoutSeconds} s timeout: its last message starts after ~${(t.lastMessageStartsMs / 1000).toFixed(1)} s of pacing ` +
      `(${CALLS_PER_MESSAGE} requests per message, ${t.lookupMinIntervalMs > 0 ? `a write every ${t.minIntervalMs} ms and a lookup every ${t.lookupMinIntervalMs} ms` : `one per ${t.minIntervalMs} ms`} per container) and needs ${(t.callBudgetMs / 1000).toFixed(1)} s left; ` +
      (fits >= 1 ? `use batchSize ≤ ${fits} or a longer timeout` : 'use a longer timeout (even one message does not fit)'),
  ];
}
