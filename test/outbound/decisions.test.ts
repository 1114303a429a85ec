import { describe, expect, test } from 'vitest';
import {
  activeMaintenanceWindow,
  backoffSeconds,
  circuitAfterFailure,
  circuitAfterSuccess,
  circuitCooldownSeconds,
  circuitGate,
  CLOSED_CIRCUIT,
  decideOnFailure,
  gateCall,
  type CircuitSettings,
  type FailureInfo,
} from '../../lambdas/shared/outbound/decisions';

const policy = { baseSeconds: 2, maxSeconds: 900 };
const settings: CircuitSettings = { failureThreshold: 3, cooldownSeconds: 30, maxCooldownSeconds: 600 };
const at = (iso: string) => new Date(iso);
const failure = (kind: FailureInfo['kind'], extra: Partial<FailureInfo> = {}): FailureInfo => ({ kind, errorClass: 'X', reason: 'because', ...extra });

describe('backoffSeconds (exponential with equal jitter)', () => {
  test('the delay lies between half the ceiling and the ceiling, and the ceiling doubles per attempt', () => {
    for (const attempt of [1, 2, 3, 4, 5]) {
      const ceiling = 2 * 2 ** (attempt - 1);
      expect(backoffSeconds(attempt, policy, 0)).toBe(Math.max(1, Math.round(ceiling / 2)));
      expect(backoffSeconds(attempt, policy, 0.999999)).toBe(ceiling);
    }
  });

  test('never exceeds the policy maximum, however many attempts', () => {
    expect(backoffSeconds(40, policy, 0.999999)).toBe(900);
    expect(backoffSeconds(40, policy, 0)).toBe(450);
  });

  test('is at least one second', () => {
    expect(backoffSeconds(1, { baseSeconds: 0.1, maxSeconds: 10 }, 0)).toBe(1);
  });
});

describe('decideOnFailure', () => {
  const first = { receiveCount: 1, maxReceiveCount: 5 };
  const last = { receiveCount: 5, maxReceiveCount: 5 };

  test('a refusal by the target (4xx) or bad input is dead-lettered at once, as not retryable', () => {
    expect(decideOnFailure(failure('permanent'), first, policy, 0.5)).toEqual({ action: 'dead-letter', retryable: false });
  });

  test('429 holds the message for Retry-After (re-sent with a fresh receive count), on any attempt: it spends none of the attempts kept for failures', () => {
    expect(decideOnFailure(failure('rate-limited', { retryAfterSeconds: 17 }), first, policy, 0.5)).toMatchObject({ action: 'hold', delaySeconds: 17 });
    expect(decideOnFailure(failure('rate-limited', { retryAfterSeconds: 17 }), last, policy, 0.5)).toMatchObject({ action: 'hold', delaySeconds: 17 });
    // Without Retry-After: the backoff of its receive count.
    expect(decideOnFailure(failure('rate-limited'), { receiveCount: 3, maxReceiveCount: 5 }, policy, 0.999999)).toMatchObject({ action: 'hold', delaySeconds: 8 });
  });

  test('5xx and timeouts back off by receive count', () => {
    expect(decideOnFailure(failure('unavailable'), { receiveCount: 3, maxReceiveCount: 5 }, policy, 0.999999)).toEqual({ action: 'retry', visibilitySeconds: 8 });
    expect(decideOnFailure(failure('unknown'), { receiveCount: 1, maxReceiveCount: 5 }, policy, 0)).toEqual({ action: 'retry', visibilitySeconds: 1 });
  });

  test('5xx on the last attempt is dead-lettered by us, as retryable (a redrive may succeed)', () => {
    expect(decideOnFailure(failure('unavailable'), last, policy, 0.5)).toEqual({ action: 'dead-letter', retryable: true });
    expect(decideOnFailure(failure('unavailable'), { receiveCount: 7, maxReceiveCount: 5 }, policy, 0.5)).toEqual({ action: 'dead-letter', retryable: true });
  });

  test('announced maintenance (503 + Retry-After) holds for the announced time, capped at the SQS delay limit', () => {
    expect(decideOnFailure(failure('held', { retryAfterSeconds: 60 }), last, policy, 0.5)).toMatchObject({ action: 'hold', delaySeconds: 60 });
    expect(decideOnFailure(failure('held', { retryAfterSeconds: 7200 }), first, policy, 0.5)).toMatchObject({ action: 'hold', delaySeconds: 900 });
  });

  test('the same action in progress elsewhere is retried after a pause, held on the last attempt', () => {
    expect(decideOnFailure(failure('busy'), first, policy, 0.5)).toEqual({ action: 'retry', visibilitySeconds: 30 });
    expect(decideOnFailure(failure('busy', { retryAfterSeconds: 5 }), first, policy, 0.5)).toEqual({ action: 'retry', visibilitySeconds: 5 });
    expect(decideOnFailure(failure('busy'), last, policy, 0.5)).toMatchObject({ action: 'hold', delaySeconds: 30 });
  });
});

describe('activeMaintenanceWindow', () => {
  // 2026-03-15 is a Sunday.
  const sunday = [{ day: 'SUN' as const, startUtc: '02:00', durationMinutes: 120 }];

  test('is active inside the window and tells when it ends', () => {
    expect(activeMaintenanceWindow(sunday, at('2026-03-15T02:30:00Z'))).toEqual({ endsAt: at('2026-03-15T04:00:00Z') });
  });

  test('is inactive before, at the end of, and on other days than the window', () => {
    expect(activeMaintenanceWindow(sunday, at('2026-03-15T01:59:59Z'))).toBeUndefined();
    expect(activeMaintenanceWindow(sunday, at('2026-03-15T04:00:00Z'))).toBeUndefined();
    expect(activeMaintenanceWindow(sunday, at('2026-03-16T02:30:00Z'))).toBeUndefined();
  });

  test('a window that runs past midnight is active on the next day', () => {
    const late = [{ day: 'SUN' as const, startUtc: '23:00', durationMinutes: 180 }];
    expect(activeMaintenanceWindow(late, at('2026-03-16T01:00:00Z'))).toEqual({ endsAt: at('2026-03-16T02:00:00Z') });
    expect(activeMaintenanceWindow(late, at('2026-03-14T23:30:00Z'))).toBeUndefined();
  });

  test('"*" means every day; overlapping windows end with the latest', () => {
    const windows = [
      { day: '*' as const, startUtc: '12:00', durationMinutes: 30 },
      { day: 'WED' as const, startUtc: '12:15', durationMinutes: 60 },
    ];
    expect(activeMaintenanceWindow(windows, at('2026-03-17T12:10:00Z'))).toEqual({ endsAt: at('2026-03-17T12:30:00Z') });
    expect(activeMaintenanceWindow(windows, at('2026-03-18T12:20:00Z'))).toEqual({ endsAt: at('2026-03-18T13:15:00Z') });
  });

  test('no windows, no hold', () => {
    expect(activeMaintenanceWindow([], at('2026-03-15T02:30:00Z'))).toBeUndefined();
  });
});

describe('circuit breaker', () => {
  const t0 = at('2026-03-15T10:00:00Z');

  test('stays closed below the threshold and opens when it is reached', () => {
    let state = CLOSED_CIRCUIT;
    state = circuitAfterFailure(state, t0, settings);
    state = circuitAfterFailure(state, t0, settings);
    expect(circuitGate(state, t0)).toEqual({ mode: 'closed' });
    state = circuitAfterFailure(state, t0, settings);
    expect(state).toMatchObject({ consecutiveFailures: 3, openCount: 1, openUntil: t0.getTime() + 30_000 });
    expect(circuitGate(state, t0)).toEqual({ mode: 'open', retryAfterSeconds: 30 });
  });

  test('after the cooldown one probe may pass (half-open); a failed probe re-opens with a doubled cooldown', () => {
    const open = { consecutiveFailures: 3, openCount: 1, openUntil: t0.getTime() + 30_000 };
    const later = at('2026-03-15T10:00:31Z');
    expect(circuitGate(open, later)).toEqual({ mode: 'half-open' });
    const reopened = circuitAfterFailure(open, later, settings);
    expect(reopened).toMatchObject({ openCount: 2, openUntil: later.getTime() + 60_000 });
  });

  test('failures while open do not extend the cooldown', () => {
    const open = { consecutiveFailures: 3, openCount: 1, openUntil: t0.getTime() + 30_000 };
    expect(circuitAfterFailure(open, t0, settings)).toEqual({ ...open, consecutiveFailures: 4 });
  });

  test('the cooldown doubles up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => circuitCooldownSeconds(n, settings))).toEqual([30, 60, 120, 240, 480, 600]);
  });

  test('a success closes it and resets the counters', () => {
    expect(circuitAfterSuccess()).toEqual(CLOSED_CIRCUIT);
    expect(circuitGate(circuitAfterSuccess(), t0)).toEqual({ mode: 'closed' });
  });
});

describe('gateCall', () => {
  const now = at('2026-03-15T02:30:00Z');
  const base = { windows: [], circuit: CLOSED_CIRCUIT, maxHoldSeconds: 3 * 86_400, remainingMs: 20_000, callBudgetMs: 5_000 };

  test('calls when nothing holds', () => {
    expect(gateCall(base, now)).toEqual({ action: 'call', probe: false });
  });

  test('holds until the end of a maintenance window (at most 15 minutes at a time)', () => {
    expect(gateCall({ ...base, windows: [{ day: 'SUN', startUtc: '02:00', durationMinutes: 35 }] }, now)).toMatchObject({ action: 'hold', delaySeconds: 300 });
    expect(gateCall({ ...base, windows: [{ day: 'SUN', startUtc: '02:00', durationMinutes: 120 }] }, now)).toMatchObject({ action: 'hold', delaySeconds: 900 });
  });

  test('holds while the circuit is open, and lets one probe through when half-open', () => {
    const open = { consecutiveFailures: 10, openCount: 1, openUntil: now.getTime() + 25_000 };
    expect(gateCall({ ...base, circuit: open }, now)).toMatchObject({ action: 'hold', delaySeconds: 25 });
    expect(gateCall({ ...base, circuit: { ...open, openUntil: now.getTime() - 1 } }, now)).toEqual({ action: 'call', probe: true });
  });

  test('dead-letters a message held longer than the limit', () => {
    const firstReceivedAt = new Date(now.getTime() - 4 * 86_400_000);
    const gate = gateCall({ ...base, firstReceivedAt, windows: [{ day: '*', startUtc: '02:00', durationMinutes: 60 }] }, now);
    expect(gate).toMatchObject({ action: 'dead-letter', reason: expect.stringMatching(/held for 5760 minutes/) });
  });

  test('holds the rest of a batch when the invocation has no time left for a call, never its first message', () => {
    expect(gateCall({ ...base, remainingMs: 3_000 }, now)).toMatchObject({ action: 'hold', delaySeconds: 1 });
    expect(gateCall({ ...base, remainingMs: 3_000, firstInInvocation: true }, now)).toEqual({ action: 'call', probe: false });
  });
});
