/**
 * The target clients against the sandbox's vendor simulators (real HTTP servers on loopback): the same
 * contracts the sandbox runs, checked call by call. No SDK or fetch mocks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ZendeskClient } from '../../lambdas/cs/zendesk-client';
import { ErpClient } from '../../lambdas/erp/erp-client';
import { FleetClient } from '../../lambdas/fleet/fleet-client';
import type { NewRoute } from '../../lambdas/fleet/fleet-port';
import { shipmentDispatchedEvent, type CreateRouteAction } from '../../lambdas/fleet/outbound/fleet-outbound';
import { buildCanonicalEvent } from '../../lambdas/shared/canonical-event';
import { HeldError, RateLimitedError, RejectedByTargetError } from '../../lambdas/shared/errors';
import { FLEET_EXTERNAL_ID_KEYS, parseFleetExternalIds } from '../../lambdas/shared/fleet-external-ids';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { CsSimulator, DEFAULT_CS_CREDENTIALS } from '../../sandbox/simulators/cs';
import { DEFAULT_ERP_CREDENTIALS, ErpSimulator } from '../../sandbox/simulators/erp';
import { DEFAULT_FLEET_CREDENTIALS, FleetSimulator } from '../../sandbox/simulators/fleet';

const http = (target: string, baseUrl: string) => new HttpJsonClient({ target, baseUrl, timeoutMs: 2000 });

describe('ErpClient against the ERP simulator', () => {
  const erp = new ErpSimulator({ cloudEventsSecret: 'test-cloudevents-secret', autoPostInvoice: false, tokenTtlSeconds: 3600 });
  let client: ErpClient;

  beforeAll(async () => {
    await erp.start();
  });
  afterAll(() => erp.stop());
  beforeEach(() => {
    erp.reset();
    client = new ErpClient(http('ERP', erp.url), async () => DEFAULT_ERP_CREDENTIALS);
  });

  test('reads the order and the customer contract with one cached OAuth token (client credentials, Basic auth)', async () => {
    const order = await client.getOrder('SO-1001');
    expect(order).toMatchObject({ orderId: 'SO-1001', customerId: 'C-77' });
    expect(await client.getCustomerContract('C-77')).toMatchObject({ customerId: 'C-77' });
    const tokenCalls = erp.callsTo('POST', '/oauth/token');
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0].headers.authorization).toMatch(/^Basic /);
    expect(erp.callsTo('GET', '/orders/:id')[0].headers.authorization).toMatch(/^Bearer /);
  });

  test('fetches a new token once when the ERP revokes the old one (401)', async () => {
    await client.getOrder('SO-1001');
    await erp.runAction('expireTokens');
    await client.getOrder('SO-1001');
    expect(erp.callsTo('POST', '/oauth/token')).toHaveLength(2);
    expect(erp.callsTo('GET', '/orders/:id').map((c) => c.status)).toEqual([200, 401, 200]);
  });

  test('writes carry the Idempotency-Key: a repeated status update is a replay, not a second change', async () => {
    const update = { status: 'in-transit' as const, orderId: 'SO-1001', occurredAt: '2026-03-12T08:05:00Z', eventId: 'e'.repeat(64) };
    await client.updateShipmentStatus('SHP-1001-01', update, 'key-1');
    await client.updateShipmentStatus('SHP-1001-01', update, 'key-1');
    const calls = erp.callsTo('PUT', '/shipments/:id/status');
    expect(calls.map((c) => c.idempotencyKey)).toEqual(['key-1', 'key-1']);
    expect(calls[0].body).toEqual(update);
    expect(calls[1].replayed).toBe(true);
  });

  test('places and releases a quality hold, and marks the order billing-ready', async () => {
    const { holdId } = await client.placeQualityHold({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01', reason: 'temperature excursion', severity: 'high' }, 'hold-1');
    expect(holdId).toBeTruthy();
    await client.releaseQualityHold(holdId, 'release-1');
    await client.markBillingReady('SO-1001', { shipmentId: 'SHP-1001-01', podDocumentId: 'doc-1', deliveredAt: '2026-03-12T13:31:00Z' }, 'billing-1');
    expect(erp.callsTo('POST', '/orders/:id/billing-ready')[0]).toMatchObject({ status: 202, idempotencyKey: 'billing-1', body: { shipmentId: 'SHP-1001-01', podDocumentId: 'doc-1' } });
  });

  test('billing-ready is marked once per order and shipment, which is why the adapter keeps no record of its own: a repeated key is a replay, another key "already"', async () => {
    const body = { shipmentId: 'SHP-1001-01', podDocumentId: 'doc-1', deliveredAt: '2026-03-12T13:31:00Z' };
    await Promise.allSettled([client.markBillingReady('SO-1001', body, 'billing-1'), client.markBillingReady('SO-1001', body, 'billing-1')]);
    await client.markBillingReady('SO-1001', body, 'billing-1');
    await client.markBillingReady('SO-1001', body, 'billing-2');
    const calls = erp.callsTo('POST', '/orders/:id/billing-ready');
    // One acceptance; every other answer a replay, a 409 while the first was in progress, or 200 "already".
    expect(calls.filter((c) => c.status === 202 && !c.replayed)).toHaveLength(1);
    expect(calls.at(-1)).toMatchObject({ status: 200, idempotencyKey: 'billing-2' });
  });

  test('maintenance (503 + Retry-After) is a HeldError; a refusal is a RejectedByTargetError', async () => {
    erp.setFault({ kind: 'maintenance', path: '/orders/*/billing-ready', retryAfterSeconds: 42 });
    const held = await client.markBillingReady('SO-1001', { shipmentId: 'S', podDocumentId: 'd', deliveredAt: '2026-03-12T13:31:00Z' }, 'b').catch((e: unknown) => e);
    expect(held).toBeInstanceOf(HeldError);
    expect((held as HeldError).retryAfterSeconds).toBe(42);
    erp.clearFaults();
    await expect(client.getOrder('SO-404')).rejects.toBeInstanceOf(RejectedByTargetError);
  });
});

describe('FleetClient against the Samsara-shaped fleet simulator', () => {
  const fleet = new FleetSimulator({ samsaraSecret: Buffer.from('fleet-test-secret-32-bytes-long!').toString('base64') });
  const route: NewRoute = {
    name: 'SO-1001 C-77 Utrecht receiving dock',
    orderId: 'SO-1001',
    shipmentId: 'SHP-1001-01',
    assignment: { vehicleId: 'erp.vehicle:TRK-17' },
    stops: [
      {
        name: 'Central DC Rotterdam',
        location: { kind: 'coordinates', latitude: 51.8856, longitude: 4.4236, address: 'Distributieweg 12, 3088 GA Rotterdam, NL' },
        scheduledDepartureTime: '2026-03-12T06:00:01.214Z',
      },
      {
        name: 'C-77 Utrecht receiving dock',
        location: { kind: 'coordinates', latitude: 52.1093, longitude: 5.0708, address: 'Koelhuisweg 4, 3542 AB Utrecht, NL' },
        scheduledArrivalTime: '2026-03-12T12:00:00.000Z',
      },
    ],
  };

  beforeAll(async () => {
    await fleet.start();
  });
  afterAll(async () => {
    await fleet.stop();
  });

  test('creates a route whose route and stops each carry one unique external id with our order and shipment ids (Bearer token)', async () => {
    const client = new FleetClient(http('fleet', fleet.url), async () => DEFAULT_FLEET_CREDENTIALS);
    const created = await client.createRoute(route, 'dispatch-1');
    expect(created.routeId).toBeTruthy();
    expect(created.stopIds).toHaveLength(2);
    const call = fleet.callsTo('POST', '/fleet/routes')[0];
    expect(call.headers.authorization).toBe(`Bearer ${DEFAULT_FLEET_CREDENTIALS.apiToken}`);
    const body = call.body as { externalIds: Record<string, string>; stops: { externalIds: Record<string, string> }[] };
    expect(body.externalIds).toEqual({ [FLEET_EXTERNAL_ID_KEYS.route]: 'SO-1001~SHP-1001-01' });
    expect(body.stops.map((s) => s.externalIds)).toEqual([{ [FLEET_EXTERNAL_ID_KEYS.stop]: 'SO-1001~SHP-1001-01~1' }, { [FLEET_EXTERNAL_ID_KEYS.stop]: 'SO-1001~SHP-1001-01~2' }]);
    // What a fleet webhook carries back leads to the order and the shipment.
    for (const ids of [body.externalIds, ...body.stops.map((s) => s.externalIds)]) expect(parseFleetExternalIds(ids)).toEqual({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01' });
  });

  test('dispatching the same shipment twice yields the same route: the fleet API refuses the duplicate external id and the route is read back', async () => {
    const client = new FleetClient(http('fleet', fleet.url), async () => DEFAULT_FLEET_CREDENTIALS);
    const gets = fleet.callsTo('GET', '/fleet/routes/:id').length;
    const first = await client.createRoute({ ...route, shipmentId: 'SHP-2' }, 'a');
    const second = await client.createRoute({ ...route, shipmentId: 'SHP-2' }, 'b');
    expect(second).toEqual(first);
    expect(fleet.callsTo('GET', '/fleet/routes/:id')).toHaveLength(gets + 1);
  });

  test('two copies of one dispatch at once yield one route, which is why the adapter keeps no record of its own', async () => {
    const client = new FleetClient(http('fleet', fleet.url), async () => DEFAULT_FLEET_CREDENTIALS);
    const [a, b] = await Promise.all([client.createRoute({ ...route, shipmentId: 'SHP-4' }, 'a'), client.createRoute({ ...route, shipmentId: 'SHP-4' }, 'a')]);
    expect(b).toEqual(a);
    const created = fleet.callsTo('POST', '/fleet/routes').filter((c) => c.status === 200 && (c.body as { externalIds: Record<string, string> }).externalIds[FLEET_EXTERNAL_ID_KEYS.route] === 'SO-1001~SHP-4');
    expect(created).toHaveLength(1);
  });

  test('a route read back after its trip began carries the start (actualRouteStartTime): a redriven dispatch is dated no later than that', async () => {
    const client = new FleetClient(http('fleet', fleet.url), async () => DEFAULT_FLEET_CREDENTIALS);
    const first = await client.createRoute({ ...route, shipmentId: 'SHP-3' }, 'e');
    expect(first.startedAt).toBeUndefined();
    const departedAt = new Date(Date.now() - 3_600_000);
    // The truck leaves: the route records its start (the webhook it would send has no target here and is not the point).
    await Promise.resolve()
      .then(() => fleet.departStop(first.routeId, 0, { at: departedAt }))
      .catch(() => undefined);
    expect(fleet.findRoute(first.routeId).actualRouteStartTime).toBe(departedAt.toISOString());
    const again = await client.createRoute({ ...route, shipmentId: 'SHP-3' }, 'f');
    expect(again).toEqual({ ...first, startedAt: departedAt.toISOString() });
    const cause = buildCanonicalEvent({ eventType: 'order.released', system: 'erp', vendor: 'generic', vendorEventId: 'rel-3', occurredAt: departedAt.toISOString(), receivedAt: departedAt.toISOString(), refs: { orderId: 'SO-1001' }, correlationId: 'c-3', data: {} });
    const action: CreateRouteAction = { operation: 'create-route', guardedByTarget: true, route: { ...route, shipmentId: 'SHP-3' } };
    const now = new Date();
    expect(shipmentDispatchedEvent(cause, action, again, now).metadata.occurredAt).toBe(departedAt.toISOString());
    expect(shipmentDispatchedEvent(cause, action, first, now).metadata.occurredAt).toBe(now.toISOString());
    // Same event either way: consumers dedupe on the id, which does not depend on the time.
    expect(shipmentDispatchedEvent(cause, action, again, now).metadata.eventId).toBe(shipmentDispatchedEvent(cause, action, first, now).metadata.eventId);
  });

  test('two shipments of one order get two routes (external id values are unique per shipment)', async () => {
    const client = new FleetClient(http('fleet', fleet.url), async () => DEFAULT_FLEET_CREDENTIALS);
    const a = await client.createRoute({ ...route, orderId: 'SO-77', shipmentId: 'SHP-77-01' }, 'c');
    const b = await client.createRoute({ ...route, orderId: 'SO-77', shipmentId: 'SHP-77-02' }, 'd');
    expect(b.routeId).not.toBe(a.routeId);
  });
});

describe('ZendeskClient against the Zendesk-shaped CS simulator', () => {
  const cs = new CsSimulator({ zendeskSecret: 'zendesk-test-secret' });
  beforeAll(async () => {
    await cs.start();
  });
  afterAll(() => cs.stop());
  beforeEach(() => cs.reset());

  test('creates a ticket with Idempotency-Key and external_id once, finds it by external id and comments on it (API token auth)', async () => {
    const client = new ZendeskClient(http('Zendesk', cs.url), async () => ({ apiToken: DEFAULT_CS_CREDENTIALS.apiToken, email: DEFAULT_CS_CREDENTIALS.email }));
    const ticket = { subject: 'Temperature excursion on SHP-1001-01', body: '11.5 °C for 25 min', priority: 'high' as const, type: 'incident' as const, externalId: 'SHP-1001-01', tags: ['cold-chain'] };
    const first = await client.createTicket(ticket, 'ticket-key');
    const again = await client.createTicket(ticket, 'ticket-key');
    expect(again.ticketId).toBe(first.ticketId);
    expect(cs.callsTo('POST', '/api/v2/tickets.json').map((c) => c.replayed ?? false)).toEqual([false, true]);
    expect(cs.callsTo('POST', '/api/v2/tickets.json')[0].body).toMatchObject({ ticket: { external_id: 'SHP-1001-01', priority: 'high' } });

    expect((await client.ticketsByExternalId('SHP-1001-01')).map((t) => t.id)).toEqual([first.ticketId]);
    expect(await client.ticketsByExternalId('SHP-unknown')).toEqual([]);

    await client.updateTicket(first.ticketId, { comment: { body: 'Invoice INV-90001 posted' }, additionalTags: ['invoice-posted'] });
    const update = cs.callsTo('PUT', '/api/v2/tickets/:id.json')[0];
    expect(update.status).toBe(200);
    expect(update.body).toEqual({ ticket: { comment: { body: 'Invoice INV-90001 posted', public: false }, additional_tags: ['invoice-posted'] } });
  });

  test('uses a Bearer (OAuth) token when the secret has no email', async () => {
    const client = new ZendeskClient(http('Zendesk', cs.url), async () => ({ apiToken: DEFAULT_CS_CREDENTIALS.oauthToken }));
    await expect(client.ticketsByExternalId('x')).resolves.toEqual([]);
  });

  test('429 carries Retry-After as a RateLimitedError', async () => {
    cs.setFault({ kind: 'rateLimit', retryAfterSeconds: 9, count: 1 });
    const client = new ZendeskClient(http('Zendesk', cs.url), async () => ({ apiToken: DEFAULT_CS_CREDENTIALS.oauthToken }));
    const error = await client.ticketsByExternalId('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(9);
  });
});
