/**
 * The Decide task of every flow: the rules' verdict plus what the state machine needs to act on it (the
 * visibility record's fields, the planned notification and its `customer.notified` event). Pure.
 */
import { assessDelay } from './delay-rules';
import { assessFailedDelivery } from './failed-delivery-rules';
import type { Decision, Enrichment, ExceptionActions, ExceptionThresholds, FlowName, PlannedNotification, Severity, TriggerEvent } from './model';
import { decideTemperatureExcursion } from './temperature-rules';
import { customerNotified } from './workflow-events';
import { ValidationError } from '../shared/errors';
import type { CustomerNotifiedData } from '../shared/generated/canonical-types';

export interface DecideInput {
  readonly flow: FlowName;
  readonly event: TriggerEvent;
  readonly enrichment: Enrichment;
}

export interface DecideOptions {
  readonly thresholds: ExceptionThresholds;
  /** How long the visibility record is kept (stage `retention.correlationTtlDays`). */
  readonly recordTtlDays: number;
  readonly now: Date;
}

interface Verdict {
  readonly severity: Severity;
  readonly actions: ExceptionActions;
  readonly reason: string;
  readonly kind: string;
  readonly notificationType: CustomerNotifiedData['notificationType'];
}

/** The flow and the event do not belong together (a routing bug): never retried. */
function mismatch(message: string): ValidationError {
  return new ValidationError(message, 'flow');
}

function exceptionData(event: TriggerEvent) {
  return event.metadata.eventType === 'shipment.exception-raised' ? (event.data as unknown as { kind: string } & Record<string, unknown>) : null;
}

function verdictFor(input: DecideInput, thresholds: ExceptionThresholds): Verdict {
  const { flow, event, enrichment } = input;
  const data = exceptionData(event);
  if (flow === 'temperature-excursion') {
    if (!data || data.kind !== 'temperature-excursion') throw mismatch(`flow ${flow} cannot decide a ${event.metadata.eventType} ${data?.kind ?? ''}`.trim());
    const d = data as unknown as { readingCelsius: number; peakCelsius?: number; durationMinutes: number; limits: { minCelsius?: number; maxCelsius?: number } };
    const v = decideTemperatureExcursion(
      { readingCelsius: d.readingCelsius, peakCelsius: d.peakCelsius, durationMinutes: d.durationMinutes, limits: d.limits },
      { temperatureRange: enrichment.temperatureRange, productCategory: enrichment.productCategory },
      thresholds.temperature,
    );
    return { ...v, kind: 'temperature-excursion', notificationType: 'temperature-excursion' };
  }
  if (flow === 'delay') {
    if (event.metadata.eventType === 'shipment.eta-updated') {
      const d = event.data as { etaAt: string; previousEtaAt?: string; deliveryWindow?: { from: string; to: string } };
      const v = assessDelay({ etaAt: d.etaAt, previousEtaAt: d.previousEtaAt, window: enrichment.deliveryWindow ?? d.deliveryWindow }, thresholds.delay);
      return { ...v, kind: 'eta-breach', notificationType: 'delay' };
    }
    if (!data || data.kind !== 'delay') throw mismatch(`flow ${flow} cannot decide a ${event.metadata.eventType} ${data?.kind ?? ''}`.trim());
    const d = data as unknown as { delayMinutes: number; etaAt?: string; deliveryWindow?: { from: string; to: string } };
    const v = assessDelay({ delayMinutes: d.delayMinutes, etaAt: d.etaAt, window: enrichment.deliveryWindow ?? d.deliveryWindow }, thresholds.delay);
    return { ...v, kind: 'delay', notificationType: 'delay' };
  }
  if (!data || (data.kind !== 'failed-delivery' && data.kind !== 'damage')) {
    throw mismatch(`flow ${flow} cannot decide a ${event.metadata.eventType} ${data?.kind ?? ''}`.trim());
  }
  const d = data as unknown as { kind: 'failed-delivery' | 'damage'; reason?: string; attemptNumber?: number; nextAttemptAt?: string; damageType?: string };
  const v = assessFailedDelivery(d, thresholds.failedDelivery);
  return { ...v, kind: d.kind, notificationType: d.kind };
}

const NOTIFICATION_SUBJECT: Readonly<Record<string, string>> = {
  'temperature-excursion': 'Temperature excursion',
  delay: 'Delivery delayed',
  'eta-breach': 'Delivery delayed',
  'failed-delivery': 'Delivery attempt failed',
  damage: 'Damage found at delivery',
};

/** Decides the severity and actions, and plans the notification. Pure. */
export function decide(input: DecideInput, options: DecideOptions): Decision {
  const verdict = verdictFor(input, options.thresholds);
  const { event, enrichment, flow } = input;
  const refs = event.refs;
  const customerId = refs.customerId ?? enrichment.customerId ?? '';
  const orderId = refs.orderId ?? enrichment.orderId ?? '';
  const expiresAt = String(Math.floor(options.now.getTime() / 1000) + options.recordTtlDays * 86_400);

  let notification: PlannedNotification | null = null;
  // An unknown customer cannot be addressed: the case still tells a human.
  if (verdict.actions.notify && customerId) {
    const audience = verdict.actions.notify;
    const subject = `${NOTIFICATION_SUBJECT[verdict.kind] ?? 'Shipment exception'}: shipment ${refs.shipmentId}${orderId ? ` (order ${orderId})` : ''}`;
    notification = {
      audience,
      customerId,
      notificationType: verdict.notificationType,
      subject: subject.slice(0, 100),
      message: [
        subject,
        `Severity: ${verdict.severity}`,
        `What happened: ${verdict.reason}`,
        `Exception event: ${event.metadata.eventId}`,
        `Correlation: ${event.metadata.correlationId}`,
      ].join('\n'),
      event: customerNotified(flow, event, customerId, { audience, channel: 'email', notificationType: verdict.notificationType }, options.now),
    };
  }

  return {
    flow,
    severity: verdict.severity,
    reason: verdict.reason,
    actions: verdict.actions,
    summary: {
      kind: verdict.kind,
      severity: verdict.severity,
      reason: verdict.reason.slice(0, 500),
      orderId,
      customerId,
      shipmentId: refs.shipmentId,
      expiresAt,
    },
    notification,
  };
}

/** Case subject, body and tags for a decision. Facts and ids only: no personal data. */
export function describeCase(input: { flow: FlowName; event: TriggerEvent; decision: Decision }): { subject: string; body: string; tags: string[] } {
  const { event, decision } = input;
  const orderId = decision.summary.orderId;
  const what = NOTIFICATION_SUBJECT[decision.summary.kind] ?? 'Shipment exception';
  const subject = `${what} on shipment ${event.refs.shipmentId}${orderId ? ` (order ${orderId})` : ''}`.slice(0, 200);
  const body = [
    `${what}: ${decision.reason}.`,
    `Severity: ${decision.severity}.`,
    decision.actions.qualityHold ? 'A quality hold is being placed in the ERP.' : undefined,
    decision.actions.erpExceptionStatus ? 'The ERP shipment status is set to "exception".' : undefined,
    decision.notification ? `The ${decision.notification.audience === 'customer' ? 'customer' : 'account team'} is notified.` : undefined,
    `Exception event ${event.metadata.eventId}, correlation ${event.metadata.correlationId}.`,
  ]
    .filter((line): line is string => line !== undefined)
    .join('\n');
  return { subject, body, tags: caseTags(input.flow, decision) };
}

/** Zendesk-safe tags (`^[a-z0-9][a-z0-9_:-]*$`). */
export function caseTags(flow: FlowName, decision: Decision): string[] {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9_:-]/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 80);
  const tags = ['logistics-sync', safe(flow), safe(decision.summary.kind), `severity:${decision.severity}`];
  if (decision.summary.customerId) tags.push(safe(`customer:${decision.summary.customerId}`));
  return [...new Set(tags.filter(Boolean))];
}
