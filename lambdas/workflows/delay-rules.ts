/**
 * Delay / ETA breach rules. Pure: no SDK, no environment, no clock.
 *
 * Where the decision lives: this one function, used twice. The starter Lambda calls it on a
 * `shipment.eta-updated` that carries its delivery window, to start the delay workflow only on a new
 * breach (ETA updates are frequent; a workflow per update would cost state transitions for nothing). The
 * workflow's Decide task calls it again with the ERP order's window (the contract's promise), which is
 * authoritative, and with the lateness a `shipment.exception-raised` (kind delay) reports.
 */
import { SEVERITY_RANK, type ExceptionActions, type ExceptionThresholds, type Severity, type TimeWindow } from './model';

export interface DelayFacts {
  /** Lateness the source reported (`shipment.exception-raised`, kind delay). */
  readonly delayMinutes?: number;
  readonly etaAt?: string;
  /** The ETA before this update (`shipment.eta-updated`): a breach already known is not a new one. */
  readonly previousEtaAt?: string;
  /** The promised delivery window: the ERP order's when known, else the one the event carries. */
  readonly window?: TimeWindow | null;
}

export interface DelayVerdict {
  readonly severity: Severity;
  readonly actions: ExceptionActions;
  /** Minutes past the end of the window (negative: early), null when it cannot be told. */
  readonly latenessMinutes: number | null;
  readonly reason: string;
}

export const DELAY_ACTIONS: Readonly<Record<Severity, ExceptionActions>> = {
  none: { erpExceptionStatus: false, qualityHold: false, casePriority: null, notify: null },
  minor: { erpExceptionStatus: false, qualityHold: false, casePriority: 'normal', notify: 'customer' },
  major: { erpExceptionStatus: false, qualityHold: false, casePriority: 'high', notify: 'customer' },
  // A delay never makes goods unsafe: critical is not used, but the table is total.
  critical: { erpExceptionStatus: false, qualityHold: false, casePriority: 'urgent', notify: 'customer' },
};

/** Whole minutes from the end of the window to the ETA, rounded up (one second late is a minute late). */
export function minutesLate(etaAt: string, windowEnd: string): number {
  const ms = Date.parse(etaAt) - Date.parse(windowEnd);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${Number.isNaN(Date.parse(etaAt)) ? etaAt : windowEnd}`);
  return Math.ceil(ms / 60_000);
}

function severityOf(lateness: number, thresholds: ExceptionThresholds['delay']): Severity {
  if (lateness <= thresholds.graceMinutes) return 'none';
  return lateness >= thresholds.majorMinutes ? 'major' : 'minor';
}

/**
 * - lateness: from the ETA and the window when both are known, else the reported `delayMinutes`;
 * - `none` within the window plus `graceMinutes`, `major` from `majorMinutes` late, `minor` in between;
 * - an ETA update whose previous ETA was already late at the same or a higher severity is `none`
 *   (the customer has been told; a worse breach, minor → major, is decided again).
 */
export function assessDelay(facts: DelayFacts, thresholds: ExceptionThresholds['delay']): DelayVerdict {
  const window = facts.window ?? null;
  const lateness =
    window && facts.etaAt ? minutesLate(facts.etaAt, window.to) : facts.delayMinutes !== undefined ? facts.delayMinutes : null;
  if (lateness === null) {
    return { severity: 'none', actions: DELAY_ACTIONS.none, latenessMinutes: null, reason: 'no delivery window or lateness to judge the ETA against' };
  }
  const severity = severityOf(lateness, thresholds);
  if (severity === 'none') {
    return {
      severity,
      actions: DELAY_ACTIONS.none,
      latenessMinutes: lateness,
      reason: `ETA within the delivery window plus ${thresholds.graceMinutes} min grace (${lateness} min past its end)`,
    };
  }
  if (window && facts.previousEtaAt) {
    const before = severityOf(minutesLate(facts.previousEtaAt, window.to), thresholds);
    if (SEVERITY_RANK[before] >= SEVERITY_RANK[severity]) {
      return {
        severity: 'none',
        actions: DELAY_ACTIONS.none,
        latenessMinutes: lateness,
        reason: `already ${before} late before this ETA update (now ${lateness} min): no new breach`,
      };
    }
  }
  return {
    severity,
    actions: DELAY_ACTIONS[severity],
    latenessMinutes: lateness,
    reason: `ETA ${lateness} min past the end of the delivery window (${severity} from ${severity === 'major' ? thresholds.majorMinutes : thresholds.graceMinutes + 1} min)`,
  };
}
