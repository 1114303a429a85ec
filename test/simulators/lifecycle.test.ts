import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CsSimulator, DEFAULT_CS_CREDENTIALS } from '../../sandbox/simulators/cs';
import { startSimulators, validateSecrets } from '../../sandbox/simulators/index';
import { SECRETS, getJson, jsonInit, startReceiver } from './helpers';

const basic = { authorization: 'Basic ' + Buffer.from(`${DEFAULT_CS_CREDENTIALS.email}/token:${DEFAULT_CS_CREDENTIALS.apiToken}`).toString('base64') };

describe('call records and the /__sim control plane', () => {
  const cs = new CsSimulator({ zendeskSecret: SECRETS.zendesk, maxBodyBytes: 10_000 });
  let url = '';
  beforeAll(async () => {
    url = await cs.start();
  });
  afterAll(() => cs.stop());

  test('every request is recorded with time, method, path, query, lower-cased headers, parsed body, idempotency key and status', async () => {
    cs.reset();
    await getJson(`${url}/api/v2/tickets.json`, jsonInit('POST', { ticket: { comment: { body: 'hello' } } }, { ...basic, 'Idempotency-Key': 'k-1', 'X-Correlation-Id': 'SO-1001' }));
    await getJson(`${url}/api/v2/tickets.json?external_id=SHP-1&external_id=SHP-2`, { headers: basic });
    await fetch(`${url}/api/v2/tickets/1.json`, { method: 'PUT', headers: { ...basic, 'content-type': 'text/plain' }, body: 'not json' });
    const [create, list, update] = cs.calls;
    expect(create).toMatchObject({
      seq: 1,
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      method: 'POST',
      path: '/api/v2/tickets.json',
      query: {},
      headers: expect.objectContaining({ 'idempotency-key': 'k-1', 'x-correlation-id': 'SO-1001', 'content-type': 'application/json' }),
      body: { ticket: { comment: { body: 'hello' } } },
      idempotencyKey: 'k-1',
      status: 201,
      durationMs: expect.any(Number),
    });
    // Both are outside Zendesk's contract (external_id is one string; the body is not JSON): recorded, and refused.
    expect(list).toMatchObject({ query: { external_id: ['SHP-1', 'SHP-2'] }, idempotencyKey: null, body: null, status: 400 });
    expect(update).toMatchObject({ body: 'not json', status: 400 });
    expect(cs.callsTo('put', '/api/v2/tickets/:id.json')).toEqual([update]);
    expect(cs.callsTo('*', /tickets/)).toHaveLength(3);
  });

  test('unknown paths are 404, wrong methods 405 with Allow, oversized bodies 413 — all recorded', async () => {
    cs.reset();
    expect((await getJson(`${url}/api/v2/users.json`, { headers: basic })).status).toBe(404);
    const wrong = await fetch(`${url}/api/v2/tickets.json`, { method: 'DELETE', headers: basic });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST, GET']);
    expect((await fetch(`${url}/api/v2/tickets.json`, { method: 'POST', headers: basic, body: 'x'.repeat(20_000) })).status).toBe(413);
    expect(cs.calls.map((c) => c.status)).toEqual([404, 405, 413]);
  });

  test('GET /__sim/calls filters by method and path; reset with scope records keeps the data, a full reset does not', async () => {
    cs.reset();
    await getJson(`${url}/api/v2/tickets.json`, jsonInit('POST', { ticket: { comment: { body: 'a' } } }, basic));
    await getJson(`${url}/api/v2/tickets/1.json`, { headers: basic });
    const filtered = await getJson(`${url}/__sim/calls?method=POST&path=${encodeURIComponent('/api/v2/**')}`);
    expect(filtered.body).toMatchObject({ system: 'cs', calls: [{ method: 'POST', path: '/api/v2/tickets.json', status: 201 }] });
    expect((filtered.body as { calls: unknown[] }).calls).toHaveLength(1);

    expect((await getJson(`${url}/__sim/reset?scope=records`, { method: 'POST' })).body).toEqual({ reset: 'records' });
    expect(((await getJson(`${url}/__sim/calls`)).body as { calls: unknown[] }).calls).toEqual([]);
    expect(((await getJson(`${url}/__sim/state`)).body as { tickets: unknown[] }).tickets).toHaveLength(1);
    await getJson(`${url}/__sim/reset`, { method: 'POST' });
    expect(((await getJson(`${url}/__sim/state`)).body as { tickets: unknown[] }).tickets).toEqual([]);
    expect((await getJson(`${url}/__sim/reset?scope=everything`, { method: 'POST' })).status).toBe(400);
  });

  test('GET /__sim/actions lists what can be triggered; unknown actions and control paths are 404', async () => {
    expect((await getJson(`${url}/__sim/actions`)).body).toEqual({ actions: ['sendCanonical', 'solveTicket', 'setTicketStatus', 'setTicketPriority', 'addAgentComment', 'changeTicketTags', 'closeSolvedTickets'] });
    expect((await getJson(`${url}/__sim/actions/explode`, { method: 'POST' })).status).toBe(404);
    expect((await getJson(`${url}/__sim/nothing`)).status).toBe(404);
  });
});

describe('startSimulators', () => {
  test('refuses missing or malformed secrets, naming them', async () => {
    expect(validateSecrets({ ...SECRETS, samsara: 'not base64!', zendesk: '' })).toEqual([
      'secrets.zendesk must be a non-empty string',
      'secrets.samsara must be base64 (Samsara secrets are base64-encoded)',
    ]);
    await expect(startSimulators({ secrets: { ...SECRETS, canonical: '' } })).rejects.toThrow(/secrets\.canonical/);
  });

  test('starts ERP, fleet and CS on their own loopback ports; webhook URLs set after start reach the default paths', async () => {
    const receiver = await startReceiver();
    const sims = await startSimulators({ secrets: SECRETS });
    try {
      const ports = Object.values(sims.urls).map((u) => new URL(u));
      expect(ports.every((u) => u.hostname === '127.0.0.1')).toBe(true);
      expect(new Set(ports.map((u) => u.port)).size).toBe(3);

      const targets = sims.setWebhookUrls(receiver.url);
      expect(targets.fleet.samsara).toBe(`${receiver.url}/webhooks/fleet/samsara`);
      await sims.erp.releaseOrder('SO-1001');
      const route = sims.fleet.createRoute({
        name: 'r',
        externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1' },
        vehicleId: 'erp.vehicle:TRK-17',
        stops: [{ addressId: 'erp.location:DC-01' }, { addressId: 'erp.location:C-77-DOCK-1' }],
      });
      await sims.fleet.departStop(route.id);
      await sims.fleet.sendMotive('vehicle_location_updated', { id: 1 });
      const ticket = await getJson(`${sims.urls.cs}/api/v2/tickets.json`, jsonInit('POST', { ticket: { comment: { body: 'x' } } }, basic));
      await sims.cs.solveTicket((ticket.body as { ticket: { id: number } }).ticket.id);
      await sims.fleet.sendCanonical({ metadata: { eventId: 'evt-c1', eventType: 'shipment.departed' }, refs: { shipmentId: 'SHP-1' }, data: {} });
      expect(receiver.requests.map((r) => r.path)).toEqual([
        '/webhooks/erp/cloudevents',
        '/webhooks/fleet/samsara',
        '/webhooks/fleet/motive',
        '/webhooks/cs/zendesk',
        '/webhooks/fleet/canonical',
      ]);
      const canonical = receiver.requests[4];
      expect(canonical.headers['x-lsync-signature']).toBe('v1=' + createHmac('sha256', SECRETS.canonical).update(`${canonical.headers['x-lsync-timestamp']}.${canonical.body}`).digest('hex'));
      expect(sims.fleet.webhooksSent.map((w) => w.eventId)).toContain('evt-c1');
    } finally {
      await sims.stop();
      await receiver.close();
    }
  });
});
