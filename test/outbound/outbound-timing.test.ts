import { describe, expect, test } from 'vitest';
import { callBudgetMs, CALLS_PER_MESSAGE, outboundTiming, outboundTimingProblems } from '../../registry/outbound-timing';
import { gateCall } from '../../lambdas/shared/outbound/decisions';

// One rule for the construct (synth-time check, environment) and the handler (the gate's budget).
describe('outbound timing', () => {
  const fleetSandboxBefore = { timeoutSeconds: 10, maxConcurrency: 2, rateLimitPerSecond: 1.5, batchSize: 5 };

  test('the budget of a message counts each call’s pacing slot as well as its timeout', () => {
    const t = outboundTiming(fleetSandboxBefore);
    expect(t).toMatchObject({ httpTimeoutMs: 2500, minIntervalMs: 1334 });
    expect(t.callBudgetMs).toBe(CALLS_PER_MESSAGE * (2500 + 1334) + 1000);
    expect(callBudgetMs(7500, 40)).toBe(16_080);
  });

  test('with lookups on a pace of their own, a message is budgeted one slot of each pace', () => {
    // The stages' fleet adapter: a write every 1,334 ms and a lookup every 500 ms per container.
    const fleet = outboundTiming({ ...fleetSandboxBefore, lookupRateLimitPerSecond: 4 });
    expect(fleet).toMatchObject({ minIntervalMs: 1334, lookupMinIntervalMs: 500, callBudgetMs: 2500 + 1334 + 2500 + 500 + 1000, lastMessageStartsMs: 4 * (1334 + 500) });
    expect(callBudgetMs(2500, 1334, 500)).toBe(fleet.callBudgetMs);
    // Lookups slower than writes (Zendesk on its smallest plan): their pace counts as it is.
    const slower = outboundTiming({ ...fleetSandboxBefore, lookupRateLimitPerSecond: 0.5 });
    expect(slower).toMatchObject({ lookupMinIntervalMs: 4000, callBudgetMs: 2500 + 1334 + 2500 + 4000 + 1000, lastMessageStartsMs: 4 * (1334 + 4000) });
    expect(outboundTimingProblems({ ...fleetSandboxBefore, timeoutSeconds: 30, lookupRateLimitPerSecond: 0.5 })).toEqual([
      expect.stringMatching(/a write every 1334 ms and a lookup every 4000 ms per container\) .*use batchSize ≤ 2 or a longer timeout/),
    ]);
    expect(outboundTiming({ ...fleetSandboxBefore, lookupRateLimitPerSecond: 0 })).toEqual(outboundTiming(fleetSandboxBefore));
  });

  test('the fleet adapter the volume run saw (5 messages, 1.3 s pacing, 10 s timeout) is refused, naming the batch size that fits', () => {
    expect(outboundTimingProblems(fleetSandboxBefore)).toEqual([expect.stringMatching(/a batch of 5 does not fit in the 10 s timeout: .* use batchSize ≤ 1 or a longer timeout/)]);
    expect(outboundTimingProblems({ ...fleetSandboxBefore, batchSize: 1 })).toEqual([]);
    expect(outboundTimingProblems({ ...fleetSandboxBefore, timeoutSeconds: 30 })).toEqual([]);
  });

  test('a configuration that passes the check lets the gate start every message of a batch paced as planned', () => {
    for (const settings of [
      { timeoutSeconds: 30, maxConcurrency: 5, rateLimitPerSecond: 1.5, batchSize: 2 },
      { timeoutSeconds: 30, maxConcurrency: 3, rateLimitPerSecond: 1.5, batchSize: 3 },
      { timeoutSeconds: 10, maxConcurrency: 2, rateLimitPerSecond: 50, batchSize: 5 },
    ]) {
      expect(outboundTimingProblems(settings)).toEqual([]);
      const t = outboundTiming(settings);
      const now = new Date('2026-03-12T10:00:00Z');
      for (let message = 0; message < settings.batchSize; message++) {
        const elapsed = message * CALLS_PER_MESSAGE * t.minIntervalMs;
        const gate = gateCall(
          { windows: [], circuit: { consecutiveFailures: 0, openCount: 0 }, maxHoldSeconds: 3600, remainingMs: settings.timeoutSeconds * 1000 - elapsed, callBudgetMs: t.callBudgetMs, firstInInvocation: message === 0 },
          now,
        );
        expect(gate.action, `${JSON.stringify(settings)} message ${message + 1}`).toBe('call');
      }
    }
  });
});
