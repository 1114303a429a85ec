import { describe, expect, test } from 'vitest';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import type { DecodedEvent, DeferredMapResult, MapResult } from '../../lambdas/shared/webhook/dialect';
import { mapSamsara, samsaraDialect, type SamsaraWebhook } from '../../lambdas/fleet/inbound/samsara';
import { motiveDialect } from '../../lambdas/fleet/inbound/motive';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { motiveFormEntry, samsaraArrival, samsaraDeparture, samsaraEnvelope, samsaraEta, samsaraPod, samsaraRoute } from './fixtures/payloads';
import { apiEvent, expectCanonical, harness, json, motiveHeaders, NOW } from './support';

const RECEIVED = NOW.toISOString();

function decodeSamsara(payload: unknown): DecodedEvent<SamsaraWebhook> {
  return samsaraDialect.decode({ route: 'samsara', headers: new Map(), body: Buffer.from(JSON.stringify(payload)) }, JSON.parse(JSON.stringify(payload)));
}

function events(result: MapResult | DeferredMapResult): CanonicalDetail<Record<string, unknown>>[] {
  if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
  expectCanonical(result.events);
  return result.events as CanonicalDetail<Record<string, unknown>>[];
}

const refs = { orderId: 'SO-1001', shipmentId: 'SHP-1001-01', routeId: 'RT-4421' };

describe('Samsara → canonical', () => {
  test('RouteStopDeparture from the DC → shipment.departed (origin), refs from externalIds', () => {
    const [event] = events(mapSamsara(decodeSamsara(samsaraDeparture()), RECEIVED));
    expect(event.metadata).toMatchObject({
      eventType: 'shipment.departed',
      occurredAt: '2026-03-12T08:05:00Z',
      receivedAt: RECEIVED,
      source: { system: 'fleet', vendor: 'samsara', eventId: '017db07f-6a4c-4a5e-9a3d-7f1c2e0b5a02' },
      correlationId: 'SO-1001',
    });
    expect(event.refs).toEqual({ ...refs, stopId: 'STP-4421-1' });
    expect(event.data).toEqual({
      stopKind: 'origin',
      location: { locationId: 'DC-01', name: 'Central DC Rotterdam', coordinates: { latitude: 51.8856, longitude: 4.4236 } },
      vehicleId: '212014918087523',
      scheduledDepartureAt: '2026-03-12T08:00:00Z',
    });
  });

  test('a departure from the delivery stop is not a milestone: ignored', () => {
    const payload = samsaraDeparture();
    const stops = (payload.data.route as ReturnType<typeof samsaraRoute>).stops as Record<string, unknown>[];
    stops[1].actualDepartureTime = '2026-03-12T13:45:00Z';
    expect(mapSamsara(decodeSamsara(payload), RECEIVED)).toEqual({ kind: 'ignored', reason: 'departure from the delivery stop is not a shipment milestone' });
  });

  test('RouteStopArrival at the customer → shipment.arrived (delivery) with lateness against the schedule', () => {
    const [event] = events(mapSamsara(decodeSamsara(samsaraArrival()), RECEIVED));
    expect(event.metadata.eventType).toBe('shipment.arrived');
    expect(event.metadata.occurredAt).toBe('2026-03-12T13:12:00Z');
    expect(event.refs).toEqual({ ...refs, stopId: 'STP-4421-2' });
    expect(event.data).toEqual({ stopKind: 'delivery', location: { locationId: '494123', name: 'C-77 Utrecht receiving dock' }, scheduledArrivalAt: '2026-03-12T13:00:00Z', lateByMinutes: 12 });
  });

  test('the stop Samsara names in routeStopDetails wins over the latest arrival', () => {
    const payload = samsaraArrival();
    const route = payload.data.route as ReturnType<typeof samsaraRoute>;
    route.stops[0].actualArrivalTime = '2026-03-12T07:25:00Z';
    (payload.data as Record<string, unknown>).routeStopDetails = { id: route.stops[0].id, state: 'arrived', actualArrivalTime: '2026-03-12T07:25:00Z' };
    const [event] = events(mapSamsara(decodeSamsara(payload), RECEIVED));
    expect(event.refs.stopId).toBe('STP-4421-1');
    expect(event.data.stopKind).toBe('origin');
  });

  test('RouteStopEtaUpdated → shipment.eta-updated with the delivery stop ETA', () => {
    const [event] = events(mapSamsara(decodeSamsara(samsaraEta()), RECEIVED));
    expect(event.metadata.eventType).toBe('shipment.eta-updated');
    expect(event.data).toEqual({ etaAt: '2026-03-12T13:20:00Z', stopKind: 'delivery' });
  });

  test('a signed proof of delivery → pod.captured and shipment.delivered, with distinct deterministic ids', () => {
    const [pod, delivered] = events(mapSamsara(decodeSamsara(samsaraPod()), RECEIVED));
    expect(pod.metadata.eventType).toBe('pod.captured');
    expect(pod.refs).toEqual({ ...refs, stopId: 'STP-4421-2' });
    expect(pod.data).toEqual({
      // Samsara's `_` is not allowed in canonical identifiers.
      documentId: '45646_1741786260000',
      documentType: 'proof-of-delivery',
      signatureCaptured: true,
      photoCount: 2,
      exceptionsNoted: false,
      temperatureAtDeliveryCelsius: 6.8,
    });
    expect(delivered.metadata.eventType).toBe('shipment.delivered');
    expect(delivered.data).toEqual({ complete: true, temperatureAtDeliveryCelsius: 6.8 });
    expect(delivered.metadata.eventId).not.toBe(pod.metadata.eventId);
    const again = events(mapSamsara(decodeSamsara(samsaraPod()), '2026-03-13T00:00:00.000Z'));
    expect(again.map((e) => e.metadata.eventId)).toEqual([pod.metadata.eventId, delivered.metadata.eventId]);
  });

  test('a bill of lading is a pod.captured without a delivery; other documents are ignored', () => {
    const bol = samsaraPod();
    bol.data.document.documentType.name = 'Bill of Lading';
    const result = events(mapSamsara(decodeSamsara(bol), RECEIVED));
    expect(result.map((e) => [e.metadata.eventType, e.data.documentType])).toEqual([['pod.captured', 'bill-of-lading']]);
    const fuel = samsaraPod();
    fuel.data.document.documentType.name = 'Fuel Receipt';
    expect(mapSamsara(decodeSamsara(fuel), RECEIVED)).toMatchObject({ kind: 'ignored' });
  });

  test('alerts that are not about temperature, and routes without our ids, are ignored', () => {
    const harsh = samsaraEnvelope('AlertIncident', { happenedAtTime: '2026-03-12T10:00:00Z', conditions: [{ description: 'Harsh braking', details: { harshEvent: { vehicle: { id: '1' } } } }] });
    expect(mapSamsara(decodeSamsara(harsh), RECEIVED)).toEqual({ kind: 'ignored', reason: 'alert incident is not a temperature alert' });
    const foreign = samsaraDeparture();
    const route = foreign.data.route as ReturnType<typeof samsaraRoute>;
    route.externalIds = {} as never;
    for (const stop of route.stops as { externalIds?: unknown }[]) stop.externalIds = { siteId: '54' };
    expect(mapSamsara(decodeSamsara(foreign), RECEIVED)).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/no logistics-sync shipment id/) });
  });
});

describe('Motive → canonical', () => {
  const h = () => harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
  const post = (target: ReturnType<typeof h>, payload: unknown) => {
    const body = JSON.stringify(payload);
    return target.handler(apiEvent('/webhooks/fleet/motive', body, motiveHeaders(body)));
  };

  test('a submitted form at a drop-off stop of our dispatch → pod.captured', async () => {
    const target = h();
    const response = await post(target, motiveFormEntry());
    expect(response.statusCode).toBe(202);
    const [event] = target.publisher.published as CanonicalDetail<Record<string, unknown>>[];
    expectCanonical([event]);
    expect(event.metadata).toMatchObject({ eventType: 'pod.captured', occurredAt: '2026-03-12T13:30:38Z', source: { vendor: 'motive', eventId: expect.stringMatching(/^form_entry_upserted:[0-9a-f]{32}$/) } });
    expect(event.refs).toEqual({ shipmentId: 'SHP-1001-01', routeId: '40647', stopId: 'STP-4421-2' });
    expect(event.data).toEqual({ documentId: 'motive-form-entry-77286', documentType: 'delivery-note', signatureCaptured: false });
  });

  test('Motive has no event id: the same body dedupes, an update to the entry is a new event', async () => {
    const target = h();
    const first = json(await post(target, motiveFormEntry()));
    const retry = json(await post(target, motiveFormEntry()));
    expect(retry).toEqual(first);
    const updated = json(await post(target, motiveFormEntry({ trigger: 'updated', entered_at: '2026-03-12T13:35:00Z' })));
    expect(updated.eventIds).not.toEqual(first.eventIds);
    expect(target.publisher.published).toHaveLength(2);
  });

  test.each([
    ['a pickup stop', { stop_category: 'pickup' }],
    ['an unsubmitted entry', { submitted: false }],
    ['a dispatch without our vendor id', { vendor_dispatch_id: null }],
  ])('%s is ignored', async (_name, overrides) => {
    const target = h();
    const response = await post(target, motiveFormEntry(overrides));
    expect(json(response).status).toBe('ignored');
    expect(target.publisher.published).toHaveLength(0);
  });

  test('telemetry actions are valid and ignored', async () => {
    const target = h();
    const response = await post(target, { action: 'vehicle_location_updated', trigger: 'updated', id: 110750, lat: 52.1, lon: 5.07, located_at: '2026-03-12T10:00:00Z' });
    expect(json(response)).toEqual({ status: 'ignored', reason: 'Motive action vehicle_location_updated is not mapped' });
    expect(target.metrics.last?.dimensions.eventType).toBe('vehicle_location_updated');
  });

  test('the dialect declares the HMAC-SHA1 header as its only signature', () => {
    expect(motiveDialect.secretKey).toBe('motiveWebhookSecret');
  });
});
