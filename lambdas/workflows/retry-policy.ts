/**
 * The retry policy every Task in statemachines/*.asl.json carries, as data. The ASL files spell it out
 * (ASL has no includes); test/infra/workflows.test.ts checks each file against this module, and the
 * compensation path uses it to report how many attempts a failed step made.
 */

/** Our error classes that retrying cannot fix (lambdas/shared/errors.ts): fail over to compensation at once. */
export const NON_RETRYABLE_ERRORS = ['ValidationError', 'AuthenticationError', 'RejectedByTargetError'] as const;

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * Lambda tasks: no retry for bad input, a ladder for 429s, exponential backoff with full jitter for the rest.
 * The transient ladder (3, 6, 12, 24, 48, 96 s caps: at most about 3 minutes) rides out a short ERP or
 * Zendesk outage, such as a maintenance restart, before compensation hands the case to a human. The 429 ladder
 * is longer (5, 10, 20, 40, 80 s, then 120 s caps: at most about 15 minutes, 7 expected): the workflow shares the
 * vendor's quota with the outbound adapters, and a backlog draining after an outage can hold it for minutes (the
 * chaos run, docs/reliability.md, saw six attempts in 29 s all answered 429 and the excursion handed to a human).
 * A shipment whose ERP status another call is setting (the status guard's lease, `StatusSyncBusyError`) is waited
 * for longer than the longest lease, the 5 minutes of a call with an unknown outcome (caps of 10, 20, 40 s, then
 * 60 s, with full jitter: about 9 minutes expected in 20 attempts, under 6 minutes only by a very unlikely draw); the chaos run saw an excursion's exception status give up after the
 * transient ladder while an uncertain "arrived" held the shipment, and the case handed to a human.
 */
export const LAMBDA_TASK_RETRY: readonly Retrier[] = [
  { ErrorEquals: NON_RETRYABLE_ERRORS, MaxAttempts: 0 },
  { ErrorEquals: ['RateLimitedError'], IntervalSeconds: 5, MaxAttempts: 10, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL' },
  { ErrorEquals: ['StatusSyncBusyError'], IntervalSeconds: 10, MaxAttempts: 20, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.ALL'], IntervalSeconds: 3, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL' },
];

/** Direct service integrations (EventBridge, SNS, DynamoDB): throttling and 5xx, backoff with full jitter. */
export const SERVICE_TASK_RETRY: readonly Retrier[] = [
  { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' },
];

/**
 * The wait for resolution: its timeout escalates and must not be retried (a retry would wait another full
 * period); a failed write of the token item is retried like any service call.
 */
export const WAIT_TASK_RETRY: readonly Retrier[] = [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 }, ...SERVICE_TASK_RETRY];

/** Errors of direct service integrations are named `<Service>.<Exception>`; our Lambda tasks' are not. */
const SERVICE_ERROR = /^(DynamoDB|EventBridge|SNS|SQS)\./;

/** Attempts a step made before its error reached a Catch, by error name (for `sync.failed.attempts`). */
export function attemptsFor(errorName: string | undefined, policy: readonly Retrier[] = SERVICE_ERROR.test(errorName ?? '') ? SERVICE_TASK_RETRY : LAMBDA_TASK_RETRY): number {
  const name = errorName ?? 'States.ALL';
  const retrier = policy.find((r) => r.ErrorEquals.includes(name)) ?? policy.find((r) => r.ErrorEquals.includes('States.ALL'));
  return 1 + (retrier?.MaxAttempts ?? 0);
}

/** Whether a redrive or a later retry may succeed without a code or data fix. */
export function isRetryableError(errorName: string | undefined): boolean {
  return !(NON_RETRYABLE_ERRORS as readonly string[]).includes(errorName ?? '');
}
