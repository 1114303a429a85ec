/**
 * Failed delivery (attempted, refused) and damage found at delivery: both end in the failed-delivery
 * workflow (a delivery that did not happen as promised). Pure: no SDK, no environment, no clock.
 */
import type { ExceptionActions, ExceptionThresholds, Severity } from './model';

export interface FailedDeliveryFacts {
  readonly kind: 'failed-delivery' | 'damage';
  /** Failed delivery: recipient-absent, refused, address-not-found, access-denied, site-closed, other. */
  readonly reason?: string;
  readonly attemptNumber?: number;
  readonly nextAttemptAt?: string;
  /** Damage: packaging, product, pallet, seal-broken, other. */
  readonly damageType?: string;
}

export interface FailedDeliveryVerdict {
  readonly severity: Severity;
  readonly actions: ExceptionActions;
  readonly reason: string;
}

/** The customer hears about a new attempt; the account team about goods coming back or damaged. */
const RETRYING: ExceptionActions = { erpExceptionStatus: false, qualityHold: false, casePriority: 'normal', notify: 'customer' };
const GIVING_UP: ExceptionActions = { erpExceptionStatus: true, qualityHold: false, casePriority: 'high', notify: 'customer' };
const RETURNING: ExceptionActions = { erpExceptionStatus: true, qualityHold: false, casePriority: 'high', notify: 'account-team' };

/**
 * - damage: `major` (ERP exception status, high-priority case, account team told);
 * - refused: `major` (the goods come back: ERP exception status, account team told);
 * - the `maxAttempts`-th failed attempt: `major` (ERP exception status, customer told);
 * - an earlier failed attempt: `minor` (normal case, customer told about the next attempt).
 */
export function assessFailedDelivery(facts: FailedDeliveryFacts, thresholds: ExceptionThresholds['failedDelivery']): FailedDeliveryVerdict {
  if (facts.kind === 'damage') {
    return { severity: 'major', actions: RETURNING, reason: `damage found at delivery (${facts.damageType ?? 'unspecified'})` };
  }
  const attempt = facts.attemptNumber ?? 1;
  if (facts.reason === 'refused') {
    return { severity: 'major', actions: RETURNING, reason: `delivery refused at attempt ${attempt}` };
  }
  if (attempt >= thresholds.maxAttempts) {
    return {
      severity: 'major',
      actions: GIVING_UP,
      reason: `delivery failed at attempt ${attempt} of ${thresholds.maxAttempts} (${facts.reason ?? 'unspecified'})`,
    };
  }
  const next = facts.nextAttemptAt ? `, next attempt ${facts.nextAttemptAt}` : '';
  return { severity: 'minor', actions: RETRYING, reason: `delivery failed at attempt ${attempt} of ${thresholds.maxAttempts} (${facts.reason ?? 'unspecified'})${next}` };
}
