/**
 * Our Samsara clients against Samsara's contract (contracts/samsara/openapi.json), with no simulator in between:
 * every request they build must be one Samsara accepts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, type Contract } from '../../contracts/contract';
import { FleetClient } from '../../lambdas/fleet/fleet-client';
import { SamsaraTelemetryClient } from '../../lambdas/fleet/fleet-telemetry';
import { planFleetActions } from '../../lambdas/fleet/outbound/fleet-outbound';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { parseCanonicalMessage } from '../../lambdas/shared/outbound/message';
import { example } from '../outbound/support';
import { contractFetch, expectAllConform, type ContractCall } from './support';

let samsara: Contract;
beforeAll(async () => {
  samsara = await loadContract('samsara');
});

const token = async () => ({ apiToken: 'samsara-token' });
const http = (fetchFn: typeof fetch) => new HttpJsonClient({ target: 'fleet', baseUrl: 'https://api.samsara.com', timeoutMs: 1000, fetch: fetchFn });

/** Samsara's answers as the contract documents them. */
function samsaraAnswers(call: ContractCall) {
  if (call.check.operationId === 'createRoute') {
    const body = call.body as { name: string; stops: { name?: string }[]; vehicleId?: string };
    return {
      status: 200,
      body: { data: { id: '4421000001', name: body.name, vehicle: { id: '212014918087523' }, stops: body.stops.map((s, i) => ({ id: `44210000${i + 2}`, name: s.name ?? 'stop', state: 'scheduled', orders: [] })) } },
    };
  }
  if (call.check.operationId === 'getTrailer') return { status: 200, body: { data: { id: '281474977110204', name: 'Reefer RF-204', externalIds: { 'erp.trailer': 'RF-204' } } } };
  if (call.check.operationId === 'v1GetSensorsTemperature') {
    return { status: 200, body: { groupId: 101, sensors: [{ id: 122, name: 'Cargo sensor', ambientTemperature: 11200, ambientTemperatureTime: '2026-03-12T10:39:40Z', trailerId: 281474977110204 }] } };
  }
  if (call.check.operationId === 'getTrailerStatsSnapshot') {
    return { status: 200, body: { data: [{ id: '281474977110204', name: 'Reefer RF-204', reeferReturnAirTemperatureMilliCZone1: { time: '2026-03-12T10:39:30Z', value: 11500 } }], pagination: { endCursor: '', hasNextPage: false } } };
  }
  return { status: 404, body: { message: 'not found', requestId: 'r' } };
}

const released = () => parseCanonicalMessage(JSON.stringify({ detail: example('order.released'), source: 'logistics-sync.erp', 'detail-type': 'order.released' }));

describe('FleetClient requests are accepted by Samsara\'s contract', () => {
  test('the route the reference order produces: coordinates on every stop, the first scheduled to depart, assigned to the vehicle', async () => {
    const recorder = contractFetch(samsara, samsaraAnswers);
    const client = new FleetClient(http(recorder.fetch), token);
    const [action] = planFleetActions(released());
    const created = await client.createRoute(action.route, 'key-1');
    expect(created).toEqual({ routeId: '4421000001', stopIds: ['442100002', '442100003'], vehicleId: '212014918087523' });
    expectAllConform(recorder.calls);
    expect(recorder.calls[0].body).toMatchObject({
      vehicleId: 'erp.vehicle:TRK-17',
      stops: [
        { singleUseLocation: { latitude: 51.8856, longitude: 4.4236 }, scheduledDepartureTime: expect.any(String) },
        { singleUseLocation: { latitude: 52.1093, longitude: 5.0708 }, scheduledArrivalTime: expect.any(String) },
      ],
    });
    expect(recorder.calls[0].body).not.toHaveProperty('driverId');
  });

  test('stops placed by the address book use addressId and no single-use location', async () => {
    const recorder = contractFetch(samsara, samsaraAnswers);
    const detail = example('order.released');
    const data = detail.data as { shipFrom: { coordinates?: unknown }; shipTo: { coordinates?: unknown } };
    delete data.shipFrom.coordinates;
    delete data.shipTo.coordinates;
    const [action] = planFleetActions(parseCanonicalMessage(JSON.stringify({ detail, source: 'logistics-sync.erp', 'detail-type': 'order.released' })), { addressBookKey: 'erp.location' });
    await new FleetClient(http(recorder.fetch), token).createRoute(action.route, 'key-2');
    expectAllConform(recorder.calls);
    expect((recorder.calls[0].body as { stops: unknown[] }).stops).toEqual([
      expect.objectContaining({ addressId: 'erp.location:DC-01' }),
      expect.objectContaining({ addressId: 'erp.location:C-77-DOCK-1' }),
    ]);
  });

  test('the route the old client sent (an address without coordinates, no departure time) is one Samsara refuses', () => {
    const old = {
      name: 'SO-1001 C-77 Utrecht receiving dock',
      externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-01' },
      stops: [
        { name: 'Central DC Rotterdam', singleUseLocation: { address: 'Distributieweg 12, 3088 GA Rotterdam, NL' } },
        { name: 'C-77 Utrecht receiving dock', singleUseLocation: { address: 'Koelhuisweg 4, 3542 AB Utrecht, NL' }, scheduledArrivalTime: '2026-03-12T12:00:00Z' },
      ],
    };
    const { errors } = samsara.checkRequest({ method: 'POST', path: '/fleet/routes', headers: { 'content-type': 'application/json' }, body: old });
    expect(errors).toEqual(
      expect.arrayContaining([
        "requestBody.stops[0].singleUseLocation must have required property 'latitude'",
        "requestBody.stops[1].singleUseLocation must have required property 'longitude'",
        expect.stringMatching(/^first-stop-scheduled-departure-time/),
      ]),
    );
  });

  test('the trailer of the order is read back by its external id', async () => {
    const recorder = contractFetch(samsara, samsaraAnswers);
    expect(await new FleetClient(http(recorder.fetch), token).trailerId('erp.trailer:RF-204')).toBe('281474977110204');
    expectAllConform(recorder.calls);
    expect(recorder.calls[0].path).toBe('/fleet/trailers/erp.trailer%3ARF-204');
  });
});

describe('SamsaraTelemetryClient requests are accepted by Samsara\'s contract', () => {
  test('a sensor reading (v1, integer ids) and a reefer reading (trailer stats, trailerIds)', async () => {
    const recorder = contractFetch(samsara, samsaraAnswers);
    const telemetry = new SamsaraTelemetryClient(http(recorder.fetch), token);
    expect(await telemetry.sensorTemperature('122')).toEqual({ celsius: 11.2, at: '2026-03-12T10:39:40Z', trailerId: '281474977110204' });
    expect(await telemetry.reeferTemperature('281474977110204')).toEqual({ celsius: 11.5, at: '2026-03-12T10:39:30Z' });
    expectAllConform(recorder.calls);
    expect(recorder.calls.map((c) => c.check.operationId)).toEqual(['v1GetSensorsTemperature', 'getTrailerStatsSnapshot']);
  });

  test('a request with a parameter Samsara does not have fails the contract', () => {
    const { errors } = samsara.checkRequest({ method: 'GET', path: '/fleet/trailers/stats', query: { types: 'reeferReturnAirTemperatureMilliCZone1', ids: '1' } });
    expect(errors).toEqual([expect.stringMatching(/must not have property 'ids'/)]);
  });
});
