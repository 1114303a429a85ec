/**
 * The reference scenario's event chain (docs/architecture.md, "Reference scenario") for SO-1001 as canonical events, in the order the
 * systems produce them, with a late departure at the end (step 7). Shared by the indexer and trace tests.
 */
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { example, scenarioEvent } from '../outbound/support';

export function referenceScenario(): { events: CanonicalDetail[]; lateDeparture: CanonicalDetail } {
  const released = example('order.released');
  const dispatched = example('shipment.dispatched');
  const departed = example('shipment.departed');
  const exception = example('shipment.exception-raised');
  const caseOpened = example('case.opened');
  const arrived = example('shipment.arrived');
  const delivered = example('shipment.delivered');
  const pod = example('pod.captured');
  const synced = example('shipment.status-synced');
  const ready = example('invoice.ready');
  const posted = example('invoice.posted');
  const departedAgain = scenarioEvent({
    eventType: 'shipment.departed',
    system: 'fleet',
    vendorEventId: 'late-departure-1',
    occurredAt: '2026-03-12T09:10:00Z',
    refs: { orderId: 'SO-1001', customerId: 'C-77', shipmentId: 'SHP-1001-01', routeId: 'RT-4421', stopId: 'STP-4421-1' },
    data: { stopKind: 'origin' },
  });
  // Reported late: received after the delivery it happened before (what makes a milestone late).
  const lateDeparture = { ...departedAgain, metadata: { ...departedAgain.metadata, receivedAt: '2026-03-12T16:00:00.000Z' } };
  return { events: [released, dispatched, departed, synced, exception, caseOpened, arrived, delivered, pod, ready, posted], lateDeparture };
}
