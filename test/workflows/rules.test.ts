import { describe, expect, test } from 'vitest';
import { assessDelay, minutesLate } from '../../lambdas/workflows/delay-rules';
import { assessFailedDelivery } from '../../lambdas/workflows/failed-delivery-rules';
import { decideTemperatureExcursion } from '../../lambdas/workflows/temperature-rules';
import { THRESHOLDS } from './harness';

const contract = { temperatureRange: { minCelsius: 2, maxCelsius: 8 } };
const t = THRESHOLDS.temperature;

describe('temperature excursion rules (reading, contract, thresholds) → severity, actions', () => {
  test('the reference scenario: 11.5 °C for 25 min against 2–8 °C is major: ERP exception, quality hold, high-priority case, account team told', () => {
    const verdict = decideTemperatureExcursion({ readingCelsius: 11.5, durationMinutes: 25, limits: { maxCelsius: 8 } }, contract, t);
    expect(verdict.severity).toBe('major');
    expect(verdict.deviationCelsius).toBe(3.5);
    expect(verdict.actions).toEqual({ erpExceptionStatus: true, qualityHold: true, casePriority: 'high', notify: 'account-team' });
    expect(verdict.reason).toMatch(/11\.5 °C for 25 min against contract range 2–8 °C/);
  });

  test.each([
    // how long: below minor is tolerated, then minor, then major
    [9, 9, 'none'],
    [9, 10, 'minor'],
    [9, 19, 'minor'],
    [9, 20, 'major'],
    // how far: criticalDeltaCelsius outside is critical however short
    [13, 1, 'critical'],
    [12.99, 1, 'none'],
    // too cold counts the same way
    [-3, 30, 'critical'],
    [1, 15, 'minor'],
  ] as const)('%s °C for %s min against 2–8 °C is %s', (reading, minutes, severity) => {
    expect(decideTemperatureExcursion({ readingCelsius: reading, durationMinutes: minutes }, contract, t).severity).toBe(severity);
  });

  test('the peak reading counts when it is worse than the trigger reading', () => {
    const verdict = decideTemperatureExcursion({ readingCelsius: 9, peakCelsius: 14, durationMinutes: 3 }, contract, t);
    expect(verdict).toMatchObject({ severity: 'critical', deviationCelsius: 6 });
  });

  test('a reading inside the contract range is no exception even when the alert had tighter limits', () => {
    const verdict = decideTemperatureExcursion({ readingCelsius: 7.5, durationMinutes: 40, limits: { maxCelsius: 7 } }, contract, t);
    expect(verdict.severity).toBe('none');
    expect(verdict.actions).toEqual({ erpExceptionStatus: false, qualityHold: false, casePriority: null, notify: null });
  });

  test("without a contract range the alert's own limits are judged against, and the reason says so", () => {
    const verdict = decideTemperatureExcursion({ readingCelsius: 11, durationMinutes: 25, limits: { maxCelsius: 8 } }, { temperatureRange: null }, t);
    expect(verdict).toMatchObject({ severity: 'major', rangeSource: 'alert' });
    expect(verdict.reason).toMatch(/alert range ≤ 8 °C/);
  });

  test('thresholds come from the stage config: a stricter stage decides differently', () => {
    const strict = { minorMinutes: 0, majorMinutes: 5, criticalDeltaCelsius: 2 };
    expect(decideTemperatureExcursion({ readingCelsius: 9, durationMinutes: 6 }, contract, strict).severity).toBe('major');
    expect(decideTemperatureExcursion({ readingCelsius: 10.5, durationMinutes: 1 }, contract, strict).severity).toBe('critical');
  });
});

describe('delay rules', () => {
  const window = { from: '2026-03-12T12:00:00Z', to: '2026-03-12T16:00:00Z' };
  const d = THRESHOLDS.delay;

  test('minutes late are whole minutes past the end of the window, rounded up', () => {
    expect(minutesLate('2026-03-12T16:00:01Z', window.to)).toBe(1);
    expect(minutesLate('2026-03-12T15:00:00Z', window.to)).toBe(-60);
    expect(minutesLate('2026-03-12T17:00:00+01:00', window.to)).toBe(0);
    expect(() => minutesLate('soon', window.to)).toThrow(/not a timestamp: soon/);
  });

  test.each([
    ['2026-03-12T15:30:00Z', 'none'],
    ['2026-03-12T16:15:00Z', 'none'],
    ['2026-03-12T16:16:00Z', 'minor'],
    ['2026-03-12T17:59:00Z', 'minor'],
    ['2026-03-12T18:00:00Z', 'major'],
  ] as const)('an ETA of %s against a window ending 16:00 with 15 min grace is %s', (etaAt, severity) => {
    expect(assessDelay({ etaAt, window }, d).severity).toBe(severity);
  });

  test('an ETA that was already late at the same severity is no new breach; one that got worse is', () => {
    expect(assessDelay({ etaAt: '2026-03-12T16:50:00Z', previousEtaAt: '2026-03-12T16:40:00Z', window }, d)).toMatchObject({ severity: 'none', latenessMinutes: 50 });
    expect(assessDelay({ etaAt: '2026-03-12T18:30:00Z', previousEtaAt: '2026-03-12T16:40:00Z', window }, d).severity).toBe('major');
    expect(assessDelay({ etaAt: '2026-03-12T16:40:00Z', previousEtaAt: '2026-03-12T15:40:00Z', window }, d).severity).toBe('minor');
  });

  test('a reported delay is judged by its minutes when no window is known; the window wins when it is', () => {
    expect(assessDelay({ delayMinutes: 35 }, d)).toMatchObject({ severity: 'minor', latenessMinutes: 35 });
    expect(assessDelay({ delayMinutes: 35, etaAt: '2026-03-12T15:00:00Z', window }, d).severity).toBe('none');
    expect(assessDelay({}, d)).toMatchObject({ severity: 'none', latenessMinutes: null });
  });

  test('a breach opens a case and tells the customer; a major one with high priority', () => {
    expect(assessDelay({ delayMinutes: 30 }, d).actions).toEqual({ erpExceptionStatus: false, qualityHold: false, casePriority: 'normal', notify: 'customer' });
    expect(assessDelay({ delayMinutes: 300 }, d).actions.casePriority).toBe('high');
  });
});

describe('failed delivery rules', () => {
  const f = THRESHOLDS.failedDelivery;

  test('an early failed attempt is minor: a normal case, and the customer hears about the next attempt', () => {
    const verdict = assessFailedDelivery({ kind: 'failed-delivery', reason: 'site-closed', attemptNumber: 1, nextAttemptAt: '2026-03-13T08:00:00+01:00' }, f);
    expect(verdict).toMatchObject({ severity: 'minor', actions: { erpExceptionStatus: false, casePriority: 'normal', notify: 'customer' } });
    expect(verdict.reason).toMatch(/attempt 1 of 3 \(site-closed\), next attempt 2026-03-13T08:00:00\+01:00/);
  });

  test('the last allowed attempt is major: ERP exception status, high priority', () => {
    expect(assessFailedDelivery({ kind: 'failed-delivery', reason: 'recipient-absent', attemptNumber: 3 }, f)).toMatchObject({
      severity: 'major',
      actions: { erpExceptionStatus: true, casePriority: 'high', notify: 'customer' },
    });
  });

  test('a refusal or damage is major and goes to the account team', () => {
    for (const facts of [{ kind: 'failed-delivery', reason: 'refused', attemptNumber: 1 }, { kind: 'damage', damageType: 'packaging' }] as const) {
      expect(assessFailedDelivery(facts, f)).toMatchObject({ severity: 'major', actions: { erpExceptionStatus: true, notify: 'account-team' } });
    }
  });
});
