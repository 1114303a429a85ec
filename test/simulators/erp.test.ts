import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { DEFAULT_ERP_CREDENTIALS, ErpSimulator } from '../../sandbox/simulators/erp';
import { SECRETS, eventually, getJson, jsonInit, startReceiver, type Receiver } from './helpers';

/** Independent check of the canonical scheme on a received request. */
function expectCanonicalSignature(headers: Record<string, string>, body: string, secret: string): void {
  const timestamp = headers['x-lsync-timestamp'];
  expect(timestamp).toMatch(/^\d{10}$/);
  expect(headers['x-lsync-signature']).toBe('v1=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
}

describe('ERP simulator', () => {
  let clockOffsetMs = 0;
  let receiver: Receiver;
  let erp: ErpSimulator;
  let url = '';
  let bearer: Record<string, string> = {};

  async function token(): Promise<string> {
    const res = await getJson(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEFAULT_ERP_CREDENTIALS.clientId, client_secret: DEFAULT_ERP_CREDENTIALS.clientSecret }).toString(),
    });
    expect(res.status).toBe(200);
    return (res.body as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    erp = new ErpSimulator({
      cloudEventsSecret: SECRETS.cloudevents,
      webhookUrl: `${receiver.url}/webhooks/erp/cloudevents`,
      invoiceDelayMs: 20,
      tokenTtlSeconds: 600,
      now: () => new Date(Date.now() + clockOffsetMs),
    });
    url = await erp.start();
  });
  beforeEach(async () => {
    bearer = { authorization: `Bearer ${await token()}` };
  });
  afterEach(async () => {
    await erp.settled();
    erp.reset();
    receiver.requests.length = 0;
    clockOffsetMs = 0;
  });
  afterAll(async () => {
    await erp.stop();
    await receiver.close();
  });

  describe('OAuth2 client credentials', () => {
    test('issues a Bearer token for form-encoded credentials and for HTTP Basic', async () => {
      const form = await getJson(`${url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${DEFAULT_ERP_CREDENTIALS.clientId}&client_secret=${DEFAULT_ERP_CREDENTIALS.clientSecret}`,
      });
      expect(form).toMatchObject({ status: 200, body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 } });
      expect(form.headers.get('cache-control')).toBe('no-store');
      const basic = await getJson(`${url}/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: 'Basic ' + Buffer.from(`${DEFAULT_ERP_CREDENTIALS.clientId}:${DEFAULT_ERP_CREDENTIALS.clientSecret}`).toString('base64'),
        },
        body: 'grant_type=client_credentials',
      });
      expect(basic.status).toBe(200);
    });

    test('refuses wrong credentials, other grant types and JSON bodies with RFC 6749 errors', async () => {
      const form = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(await getJson(`${url}/oauth/token`, form('grant_type=client_credentials&client_id=lsync-sandbox&client_secret=wrong'))).toMatchObject({
        status: 401,
        body: { error: 'invalid_client' },
      });
      expect((await getJson(`${url}/oauth/token`, form('grant_type=password'))).body).toMatchObject({ error: 'unsupported_grant_type' });
      expect((await getJson(`${url}/oauth/token`, jsonInit('POST', { grant_type: 'client_credentials' }))).body).toMatchObject({ error: 'invalid_request' });
    });

    test('every other endpoint needs a valid, unexpired Bearer token', async () => {
      const none = await getJson(`${url}/orders/SO-1001`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await getJson(`${url}/orders/SO-1001`, { headers: { authorization: 'Bearer forged' } })).status).toBe(401);
      expect((await getJson(`${url}/orders/SO-1001`, { headers: bearer })).status).toBe(200);
      clockOffsetMs = 601_000;
      const expired = await getJson(`${url}/orders/SO-1001`, { headers: bearer });
      expect(expired).toMatchObject({ status: 401, body: { error: { code: 'invalid_token' } } });
    });

    test('expireTokens forces clients to fetch a new token', async () => {
      expect(erp.expireTokens()).toBeGreaterThan(0);
      expect((await getJson(`${url}/orders/SO-1001`, { headers: bearer })).status).toBe(401);
    });
  });

  describe('reads', () => {
    test('SO-1001 is the reference order: customer C-77, refrigerated, 2–8 °C, with a delivery window and ship-to', async () => {
      const res = await getJson(`${url}/orders/SO-1001`, { headers: bearer });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        orderId: 'SO-1001',
        customerId: 'C-77',
        refrigerated: true,
        temperatureRange: { minCelsius: 2, maxCelsius: 8 },
        requestedDeliveryWindow: { from: expect.any(String), to: expect.any(String) },
        deliveryWindow: { from: expect.any(String), to: expect.any(String) },
        shipTo: { locationId: 'C-77-DOCK-1' },
        lines: [
          { product: { sku: 'VAC-FLU-25' }, quantity: 40, refrigerated: true },
          { product: { sku: 'INS-GLA-100' }, quantity: 12, refrigerated: true },
        ],
      });
    });

    test('unknown orders and customers are 404 with a JSON error', async () => {
      expect(await getJson(`${url}/orders/SO-9999`, { headers: bearer })).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'Order SO-9999 not found' } } });
      expect((await getJson(`${url}/customers/C-0/contract`, { headers: bearer })).status).toBe(404);
    });

    test('the C-77 contract carries the temperature range, product category, SLA and account team', async () => {
      const res = await getJson(`${url}/customers/C-77/contract`, { headers: bearer });
      expect(res.body).toMatchObject({
        temperatureRange: { minCelsius: 2, maxCelsius: 8 },
        productCategory: 'pharma-cold-chain',
        sla: { deliveryWindowHours: 4, exceptionResponseMinutes: 30 },
        accountTeam: { email: 'c77-account-team@example.com' },
        accountTeamEmail: 'c77-account-team@example.com',
      });
    });
  });

  describe('writes', () => {
    const status = (overrides: Record<string, unknown> = {}) => ({ status: 'in-transit', orderId: 'SO-1001', occurredAt: '2026-03-12T08:05:00Z', eventId: 'evt-1', ...overrides });

    test('updates the shipment status and validates the body, naming the bad field', async () => {
      const ok = await getJson(`${url}/shipments/SHP-1001-01/status`, jsonInit('PUT', status(), bearer));
      expect(ok).toMatchObject({ status: 200, body: { shipmentId: 'SHP-1001-01', status: 'in-transit', version: 1 } });
      const bad = await getJson(`${url}/shipments/SHP-1001-01/status`, jsonInit('PUT', status({ status: 'teleported' }), bearer));
      // Refused by the contract (contracts/generic-erp) before the handler: the message names the field and the allowed values.
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringMatching(/status must be one of \["dispatched","in-transit","arrived","delivered","exception"\]/) } } });
      const badTime = await getJson(`${url}/shipments/SHP-1001-01/status`, jsonInit('PUT', status({ occurredAt: 'yesterday' }), bearer));
      expect((badTime.body as { error: { message: string } }).error.message).toMatch(/occurredAt must be an RFC 3339 timestamp/);
      expect((await getJson(`${url}/shipments/SHP-1001-01/status`, jsonInit('PUT', status({ orderId: 'SO-0' }), bearer))).status).toBe(422);
      const known = await getJson(`${url}/shipments/SHP-1001-01/status`, jsonInit('PUT', status({ orderId: undefined, status: 'exception', reason: 'temperature excursion' }), bearer));
      expect(known).toMatchObject({ status: 200, body: { orderId: 'SO-1001', status: 'exception', version: 2 } });
      const unknown = await getJson(`${url}/shipments/SHP-NEW/status`, jsonInit('PUT', status({ orderId: undefined }), bearer));
      expect(unknown).toMatchObject({ status: 422, body: { error: { message: expect.stringMatching(/orderId is required for shipment SHP-NEW/) } } });
    });

    test('Idempotency-Key: a repeat gets the same answer flagged as replayed and changes nothing; another body with the key is 422', async () => {
      const headers = { ...bearer, 'idempotency-key': 'evt-1:erp-status' };
      const first = await getJson(`${url}/shipments/SHP-1/status`, jsonInit('PUT', status(), headers));
      const again = await getJson(`${url}/shipments/SHP-1/status`, jsonInit('PUT', status(), headers));
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect((await getJson(`${url}/shipments/SHP-1`, { headers: bearer })).body).toMatchObject({ version: 1, history: [expect.anything()] });
      const other = await getJson(`${url}/shipments/SHP-1/status`, jsonInit('PUT', status({ status: 'arrived' }), headers));
      expect(other).toMatchObject({ status: 422, body: { error: { code: 'idempotency_key_reused' } } });
      expect(erp.callsTo('PUT', '/shipments/:id/status').map((c) => [c.idempotencyKey, c.status, c.replayed ?? false])).toEqual([
        ['evt-1:erp-status', 200, false],
        ['evt-1:erp-status', 200, true],
        ['evt-1:erp-status', 422, false],
      ]);
    });

    test('places and releases a quality hold (POST …/release and DELETE both work, a second release is harmless)', async () => {
      const placed = await getJson(`${url}/quality-holds`, jsonInit('POST', { orderId: 'SO-1001', shipmentId: 'SHP-1', reason: 'temperature excursion 11.5 °C', severity: 'high' }, bearer));
      expect(placed).toMatchObject({ status: 201, body: { holdId: 'QH-000001', status: 'active' } });
      const released = await getJson(`${url}/quality-holds/QH-000001/release`, { method: 'POST', headers: bearer });
      expect(released.body).toMatchObject({ status: 'released', releasedBy: 'api' });
      const again = await getJson(`${url}/quality-holds/QH-000001`, { method: 'DELETE', headers: bearer });
      expect(again.body).toMatchObject({ status: 'released', releasedAt: (released.body as { releasedAt: string }).releasedAt });
      const wholeOrder = await getJson(`${url}/quality-holds`, jsonInit('POST', { orderId: 'SO-1001', reason: 'excursion', severity: 'major' }, bearer));
      expect(wholeOrder).toMatchObject({ status: 201, body: { holdId: 'QH-000002', severity: 'major' } });
      expect((wholeOrder.body as Record<string, unknown>).shipmentId).toBeUndefined();
      const noSeverity = await getJson(`${url}/quality-holds`, jsonInit('POST', { orderId: 'SO-1001', reason: 'r', severity: '' }, bearer));
      expect(noSeverity).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/severity must NOT have fewer than 1 characters/) } } });
      expect((await getJson(`${url}/quality-holds/QH-404/release`, { method: 'POST', headers: bearer })).status).toBe(404);
    });
  });

  describe('CloudEvents back to our API', () => {
    test('billing-ready is accepted, then invoice.posted arrives as a signed structured CloudEvent; a repeat posts no second invoice', async () => {
      const body = { shipmentId: 'SHP-1001-01', podDocumentId: '5001_1773300000000', deliveredAt: '2026-03-12T13:40:00Z' };
      const ready = await getJson(`${url}/orders/SO-1001/billing-ready`, jsonInit('POST', body, bearer));
      expect(ready).toMatchObject({ status: 202, body: { billingStatus: 'billing-ready' } });
      const [request] = await receiver.waitFor(1);
      expect(request.path).toBe('/webhooks/erp/cloudevents');
      expect(request.headers['content-type']).toBe('application/cloudevents+json');
      expectCanonicalSignature(request.headers, request.body, SECRETS.cloudevents);
      expect(JSON.parse(request.body)).toMatchObject({
        specversion: '1.0',
        type: 'com.example.erp.invoice.posted.v1',
        source: '/erp/billing',
        id: expect.any(String),
        time: expect.any(String),
        subject: 'INV-90001',
        data: { invoiceId: 'INV-90001', orderId: 'SO-1001', shipmentId: 'SHP-1001-01', amount: '20110.50', currency: 'EUR', postedAt: expect.any(String) },
      });
      const repeat = await getJson(`${url}/orders/SO-1001/billing-ready`, jsonInit('POST', body, bearer));
      expect(repeat).toMatchObject({ status: 200, body: { status: 'invoiced', invoiceId: 'INV-90001' } });
      await erp.settled();
      expect(receiver.requests).toHaveLength(1);
      expect((await getJson(`${url}/invoices/INV-90001`, { headers: bearer })).body).toMatchObject({ grossAmount: '20110.50', netAmount: '18450.00' });
    });

    test('billing-ready without shipment and POD ids bills the whole order', async () => {
      const ready = await getJson(`${url}/orders/SO-1002/billing-ready`, jsonInit('POST', { deliveredAt: '2026-03-12T15:00:00Z' }, bearer));
      expect(ready).toMatchObject({ status: 202, body: { orderId: 'SO-1002', billingStatus: 'billing-ready' } });
      const [request] = await receiver.waitFor(1);
      expect(JSON.parse(request.body)).toMatchObject({ data: { orderId: 'SO-1002', customerId: 'C-12', netAmount: '1960.00', taxAmount: '411.60', grossAmount: '2371.60' } });
      expect((await getJson(`${url}/orders/SO-1002/billing-ready`, jsonInit('POST', { deliveredAt: 'soon' }, bearer))).status).toBe(400);
    });

    test('releaseOrder sends a generic order.released CloudEvent carrying the order', async () => {
      const delivery = await erp.releaseOrder('SO-1001');
      expect(delivery).toMatchObject({ ok: true, status: 202, eventType: 'com.example.erp.order.released.v1' });
      const [request] = receiver.requests;
      expectCanonicalSignature(request.headers, request.body, SECRETS.cloudevents);
      expect(JSON.parse(request.body)).toMatchObject({ specversion: '1.0', source: '/erp/orders', subject: 'SO-1001', data: { orderId: 'SO-1001', customerId: 'C-77', status: 'released' } });
    });

    test('releaseOrder with flavor sap sends a thin SAP S/4HANA SalesOrder.Changed event', async () => {
      await erp.releaseOrder('SO-1001', { flavor: 'sap' });
      const event = JSON.parse(receiver.requests[0].body) as Record<string, unknown>;
      expect(event).toMatchObject({
        type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
        source: expect.stringMatching(/^\/default\/sap\.s4\.beh\//),
        id: expect.stringMatching(/^[0-9A-F-]{36}$/),
        datacontenttype: 'application/json',
        data: { SalesOrder: 'SO-1001' },
      });
    });

    test('binary mode puts the attributes in ce-* headers and only the data in the body', async () => {
      await erp.releaseOrder('SO-1002', { mode: 'binary' });
      const [request] = receiver.requests;
      expect(request.headers).toMatchObject({ 'ce-specversion': '1.0', 'ce-type': 'com.example.erp.order.released.v1', 'ce-subject': 'SO-1002', 'content-type': 'application/json' });
      expect(JSON.parse(request.body)).toMatchObject({ orderId: 'SO-1002' });
      expectCanonicalSignature(request.headers, request.body, SECRETS.cloudevents);
    });

    test('a hold released inside the ERP is announced as quality-hold.released', async () => {
      await getJson(`${url}/quality-holds`, jsonInit('POST', { orderId: 'SO-1001', shipmentId: 'SHP-1', reason: 'excursion', severity: 'high' }, bearer));
      await erp.releaseQualityHold('QH-000001');
      expect(JSON.parse(receiver.requests[0].body)).toMatchObject({ type: 'com.example.erp.quality-hold.released.v1', data: { holdId: 'QH-000001', releasedBy: 'erp-user' } });
    });

    test('without a webhook URL, releaseOrder says how to set one', async () => {
      const bare = new ErpSimulator({ cloudEventsSecret: SECRETS.cloudevents });
      expect(() => bare.releaseOrder('SO-1001')).toThrow(/no cloudevents webhook URL/);
    });

    test('vendor-side actions run over HTTP too', async () => {
      const res = await getJson(`${url}/__sim/actions/releaseOrder`, jsonInit('POST', { orderId: 'SO-1003', flavor: 'sap' }));
      expect(res).toMatchObject({ status: 200, body: { result: { ok: true, eventType: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1' } } });
      await eventually(() => expect(receiver.requests).toHaveLength(1));
      expect((await getJson(`${url}/__sim/actions/releaseOrder`, jsonInit('POST', { orderId: 'SO-1003', flavor: 'oracle' }))).status).toBe(400);
    });
  });
});
