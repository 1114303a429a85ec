/**
 * Pure decisions of the outbound adapters: `(input, now) => Decision`. No SDK, no `process.env`, no clock
 * reads, no `Math.random()` (randomness is an input), so every rule is unit-tested without mocks.
 *
 * Vocabulary:
 * - **retry**: fail the batch item after setting the message's visibility to `visibilitySeconds` (SQS counts
 *   the next receive as a new attempt).
 * - **hold**: the target is not to be called now (maintenance window, open circuit, throttling on the last
 *   attempt, out of time). The message is re-sent to its own queue with a delay and the original is
 *   deleted, so holding burns no receive count (see docs/outbound.md, "Holding the backlog").
 * - **dead-letter**: send the message to the DLQ ourselves with the reason in message attributes, and
 *   report the item as done.
 */

/** SQS limits that bound every delay we compute. */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200;
export const SQS_MAX_DELAY_SECONDS = 900;

export interface BackoffPolicy {
  /** Delay ceiling of the first retry; doubles per attempt. */
  readonly baseSeconds: number;
  /** Largest delay ever used. */
  readonly maxSeconds: number;
}

/**
 * Exponential backoff with "equal jitter": the ceiling doubles per attempt (`base × 2^(attempt−1)`, capped),
 * the delay is half the ceiling plus a random share of the other half. Unlike full jitter the delay still
 * grows with every attempt, so a retry budget spans a predictable minimum time.
 * @param attempt 1 for the first failure (the message's `ApproximateReceiveCount`)
 * @param random a number in [0, 1)
 */
export function backoffSeconds(attempt: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt) - 1), 30);
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** exponent, SQS_MAX_VISIBILITY_SECONDS);
  const r = Math.min(Math.max(random, 0), 1);
  return Math.max(1, Math.round(ceiling / 2 + (r * ceiling) / 2));
}

/** What the adapter knows about a failure, extracted from the thrown error (see `describeFailure`). */
export interface FailureInfo {
  /** Stable class for metrics and the DLQ attribute (`RejectedByTarget`, `UpstreamUnavailable`, ...). */
  readonly errorClass: string;
  /** Sanitized, human-readable reason (no payloads, no stacks). */
  readonly reason: string;
  /**
   * - `rate-limited`: 429, honour `retryAfterSeconds`;
   * - `unavailable`: 5xx, timeouts, dropped connections: back off, counts towards the circuit breaker;
   * - `busy`: the same idempotency key is being processed right now (another invocation, or the target);
   * - `held`: hold without burning an attempt (the target announced maintenance with 503 + Retry-After);
   * - `permanent`: bad input or a 4xx refusal, retrying cannot help;
   * - `unknown`: a bug or an unexpected dependency error: retried like `unavailable`, but does not trip the circuit.
   */
  readonly kind: 'rate-limited' | 'unavailable' | 'busy' | 'held' | 'permanent' | 'unknown';
  readonly retryAfterSeconds?: number;
  readonly httpStatus?: number;
}

export interface AttemptInfo {
  /** The message's `ApproximateReceiveCount` (1 on first delivery). */
  readonly receiveCount: number;
  /** The queue's redrive `maxReceiveCount`: the receive that SQS would move to the DLQ next. */
  readonly maxReceiveCount: number;
}

export type FailureDecision =
  | { readonly action: 'retry'; readonly visibilitySeconds: number }
  | { readonly action: 'hold'; readonly delaySeconds: number; readonly reason: string }
  | { readonly action: 'dead-letter'; readonly retryable: boolean };

/** Default wait when another invocation holds the idempotency record of the same action. */
const BUSY_RETRY_SECONDS = 30;

/**
 * What to do with a message whose processing failed.
 * - permanent → dead-letter now (no retry can help);
 * - rate-limited → hold for Retry-After (re-sent with that delay and its receive count reset): throttling says
 *   nothing about the message, so it must neither end in the DLQ nor spend the attempts kept for failures (two
 *   429s then one lost answer dead-lettered a route creation after three receives);
 * - busy → retry after the in-progress window; on the last attempt hold;
 * - held → hold;
 * - unavailable / unknown → exponential backoff with jitter by receive count; on the last attempt
 *   dead-letter ourselves so the DLQ message carries the reason.
 */
export function decideOnFailure(failure: FailureInfo, attempt: AttemptInfo, policy: BackoffPolicy, random: number): FailureDecision {
  const last = attempt.receiveCount >= attempt.maxReceiveCount;
  switch (failure.kind) {
    case 'permanent':
      return { action: 'dead-letter', retryable: false };
    case 'held':
      return { action: 'hold', delaySeconds: clampDelay(failure.retryAfterSeconds ?? policy.baseSeconds), reason: failure.reason };
    case 'rate-limited': {
      const wait = Math.max(1, Math.ceil(failure.retryAfterSeconds ?? backoffSeconds(attempt.receiveCount, policy, random)));
      return { action: 'hold', delaySeconds: clampDelay(wait), reason: `rate limited: ${failure.reason}` };
    }
    case 'busy': {
      const wait = Math.max(1, Math.ceil(failure.retryAfterSeconds ?? BUSY_RETRY_SECONDS));
      if (last) return { action: 'hold', delaySeconds: clampDelay(wait), reason: failure.reason };
      return { action: 'retry', visibilitySeconds: wait };
    }
    case 'unavailable':
    case 'unknown':
      if (last) return { action: 'dead-letter', retryable: true };
      return { action: 'retry', visibilitySeconds: clampVisibility(backoffSeconds(attempt.receiveCount, policy, random)) };
  }
}

function clampDelay(seconds: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));
}

function clampVisibility(seconds: number): number {
  return Math.min(SQS_MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds)));
}

// ---------------------------------------------------------------------------------------------------------
// Maintenance windows

/** A window as stage config spells it (lib/config/stage-config.ts `MaintenanceWindow`). */
export interface MaintenanceWindowSpec {
  readonly day: 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN' | '*';
  /** `HH:MM`, UTC. */
  readonly startUtc: string;
  readonly durationMinutes: number;
}

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const DAY_MS = 86_400_000;

/**
 * The maintenance window `now` falls in, if any, with its end. A window may run past midnight (e.g. SUN
 * 23:00 for 120 minutes ends MON 01:00), so the starts of the previous days are checked too. When windows
 * overlap the latest end wins.
 */
export function activeMaintenanceWindow(windows: readonly MaintenanceWindowSpec[], now: Date): { readonly endsAt: Date } | undefined {
  let endsAt: number | undefined;
  const t = now.getTime();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (const window of windows) {
    const match = /^(\d{2}):(\d{2})$/.exec(window.startUtc);
    if (!match) continue;
    const offsetMs = (Number(match[1]) * 60 + Number(match[2])) * 60_000;
    const durationMs = window.durationMinutes * 60_000;
    const lookBackDays = Math.ceil((offsetMs + durationMs) / DAY_MS);
    for (let back = 0; back <= lookBackDays; back++) {
      const dayStart = midnight - back * DAY_MS;
      if (window.day !== '*' && DAYS[new Date(dayStart).getUTCDay()] !== window.day) continue;
      const start = dayStart + offsetMs;
      const end = start + durationMs;
      if (t >= start && t < end) endsAt = Math.max(endsAt ?? 0, end);
    }
  }
  return endsAt === undefined ? undefined : { endsAt: new Date(endsAt) };
}

// ---------------------------------------------------------------------------------------------------------
// Circuit breaker

export interface CircuitSettings {
  /** Consecutive `unavailable` failures (across all containers of the adapter) that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open the first time; doubles each time a probe fails. */
  readonly cooldownSeconds: number;
  readonly maxCooldownSeconds: number;
}

/** Shared circuit state of one target (kept in the correlation table, `CIRCUIT#<target>`). */
export interface CircuitState {
  readonly consecutiveFailures: number;
  /** Epoch milliseconds until which calls are held; absent while closed. */
  readonly openUntil?: number;
  /** Times the circuit opened in a row (without a success in between); drives the cooldown doubling. */
  readonly openCount: number;
}

export const CLOSED_CIRCUIT: CircuitState = { consecutiveFailures: 0, openCount: 0 };

export type CircuitGate =
  | { readonly mode: 'closed' }
  | { readonly mode: 'open'; readonly retryAfterSeconds: number }
  /** The cooldown is over: let one call through as a probe. */
  | { readonly mode: 'half-open' };

/** Whether calls may go to the target now. */
export function circuitGate(state: CircuitState, now: Date): CircuitGate {
  if (state.openUntil === undefined) return { mode: 'closed' };
  const remainingMs = state.openUntil - now.getTime();
  if (remainingMs > 0) return { mode: 'open', retryAfterSeconds: Math.ceil(remainingMs / 1000) };
  return { mode: 'half-open' };
}

/** Cooldown for the `openCount`-th opening in a row (1-based), doubling up to the maximum. */
export function circuitCooldownSeconds(openCount: number, settings: CircuitSettings): number {
  return Math.min(settings.maxCooldownSeconds, settings.cooldownSeconds * 2 ** Math.min(Math.max(0, openCount - 1), 20));
}

/**
 * State after an `unavailable` failure. Opens the circuit when the threshold is reached, or re-opens it
 * with a doubled cooldown when the failure was a half-open probe.
 */
export function circuitAfterFailure(state: CircuitState, now: Date, settings: CircuitSettings): CircuitState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const gate = circuitGate(state, now);
  if (gate.mode === 'open') return { ...state, consecutiveFailures };
  if (gate.mode === 'half-open' || consecutiveFailures >= settings.failureThreshold) {
    const openCount = state.openCount + 1;
    return { consecutiveFailures, openCount, openUntil: now.getTime() + circuitCooldownSeconds(openCount, settings) * 1000 };
  }
  return { ...state, consecutiveFailures };
}

/** State after a successful call: closed, counters reset. */
export function circuitAfterSuccess(): CircuitState {
  return CLOSED_CIRCUIT;
}

// ---------------------------------------------------------------------------------------------------------
// Gate before a call

export type CallGate =
  | { readonly action: 'call'; readonly probe: boolean }
  /** `cause`: a planned maintenance window, the target found down (open circuit), or this invocation's time. */
  | { readonly action: 'hold'; readonly delaySeconds: number; readonly reason: string; readonly cause: 'maintenance' | 'circuit' | 'time' }
  | { readonly action: 'dead-letter'; readonly reason: string };

export interface CallGateInput {
  readonly windows: readonly MaintenanceWindowSpec[];
  readonly circuit: CircuitState;
  /** When the message was first received (carried across holds); undefined on the first delivery. */
  readonly firstReceivedAt?: Date;
  /** Held longer than this → dead-letter ("held too long"), so nothing is held past the queue retention. */
  readonly maxHoldSeconds: number;
  /** Milliseconds left in this invocation and the longest a message's calls may take. */
  readonly remainingMs: number;
  readonly callBudgetMs: number;
  /**
   * The first message of an invocation is never held for lack of time: a fresh invocation has all the time
   * it will ever have, so holding would only loop.
   */
  readonly firstInInvocation?: boolean;
}

/**
 * Whether to call the target for the next message: held in a maintenance window, while the circuit is
 * open, or when the invocation has no time left for a call; dead-lettered once it has been held for longer
 * than `maxHoldSeconds`.
 */
export function gateCall(input: CallGateInput, now: Date): CallGate {
  const window = activeMaintenanceWindow(input.windows, now);
  const gate = circuitGate(input.circuit, now);
  const heldFor = input.firstReceivedAt ? (now.getTime() - input.firstReceivedAt.getTime()) / 1000 : 0;
  if ((window || gate.mode === 'open') && heldFor > input.maxHoldSeconds) {
    return { action: 'dead-letter', reason: `held for ${Math.round(heldFor / 60)} minutes, longer than the ${Math.round(input.maxHoldSeconds / 60)} minute limit` };
  }
  if (window) {
    const seconds = Math.ceil((window.endsAt.getTime() - now.getTime()) / 1000);
    return { action: 'hold', delaySeconds: clampDelay(seconds), reason: `maintenance window until ${window.endsAt.toISOString()}`, cause: 'maintenance' };
  }
  if (gate.mode === 'open') {
    return { action: 'hold', delaySeconds: clampDelay(gate.retryAfterSeconds), reason: `circuit open for ${gate.retryAfterSeconds} s after ${input.circuit.consecutiveFailures} consecutive failures`, cause: 'circuit' };
  }
  if (!input.firstInInvocation && input.remainingMs < input.callBudgetMs) {
    return { action: 'hold', delaySeconds: 1, reason: 'not enough time left in this invocation for another call', cause: 'time' };
  }
  return { action: 'call', probe: gate.mode === 'half-open' };
}
