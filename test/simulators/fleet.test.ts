import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_FLEET_CREDENTIALS, FleetSimulator } from '../../sandbox/simulators/fleet';
import { SECRETS, getJson, jsonInit, startReceiver, type ReceivedRequest, type Receiver } from './helpers';

const auth = { authorization: `Bearer ${DEFAULT_FLEET_CREDENTIALS.apiToken}` };

/** A Create Route request as Samsara documents it: coordinates or an address-book id per stop, assigned to a vehicle. */
const routeRequest = {
  name: 'SO-1001 / SHP-1001-01',
  externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-01' },
  vehicleId: 'erp.vehicle:TRK-17',
  stops: [
    { name: 'Central DC Rotterdam', singleUseLocation: { address: 'Distributieweg 12, 3088 GA Rotterdam', latitude: 51.8856, longitude: 4.4236 }, scheduledDepartureTime: '2026-03-12T07:30:00Z' },
    {
      name: 'C-77 Utrecht receiving dock',
      addressId: 'erp.location:C-77-DOCK-1',
      scheduledArrivalTime: '2026-03-12T13:00:00Z',
      externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' },
    },
  ],
};

/** Independent check of Samsara's scheme: key = base64-decoded secret, message = v1:ts:body. */
function expectSamsaraSignature(request: ReceivedRequest): void {
  const timestamp = request.headers['x-samsara-timestamp'];
  const expected = 'v1=' + createHmac('sha256', Buffer.from(SECRETS.samsara, 'base64')).update(`v1:${timestamp}:${request.body}`).digest('hex');
  expect(request.headers['x-samsara-signature']).toBe(expected);
}

describe('fleet simulator (Samsara-shaped)', () => {
  let receiver: Receiver;
  let fleet: FleetSimulator;
  let url = '';

  beforeAll(async () => {
    receiver = await startReceiver();
    fleet = new FleetSimulator({
      samsaraSecret: SECRETS.samsara,
      motiveSecret: SECRETS.motive,
      samsaraWebhookUrl: `${receiver.url}/webhooks/fleet/samsara`,
      motiveWebhookUrl: `${receiver.url}/webhooks/fleet/motive`,
    });
    url = await fleet.start();
  });
  afterEach(async () => {
    await fleet.settled();
    fleet.reset();
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await fleet.stop();
    await receiver.close();
  });

  async function createRoute(body: unknown = routeRequest) {
    return getJson(`${url}/fleet/routes`, jsonInit('POST', body, auth));
  }

  describe('Routes API', () => {
    test('needs the API token; refusals use Samsara error shape', async () => {
      const res = await getJson(`${url}/fleet/routes`, jsonInit('POST', routeRequest));
      expect(res).toMatchObject({ status: 401, body: { message: 'Unauthorized', requestId: expect.any(String) } });
    });

    test('creates a route whose route and stops carry our ids in externalIds, readable by id or by external id', async () => {
      const created = await createRoute();
      expect(created).toMatchObject({
        status: 200,
        body: {
          data: {
            id: expect.stringMatching(/^\d+$/),
            name: 'SO-1001 / SHP-1001-01',
            externalIds: routeRequest.externalIds,
            // The vehicle as the organisation knows it (its Samsara id), found by the ERP's external id.
            vehicle: { id: '212014918087523', name: 'Truck 17', externalIds: { 'erp.vehicle': 'TRK-17' } },
            stops: [
              { id: expect.any(String), name: 'Central DC Rotterdam', state: 'scheduled', orders: [], singleUseLocation: { latitude: 51.8856, longitude: 4.4236 } },
              { id: expect.any(String), externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' }, address: { id: '12086522', name: 'C-77 Utrecht receiving dock' } },
            ],
          },
        },
      });
      expect(fleet.callsTo('POST', '/fleet/routes')[0].contract).toEqual({ operationId: 'createRoute', errors: [] });
      const id = (created.body as { data: { id: string } }).data.id;
      expect((await getJson(`${url}/fleet/routes/${id}`, { headers: auth })).body).toEqual(created.body);
      expect((await getJson(`${url}/fleet/routes/logisticsSync.shipment:SO-1001~SHP-1001-01`, { headers: auth })).body).toEqual(created.body);
      expect((await getJson(`${url}/fleet/routes/1`, { headers: auth })).status).toBe(404);
    });

    test('holds every request to Samsara\'s contract: a route Samsara would refuse gets 400 naming what is wrong', async () => {
      const [origin, delivery] = routeRequest.stops;
      // What the old client sent: stops with an address but no coordinates.
      const noCoordinates = await createRoute({ ...routeRequest, stops: [{ ...origin, singleUseLocation: { address: 'Distributieweg 12' } }, delivery] });
      expect(noCoordinates).toMatchObject({ status: 400, body: { message: expect.stringMatching(/stops\[0\]\.singleUseLocation must have required property 'latitude'/), requestId: expect.any(String) } });
      expect((await createRoute({ ...routeRequest, stops: [origin] })).body).toMatchObject({ message: expect.stringMatching(/stops must NOT have fewer than 2 items/) });
      const both = await createRoute({ ...routeRequest, stops: [{ ...origin, addressId: 'erp.location:DC-01' }, delivery] });
      expect((both.body as { message: string }).message).toMatch(/stops\[0\] must match exactly one schema in oneOf/);
      const unscheduled = await createRoute({ ...routeRequest, stops: [{ ...origin, scheduledDepartureTime: undefined }, delivery] });
      expect((unscheduled.body as { message: string }).message).toMatch(/first-stop-scheduled-departure-time/);
      const twoAssignees = await createRoute({ ...routeRequest, driverId: 'erp.driver:D-5001' });
      expect((twoAssignees.body as { message: string }).message).toMatch(/route-assigned-to-driver-or-vehicle/);
      expect(fleet.callsTo('POST', '/fleet/routes').map((c) => c.contract?.errors.length)).toEqual([1, 1, 1, 1, 1].map(() => expect.any(Number)));
      // Semantics the contract cannot check: references must exist in the organisation.
      const unknownAddress = await createRoute({ ...routeRequest, stops: [origin, { ...delivery, addressId: 'erp.location:NOPE' }] });
      expect(unknownAddress).toMatchObject({ status: 400, body: { message: 'stops[1].addressId erp.location:NOPE does not match any object of the organization' } });
      expect((fleet.snapshot() as { routes: unknown[] }).routes).toHaveLength(0);
      // An operation Samsara does not have.
      expect((await getJson(`${url}/fleet/routes/1/stops`, { headers: auth })).status).toBe(404);
    });

    test('Create Route is limited to 100 requests a minute: the 101st gets 429 with Retry-After', async () => {
      const limited = new FleetSimulator({ samsaraSecret: SECRETS.samsara, createRouteLimitPerMinute: 2 });
      const base = await limited.start();
      try {
        const post = (n: number) =>
          getJson(`${base}/fleet/routes`, jsonInit('POST', { ...routeRequest, externalIds: { 'logisticsSync.shipment': `SO-1001~SHP-${n}` }, stops: routeRequest.stops.map((stop) => ({ ...stop, externalIds: {} })) }, auth));
        expect((await post(1)).status).toBe(200);
        expect((await post(2)).status).toBe(200);
        const third = await post(3);
        expect(third).toMatchObject({ status: 429, body: { message: 'Create Route is limited to 2 requests/min' } });
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await limited.stop();
      }
    });

    // "Rate limit: 5 requests/sec": the doc comment of GetTrailerAsync,
    // https://github.com/samsarahq/samsara-dotnet/blob/fb1d5df15e96bd6950831ff273fd0a21fb3e0f7c/src/Samsara.Net/Trailers/ITrailersClient.cs
    test('Retrieve a trailer is limited to 5 requests a second: the sixth within the second gets 429 with Retry-After', async () => {
      let now = Date.parse('2026-12-06T01:00:00Z');
      const limited = new FleetSimulator({ samsaraSecret: SECRETS.samsara, now: () => new Date(now) });
      const base = await limited.start();
      try {
        const get = () => getJson(`${base}/fleet/trailers/erp.trailer:RF-204`, { headers: auth });
        for (let n = 0; n < 5; n++) expect((await get()).status).toBe(200);
        now += 400;
        const sixth = await get();
        expect(sixth).toMatchObject({ status: 429, body: { message: 'Retrieve a trailer is limited to 5 requests/sec' } });
        expect(Number(sixth.headers.get('retry-after'))).toBeCloseTo(0.6, 3);
        now += 600;
        expect((await get()).status).toBe(200);
      } finally {
        await limited.stop();
      }
    });

    test('trailers by id or external id, their reefer temperature, and sensor readings (v1, integer ids)', async () => {
      expect((await getJson(`${url}/fleet/trailers/erp.trailer:RF-204`, { headers: auth })).body).toEqual({ data: { id: '281474977110204', name: 'Reefer RF-204', externalIds: { 'erp.trailer': 'RF-204' } } });
      expect((await getJson(`${url}/fleet/trailers/erp.trailer:NOPE`, { headers: auth })).status).toBe(404);
      const stats = await getJson(`${url}/fleet/trailers/stats?types=reeferReturnAirTemperatureMilliCZone1&trailerIds=281474977110204`, { headers: auth });
      expect(stats.body).toMatchObject({ data: [{ id: '281474977110204', reeferReturnAirTemperatureMilliCZone1: { value: 4800, time: expect.any(String) } }], pagination: { hasNextPage: false } });
      // Samsara's parameter is trailerIds; an unknown one is refused by the contract.
      expect((await getJson(`${url}/fleet/trailers/stats?types=reeferReturnAirTemperatureMilliCZone1&ids=281474977110204`, { headers: auth })).status).toBe(400);
      const sensors = await getJson(`${url}/v1/sensors/temperature`, jsonInit('POST', { sensors: [122] }, auth));
      expect(sensors.body).toEqual({ groupId: 101, sensors: [{ id: 122, name: 'Cargo sensor RF-204', ambientTemperature: 5100, ambientTemperatureTime: expect.any(String), trailerId: 281474977110204, vehicleId: 212014918087523 }] });
    });

    test('an external id value already held by any route or stop is refused with 400, as Samsara does', async () => {
      const first = await createRoute();
      expect(first.status).toBe(200);
      const again = await createRoute();
      expect(again).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^external id logisticsSync\.shipment:SO-1001~SHP-1001-01 of the route is already used by route \d+$/) } });
      // Another class of object: a new route's stop reusing the first route's value (the key is what counts).
      const [origin, delivery] = routeRequest.stops;
      const stopClash = await createRoute({ ...routeRequest, externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-02' }, stops: [{ ...origin, externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-01' } }, { ...delivery, externalIds: {} }] });
      expect((stopClash.body as { message: string }).message).toMatch(/of stops\[0\] is already used by route/);
      // Within one request: a route and its stops may not share a value either.
      const shared = { 'logisticsSync.shipmentId': 'SHP-1001-03' };
      const inRequest = await createRoute({ ...routeRequest, externalIds: shared, stops: [{ ...origin, externalIds: shared }, { ...delivery, externalIds: {} }] });
      expect((inRequest.body as { message: string }).message).toMatch(/of stops\[0\] is already used by the route of this request/);
      // Another shipment of the same order has values of its own: a new route.
      const second = await createRoute({ ...routeRequest, externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-02' }, stops: [{ ...origin, externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-02~1' } }, { ...delivery, externalIds: {} }] });
      expect(second.status).toBe(200);
      expect((fleet.snapshot() as { routes: unknown[] }).routes).toHaveLength(2);
    });
  });

  describe('webhooks 2.0, signed the Samsara way', () => {
    test('departure from the DC: envelope, headers and the whole route with the departed stop', async () => {
      fleet.createRoute(routeRequest);
      const delivery = await fleet.departStop('logisticsSync.shipment:SO-1001~SHP-1001-01', 0, { at: new Date('2026-03-12T07:32:00Z') });
      expect(delivery).toMatchObject({ ok: true, attempts: [{ status: 202 }] });
      const [request] = receiver.requests;
      expect(request.path).toBe('/webhooks/fleet/samsara');
      expectSamsaraSignature(request);
      const body = JSON.parse(request.body) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['eventId', 'eventTime', 'eventType', 'orgId', 'webhookId', 'data']);
      expect(request.headers).toMatchObject({
        'x-samsara-event-type': 'RouteStopDeparture',
        'x-samsara-org-id': '20936',
        'x-samsara-request': expect.any(String),
        'content-type': 'application/json',
      });
      expect(body).toMatchObject({
        eventType: 'RouteStopDeparture',
        eventTime: '2026-03-12T07:32:00.000Z',
        orgId: 20936,
        data: {
          vehicle: { id: '212014918087523' },
          routeStopDetails: { id: expect.any(String), state: 'departed', actualDepartureTime: '2026-03-12T07:32:00.000Z' },
          time: '2026-03-12T07:32:00.000Z',
          type: 'route tracking',
          route: {
            externalIds: routeRequest.externalIds,
            actualRouteStartTime: '2026-03-12T07:32:00.000Z',
            stops: [
              { state: 'departed', actualDepartureTime: '2026-03-12T07:32:00.000Z' },
              { state: 'en route', externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' } },
            ],
          },
        },
      });
    });

    test('arrival, ETA update and proof of delivery at the customer stop', async () => {
      const route = fleet.createRoute(routeRequest);
      await fleet.updateEta(route.id, new Date('2026-03-12T13:20:00Z'));
      await fleet.arriveAtStop(route.id);
      await fleet.submitProofOfDelivery(route.id, -1, { recipientName: 'P. de Boer' });
      expect(receiver.requests.map((r) => r.headers['x-samsara-event-type'])).toEqual(['RouteStopEtaUpdated', 'RouteStopArrival', 'DocumentSubmitted']);
      receiver.requests.forEach(expectSamsaraSignature);
      const [eta, arrival, pod] = receiver.requests.map((r) => JSON.parse(r.body) as { data: Record<string, unknown> });
      expect(eta.data).toMatchObject({ route: { stops: [{}, { eta: '2026-03-12T13:20:00.000Z' }] } });
      expect(arrival.data).toMatchObject({ routeStopDetails: { id: route.stops[1].id, state: 'arrived' }, route: { stops: [{}, { state: 'arrived', actualArrivalTime: expect.any(String) }] } });
      expect(pod.data).toMatchObject({
        document: {
          documentType: { name: 'Proof of Delivery' },
          state: 'submitted',
          driver: { id: expect.any(String) },
          vehicle: { id: '212014918087523' },
          route: { id: route.id, externalIds: routeRequest.externalIds },
          routeStop: { id: route.stops[1].id, externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' } },
          fields: expect.arrayContaining([
            { label: 'Recipient name', type: 'string', value: { stringValue: 'P. de Boer' } },
            expect.objectContaining({ type: 'signature' }),
          ]),
        },
      });
    });

    test('temperature alert as Samsara sends it: the trigger names driver, trailer and vehicle, the reefer reports the reading', async () => {
      const route = fleet.createRoute(routeRequest);
      await fleet.raiseTemperatureAlert(route.id);
      const alert = JSON.parse(receiver.requests[0].body) as { eventType: string; data: Record<string, unknown> };
      expect(alert.eventType).toBe('AlertIncident');
      expect(alert.data).toEqual({
        configurationId: expect.any(String),
        happenedAtTime: expect.any(String),
        updatedAtTime: expect.any(String),
        isResolved: false,
        incidentUrl: expect.stringMatching(/^https:\/\//),
        conditions: [
          {
            description: 'Reefer temperature out of range',
            triggerId: 1033,
            details: {
              reeferTemperature: {
                trailer: { id: '281474977110204', name: 'Reefer RF-204', externalIds: { 'erp.trailer': 'RF-204' } },
                vehicle: { id: '212014918087523', name: 'Truck 17', serial: 'G7E5GM59H7', externalIds: { 'erp.vehicle': 'TRK-17' } },
              },
            },
          },
        ],
      });
      // No route, no shipment, no reading in the alert: the reading is what the reefer reports from now on.
      expect(Date.parse(alert.data.updatedAtTime as string) - Date.parse(alert.data.happenedAtTime as string)).toBe(25 * 60_000);
      const stats = await getJson(`${url}/fleet/trailers/stats?types=reeferReturnAirTemperatureMilliCZone1&trailerIds=281474977110204`, { headers: auth });
      expect(stats.body).toMatchObject({ data: [{ reeferReturnAirTemperatureMilliCZone1: { value: 11500 } }] });
      await fleet.raiseTemperatureAlert(route.id, { trigger: 'ambient', temperatureCelsius: 10 });
      const ambient = JSON.parse(receiver.requests[1].body) as { data: { conditions: { details: unknown }[] } };
      expect(ambient.data.conditions[0].details).toEqual({ ambientTemperature: { sensor: { id: '122', name: 'Cargo sensor RF-204' } } });
    });

    test('route-stop webhooks need an assigned route: a dispatcher assigns an unassigned one first', async () => {
      const { vehicleId: _vehicle, ...unassigned } = routeRequest;
      const route = fleet.createRoute(unassigned);
      expect(route.stops.map((s) => s.state)).toEqual(['unassigned', 'unassigned']);
      expect(() => fleet.departStop(route.id)).toThrow(/not assigned to a vehicle or a driver/);
      fleet.assignRoute(route.id, { driverId: 'erp.driver:D-5001' });
      expect((await fleet.departStop(route.id)).ok).toBe(true);
    });

    test('a vendor retry resends the same eventId and body bytes, freshly signed', async () => {
      const route = fleet.createRoute(routeRequest);
      const original = await fleet.raiseTemperatureAlert(route.id);
      const retry = await fleet.redeliver(original.id);
      expect(retry).toMatchObject({ eventId: original.eventId, rawBody: original.rawBody, redeliveryOf: original.id, ok: true });
      expect(receiver.requests[1].body).toBe(receiver.requests[0].body);
      expectSamsaraSignature(receiver.requests[1]);
    });

    test('a webhook can be signed at a given (stale) time', async () => {
      const route = fleet.createRoute(routeRequest);
      const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
      await fleet.departStop(route.id, 0, { signedAt: tenMinutesAgo });
      expect(receiver.requests[0].headers['x-samsara-timestamp']).toBe(String(Math.floor(tenMinutesAgo.getTime() / 1000)));
      expectSamsaraSignature(receiver.requests[0]);
    });

    test('Motive: X-KT-Webhook-Signature is the hex HMAC-SHA1 of the body', async () => {
      const route = fleet.createRoute(routeRequest);
      await fleet.sendMotiveLocationUpdate(route.id, { lat: 52.09, lon: 5.12 });
      const [request] = receiver.requests;
      expect(request.path).toBe('/webhooks/fleet/motive');
      expect(request.headers['x-kt-webhook-signature']).toBe(createHmac('sha1', SECRETS.motive).update(request.body).digest('hex'));
      expect(JSON.parse(request.body)).toMatchObject({ action: 'vehicle_location_updated', lat: 52.09, lon: 5.12 });
    });

    test('driver actions run over HTTP, addressing the route by external id', async () => {
      fleet.createRoute(routeRequest);
      const res = await getJson(`${url}/__sim/actions/raiseTemperatureAlert`, jsonInit('POST', { route: 'logisticsSync.shipment:SO-1001~SHP-1001-01', temperatureCelsius: 12 }));
      expect(res).toMatchObject({ status: 200, body: { result: { eventType: 'AlertIncident', ok: true } } });
      expect(JSON.parse(receiver.requests[0].body)).toMatchObject({ data: { conditions: [{ details: { reeferTemperature: { trailer: { id: '281474977110204' } } } }] } });
      expect((fleet.snapshot() as { trailers: { id: string; reeferReturnAir: { value: number } }[] }).trailers.find((t) => t.id === '281474977110204')?.reeferReturnAir.value).toBe(12000);
      expect((await getJson(`${url}/__sim/actions/departStop`, jsonInit('POST', { route: 'nope' }))).status).toBe(404);
    });
  });
});
