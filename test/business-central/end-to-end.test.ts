import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { BcApi, EntraClientCredentials } from '../../lambdas/erp/business-central/bc-api';
import { BusinessCentralClient, orderFromPostedInvoices } from '../../lambdas/erp/business-central/bc-client';
import type { BcSalesCreditMemoReadBackRequest, BcSalesInvoiceReadBackRequest, BcSalesOrderReadBackRequest } from '../../lambdas/erp/business-central/notifications';
import { bcReadBack } from '../../lambdas/erp/business-central/read-back';
import { bcCreditMemoReadBack } from '../../lambdas/erp/business-central/read-back-credit-memo';
import { bcInvoiceReadBack } from '../../lambdas/erp/business-central/read-back-invoice';
import { InMemoryBcReadBackQueue } from '../../lambdas/erp/business-central/read-back-queue';
import { bcSubscriptionResources, ensureSubscriptions } from '../../lambdas/erp/business-central/subscriptions';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { RejectedByTargetError } from '../../lambdas/shared/errors';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { BusinessCentralSimulator, type BcSimSalesOrder, type BcSimulatorOptions } from '../../sandbox/simulators/business-central';
import { assertBcSalesInvoice, assertBcSalesInvoiceLine } from '../../sandbox/simulators/business-central-invoices';
import { apiEvent, harness, testSecret } from '../inbound/support';

/**
 * Business Central as the ERP, in process: the simulator (written from the BC docs) performs the subscription
 * handshake against our real webhook pipeline, sends its thin notifications there, and answers the read-back and
 * the outbound client through API v2.0 behind Entra client credentials.
 */
const NOTIFICATION_URL = 'https://lsync.example.test/webhooks/erp/business-central';
const CREDENTIALS = { clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'entra-client-secret~with.special_chars' };
const CLIENT_STATE = testSecret('business-central');

function world(clientState = CLIENT_STATE, options: BcSimulatorOptions = {}) {
  const queue = new InMemoryBcReadBackQueue();
  const webhook = harness('erp', erpDialects(new InMemorySapReadBackQueue(), queue), ERP_CANONICAL_VALIDATORS);
  const clock = { now: new Date('2026-03-12T08:00:00.000Z') };
  const sim = new BusinessCentralSimulator(
    CREDENTIALS,
    async (url, body) => {
      const u = new URL(url);
      const event = { ...apiEvent(u.pathname, body ?? '', body === undefined ? {} : { 'Content-Type': 'application/json' }), queryStringParameters: u.search ? Object.fromEntries(u.searchParams) : null };
      const answer = await webhook.handler(event);
      return { status: answer.statusCode, text: answer.body };
    },
    () => clock.now,
    options,
  );
  const http = new HttpJsonClient({ target: 'Business Central', baseUrl: sim.baseUrl, fetch: sim.fetch as typeof fetch });
  const api = new BcApi(http, new EntraClientCredentials(http, sim.tokenUrl, async () => CREDENTIALS), sim.companyId);
  return { queue, webhook, sim, api, clock, wanted: { notificationUrl: NOTIFICATION_URL, resources: bcSubscriptionResources(sim.companyId), clientState } };
}

function order(overrides: Partial<BcSimSalesOrder> = {}): BcSimSalesOrder {
  return {
    id: randomUUID(),
    number: 'S-ORD101005',
    customerNumber: '10000',
    requestedDeliveryDate: '2026-03-13',
    shipToName: 'Adatum Corporation',
    shipToAddressLine1: '192 Market Square',
    shipToCity: 'Atlanta',
    shipToPostCode: '31772',
    shipToCountry: 'US',
    status: 'Open',
    fullyShipped: false,
    lastModifiedDateTime: '',
    salesOrderLines: [
      { id: randomUUID(), sequence: 10000, lineType: 'Item', lineObjectNumber: '1896-S', description: 'ATHENS Desk', unitOfMeasureCode: 'PCS', quantity: 4, shippedQuantity: 0 },
      { id: randomUUID(), sequence: 20000, lineType: 'Comment', lineObjectNumber: '', description: 'Deliver to dock 2', unitOfMeasureCode: '', quantity: 0, shippedQuantity: 0 },
    ],
    ...overrides,
  };
}

/** Subscribed, order S-ORD101005 (USD, 4 × 250.00) released, marked billing-ready for SHP-1 and invoiced in BC. */
async function invoicedWorld() {
  const w = world();
  await ensureSubscriptions(w.api, w.wanted, w.clock.now);
  const o = order({ currencyCode: 'USD' });
  o.salesOrderLines[0]!.unitPrice = 250;
  await w.sim.changeSalesOrder(o);
  await new BusinessCentralClient(w.api).markBillingReady('S-ORD101005', { shipmentId: 'SHP-1', deliveredAt: '2026-03-12T15:00:00Z' }, 'key-br');
  const { invoice } = await w.sim.postInvoice('S-ORD101005');
  return { ...w, invoice };
}

/** Subscribed; orders S-ORD101005 (4 × 250.00) and S-ORD101006 (4 × 99.99), USD, 10 % VAT, billing-ready and invoiced together (Combine Shipments). */
async function combinedWorld() {
  const w = world();
  await ensureSubscriptions(w.api, w.wanted, w.clock.now);
  w.sim.vatPercent.set('10000', 10);
  const client = new BusinessCentralClient(w.api);
  for (const [number, price] of [['S-ORD101005', 250], ['S-ORD101006', 99.99]] as const) {
    const o = order({ number, currencyCode: 'USD' });
    o.salesOrderLines[0]!.unitPrice = price;
    await w.sim.changeSalesOrder(o);
    await client.markBillingReady(number, { shipmentId: `SHP-${number}`, deliveredAt: '2026-03-12T15:00:00Z' }, `key-${number}`);
  }
  const { invoice, statuses } = await w.sim.combineShipments(['S-ORD101005', 'S-ORD101006']);
  return { ...w, client, invoice, statuses };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Business Central as the ERP (simulator from the docs, real pipeline and clients)', () => {
  test('subscribing performs the handshake through our webhook; a released order is read back into order.released', async () => {
    const { sim, api, queue, clock, wanted } = world();
    expect(await ensureSubscriptions(api, wanted, clock.now)).toMatchObject({ created: [expect.any(String), expect.any(String), expect.any(String)], renewed: [] });
    expect([...sim.subscriptions.values()].map((s) => s.resource)).toEqual(['salesOrders', 'salesInvoices', 'salesCreditMemos'].map((set) => `/api/v2.0/companies(${sim.companyId})/${set}`));
    const released = order();
    expect(await sim.changeSalesOrder(released)).toEqual([202]);
    expect(queue.requests).toHaveLength(1);
    const result = await bcReadBack(api, queue.requests[0] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    expect(result.notReleased).toEqual([]);
    expect(result.events).toHaveLength(1);
    const [event] = result.events;
    expect(event.metadata).toMatchObject({ eventType: 'order.released', source: { system: 'erp', vendor: 'business-central' } });
    expect(event.refs).toEqual({ orderId: 'S-ORD101005', customerId: '10000' });
    expect(event.data).toEqual({
      lines: [{ lineNumber: 1, sku: '1896-S', description: 'ATHENS Desk', quantity: 4, unit: 'EA' }],
      temperature: { regime: 'ambient' },
      deliveryWindow: { from: '2026-03-13T00:00:00.000Z', to: '2026-03-14T00:00:00.000Z' },
      shipFrom: { locationId: 'DC-ATL' },
      shipTo: { locationId: '10000', name: 'Adatum Corporation', address: { line1: '192 Market Square', city: 'Atlanta', postalCode: '31772', countryCode: 'US' } },
    });
  });

  test("a line's unit is read through the company's units of measure: a code of its own with a Rec 20 code, decimals kept (order.released v2)", async () => {
    const { sim, api, queue, clock, wanted } = world();
    await ensureSubscriptions(api, wanted, clock.now);
    sim.units.add('KILO', 'Kilogram', 'KGM');
    const line = (sequence: number, unitOfMeasureCode: string, quantity: number) => ({ id: randomUUID(), sequence, lineType: 'Item' as const, lineObjectNumber: `ITEM-${sequence}`, description: 'x', unitOfMeasureCode, quantity, shippedQuantity: 0 });
    // KILO is known only by its Rec 20 code; PALLET has none and maps by its code; BOX by both.
    await sim.changeSalesOrder(order({ salesOrderLines: [line(10000, 'KILO', 182.35), line(20000, 'PALLET', 2), line(30000, 'BOX', 12)] }));
    const result = await bcReadBack(api, queue.requests[0] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    const [event] = result.events;
    expect(event.metadata.schemaVersion).toBe('2');
    expect((event.data as { lines: unknown[] }).lines).toEqual([
      { lineNumber: 1, sku: 'ITEM-10000', description: 'x', quantity: 182.35, unit: 'KGM' },
      { lineNumber: 2, sku: 'ITEM-20000', description: 'x', quantity: 2, unit: 'PAL' },
      { lineNumber: 3, sku: 'ITEM-30000', description: 'x', quantity: 12, unit: 'CS' },
    ]);
    const unitReads = () => sim.calls.filter((c) => c.path.endsWith('/unitsOfMeasure')).length;
    expect(unitReads()).toBe(1);
    // Read once an hour: another order with known codes reads no units.
    await sim.changeSalesOrder(order({ number: 'S-ORD101006', salesOrderLines: [line(10000, 'KILO', 3)] }));
    await bcReadBack(api, queue.requests[1] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    expect(unitReads()).toBe(1);
  });

  test('a unit the company added since its units were read is read again at once (at most once a second); a unit nobody defined is a ValidationError naming the field', async () => {
    const { sim, api, queue, clock, wanted } = world();
    await ensureSubscriptions(api, wanted, clock.now);
    const line = (unitOfMeasureCode: string) => ({ id: randomUUID(), sequence: 10000, lineType: 'Item' as const, lineObjectNumber: 'BULK-1', description: 'x', unitOfMeasureCode, quantity: 2.5, shippedQuantity: 0 });
    const unitReads = () => sim.calls.filter((c) => c.path.endsWith('/unitsOfMeasure')).length;
    vi.useFakeTimers({ toFake: ['Date'] });
    await sim.changeSalesOrder(order({ salesOrderLines: [line('KG')] }));
    await bcReadBack(api, queue.requests[0] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    expect(unitReads()).toBe(1);
    // PALLET has no Rec 20 code: known all the same, so an order naming it reads nothing again.
    await sim.changeSalesOrder(order({ number: 'S-ORD101009', salesOrderLines: [{ ...line('PALLET'), quantity: 2 }] }));
    vi.setSystemTime(Date.now() + 5_000);
    await bcReadBack(api, queue.requests[1] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    expect(unitReads()).toBe(1);
    sim.units.add('LITRE', 'Litre', 'LTR');
    await sim.changeSalesOrder(order({ number: 'S-ORD101007', salesOrderLines: [line('LITRE')] }));
    const result = await bcReadBack(api, queue.requests[2] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    expect(unitReads()).toBe(2);
    expect((result.events[0].data as { lines: unknown[] }).lines).toEqual([{ lineNumber: 1, sku: 'BULK-1', description: 'x', quantity: 2.5, unit: 'LTR' }]);
    vi.setSystemTime(Date.now() + 5_000);
    await sim.changeSalesOrder(order({ number: 'S-ORD101008', salesOrderLines: [line('BARREL')] }));
    await expect(bcReadBack(api, queue.requests[3] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' })).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'salesOrder.salesOrderLines[0].unitOfMeasureCode',
      message: expect.stringMatching(/^unit "BARREL" is neither a handling unit/),
    });
    expect(unitReads()).toBe(3);
  });

  test('units that cannot be read: a 4xx (the app may lack the permission) maps lines by their codes; a 5xx throws for the retry', async () => {
    const { sim, clock } = world();
    let refused = 0;
    const refusing = (status: number) => {
      const fetch = async (input: string | URL | Request, init?: RequestInit) => {
        const url = String(input instanceof Request ? input.url : input);
        if (!url.includes('/unitsOfMeasure')) return sim.fetch(input as string, init);
        refused += 1;
        return new Response(JSON.stringify({ error: { code: 'Authorization_RequestDenied', message: 'denied' } }), { status, headers: { 'content-type': 'application/json' } });
      };
      const http = new HttpJsonClient({ target: 'Business Central', baseUrl: sim.baseUrl, fetch: fetch as typeof globalThis.fetch });
      return new BcApi(http, new EntraClientCredentials(http, sim.tokenUrl, async () => CREDENTIALS), sim.companyId);
    };
    const forbidden = refusing(403);
    expect((await forbidden.internationalCodes(['PCS'], sim.companyId, clock.now.getTime())).size).toBe(0);
    // Not asked again within the hour, whatever code the next order names.
    expect((await forbidden.internationalCodes(['KG'], sim.companyId, clock.now.getTime() + 60_000)).size).toBe(0);
    expect(refused).toBe(1);
    await expect(refusing(503).internationalCodes(['PCS'], sim.companyId, clock.now.getTime())).rejects.not.toBeInstanceOf(RejectedByTargetError);
  });

  test('a Draft order is read back and not released; nothing is published', async () => {
    const { sim, api, queue, clock, wanted } = world();
    await ensureSubscriptions(api, wanted, clock.now);
    await sim.changeSalesOrder(order({ status: 'Draft' }), 'created');
    const result = await bcReadBack(api, queue.requests[0] as BcSalesOrderReadBackRequest, { shipFromLocationId: 'DC-ATL' });
    expect(result.events).toEqual([]);
    expect(result.notReleased[0]).toMatch(/status Draft/);
  });

  test('a subscription is renewed by PATCH with If-Match once less than 36 hours are left, and kept otherwise', async () => {
    const { sim, api, clock, wanted } = world();
    const { created } = await ensureSubscriptions(api, wanted, clock.now);
    const firstExpiry = sim.subscriptions.get(created[0])!.expirationDateTime;
    expect(await ensureSubscriptions(api, wanted, clock.now)).toMatchObject({ created: [], renewed: [], kept: created });
    clock.now = new Date(clock.now.getTime() + 2 * 86_400_000);
    expect(await ensureSubscriptions(api, wanted, clock.now)).toMatchObject({ created: [], renewed: created });
    expect(sim.subscriptions.get(created[0])!.expirationDateTime > firstExpiry).toBe(true);
    expect(sim.calls.some((c) => c.method === 'PATCH')).toBe(true);
  });

  test('notifications carrying another clientState are refused (401) and nothing is read back', async () => {
    const { sim, api, queue, clock, wanted } = world('a-different-client-state-than-the-secret');
    await ensureSubscriptions(api, wanted, clock.now);
    expect(await sim.changeSalesOrder(order())).toEqual([401]);
    expect(queue.requests).toHaveLength(0);
  });

  test('a sales order BC no longer has (404: BC deletes an order once fully shipped and invoiced) announces nothing, with the reason; an unknown company is still a RejectedByTarget', async () => {
    const { api, sim } = world();
    const missing = { kind: 'bc-sales-order-read-back', companyId: sim.companyId, salesOrder: randomUUID(), changeType: 'updated', notification: { subscriptionId: 's', lastModifiedDateTime: '2026-03-12T08:00:00Z', resource: 'r' }, receivedAt: '2026-03-12T08:00:01Z', metadata: { eventId: 'e', eventType: 't', correlationId: 'c' }, refs: { orderId: 'o' } } as const;
    const result = await bcReadBack(api, missing, { shipFromLocationId: 'DC-ATL' });
    expect(result.events).toEqual([]);
    expect(result.notReleased).toEqual([expect.stringMatching(/no longer exists in Business Central \(404\)/)]);
    // A collection read that 404s is not an order gone: it throws as before.
    await expect(bcReadBack(api, { ...missing, salesOrder: '*', filter: "number eq 'X'", companyId: randomUUID() }, { shipFromLocationId: 'DC-ATL' })).rejects.toBeInstanceOf(RejectedByTargetError);
  });

  test('the outbound client: reads the order by number, writes status and billing-ready to the extension pages', async () => {
    const { sim, api } = world();
    sim.orders.set('x', { ...order(), id: 'x' });
    const client = new BusinessCentralClient(api);
    // The order names no currency of its own: the API names the company's local currency (EUR here) for it.
    expect(await client.getOrder('S-ORD101005')).toMatchObject({ orderId: 'S-ORD101005', customerId: '10000', currency: 'EUR', lines: [{ sku: '1896-S', quantity: 4 }] });
    await client.updateShipmentStatus('SHP-1', { status: 'in-transit', orderId: 'S-ORD101005', occurredAt: '2026-03-12T09:00:00Z', eventId: 'ev-1' }, 'key-1');
    await client.markBillingReady('S-ORD101005', { shipmentId: 'SHP-1', deliveredAt: '2026-03-12T15:00:00Z' }, 'key-2');
    expect(sim.custom.get('shipmentStatuses')).toEqual([expect.objectContaining({ shipmentNo: 'SHP-1', orderNo: 'S-ORD101005', status: 'in-transit' })]);
    expect(sim.custom.get('billingReadyOrders')).toEqual([expect.objectContaining({ orderNo: 'S-ORD101005', shipmentNo: 'SHP-1' })]);
    await expect(client.getOrder('S-NOPE')).rejects.toBeInstanceOf(RejectedByTargetError);
  });

  test('Entra refuses a wrong client secret: the client surfaces the 401 of the token endpoint', async () => {
    const { sim } = world();
    const http = new HttpJsonClient({ target: 'Business Central', baseUrl: sim.baseUrl, fetch: sim.fetch as typeof fetch });
    const api = new BcApi(http, new EntraClientCredentials(http, sim.tokenUrl, async () => ({ ...CREDENTIALS, clientSecret: 'wrong' })), sim.companyId);
    await expect(api.listSubscriptions()).rejects.toThrow(/401/);
  });

  test('billing-ready, then BC posts the invoice: the salesInvoices notification is read back into invoice.posted for the order and its shipment', async () => {
    const { sim, api, queue, clock, wanted } = world();
    await ensureSubscriptions(api, wanted, clock.now);
    const o = order({ currencyCode: 'USD' });
    o.salesOrderLines[0]!.unitPrice = 250;
    await sim.changeSalesOrder(o);
    sim.vatPercent.set('10000', 10);
    await new BusinessCentralClient(api).markBillingReady('S-ORD101005', { shipmentId: 'SHP-1', deliveredAt: '2026-03-12T15:00:00Z' }, 'key-br');
    const orderReads = () => queue.requests.filter((r) => r.kind === 'bc-sales-order-read-back').length;
    const readsBefore = orderReads();
    const { invoice, statuses } = await sim.postInvoice('S-ORD101005');
    // Ship and Invoice: the order is deleted (salesOrders hear `deleted`, which reads nothing back), the invoice created.
    expect(statuses).toEqual([202, 202]);
    expect(orderReads()).toBe(readsBefore);
    expect(invoice).toMatchObject({ orderNumber: 'S-ORD101005', status: 'Open', currencyCode: 'USD' });
    const request = queue.requests.at(-1) as BcSalesInvoiceReadBackRequest;
    expect(request).toMatchObject({ kind: 'bc-sales-invoice-read-back', salesInvoice: invoice.id, changeType: 'created' });
    const { events } = await bcInvoiceReadBack(api, request);
    expect(events).toHaveLength(1);
    expect(events[0].refs).toEqual({ invoiceId: invoice.number, orderId: 'S-ORD101005', shipmentId: 'SHP-1', customerId: '10000' });
    expect(events[0].data).toMatchObject({ documentType: 'invoice', currency: 'USD', netAmount: '1000.00', taxAmount: '100.00', grossAmount: '1100.00', dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    // Posting again finds the first invoice and notifies no one.
    expect((await sim.postInvoice('S-ORD101005')).statuses).toEqual([]);
    // Paid later: notified as updated, read back to the same event id (deduped downstream).
    await sim.setSalesInvoiceStatus(invoice.id, 'Paid');
    const paid = await bcInvoiceReadBack(api, queue.requests.at(-1) as BcSalesInvoiceReadBackRequest);
    expect(paid.events[0].metadata.eventId).toBe(events[0].metadata.eventId);
  });

  test('BC deletes the order it has shipped and invoiced; the client reads it from the invoice posted from it (an exception after invoicing is still enriched)', async () => {
    const { sim, api } = world();
    const o = order({ currencyCode: 'USD' });
    o.salesOrderLines[0]!.unitPrice = 250;
    await sim.changeSalesOrder(o);
    const client = new BusinessCentralClient(api);
    const before = await client.getOrder('S-ORD101005');
    await sim.postInvoice('S-ORD101005');
    expect(await api.findSalesOrderByNumber('S-ORD101005')).toBeUndefined();
    await expect(api.getSalesOrder(o.id)).rejects.toBeInstanceOf(RejectedByTargetError);
    expect((await api.listSalesShipments('S-ORD101005')).map((s) => s.orderNumber)).toEqual(['S-ORD101005']);
    const [served] = await api.listSalesInvoicesOfOrder('S-ORD101005');
    expect(() => assertBcSalesInvoiceLine(served!.salesInvoiceLines![0])).not.toThrow();
    const after = await client.getOrder('S-ORD101005');
    expect(after).toEqual({ orderId: 'S-ORD101005', customerId: '10000', status: 'Invoiced', currency: 'USD', lines: before.lines });
    expect(after.lines).toEqual([expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '250.00' })]);
    // Posting again finds the invoice and notifies no one; an order neither open nor invoiced is still a 404.
    expect((await sim.postInvoice('S-ORD101005')).statuses).toEqual([]);
    await expect(client.getOrder('S-ORD999999')).rejects.toThrow(/nor any invoice posted from it/);
  });

  test('Combine Shipments: one invoice for two orders (blank orderNumber) is read back as one invoice.posted per order, with its lines\' amounts (without the extension\'s page, none), and its cancellation as one credit memo per order', async () => {
    const { sim, api, queue, client, invoice, statuses } = await combinedWorld();
    expect(statuses).toEqual([202]);
    const served = await api.getSalesInvoice(invoice.id);
    expect(() => assertBcSalesInvoice(served)).not.toThrow();
    expect(served).toMatchObject({ orderNumber: '', totalAmountExcludingTax: 1399.96, totalAmountIncludingTax: 1539.96 });
    // Both orders stay (shipped, not deleted: a batch job deletes invoiced orders later).
    expect((await api.findSalesOrderByNumber('S-ORD101006'))?.number).toBe('S-ORD101006');
    const request = queue.requests.at(-1) as BcSalesInvoiceReadBackRequest;
    const { events, notPosted } = await bcInvoiceReadBack(api, request);
    expect(notPosted).toEqual([]);
    expect(events.map((e) => [e.refs, (e.data as { grossAmount: string }).grossAmount])).toEqual([
      [{ invoiceId: invoice.number, orderId: 'S-ORD101005', shipmentId: 'SHP-S-ORD101005', customerId: '10000' }, '1100.00'],
      [{ invoiceId: invoice.number, orderId: 'S-ORD101006', shipmentId: 'SHP-S-ORD101006', customerId: '10000' }, '439.96'],
    ]);
    // The batch job Delete Invoiced Sales Orders removes the orders later: each is read from its own lines of the invoice.
    for (const o of [...sim.orders.values()]) sim.orders.delete(o.id);
    expect(await client.getOrder('S-ORD101006')).toMatchObject({ status: 'Invoiced', lines: [expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '99.99' })] });
    expect((await client.getOrder('S-ORD101005')).lines).toEqual([expect.objectContaining({ unitPrice: '250.00' })]);
    const table = sim.pages.tables.salesInvoiceLineOrders;
    sim.pages.tables.salesInvoiceLineOrders = undefined;
    const without = await bcInvoiceReadBack(api, request);
    expect([without.events, without.notPosted]).toEqual([[], [expect.stringMatching(/names no order it bills/)]]);
    sim.pages.tables.salesInvoiceLineOrders = table;
    // Cancelled (a credit memo for the whole invoice): credited once per order, each its share.
    const { creditMemo } = await sim.cancelSalesInvoice(invoice.id);
    const credited = await bcCreditMemoReadBack(api, queue.requests.at(-1) as BcSalesCreditMemoReadBackRequest);
    expect(credited.events.map((e) => [e.metadata.source.eventId, e.refs.orderId, e.data])).toEqual([
      [`bc:salesCreditMemos:${creditMemo.id}:posted:S-ORD101005`, 'S-ORD101005', expect.objectContaining({ documentType: 'credit-memo', correctsInvoiceId: invoice.number, grossAmount: '1100.00' })],
      [`bc:salesCreditMemos:${creditMemo.id}:posted:S-ORD101006`, 'S-ORD101006', expect.objectContaining({ documentType: 'credit-memo', correctsInvoiceId: invoice.number, grossAmount: '439.96' })],
    ]);
  });

  test('Correct on an invoice of two orders: its credit memo and, once posted, the new invoice (blank orderNumber, lines of no order) are read back once per order, from the orders the extension stamped on the copied lines', async () => {
    const { sim, api, queue, invoice } = await combinedWorld();
    const { creditMemo, draft } = await sim.correctSalesInvoice(invoice.id);
    const credited = await bcCreditMemoReadBack(api, queue.requests.findLast((r) => r.kind === 'bc-sales-credit-memo-read-back') as BcSalesCreditMemoReadBackRequest);
    expect(credited.events.map((e) => [e.refs.invoiceId, e.refs.orderId, (e.data as { grossAmount: string }).grossAmount])).toEqual([
      [creditMemo.number, 'S-ORD101005', '1100.00'],
      [creditMemo.number, 'S-ORD101006', '439.96'],
    ]);
    const { invoice: posted } = await sim.postSalesInvoice(draft.id);
    expect(await api.getSalesInvoice(posted.id)).toMatchObject({ orderNumber: '' });
    const { events, notPosted } = await bcInvoiceReadBack(api, queue.requests.at(-1) as BcSalesInvoiceReadBackRequest);
    expect(notPosted).toEqual([]);
    expect(events.map((e) => [e.refs.invoiceId, e.refs.orderId, e.refs.shipmentId, (e.data as { grossAmount: string }).grossAmount])).toEqual([
      [posted.number, 'S-ORD101005', 'SHP-S-ORD101005', '1100.00'],
      [posted.number, 'S-ORD101006', 'SHP-S-ORD101006', '439.96'],
    ]);
  });

  test('a credit memo for part of an invoice of two orders (lines fetched to reverse, amounts lowered) is noted on the orders its own lines credit, each its share; without the extension\'s page, on none', async () => {
    const { sim, api, queue, invoice } = await combinedWorld();
    const lineOf = (order: string) => sim.invoices.lineOrders.get(invoice.id)!.find((l) => l.orderNo === order)!.lineNo;
    const readBack = async () => bcCreditMemoReadBack(api, queue.requests.findLast((r) => r.kind === 'bc-sales-credit-memo-read-back') as BcSalesCreditMemoReadBackRequest);
    // A price correction on S-ORD101006's line only: the whole credit memo is that order's.
    const { creditMemo: one } = await sim.creditSalesInvoiceLines(invoice.id, [{ lineNo: lineOf('S-ORD101006'), amount: 40 }]);
    expect(await api.getSalesCreditMemo(one.id)).toMatchObject({ status: 'Open', invoiceNumber: invoice.number, totalAmountIncludingTax: 44 });
    const single = await readBack();
    expect(single.notPosted).toEqual([]);
    expect(single.events.map((e) => [e.metadata.source.eventId, e.refs.orderId, e.refs.shipmentId, e.data])).toEqual([
      [`bc:salesCreditMemos:${one.id}:posted`, 'S-ORD101006', 'SHP-S-ORD101006', expect.objectContaining({ documentType: 'credit-memo', correctsInvoiceId: invoice.number, netAmount: '40.00', grossAmount: '44.00' })],
    ]);
    // Lines of both orders: one event per order, each its lines' sums.
    const { creditMemo: two } = await sim.creditSalesInvoiceLines(invoice.id, [{ lineNo: lineOf('S-ORD101005'), amount: 100 }, { lineNo: lineOf('S-ORD101006'), amount: 10 }]);
    const split = await readBack();
    expect(split.events.map((e) => [e.metadata.source.eventId, e.refs.orderId, (e.data as { netAmount: string }).netAmount, (e.data as { grossAmount: string }).grossAmount])).toEqual([
      [`bc:salesCreditMemos:${two.id}:posted:S-ORD101005`, 'S-ORD101005', '100.00', '110.00'],
      [`bc:salesCreditMemos:${two.id}:posted:S-ORD101006`, 'S-ORD101006', '10.00', '11.00'],
    ]);
    // Credited in part, the invoice can no longer be cancelled or corrected in BC (codeunit 1303, TestIfInvoiceIsPaid).
    expect(await api.getSalesInvoice(invoice.id)).toMatchObject({ status: 'Open', remainingAmount: 1539.96 - 44 - 121 });
    await expect(sim.cancelSalesInvoice(invoice.id)).rejects.toThrow(/paid or credited in part/);
    sim.pages.tables.salesCreditMemoLineOrders = undefined;
    const without = await readBack();
    expect([without.events, without.notPosted]).toEqual([[], [expect.stringMatching(/credits part of sales invoice .* its lines name no order/)]]);
  });

  test('a credit memo applied to no invoice (lines fetched with Get Posted Document Lines to Reverse) is noted on the order its lines credit, correcting the invoice they came from; without the extension\'s page, on none', async () => {
    const { sim, api, queue, invoice } = await invoicedWorld();
    const { creditMemo } = await sim.creditSalesInvoiceLines(invoice.id, [{ lineNo: 10000, amount: 100 }], { applied: false });
    expect(await api.getSalesCreditMemo(creditMemo.id)).toMatchObject({ status: 'Open', invoiceId: '00000000-0000-0000-0000-000000000000', invoiceNumber: '' });
    // Not applied: the invoice's remaining amount stands.
    expect(await api.getSalesInvoice(invoice.id)).toMatchObject({ remainingAmount: invoice.totalAmountIncludingTax });
    const request = queue.requests.findLast((r) => r.kind === 'bc-sales-credit-memo-read-back') as BcSalesCreditMemoReadBackRequest;
    const { events, notPosted } = await bcCreditMemoReadBack(api, request);
    expect(notPosted).toEqual([]);
    expect(events.map((e) => [e.metadata.source.eventId, e.refs, e.data])).toEqual([
      [
        `bc:salesCreditMemos:${creditMemo.id}:posted`,
        { invoiceId: creditMemo.number, orderId: 'S-ORD101005', shipmentId: 'SHP-1', customerId: '10000' },
        { documentType: 'credit-memo', correctsInvoiceId: invoice.number, currency: 'USD', netAmount: '100.00', taxAmount: '0.00', grossAmount: '100.00' },
      ],
    ]);
    sim.pages.tables.salesCreditMemoLineOrders = undefined;
    const without = await bcCreditMemoReadBack(api, request);
    expect([without.events, without.notPosted]).toEqual([[], [expect.stringMatching(/linked to no sales invoice and its lines name no order/)]]);
  });

  test('an invoice of two orders cancelled, and the cancellation undone: the corrective invoice (blank orderNumber) is read back once per order, each its share, from the orders the extension stamped through the credit memo\'s lines', async () => {
    const { sim, api, queue, client, invoice } = await combinedWorld();
    const { creditMemo } = await sim.cancelSalesInvoice(invoice.id);
    const { corrective } = await sim.cancelSalesCreditMemo(creditMemo.id);
    expect(await api.getSalesInvoice(corrective.id)).toMatchObject({ orderNumber: '', status: 'Corrective' });
    const request = queue.requests.findLast((r) => r.kind === 'bc-sales-invoice-read-back' && (r as BcSalesInvoiceReadBackRequest).salesInvoice === corrective.id);
    const { events, notPosted } = await bcInvoiceReadBack(api, request as BcSalesInvoiceReadBackRequest);
    expect(notPosted).toEqual([]);
    expect(events.map((e) => [e.metadata.source.eventId, e.refs.invoiceId, e.refs.orderId, e.refs.shipmentId, (e.data as { grossAmount: string }).grossAmount])).toEqual([
      [`bc:salesInvoices:${corrective.id}:posted:S-ORD101005`, corrective.number, 'S-ORD101005', 'SHP-S-ORD101005', '1100.00'],
      [`bc:salesInvoices:${corrective.id}:posted:S-ORD101006`, corrective.number, 'S-ORD101006', 'SHP-S-ORD101006', '439.96'],
    ]);
    // Once BC deletes the orders, each is read from the invoice standing again, its lines once (the corrective
    // invoice only offsets the credit memo).
    for (const o of [...sim.orders.values()]) sim.orders.delete(o.id);
    expect((await client.getOrder('S-ORD101006')).lines).toEqual([expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '99.99' })]);
  });

  test('an order BC deleted after the invoice of several orders that billed it was corrected: read from the corrected invoice\'s lines of that order', async () => {
    const { sim, api, client, invoice } = await combinedWorld();
    const { draft } = await sim.correctSalesInvoice(invoice.id);
    // The user fixes S-ORD101006's price on the new invoice (99.99 → 95.00) and posts it.
    const lineNo = sim.invoices.lineOrders.get(draft.id)!.find((l) => l.sourceOrderNo === 'S-ORD101006')!.lineNo;
    sim.invoices.lines.set(draft.id, sim.invoices.lines.get(draft.id)!.map((l) => (l.sequence === lineNo ? { ...l, unitPrice: 95, amountExcludingTax: 380 } : l)));
    await sim.postSalesInvoice(draft.id);
    for (const o of [...sim.orders.values()]) sim.orders.delete(o.id);
    expect(await api.findSalesOrderByNumber('S-ORD101006')).toBeUndefined();
    expect((await client.getOrder('S-ORD101006')).lines).toEqual([expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '95.00' })]);
    expect((await client.getOrder('S-ORD101005')).lines).toEqual([expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '250.00' })]);
  });

  test('an order BC deleted and a user then corrected: read from the invoice that bills it again, with the corrected price', async () => {
    const { sim, api, invoice } = await invoicedWorld();
    const client = new BusinessCentralClient(api);
    expect(await api.findSalesOrderByNumber('S-ORD101005')).toBeUndefined();
    // Correct: the user fixes the price on the new invoice (250.00 → 240.00) and posts it.
    const { draft } = await sim.correctSalesInvoice(invoice.id);
    const lines = sim.invoices.lines.get(draft.id)!;
    lines[0] = { ...lines[0]!, unitPrice: 240, amountExcludingTax: 960 };
    sim.invoices.put({ ...draft, totalAmountExcludingTax: 960, totalAmountIncludingTax: 960, remainingAmount: 960 });
    await sim.postSalesInvoice(draft.id);
    expect((await client.getOrder('S-ORD101005')).lines).toEqual([expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '240.00' })]);
    expect(sim.calls.some((c) => c.method === 'GET' && c.path.endsWith('/salesInvoiceOrders') && c.status === 200)).toBe(true);
    // The line page names it too (each copied line is stamped); without either page, the cancelled invoice's lines.
    const { salesInvoiceOrders, salesInvoiceLineOrders } = sim.pages.tables;
    sim.pages.tables.salesInvoiceOrders = undefined;
    expect((await client.getOrder('S-ORD101005')).lines).toEqual([expect.objectContaining({ unitPrice: '240.00' })]);
    sim.pages.tables.salesInvoiceLineOrders = undefined;
    expect((await client.getOrder('S-ORD101005')).lines).toEqual([expect.objectContaining({ unitPrice: '250.00' })]);
    Object.assign(sim.pages.tables, { salesInvoiceOrders, salesInvoiceLineOrders });
  });

  test('an order BC deleted whose invoice was cancelled and the cancellation undone: its lines once, from the invoice standing again (the corrective invoice only offsets the credit memo)', async () => {
    const { sim, api, invoice } = await invoicedWorld();
    const { creditMemo } = await sim.cancelSalesInvoice(invoice.id);
    await sim.cancelSalesCreditMemo(creditMemo.id);
    expect((await new BusinessCentralClient(api).getOrder('S-ORD101005')).lines).toEqual([expect.objectContaining({ sku: '1896-S', quantity: 4, unitPrice: '250.00' })]);
  });

  test('an order read from its posted invoices: the lines of the invoices not cancelled (of the cancelled ones when all are), drafts ignored', () => {
    const line = (sku: string, quantity: number, unitPrice: number) => ({ sequence: 10000, lineType: 'Item', lineObjectNumber: sku, description: sku, quantity, unitPrice });
    const invoice = (status: string, lines: ReturnType<typeof line>[]) => ({ id: randomUUID(), number: `INV-${status}`, orderNumber: 'SO-1', customerNumber: 'C-1', currencyCode: 'EUR', status, salesInvoiceLines: [...lines, { sequence: 20000, lineType: 'Comment', description: 'note', quantity: 0 }] });
    // Two partial invoices of one order: both count; a cancelled one does not while another is posted; a draft never.
    const order = orderFromPostedInvoices('SO-1', [invoice('Open', [line('A', 2, 10)]), invoice('Paid', [line('B', 1, 5.5)]), invoice('Canceled', [line('C', 9, 1)]), invoice('Draft', [line('D', 1, 1)])]);
    expect(order).toEqual({ orderId: 'SO-1', customerId: 'C-1', status: 'Invoiced', currency: 'EUR', lines: [{ sku: 'A', description: 'A', quantity: 2, unitPrice: '10.00' }, { sku: 'B', description: 'B', quantity: 1, unitPrice: '5.50' }] });
    expect(orderFromPostedInvoices('SO-1', [invoice('Canceled', [line('C', 9, 1)])])?.lines).toEqual([{ sku: 'C', description: 'C', quantity: 9, unitPrice: '1.00' }]);
    expect(orderFromPostedInvoices('SO-1', [invoice('Draft', [line('D', 1, 1)])])).toBeUndefined();
    expect(orderFromPostedInvoices('SO-1', [])).toBeUndefined();
  });

  test('with autoPostInvoice, a billing-ready row makes BC post the invoice after the delay and notify', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { sim, api, queue, clock, wanted } = world(CLIENT_STATE, { autoPostInvoice: true, invoiceDelayMs: 1000 });
    await ensureSubscriptions(api, wanted, clock.now);
    await sim.changeSalesOrder(order());
    await new BusinessCentralClient(api).markBillingReady('S-ORD101005', { shipmentId: 'SHP-1', deliveredAt: '2026-03-12T15:00:00Z' }, 'key-br');
    expect(sim.invoices.byId.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect([...sim.invoices.byId.values()].map((i) => i.orderNumber)).toEqual(['S-ORD101005']);
    expect(queue.requests.filter((r) => r.kind === 'bc-sales-invoice-read-back')).toHaveLength(1);
    // A replayed billing-ready (same idempotencyKey) is answered 200 with the first row and posts nothing more.
    await new BusinessCentralClient(api).markBillingReady('S-ORD101005', { shipmentId: 'SHP-1', deliveredAt: '2026-03-12T15:00:00Z' }, 'key-br');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sim.invoices.byId.size).toBe(1);
    sim.stop();
  });

  test('the simulator holds invoices to the salesInvoice contract: what it serves validates, what it is given must', async () => {
    const { sim, api } = world();
    await sim.changeSalesOrder(order());
    const { invoice } = await sim.postInvoice('S-ORD101005');
    const served = await api.getSalesInvoice(invoice.id);
    expect(() => assertBcSalesInvoice(served)).not.toThrow();
    expect(served).toMatchObject({ '@odata.etag': expect.any(String), number: invoice.number, totalAmountIncludingTax: expect.any(Number) });
    await expect(sim.changeSalesInvoice({ ...invoice, status: 'Posted' as never })).rejects.toThrow(/sales-invoice.schema.json/);
    await expect(sim.changeSalesInvoice({ ...invoice, totalAmountIncludingTax: '17985.00' as never })).rejects.toThrow(/sales-invoice.schema.json/);
    await expect(api.getSalesInvoice(randomUUID())).rejects.toBeInstanceOf(RejectedByTargetError);
  });

  test('BC refuses a subscription to an entity the simulator does not notify (customers)', async () => {
    const { api, clock } = world();
    await expect(ensureSubscriptions(api, { notificationUrl: NOTIFICATION_URL, resources: ['/api/v2.0/companies(x)/customers'], clientState: CLIENT_STATE }, clock.now)).rejects.toThrow(/400/);
  });

  test('a cancelled invoice: BC posts its corrective credit memo and notifies; it is read back into invoice.posted (credit-memo) on the invoice\'s order and shipment', async () => {
    const { sim, api, queue, invoice } = await invoicedWorld();
    const { creditMemo, statuses } = await sim.cancelSalesInvoice(invoice.id);
    expect(statuses).toEqual([202, 202]);
    expect(sim.invoices.byId.get(invoice.id)!.status).toBe('Canceled');
    // The invoice's update reads Canceled (nothing published); the credit memo's creation is read back.
    const cancelled = await bcInvoiceReadBack(api, queue.requests.at(-2) as BcSalesInvoiceReadBackRequest);
    expect(cancelled.events).toEqual([]);
    expect(cancelled.notPosted).toEqual([expect.stringMatching(/Canceled/)]);
    const request = queue.requests.at(-1) as BcSalesCreditMemoReadBackRequest;
    expect(request).toMatchObject({ kind: 'bc-sales-credit-memo-read-back', salesCreditMemo: creditMemo.id, changeType: 'created' });
    const { events } = await bcCreditMemoReadBack(api, request);
    expect(events.map((e) => [e.refs, e.data])).toEqual([
      [
        { invoiceId: creditMemo.number, orderId: 'S-ORD101005', shipmentId: 'SHP-1', customerId: '10000' },
        { documentType: 'credit-memo', correctsInvoiceId: invoice.number, currency: 'USD', netAmount: '1000.00', taxAmount: '0.00', grossAmount: '1000.00' },
      ],
    ]);
    // Served as the contract says, and a collection notification's filter is served too.
    expect(await api.getSalesCreditMemo(creditMemo.id)).toMatchObject({ invoiceId: invoice.id, invoiceNumber: invoice.number, status: 'Corrective' });
    expect((await api.listSalesCreditMemos('lastModifiedDateTime gt 2000-01-01T00:00:00Z')).map((m) => m.number)).toEqual([creditMemo.number]);
  });

  test('the Correct action: the corrective credit memo and, once posted, the new invoice (blank orderNumber) are read back on the order the extension names; a correction of that correction too', async () => {
    const { sim, api, queue, invoice } = await invoicedWorld();
    const { creditMemo, draft, statuses } = await sim.correctSalesInvoice(invoice.id);
    // Notified: the invoice (Canceled), its corrective credit memo (created), the new invoice (created, Draft).
    expect(statuses).toEqual([202, 202, 202]);
    const requests = queue.requests.slice(-3);
    expect((await bcInvoiceReadBack(api, requests[0] as BcSalesInvoiceReadBackRequest)).notPosted).toEqual([expect.stringMatching(/Canceled/)]);
    const credit = await bcCreditMemoReadBack(api, requests[1] as BcSalesCreditMemoReadBackRequest);
    expect(credit.events.map((e) => e.refs)).toEqual([{ invoiceId: creditMemo.number, orderId: 'S-ORD101005', shipmentId: 'SHP-1', customerId: '10000' }]);
    const unposted = await bcInvoiceReadBack(api, requests[2] as BcSalesInvoiceReadBackRequest);
    expect([unposted.events, unposted.notPosted]).toEqual([[], [expect.stringMatching(/status Draft: not posted yet/)]]);
    // The user posts the new invoice: its API orderNumber is blank (a Sales Header of type Invoice), served per the contract.
    const { invoice: posted } = await sim.postSalesInvoice(draft.id);
    const served = await api.getSalesInvoice(posted.id);
    expect(() => assertBcSalesInvoice(served)).not.toThrow();
    expect(served).toMatchObject({ number: posted.number, orderNumber: '', status: 'Open' });
    const rebilled = await bcInvoiceReadBack(api, queue.requests.at(-1) as BcSalesInvoiceReadBackRequest);
    expect(rebilled.notPosted).toEqual([]);
    expect(rebilled.events.map((e) => [e.metadata.correlationId, e.refs, e.data])).toEqual([
      ['S-ORD101005', { invoiceId: posted.number, orderId: 'S-ORD101005', shipmentId: 'SHP-1', customerId: '10000' }, expect.objectContaining({ documentType: 'invoice', grossAmount: '1000.00' })],
    ]);
    expect(sim.calls.some((c) => c.method === 'GET' && c.path.endsWith(`/salesInvoiceOrders('${posted.number}')`) && c.status === 200)).toBe(true);
    // Correcting the new invoice again: its credit memo and the next invoice still find the order (the extension's field travels with the copy).
    const again = await sim.correctSalesInvoice(posted.id);
    const memoOfCorrection = await bcCreditMemoReadBack(api, queue.requests.at(-2) as BcSalesCreditMemoReadBackRequest);
    expect(memoOfCorrection.events.map((e) => [e.refs.invoiceId, e.refs.orderId, (e.data as { correctsInvoiceId: string }).correctsInvoiceId])).toEqual([[again.creditMemo.number, 'S-ORD101005', posted.number]]);
    const { invoice: third } = await sim.postSalesInvoice(again.draft.id);
    expect((await bcInvoiceReadBack(api, queue.requests.at(-1) as BcSalesInvoiceReadBackRequest)).events.map((e) => [e.refs.invoiceId, e.refs.orderId])).toEqual([[third.number, 'S-ORD101005']]);
  });

  test('cancelling the corrective credit memo: BC posts a Corrective invoice (blank orderNumber), read back on the order; the reopened invoice publishes nothing new', async () => {
    const { sim, api, queue, clock, invoice } = await invoicedWorld();
    const first = (await bcInvoiceReadBack(api, queue.requests.findLast((r) => r.kind === 'bc-sales-invoice-read-back') as BcSalesInvoiceReadBackRequest)).events[0]!;
    const { creditMemo } = await sim.cancelSalesInvoice(invoice.id);
    clock.now = new Date(clock.now.getTime() + 3_600_000);
    const { corrective, statuses } = await sim.cancelSalesCreditMemo(creditMemo.id);
    expect(statuses).toEqual([202, 202, 202]);
    const [memoUpdate, reopenedUpdate, created] = queue.requests.slice(-3);
    expect((await bcCreditMemoReadBack(api, memoUpdate as BcSalesCreditMemoReadBackRequest)).notPosted).toEqual([expect.stringMatching(/status Canceled/)]);
    // The original invoice reads Open again: read back into the same event as when it was posted (deduped downstream).
    const reopened = await bcInvoiceReadBack(api, reopenedUpdate as BcSalesInvoiceReadBackRequest);
    expect(reopened.events.map((e) => e.metadata.eventId)).toEqual([first.metadata.eventId]);
    expect(await api.getSalesInvoice(corrective.id)).toMatchObject({ status: 'Corrective', orderNumber: '', customerNumber: '10000', totalAmountIncludingTax: creditMemo.totalAmountIncludingTax });
    const { events } = await bcInvoiceReadBack(api, created as BcSalesInvoiceReadBackRequest);
    expect(events.map((e) => [e.refs, (e.data as { documentType: string }).documentType])).toEqual([[{ invoiceId: corrective.number, orderId: 'S-ORD101005', shipmentId: 'SHP-1', customerId: '10000' }, 'invoice']]);
  });

  test('without the extension\'s salesInvoiceOrders page (404), an invoice with a blank orderNumber is logged as no order of ours, as before', async () => {
    const { sim, api } = world();
    await sim.changeSalesOrder(order());
    const { invoice } = await sim.postInvoice('S-ORD101005');
    const { draft } = await sim.correctSalesInvoice(invoice.id);
    const { invoice: posted } = await sim.postSalesInvoice(draft.id);
    sim.pages.tables.salesInvoiceOrders = undefined;
    expect(await api.getInvoiceOrder(posted.number)).toBeUndefined();
    expect(sim.calls.at(-1)).toMatchObject({ method: 'GET', status: 404 });
  });
});
