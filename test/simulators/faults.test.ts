import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_FLEET_CREDENTIALS, FleetSimulator } from '../../sandbox/simulators/fleet';
import { SECRETS, getJson, jsonInit } from './helpers';

const auth = { authorization: `Bearer ${DEFAULT_FLEET_CREDENTIALS.apiToken}` };
const routeBody = (shipmentId: string) => ({
  name: `Route ${shipmentId}`,
  externalIds: { 'logisticsSync.shipment': `SO-1~${shipmentId}` },
  vehicleId: 'erp.vehicle:TRK-17',
  stops: [
    { name: 'DC', singleUseLocation: { address: 'Distributieweg 12, Rotterdam', latitude: 51.8856, longitude: 4.4236 }, scheduledDepartureTime: '2026-03-12T07:30:00Z' },
    { name: 'Customer', addressId: 'erp.location:C-77-DOCK-1', scheduledArrivalTime: '2026-03-12T13:00:00Z' },
  ],
});

describe('switchable faults, observed over real HTTP', () => {
  const fleet = new FleetSimulator({ samsaraSecret: SECRETS.samsara });
  let url = '';
  const missing = () => `${url}/fleet/routes/404404`;

  beforeAll(async () => {
    url = await fleet.start();
  });
  afterEach(() => fleet.reset());
  afterAll(() => fleet.stop());

  test('rateLimit answers 429 with Retry-After for the next K requests, then recovers', async () => {
    fleet.setFault({ kind: 'rateLimit', count: 2, retryAfterSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const res = await getJson(missing(), { headers: auth });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.body).toMatchObject({ message: expect.stringMatching(/too many requests/i) });
    }
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
    expect(fleet.calls.map((c) => [c.status, c.faults])).toEqual([
      [429, ['rateLimit']],
      [429, ['rateLimit']],
      [404, undefined],
    ]);
  });

  test('rateLimit for a duration ends by itself', async () => {
    fleet.setFault({ kind: 'rateLimit', durationMs: 200 });
    expect((await getJson(missing(), { headers: auth })).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
  });

  test('maintenance answers 503 with the seconds left in the window, then the API is back', async () => {
    fleet.setFault({ kind: 'maintenance', durationMs: 400 });
    const during = await getJson(`${url}/fleet/routes`, jsonInit('POST', routeBody('SHP-M'), auth));
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(fleet.snapshot()).toMatchObject({ routes: [] });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const after = await getJson(`${url}/fleet/routes`, jsonInit('POST', routeBody('SHP-M'), auth));
    expect(after.status).toBe(200);
  });

  test('maintenance without a window lasts until cleared and announces Retry-After 60', async () => {
    const fault = fleet.setFault({ kind: 'maintenance' });
    const res = await getJson(missing(), { headers: auth });
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '60']);
    expect(fleet.clearFaults(fault.id)).toBe(1);
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
  });

  test('slow delays the answer by the given time', async () => {
    // A delay far above any request's own time on a busy machine, so "not delayed again" is unambiguous.
    fleet.setFault({ kind: 'slow', delayMs: 2000, count: 1 });
    const started = performance.now();
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1990);
    const second = performance.now();
    await getJson(missing(), { headers: auth });
    expect(performance.now() - second, 'the fault was used up (count: 1)').toBeLessThan(1990);
  });

  test('drop destroys the connection: the client gets a socket error and no route is created', async () => {
    fleet.setFault({ kind: 'drop', count: 1 });
    await expect(fetch(`${url}/fleet/routes`, jsonInit('POST', routeBody('SHP-D'), auth))).rejects.toThrow(/fetch failed/);
    expect(fleet.snapshot()).toMatchObject({ routes: [] });
    expect(fleet.calls[0]).toMatchObject({ method: 'POST', path: '/fleet/routes', status: null, faults: ['drop'] });
  });

  test('drop after handling loses the answer but not the side effect; the retry is refused as a duplicate and the route is there', async () => {
    fleet.setFault({ kind: 'drop', count: 1, afterHandling: true });
    await expect(fetch(`${url}/fleet/routes`, jsonInit('POST', routeBody('SHP-L'), auth))).rejects.toThrow();
    const retry = await getJson(`${url}/fleet/routes`, jsonInit('POST', routeBody('SHP-L'), auth));
    expect(retry).toMatchObject({ status: 400, body: { message: expect.stringMatching(/already used by route/) } });
    expect((fleet.snapshot() as { routes: unknown[] }).routes).toHaveLength(1);
    const found = await getJson(`${url}/fleet/routes/${encodeURIComponent('logisticsSync.shipment:SO-1~SHP-L')}`, { headers: auth });
    expect(found).toMatchObject({ status: 200, body: { data: { externalIds: { 'logisticsSync.shipment': 'SO-1~SHP-L' } } } });
  });

  test('error answers 500 (or the given status) for the next K requests', async () => {
    fleet.setFault({ kind: 'error', count: 1 });
    fleet.setFault({ kind: 'error', count: 1, status: 502 });
    expect((await getJson(missing(), { headers: auth })).status).toBe(500);
    expect((await getJson(missing(), { headers: auth })).status).toBe(502);
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
  });

  test('a fault can be narrowed to a method and a path pattern', async () => {
    fleet.setFault({ kind: 'error', method: 'POST', path: '/fleet/routes' });
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
    expect((await getJson(`${url}/fleet/routes`, jsonInit('POST', routeBody('SHP-P'), auth))).status).toBe(500);
  });

  test('faults are set, listed and cleared over HTTP; an invalid one is refused with the reason', async () => {
    const set = await getJson(`${url}/__sim/faults`, jsonInit('POST', [{ kind: 'rateLimit', count: 5 }, { kind: 'slow', delayMs: 10 }]));
    expect(set.status).toBe(201);
    expect((await getJson(`${url}/__sim/faults`)).body).toMatchObject({ faults: [{ kind: 'rateLimit', remaining: 5 }, { kind: 'slow' }] });
    expect((await getJson(missing(), { headers: auth })).status).toBe(429);
    expect((await getJson(`${url}/__sim/faults`, jsonInit('POST', { clear: true }))).body).toEqual({ cleared: 2 });
    expect((await getJson(missing(), { headers: auth })).status).toBe(404);
    const bad = await getJson(`${url}/__sim/faults`, jsonInit('POST', { kind: 'slow' }));
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringMatching(/delayMs is required/) } });
    const one = (await getJson(`${url}/__sim/faults`, jsonInit('POST', { kind: 'drop' }))).body as { faults: { id: string }[] };
    expect((await getJson(`${url}/__sim/faults/${one.faults[0].id}`, { method: 'DELETE' })).body).toEqual({ cleared: 1 });
  });

  test('the control plane is never faulted or recorded', async () => {
    fleet.setFault({ kind: 'maintenance' });
    expect((await getJson(`${url}/__sim/calls`)).status).toBe(200);
    expect(fleet.calls).toHaveLength(0);
  });
});
