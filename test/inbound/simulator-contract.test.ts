import { describe, expect, test } from 'vitest';
import { statusChange, ticketEvent, type ZendeskTicket } from '../../sandbox/simulators/cs-payloads';
import { seedOrders } from '../../sandbox/simulators/erp-data';
import { defaultFleetSeed } from '../../sandbox/simulators/fleet';
import { alertIncidentData, proofOfDeliveryData, reeferTemperatureDetails, routeStopData, samsaraEnvelope, type SamsaraRoute } from '../../sandbox/simulators/fleet-payloads';
import { InMemoryAssetAssignments } from '../../lambdas/fleet/inbound/asset-assignments';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { example } from '../outbound/support';
import { routeExternalIds, stopExternalIds } from '../../lambdas/shared/fleet-external-ids';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS, fleetDialects } from '../../lambdas/fleet/inbound/routes';
import { apiEvent, expectCanonical, harness, lsyncHeaders, NOW, NOW_SECONDS, samsaraHeaders, SECRETS, zendeskHeaders } from './support';

/**
 * Contract between the sandbox's vendor simulators (sandbox/simulators, another team's code) and this
 * intake: payloads built by the simulators' own pure builders must be accepted and mapped to valid canonical
 * events. A change on either side that breaks the reference scenario fails here, not in a slow e2e run.
 */

// As the fleet client writes them (lambdas/fleet/fleet-client.ts): one unique value per route and per stop.
const externalIds = routeExternalIds('SO-1001', 'SHP-1001-01');

function route(): SamsaraRoute {
  return {
    id: '100001',
    name: 'SO-1001',
    externalIds,
    driver: { id: '45646', name: 'Jan de Vries', externalIds: { 'erp.driver': 'D-5001' } },
    vehicle: { id: '212014918087523', name: 'Truck 17', externalIds: { 'erp.vehicle': 'TRK-17' } },
    settings: { routeStartingCondition: 'departFirstStop', routeCompletionCondition: 'arriveLastStop' },
    stops: [
      { id: '100002', name: 'Central DC Rotterdam', externalIds: stopExternalIds('SO-1001', 'SHP-1001-01', 0), address: { id: 'DC-01', name: 'Central DC Rotterdam' }, state: 'departed', actualDepartureTime: '2026-03-12T08:05:00.000Z', scheduledDepartureTime: '2026-03-12T08:00:00.000Z', documents: [], liveSharingUrl: 'https://x' },
      { id: '100003', name: 'C-77 Utrecht', externalIds: stopExternalIds('SO-1001', 'SHP-1001-01', 1), singleUseLocation: { address: 'Koelhuisweg 4, Utrecht', latitude: 52.1093, longitude: 5.0708 }, state: 'en route', scheduledArrivalTime: '2026-03-12T13:00:00.000Z', eta: '2026-03-12T13:10:00.000Z', documents: [], liveSharingUrl: 'https://y' },
    ],
  };
}

async function sendSamsara(eventType: string, data: unknown, dialects = FLEET_DIALECTS) {
  const h = harness('fleet', dialects, FLEET_CANONICAL_VALIDATORS);
  const body = JSON.stringify(samsaraEnvelope({ eventId: `sim-${eventType}`, eventTime: NOW.toISOString(), eventType, orgId: 20936, webhookId: '1', data }));
  const response = await h.handler(apiEvent('/webhooks/fleet/samsara', body, samsaraHeaders(body)));
  expect(response.statusCode, response.body).toBe(202);
  expectCanonical(h.publisher.published);
  return h.publisher.published.map((e) => e.metadata.eventType);
}

describe('the sandbox fleet simulator (Samsara-shaped) and the fleet intake agree', () => {
  test('departure, arrival and ETA', async () => {
    const departed = route();
    expect(await sendSamsara('RouteStopDeparture', routeStopData(departed, departed.stops[0], 'stop departed', '2026-03-12T08:05:00.000Z'))).toEqual(['shipment.departed']);
    const arrived = route();
    Object.assign(arrived.stops[1], { state: 'arrived', actualArrivalTime: '2026-03-12T13:12:00.000Z' });
    expect(await sendSamsara('RouteStopArrival', routeStopData(arrived, arrived.stops[1], 'stop arrived', '2026-03-12T13:12:00.000Z'))).toEqual(['shipment.arrived']);
    const eta = route();
    expect(await sendSamsara('RouteStopEtaUpdated', routeStopData(eta, eta.stops[1], 'stop departed', '2026-03-12T10:00:00.000Z'))).toEqual(['shipment.eta-updated']);
  });

  test('proof of delivery and the reefer temperature alert', async () => {
    const r = route();
    const pod = proofOfDeliveryData({ documentId: '5001_1741786260000', createdAtTime: '2026-03-12T13:31:00.000Z', route: r, stop: r.stops[1], recipientName: 'M. Jansen', deliveredAt: '2026-03-12T13:30:00.000Z', temperatureCelsius: 5.4 });
    expect(await sendSamsara('DocumentSubmitted', pod)).toEqual(['pod.captured', 'shipment.delivered']);
    // The alert names the route's vehicle and its coupled reefer trailer: the index knows the shipment on them.
    const seed = defaultFleetSeed(NOW);
    const alert = alertIncidentData({
      configurationId: '5b2f0c8e-3d7a-4e61-9c4b-2a7e1f0d9c33',
      incidentUrl: 'https://cloud.samsara.com/o/1/fleet/workflows/incidents/100001/1',
      happenedAtTime: '2026-03-12T10:15:00.000Z',
      updatedAtTime: '2026-03-12T10:40:00.000Z',
      description: 'Reefer temperature out of range',
      triggerId: 1033,
      details: reeferTemperatureDetails({ driver: r.driver, trailer: seed.trailers[0], vehicle: seed.vehicles[0] }),
    });
    const store = new InMemoryCorrelationStore();
    await indexEvent(store, example('shipment.dispatched') as CanonicalDetail, NOW, 86_400);
    const telemetry = {
      sensorTemperature: async () => undefined,
      reeferTemperature: async () => ({ celsius: seed.trailers[0].reeferReturnAir.value / 1000 + 6.7, at: NOW.toISOString() }),
    };
    const dialects = fleetDialects({ telemetry, assignments: new InMemoryAssetAssignments(() => store.items.values()) });
    expect(await sendSamsara('AlertIncident', alert, dialects)).toEqual(['shipment.exception-raised']);
  });
});

describe('the sandbox CS simulator (Zendesk-shaped) and the CS intake agree', () => {
  test('a status change on a ticket we opened', async () => {
    const ticket: ZendeskTicket = {
      id: 38211, url: 'x', external_id: 'SHP-1001-01', via: { channel: 'api' }, created_at: '2026-03-12T10:41:10Z', updated_at: '2026-03-13T08:30:00Z', type: 'incident', subject: 's', raw_subject: 's', description: 'd',
      priority: 'high', status: 'solved', requester_id: 1, submitter_id: 1, assignee_id: null, organization_id: null, group_id: null, tags: [], custom_fields: [], is_public: true, followup_ids: [],
    };
    const body = JSON.stringify(ticketEvent({ accountId: 1, id: '01HRZ0A1B2C3D4E5F6G7H8J9K0', time: '2026-03-13T08:30:00Z', ticket, actorId: 1, change: statusChange('open', 'solved') }));
    const h = harness('cs', CS_DIALECTS, CS_CANONICAL_VALIDATORS);
    const response = await h.handler(apiEvent('/webhooks/cs/zendesk', body, zendeskHeaders(body)));
    expect(response.statusCode, response.body).toBe(202);
    expectCanonical(h.publisher.published);
    expect(h.publisher.published.map((e) => e.metadata.eventType)).toEqual(['case.resolved']);
  });
});

describe('the sandbox ERP simulator and the ERP intake agree', () => {
  test.each(seedOrders(NOW).map((o) => [o.orderId, o] as const))('seed order %s released as a generic CloudEvent', async (_id, order) => {
    const h = harness('erp', erpDialects(new InMemorySapReadBackQueue()), ERP_CANONICAL_VALIDATORS);
    const body = JSON.stringify({ specversion: '1.0', type: 'com.example.erp.order.released.v1', source: '/erp/orders', id: `rel-${order.orderId}`, time: NOW.toISOString(), subject: order.orderId, datacontenttype: 'application/json', data: { ...order, status: 'released' } });
    const response = await h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json')));
    expect(response.statusCode, response.body).toBe(202);
    expectCanonical(h.publisher.published);
  });
});
