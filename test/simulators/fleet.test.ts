import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_FLEET_CREDENTIALS, FleetSimulator } from '../../lib/sandbox/simulators/fleet';
import { SECRETS, getJson, jsonInit, startReceiver, type ReceivedRequest, type Receiver } from './helpers';

const auth = { authorization: `Bearer ${DEFAULT_FLEET_CREDENTIALS.apiToken}` };

const routeRequest = {
  name: 'SO-1001 / SHP-1001-01',
  externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-01' },
  stops: [
    { name: 'Central DC Rotterdam', singleUseLocation: { address: 'Distributieweg 12, 3088 GA Rotterdam', latitude: 51.8856, longitude: 4.4236 }, scheduledDepartureTime: '2026-03-12T07:30:00Z' },
    {
      name: 'C-77 Utrecht receiving dock',
      singleUseLocation: { address: 'Koelhuisweg 4, 3542 AB Utrecht' },
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
            stops: [
              { id: expect.any(String), name: 'Central DC Rotterdam', state: 'scheduled' },
              { id: expect.any(String), externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' } },
            ],
          },
        },
      });
      const id = (created.body as { data: { id: string } }).data.id;
      expect((await getJson(`${url}/fleet/routes/${id}`, { headers: auth })).body).toEqual(created.body);
      expect((await getJson(`${url}/fleet/routes/logisticsSync.shipment:SO-1001~SHP-1001-01`, { headers: auth })).body).toEqual(created.body);
      expect((await getJson(`${url}/fleet/routes/1`, { headers: auth })).status).toBe(404);
    });

    test('validates the request, naming the bad field', async () => {
      expect((await createRoute({ name: 'x', stops: [] })).body).toMatchObject({ message: 'stops must be a non-empty array' });
      const noAddress = await createRoute({ name: 'x', stops: [{ name: 'a', addressId: '1' }, { name: 'b' }] });
      expect(noAddress).toMatchObject({ status: 400, body: { message: 'stops[1].addressId or stops[1].singleUseLocation is required' } });
      const badTime = await createRoute({ name: 'x', stops: [{ addressId: '1', scheduledArrivalTime: '13:00' }] });
      expect((badTime.body as { message: string }).message).toMatch(/stops\[0\]\.scheduledArrivalTime must be an RFC 3339 timestamp/);
    });

    test('an external id value already held by any route or stop is refused with 400, as Samsara does', async () => {
      const first = await createRoute();
      expect(first.status).toBe(200);
      const again = await createRoute();
      expect(again).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^external id logisticsSync\.shipment:SO-1001~SHP-1001-01 of the route is already used by route \d+$/) } });
      // Another class of object: a new route's stop reusing the first route's value (the key is what counts).
      const stopClash = await createRoute({ ...routeRequest, externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-02' }, stops: [{ addressId: '1', externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-01' } }] });
      expect((stopClash.body as { message: string }).message).toMatch(/of stops\[0\] is already used by route/);
      // Within one request: a route and its stops may not share a value either.
      const shared = { 'logisticsSync.shipmentId': 'SHP-1001-03' };
      const inRequest = await createRoute({ name: 'x', externalIds: shared, stops: [{ addressId: '1', externalIds: shared }] });
      expect((inRequest.body as { message: string }).message).toMatch(/of stops\[0\] is already used by the route of this request/);
      // Another shipment of the same order has values of its own: a new route.
      const second = await createRoute({ ...routeRequest, externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-02' }, stops: [{ addressId: '1', externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-02~1' } }] });
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
          driver: { id: expect.any(String), name: expect.any(String) },
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
      expect(arrival.data).toMatchObject({ route: { stops: [{}, { state: 'arrived', actualArrivalTime: expect.any(String) }] } });
      expect(pod.data).toMatchObject({
        document: {
          documentType: { name: 'Proof of Delivery' },
          state: 'submitted',
          driver: { id: expect.any(String) },
          route: { id: route.id, externalIds: routeRequest.externalIds },
          routeStop: { id: route.stops[1].id, externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' } },
          fields: expect.arrayContaining([
            { label: 'Recipient name', type: 'string', value: { stringValue: 'P. de Boer' } },
            expect.objectContaining({ type: 'signature' }),
          ]),
        },
      });
    });

    test('temperature alert: AlertIncident with 11.5 °C for 25 minutes above 8 °C and the route ids', async () => {
      const route = fleet.createRoute(routeRequest);
      await fleet.raiseTemperatureAlert(route.id);
      const alert = JSON.parse(receiver.requests[0].body) as { eventType: string; data: Record<string, unknown> };
      expect(alert.eventType).toBe('AlertIncident');
      expect(alert.data).toMatchObject({
        configurationId: expect.any(String),
        happenedAtTime: expect.any(String),
        isResolved: false,
        incidentUrl: expect.stringMatching(/^https:\/\//),
        conditions: [
          {
            description: 'Reefer temperature above 8 °C',
            details: {
              ambientTemperature: {
                temperatureCelsius: 11.5,
                thresholdCelsius: 8,
                durationMinutes: 25,
                vehicle: { id: expect.any(String) },
                route: { id: route.id, externalIds: routeRequest.externalIds },
              },
            },
          },
        ],
      });
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
      expect(JSON.parse(receiver.requests[0].body)).toMatchObject({ data: { conditions: [{ details: { ambientTemperature: { temperatureCelsius: 12 } } }] } });
      expect((await getJson(`${url}/__sim/actions/departStop`, jsonInit('POST', { route: 'nope' }))).status).toBe(404);
    });
  });
});
