/**
 * The reference scenario's events for one shipment of SO-1001 as the visibility view sees them: the ERP release,
 * the fleet milestones, Samsara's excursion, what the temperature-excursion workflow publishes about it (a
 * high-priority case, a quality hold, the account team told), the agent solving and Zendesk closing the ticket,
 * the delivery, the POD, billing-ready and the invoice. Shared by the visibility tests.
 */
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { scenarioEvent } from '../outbound/support';

export const SHIPMENT = 'SHP-1001-01';
const refs = { orderId: 'SO-1001', shipmentId: SHIPMENT, routeId: 'RT-4421' };

export interface Story {
  readonly released: CanonicalDetail;
  readonly dispatched: CanonicalDetail;
  readonly exception: CanonicalDetail;
  readonly caseOpened: CanonicalDetail;
  readonly holdPlaced: CanonicalDetail;
  readonly notified: CanonicalDetail;
  readonly solved: CanonicalDetail;
  readonly closed: CanonicalDetail;
  readonly commentAdded: CanonicalDetail;
  readonly delivered: CanonicalDetail;
  readonly pod: CanonicalDetail;
  readonly ready: CanonicalDetail;
  readonly posted: CanonicalDetail;
  readonly holdReleased: CanonicalDetail;
  /** In the order the systems produce them (the hold stays active: the scenario never releases it). */
  readonly events: readonly CanonicalDetail[];
}

export function story(shipmentId = SHIPMENT): Story {
  const r = { ...refs, shipmentId };
  const released = scenarioEvent({ eventType: 'order.released', system: 'erp', vendorEventId: `rel-${shipmentId}`, occurredAt: '2026-03-12T06:00:00Z', refs: { orderId: 'SO-1001', customerId: 'C-77' } });
  const dispatched = scenarioEvent({ eventType: 'shipment.dispatched', system: 'fleet', vendorEventId: `disp-${shipmentId}`, occurredAt: '2026-03-12T06:00:05Z', refs: r, data: { plannedDepartureAt: '2026-03-12T08:00:00Z' } });
  const exception = scenarioEvent({
    eventType: 'shipment.exception-raised',
    system: 'fleet',
    vendorEventId: `exc-${shipmentId}`,
    occurredAt: '2026-03-12T10:40:00Z',
    refs: r,
    data: { kind: 'temperature-excursion', reportedSeverity: 'medium', readingCelsius: 11.5, limits: { maxCelsius: 8 }, durationMinutes: 25 },
  });
  const byWorkflow = (eventType: string, suffix: string, extraRefs: Record<string, string>, data: Record<string, unknown>, at: string) =>
    scenarioEvent({ eventType, system: 'orchestrator', vendorEventId: `workflow:temperature-excursion:${exception.metadata.eventId}:${suffix}`, occurredAt: at, refs: { ...r, ...extraRefs }, data, causationId: exception.metadata.eventId, correlationId: 'SO-1001' });
  const caseOpened = byWorkflow('case.opened', 'case.opened', { caseId: '38211' }, { caseType: 'incident', priority: 'high', status: 'new', trigger: 'temperature-excursion' }, '2026-03-12T10:40:11Z');
  const holdPlaced = byWorkflow('quality-hold.placed', 'quality-hold.placed', { holdId: 'QH-7' }, { reason: 'temperature-excursion', scope: 'shipment', exceptionEventId: exception.metadata.eventId }, '2026-03-12T10:40:12Z');
  const notified = byWorkflow('customer.notified', 'customer.notified:account-team', { customerId: 'C-77' }, { audience: 'account-team', channel: 'email', notificationType: 'temperature-excursion' }, '2026-03-12T10:40:13Z');
  const cs = (eventType: string, id: string, data: Record<string, unknown>, at: string) =>
    scenarioEvent({ eventType, system: 'cs', vendorEventId: `${id}-${shipmentId}`, occurredAt: at, refs: { caseId: '38211', shipmentId } as CanonicalDetail['refs'], data });
  const solved = cs('case.resolved', 'solved', { status: 'solved' }, '2026-03-12T11:30:00Z');
  const closed = cs('case.resolved', 'closed', { status: 'closed' }, '2026-03-12T11:31:00Z');
  const commentAdded = cs('case.updated', 'comment', { change: 'comment-added', status: 'closed' }, '2026-03-12T11:32:00Z');
  const delivered = scenarioEvent({ eventType: 'shipment.delivered', system: 'fleet', vendorEventId: `del-${shipmentId}`, occurredAt: '2026-03-12T13:30:00Z', refs: r, data: { complete: true } });
  const pod = scenarioEvent({ eventType: 'pod.captured', system: 'fleet', vendorEventId: `pod-${shipmentId}`, occurredAt: '2026-03-12T13:31:00Z', refs: r, data: { documentId: 'doc-1', documentType: 'pod', signatureCaptured: true } });
  const ready = scenarioEvent({ eventType: 'invoice.ready', system: 'erp', vendorEventId: `ready-${shipmentId}`, occurredAt: '2026-03-12T13:33:00Z', refs: r, data: { basis: 'pod', deliveredComplete: true } });
  const posted = scenarioEvent({
    eventType: 'invoice.posted',
    system: 'erp',
    vendorEventId: `inv-${shipmentId}`,
    occurredAt: '2026-03-12T14:05:00Z',
    refs: { orderId: 'SO-1001', invoiceId: 'INV-9001', shipmentId },
    data: { documentType: 'invoice', currency: 'EUR', netAmount: '18450.00', grossAmount: '20110.50' },
  });
  const holdReleased = scenarioEvent({ eventType: 'quality-hold.released', system: 'erp', vendorEventId: `qhr-${shipmentId}`, occurredAt: '2026-03-13T09:00:00Z', refs: { holdId: 'QH-7', shipmentId }, data: { disposition: 'release-to-customer' } });
  return {
    released,
    dispatched,
    exception,
    caseOpened,
    holdPlaced,
    notified,
    solved,
    closed,
    commentAdded,
    delivered,
    pod,
    ready,
    posted,
    holdReleased,
    events: [released, dispatched, exception, caseOpened, holdPlaced, notified, solved, closed, commentAdded, delivered, pod, ready, posted],
  };
}
