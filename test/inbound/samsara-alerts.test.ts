/**
 * Samsara temperature alerts, as Samsara sends them: the alert webhook 2.0 payload names the asset (a reefer
 * alert: driver, trailer, vehicle; an ambient-temperature alert: the sensor), never the route or a reading. The
 * shipments come from the correlation index (the assignment the indexer records at dispatch), the reading from
 * the fleet API.
 */
import { describe, expect, test } from 'vitest';
import { InMemoryAssetAssignments } from '../../lambdas/fleet/inbound/asset-assignments';
import { fleetDialects, FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { example } from '../outbound/support';
import { ambientAlert, InMemoryTelemetry, reeferAlert, TRAILER, VEHICLE } from './fixtures/samsara-alerts';
import { apiEvent, expectCanonical, harness, json, samsaraHeaders } from './support';

/** SO-1001 dispatched on truck 17 with reefer RF-204 (the index as the indexer writes it), and the fleet API's readings. */
async function world() {
  const store = new InMemoryCorrelationStore();
  await indexEvent(store, example('shipment.dispatched') as CanonicalDetail, new Date('2026-03-12T06:30:02Z'), 86_400);
  const telemetry = new InMemoryTelemetry();
  telemetry.reefers.set(TRAILER.id, { celsius: 11.5, at: '2026-03-12T10:39:30Z' });
  telemetry.sensors.set('122', { celsius: 11.2, at: '2026-03-12T10:39:40Z', trailerId: TRAILER.id, vehicleId: VEHICLE.id });
  const assignments = new InMemoryAssetAssignments(() => store.items.values());
  const h = harness('fleet', fleetDialects({ telemetry, assignments }), FLEET_CANONICAL_VALIDATORS);
  const post = async (payload: unknown) => {
    const body = JSON.stringify(payload);
    return h.handler(apiEvent('/webhooks/fleet/samsara', body, samsaraHeaders(body)));
  };
  return { store, telemetry, h, post };
}

describe('Samsara temperature alerts → shipment.exception-raised', () => {
  test('a reefer alert as Samsara sends it (no route, no reading) raises the excursion of the shipment the trailer carries, judged by its range', async () => {
    const { h, post, telemetry } = await world();
    const response = await post(reeferAlert());
    expect(response.statusCode).toBe(202);
    expect(json(response).status).toBe('accepted');
    const [event] = h.publisher.published as CanonicalDetail<Record<string, unknown>>[];
    expectCanonical([event]);
    expect(event.metadata).toMatchObject({ eventType: 'shipment.exception-raised', occurredAt: '2026-03-12T10:15:00Z', correlationId: 'SO-1001', source: { vendor: 'samsara' } });
    expect(event.refs).toEqual({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01', routeId: 'RT-4421' });
    expect(event.data).toEqual({
      kind: 'temperature-excursion',
      exceptionId: 'cloud.samsara.com/o/20936/fleet/workflows/incidents/4477',
      description: 'Reefer temperature out of range',
      readingCelsius: 11.5,
      limits: { minCelsius: 2, maxCelsius: 8 },
      durationMinutes: 25,
      resolved: false,
    });
    expect(telemetry.reads).toEqual([`reefer:${TRAILER.id}`]);
  });

  test('an ambient-temperature alert names only the sensor: its reading and its trailer come from the fleet API', async () => {
    const { h, post, telemetry } = await world();
    expect(json(await post(ambientAlert())).status).toBe('accepted');
    const [event] = h.publisher.published as CanonicalDetail<Record<string, unknown>>[];
    expect(event.refs.shipmentId).toBe('SHP-1001-01');
    expect(event.data).toMatchObject({ readingCelsius: 11.2, sensorId: '122', limits: { minCelsius: 2, maxCelsius: 8 } });
    expect(telemetry.reads).toEqual(['sensor:122']);
  });

  test('a vendor retry of a processed alert is answered from the idempotency record: nothing read, nothing published again', async () => {
    const { h, post, telemetry } = await world();
    const first = json(await post(reeferAlert()));
    const retry = json(await post(reeferAlert()));
    expect(retry).toEqual(first);
    expect(h.publisher.published).toHaveLength(1);
    expect(telemetry.reads).toHaveLength(1);
  });

  test('an incident that began before the dispatch and is still going on concerns the shipment loaded since', async () => {
    const { h, post } = await world();
    expect(json(await post(reeferAlert({ happenedAtTime: '2026-03-12T06:00:00Z' }))).status).toBe('accepted');
    expect((h.publisher.published[0] as CanonicalDetail<Record<string, unknown>>).data.durationMinutes).toBe(280);
  });

  test('a trailer carrying two shipments raises one excursion each, with distinct deterministic ids', async () => {
    const { store, h, post } = await world();
    const second = structuredClone(example('shipment.dispatched')) as CanonicalDetail;
    second.metadata.eventId = 'f'.repeat(64);
    second.metadata.correlationId = 'SO-1002';
    second.refs = { orderId: 'SO-1002', shipmentId: 'SHP-1002-01', routeId: 'RT-4422' };
    (second.data as Record<string, unknown>).vehicleId = '212014918087999';
    await indexEvent(store, second, new Date('2026-03-12T07:00:00Z'), 86_400);
    await post(reeferAlert({ vehicle: { id: '212014918087999', name: 'Truck 18' } }));
    const events = h.publisher.published as CanonicalDetail[];
    expect(events.map((e) => e.refs.shipmentId)).toEqual(['SHP-1001-01', 'SHP-1002-01']);
    expect(new Set(events.map((e) => e.metadata.eventId)).size).toBe(2);
  });

  test('an asset that carried none of our shipments at that time is ignored with the reason; so is one whose loads have no range', async () => {
    const { store, post, h } = await world();
    const before = json(await post(reeferAlert({ happenedAtTime: '2026-03-12T05:00:00Z', updatedAtTime: '2026-03-12T05:30:00Z' })));
    expect(before).toEqual({ status: 'ignored', reason: 'no logistics-sync shipment was on the alerting trailer or vehicle (trailer 281474977110204, vehicle 212014918087523) between 2026-03-12T05:00:00Z and 2026-03-12T05:30:00Z' });
    const other = json(await post(reeferAlert({ eventId: '1b2c3d4e-0000-4000-8000-000000000001', trailer: { id: '999', name: 'Other' }, vehicle: { id: '998', name: 'Other' } })));
    expect(other.status).toBe('ignored');
    // Delivered: the assignment ended, a later alert on the trailer is not this shipment's.
    const delivered = structuredClone(example('shipment.delivered')) as CanonicalDetail;
    await indexEvent(store, delivered, new Date(), 86_400);
    const after = json(await post(reeferAlert({ eventId: '1b2c3d4e-0000-4000-8000-000000000002', happenedAtTime: '2026-03-12T23:00:00Z', updatedAtTime: '2026-03-12T23:30:00Z' })));
    expect(after.status).toBe('ignored');
    expect(h.publisher.published).toHaveLength(0);
    expect(h.metrics.published.every((p) => p.metrics.WebhookIgnored === 1)).toBe(true);
  });

  test('a reading the fleet API cannot give is our failure (503, the vendor retries), never a silent "ignored"', async () => {
    const { post, telemetry, h } = await world();
    telemetry.reefers.clear();
    const response = await post(reeferAlert());
    expect(response.statusCode).toBe(503);
    expect(h.publisher.published).toHaveLength(0);
  });

  test('without the fleet API and the index (the pure dialect list) a temperature alert is not dropped: 503', async () => {
    const h = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
    const body = JSON.stringify(reeferAlert());
    expect((await h.handler(apiEvent('/webhooks/fleet/samsara', body, samsaraHeaders(body)))).statusCode).toBe(503);
  });

  test('other alerts are ignored without reading anything', async () => {
    const { post, telemetry } = await world();
    const harsh = reeferAlert();
    harsh.data.conditions = [{ description: 'Harsh braking', triggerId: 1000, details: { harshEvent: { vehicle: VEHICLE } } as never }];
    expect(json(await post(harsh))).toEqual({ status: 'ignored', reason: 'alert incident is not a temperature alert' });
    expect(telemetry.reads).toEqual([]);
  });
});
