import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { bcDocumentOf, bcDocumentOfNotification, bcReadBackRequests } from '../../lambdas/erp/business-central/notifications';
import { InMemoryBcReadBackQueue } from '../../lambdas/erp/business-central/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { signatureHeaders, VENDOR_DIALECTS } from '../../registry/vendors';
import { apiEvent, harness, json, testSecret } from '../inbound/support';

/**
 * The documented notification example (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-subscriptions,
 * "Notifications and change types"), with its resources on salesOrders — the entity we subscribe to — and our
 * test clientState (schemas/vendors/examples/business-central-notification.json).
 */
const EXAMPLE = readFileSync(path.resolve(import.meta.dirname, '../../schemas/vendors/examples/business-central-notification.json'), 'utf8');
const PATH = '/webhooks/erp/business-central';
const SECRET = testSecret('business-central');

function setup() {
  const queue = new InMemoryBcReadBackQueue();
  return { queue, h: harness('erp', erpDialects(new InMemorySapReadBackQueue(), queue), ERP_CANONICAL_VALIDATORS) };
}
const post = (body: string, query?: Record<string, string>) => ({ ...apiEvent(PATH, body, { 'Content-Type': 'application/json' }), queryStringParameters: query ?? null });

describe('Business Central webhook notifications', () => {
  test('the registry entry declares no signature header (BC sends none), so API Gateway requires none', () => {
    expect(signatureHeaders(VENDOR_DIALECTS['business-central'])).toEqual([]);
    expect(SECRET.length).toBeGreaterThan(20);
  });

  test('the handshake: ?validationToken= is echoed as text/plain with 200, before any body or clientState check', async () => {
    const { h, queue } = setup();
    const response = await h.handler(post('', { validationToken: 'c6a2f0c1-9b1e-4d3b-8a4e-2f6d7e8a9b0c' }));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('c6a2f0c1-9b1e-4d3b-8a4e-2f6d7e8a9b0c');
    expect(queue.requests).toHaveLength(0);
  });

  test('the handshake by GET is answered the same way; any other GET is refused 405 and nothing is read back', async () => {
    const { h, queue } = setup();
    const get = (query: Record<string, string> | null) => ({ ...apiEvent(PATH, ''), httpMethod: 'GET', queryStringParameters: query });
    const response = await h.handler(get({ validationToken: 'c6a2f0c1-9b1e-4d3b-8a4e-2f6d7e8a9b0c' }));
    expect([response.statusCode, response.body]).toEqual([200, 'c6a2f0c1-9b1e-4d3b-8a4e-2f6d7e8a9b0c']);
    for (const query of [null, { validationToken: '<script>' }]) {
      const refused = await h.handler(get(query));
      expect(refused.statusCode).toBe(405);
      expect(refused.body).not.toContain('<script>');
    }
    // A GET carrying a notification body is still no webhook.
    expect((await h.handler({ ...post(EXAMPLE), httpMethod: 'GET' })).statusCode).toBe(405);
    expect(queue.requests).toHaveLength(0);
  });

  test('a validation token with characters outside the URL-safe set is not echoed (the request is then refused)', async () => {
    const { h } = setup();
    const response = await h.handler(post('', { validationToken: '<script>alert(1)</script>' }));
    expect(response.statusCode).not.toBe(200);
    expect(response.body).not.toContain('<script>');
  });

  test('the documented example: one read-back per created/updated order, one for the collection, nothing for deleted', async () => {
    const { h, queue } = setup();
    const response = await h.handler(post(EXAMPLE));
    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ status: 'queued' });
    expect(queue.requests.map((r) => [r.kind, r.changeType, bcDocumentOf(r), r.companyId])).toEqual([
      ['bc-sales-order-read-back', 'updated', '26814998-936a-401c-81c1-0e848a64971d', 'b18aed47-c385-49d2-b954-dbdf8ad71780'],
      ['bc-sales-order-read-back', 'created', '130bbd17-dbb9-4790-9b12-2b0e9c9d22c3', 'b18aed47-c385-49d2-b954-dbdf8ad71780'],
      ['bc-sales-order-read-back', 'collection', '*', '7dbba574-5f69-4167-a43e-fb975045de15'],
    ]);
    expect(queue.requests[2].filter).toBe('lastModifiedDateTime gt 2018-10-15T11:00:00Z');
    expect(h.publisher.published).toHaveLength(0);
  });

  test('an order updated and deleted in the same batch (BC deletes an order once fully shipped and invoiced) is not read back', async () => {
    const { h, queue } = setup();
    const batch = JSON.parse(EXAMPLE) as { value: { resource: string; changeType: string }[] };
    const updated = batch.value.find((n) => n.changeType === 'updated')!;
    batch.value.push({ ...updated, changeType: 'deleted' });
    expect((await h.handler(post(JSON.stringify(batch)))).statusCode).toBe(202);
    expect(queue.requests.map((r) => [r.changeType, bcDocumentOf(r)])).toEqual([
      ['created', '130bbd17-dbb9-4790-9b12-2b0e9c9d22c3'],
      ['collection', '*'],
    ]);
  });

  test('a redelivered batch (BC retries the same bytes) is answered from the idempotency record: nothing queued twice', async () => {
    const { h, queue } = setup();
    await h.handler(post(EXAMPLE));
    const again = await h.handler(post(EXAMPLE));
    expect(again.statusCode).toBe(202);
    expect(queue.requests).toHaveLength(3);
  });

  test('a wrong clientState in any notification is refused with 401 and nothing is queued', async () => {
    const { h, queue } = setup();
    const forged = JSON.parse(EXAMPLE) as { value: { clientState: string }[] };
    forged.value[1].clientState = `${SECRET.slice(0, -1)}x`;
    const response = await h.handler(post(JSON.stringify(forged)));
    expect(response.statusCode).toBe(401);
    expect(queue.requests).toHaveLength(0);
  });

  test('a notification without clientState is refused with 401', async () => {
    const { h, queue } = setup();
    const bare = JSON.parse(EXAMPLE) as { value: { clientState?: string }[] };
    delete bare.value[0].clientState;
    expect((await h.handler(post(JSON.stringify(bare)))).statusCode).toBe(401);
    expect(queue.requests).toHaveLength(0);
  });

  test('notifications for other resources are answered 202 ignored', async () => {
    const { h, queue } = setup();
    const items = JSON.parse(EXAMPLE) as { value: { resource: string }[] };
    for (const n of items.value) n.resource = 'api/v2.0/companies(b18aed47-c385-49d2-b954-dbdf8ad71780)/customers(130bbd17-dbb9-4790-9b12-2b0e9c9d22c3)';
    const response = await h.handler(post(JSON.stringify(items)));
    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ status: 'ignored' });
    expect(queue.requests).toHaveLength(0);
  });

  test('without a configured read-back queue the notification is answered 5xx, so BC keeps it and retries', async () => {
    const h = harness('erp', erpDialects(new InMemorySapReadBackQueue()), ERP_CANONICAL_VALIDATORS);
    expect((await h.handler(post(EXAMPLE))).statusCode).toBeGreaterThanOrEqual(500);
  });

  test('salesInvoices notifications (the example with its resources on salesInvoices) are queued as invoice read-backs: entity and collection forms', async () => {
    const { h, queue } = setup();
    const items = JSON.parse(EXAMPLE) as { value: { resource: string }[] };
    for (const n of items.value) n.resource = n.resource.replace('/salesOrders', '/salesInvoices');
    const response = await h.handler(post(JSON.stringify(items)));
    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ status: 'queued' });
    expect(queue.requests.map((r) => [r.kind, r.changeType, bcDocumentOf(r), r.refs])).toEqual([
      ['bc-sales-invoice-read-back', 'updated', '26814998-936a-401c-81c1-0e848a64971d', { invoiceId: '26814998-936a-401c-81c1-0e848a64971d' }],
      ['bc-sales-invoice-read-back', 'created', '130bbd17-dbb9-4790-9b12-2b0e9c9d22c3', { invoiceId: '130bbd17-dbb9-4790-9b12-2b0e9c9d22c3' }],
      ['bc-sales-invoice-read-back', 'collection', '*', { invoiceId: '*' }],
    ]);
    expect(queue.requests[2].filter).toBe('lastModifiedDateTime gt 2018-10-15T11:00:00Z');
    expect(queue.requests[0].metadata).toEqual({ eventId: 'bc:salesInvoices:26814998-936a-401c-81c1-0e848a64971d:2018-10-26T12:54:20.467Z', eventType: 'bc.salesInvoices.updated', correlationId: '26814998-936a-401c-81c1-0e848a64971d' });
  });

  test('one batch with a sales order and a sales invoice of the same id yields two requests, one of each kind', () => {
    const id = '26814998-936a-401c-81c1-0e848a64971d';
    const company = 'b18aed47-c385-49d2-b954-dbdf8ad71780';
    const at = '2026-03-12T06:00:00Z';
    const requests = bcReadBackRequests(
      {
        value: [
          { subscriptionId: 'a', clientState: 'x', resource: `api/v2.0/companies(${company})/salesOrders(${id})`, changeType: 'updated', lastModifiedDateTime: at },
          { subscriptionId: 'b', clientState: 'x', resource: `api/v2.0/companies(${company})/salesInvoices(${id})`, changeType: 'created', lastModifiedDateTime: at },
          { subscriptionId: 'b', clientState: 'x', resource: `api/v2.0/companies(${company})/salesInvoices(${id})`, changeType: 'created', lastModifiedDateTime: at },
        ],
      },
      '2026-03-12T06:00:31Z',
    );
    expect(requests.map((r) => r.kind)).toEqual(['bc-sales-order-read-back', 'bc-sales-invoice-read-back']);
  });

  test('resources outside salesOrders/salesInvoices/salesCreditMemos, other API versions and malformed ids name no document', () => {
    const n = (resource: string) => ({ subscriptionId: 's', resource, changeType: 'updated' as const, lastModifiedDateTime: '2026-03-12T06:00:00Z' });
    const company = 'b18aed47-c385-49d2-b954-dbdf8ad71780';
    const id = '26814998-936a-401c-81c1-0e848a64971d';
    expect(bcDocumentOfNotification(n(`api/v2.0/companies(${company})/salesInvoices(${id})`))).toEqual({ companyId: company, entitySet: 'salesInvoices', id });
    expect(bcDocumentOfNotification(n(`api/v2.0/companies(${company})/salesCreditMemos(${id})`))).toEqual({ companyId: company, entitySet: 'salesCreditMemos', id });
    expect(bcDocumentOfNotification(n(`api/v2.0/companies(${company})/customers(${id})`))).toBeUndefined();
    expect(bcDocumentOfNotification(n(`api/v1.0/companies(${company})/salesInvoices(${id})`))).toBeUndefined();
    expect(bcDocumentOfNotification(n(`api/v2.0/companies(${company})/salesInvoices(not-a-guid)`))).toBeUndefined();
    expect(bcDocumentOfNotification(n(`api/v2.0/companies(${company})/salesInvoices?$filter=%E0%A4%A`))).toBeUndefined();
  });
});
