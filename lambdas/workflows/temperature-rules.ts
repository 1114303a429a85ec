/**
 * Temperature excursion rules: how far and how long the load left the contract range decides the severity,
 * the severity decides the actions. Pure: no SDK, no environment, no clock.
 */
import type { ExceptionActions, ExceptionThresholds, Severity, TemperatureRange } from './model';

/** What the fleet reported. */
export interface TemperatureReading {
  readonly readingCelsius: number;
  /** Worst reading during the excursion, when known. */
  readonly peakCelsius?: number;
  /** Minutes outside the limits so far. */
  readonly durationMinutes: number;
  /** The limits the fleet alert was configured with (often one bound only). */
  readonly limits?: { readonly minCelsius?: number; readonly maxCelsius?: number };
}

/** What the customer contract (or the order) says about the goods. */
export interface TemperatureContract {
  readonly temperatureRange: TemperatureRange | null;
  readonly productCategory?: string | null;
}

export interface TemperatureVerdict {
  readonly severity: Severity;
  readonly actions: ExceptionActions;
  /** Degrees outside the range at the worst reading (0 when inside). */
  readonly deviationCelsius: number;
  /** The range judged against: the contract's, else the alert's own limits. */
  readonly range: { readonly minCelsius?: number; readonly maxCelsius?: number };
  readonly rangeSource: 'contract' | 'alert';
  readonly reason: string;
}

/** Actions per severity. A hold protects the goods until quality assurance has looked at them. */
export const TEMPERATURE_ACTIONS: Readonly<Record<Severity, ExceptionActions>> = {
  none: { erpExceptionStatus: false, qualityHold: false, casePriority: null, notify: null },
  minor: { erpExceptionStatus: true, qualityHold: false, casePriority: 'normal', notify: 'account-team' },
  major: { erpExceptionStatus: true, qualityHold: true, casePriority: 'high', notify: 'account-team' },
  critical: { erpExceptionStatus: true, qualityHold: true, casePriority: 'urgent', notify: 'account-team' },
};

function outside(value: number, range: { minCelsius?: number; maxCelsius?: number }): number {
  const above = range.maxCelsius === undefined ? 0 : value - range.maxCelsius;
  const below = range.minCelsius === undefined ? 0 : range.minCelsius - value;
  return Math.max(0, above, below);
}

function formatRange(range: { minCelsius?: number; maxCelsius?: number }): string {
  if (range.minCelsius !== undefined && range.maxCelsius !== undefined) return `${range.minCelsius}–${range.maxCelsius} °C`;
  if (range.maxCelsius !== undefined) return `≤ ${range.maxCelsius} °C`;
  return `≥ ${range.minCelsius} °C`;
}

/**
 * Severity of a temperature excursion:
 * - `critical` when the worst reading is at least `criticalDeltaCelsius` outside the range, however short
 *   (a large excursion can spoil goods in minutes);
 * - otherwise by duration: `major` from `majorMinutes`, `minor` from `minorMinutes`;
 * - `none` when the reading is inside the contract range (the alert's own limits were tighter) or the
 *   excursion is shorter than `minorMinutes` (a tolerated blip, e.g. a door opening).
 * The contract range wins over the alert's limits; the alert's limits are used only when the contract has none.
 */
export function decideTemperatureExcursion(
  reading: TemperatureReading,
  contract: TemperatureContract,
  thresholds: ExceptionThresholds['temperature'],
): TemperatureVerdict {
  const rangeSource = contract.temperatureRange ? 'contract' : 'alert';
  const range = contract.temperatureRange ?? reading.limits ?? {};
  const worst = Math.max(outside(reading.readingCelsius, range), reading.peakCelsius === undefined ? 0 : outside(reading.peakCelsius, range));
  // Two decimals: sensor readings have one, and 11.5 - 8 must not become 3.4999999.
  const deviationCelsius = Math.round(worst * 100) / 100;
  const worstReading = reading.peakCelsius ?? reading.readingCelsius;
  const facts = `${worstReading} °C for ${reading.durationMinutes} min against ${rangeSource} range ${formatRange(range)}`;

  let severity: Severity;
  let why: string;
  if (deviationCelsius === 0) {
    severity = 'none';
    why = 'inside the range';
  } else if (deviationCelsius >= thresholds.criticalDeltaCelsius) {
    severity = 'critical';
    why = `${deviationCelsius} °C outside, at least ${thresholds.criticalDeltaCelsius} °C`;
  } else if (reading.durationMinutes >= thresholds.majorMinutes) {
    severity = 'major';
    why = `${deviationCelsius} °C outside for at least ${thresholds.majorMinutes} min`;
  } else if (reading.durationMinutes >= thresholds.minorMinutes) {
    severity = 'minor';
    why = `${deviationCelsius} °C outside for at least ${thresholds.minorMinutes} min`;
  } else {
    severity = 'none';
    why = `tolerated: shorter than ${thresholds.minorMinutes} min`;
  }
  return { severity, actions: TEMPERATURE_ACTIONS[severity], deviationCelsius, range, rangeSource, reason: `${facts}: ${why}` };
}
