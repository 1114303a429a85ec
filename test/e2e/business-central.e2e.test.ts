/**
 * The reference scenario with Dynamics 365 Business Central as the ERP (issue 13): a sandbox of its own, started as
 * `npm start -- --systems erp=business-central` starts it. The product's scheduled renewal function subscribes our
 * webhook in BC (the handshake goes through the local API Gateway to the ERP inbound function), the BC simulator's
 * thin notification of SO-1001 is read back by the deployed read-back function into order.released, and the outbound
 * and workflow functions write the shipment statuses, billing-ready and the quality hold to the extension's custom
 * API pages (contracts/business-central/extension-pages.json). After billing-ready BC posts the order's invoice; its
 * salesInvoices notification is read back into invoice.posted, which the CS adapter notes on the shipment's ticket.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BcApi, EntraClientCredentials } from '../../lambdas/erp/business-central/bc-api';
import { BusinessCentralClient } from '../../lambdas/erp/business-central/bc-client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { localizeApiUrls } from '../../sandbox/endpoints';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import type { BcSimSalesOrder } from '../../sandbox/simulators/business-central';
import { runScenario, type ScenarioReport } from '../../sandbox/scenario/reference';
import { eventually } from './support';

let sandbox: Sandbox;
let report: ScenarioReport;
const lines: string[] = [];

beforeAll(async () => {
  // Under .sandbox/e2e/<pid> like the shared sandbox (this worker's pid): the next run's global setup removes it.
  sandbox = await startSandbox({ workDir: path.join(PROJECT_ROOT, '.sandbox', 'e2e', String(process.pid)), systems: { erp: 'business-central' }, log: (line) => lines.push(line) });
  report = await runScenario(sandbox, undefined, { log: (line) => lines.push(line) });
}, 400_000);

afterAll(async () => {
  await sandbox?.stop();
});

const bc = () => sandbox.simulators!.businessCentral.sim;
const rows = (set: string) => bc().custom.get(set) ?? [];
const SHIPMENT = 'SHP-1001-01';

/** The note a credit memo left on a CS ticket, once the CS adapter wrote it. */
const creditMemoNote = (number: string) =>
  eventually(
    async () =>
      (sandbox.simulators!.cs.snapshot() as { tickets: { comments: { body: string }[] }[] }).tickets
        .flatMap((t) => t.comments.map((c) => c.body))
        .find((b) => b.startsWith(`Credit memo ${number}`)),
    60_000,
    'the credit memo note on the ticket',
  );

/** A user releases a chilled order of customer C-77 in BC (with its salesOrderLogistics row): the notification statuses. */
async function releaseChilledOrder(number: string, id: string, salesOrderLines: BcSimSalesOrder['salesOrderLines']): Promise<number[]> {
  bc().pages.seed('salesOrderLogistics', number, { orderNo: number, temperatureRegime: 'chilled', minCelsius: 2, maxCelsius: 8, shipToLocation: 'C-77-DOCK-1', documentStatus: 'Released' });
  return bc().changeSalesOrder({
    id,
    number,
    customerNumber: 'C-77',
    requestedDeliveryDate: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
    shipToName: 'C-77 Utrecht receiving dock',
    shipToAddressLine1: 'Koelhuisweg 4',
    shipToCity: 'Utrecht',
    shipToPostCode: '3542 AB',
    shipToCountry: 'NL',
    status: 'Open',
    fullyShipped: false,
    lastModifiedDateTime: '',
    salesOrderLines,
  });
}

test('the stage calls Business Central: vendor, the simulator\'s environment root and Entra token URL, its company', () => {
  const erp = sandbox.config.systems.erp;
  expect(erp.vendor).toBe('business-central');
  expect(erp.apiBaseUrl).toBe(sandbox.simulators!.businessCentral.apiBaseUrl);
  expect(erp.tokenUrl).toBe(sandbox.simulators!.businessCentral.tokenUrl);
  expect(erp.businessCentral).toEqual({ companyId: bc().companyId, shipFromLocation: 'DC-01' });
  expect(sandbox.simulators!.erpVendor).toBe('business-central');
});

test('the reference scenario passes with ERP = Business Central', () => {
  expect(report.firstFailure, lines.join('\n')).toBeUndefined();
  expect(report.ok).toBe(true);
  expect(report.steps.filter((s) => s.status === 'skipped')).toEqual([]);
});

test('the renewal function subscribed our webhook to sales orders, sales invoices and sales credit memos (BC handshakes before it answers 201) with the secret as clientState', () => {
  const subscriptions = [...bc().subscriptions.values()];
  expect(subscriptions.map((s) => s.resource).sort()).toEqual(['salesCreditMemos', 'salesInvoices', 'salesOrders'].map((set) => `/api/v2.0/companies(${bc().companyId})/${set}`));
  for (const s of subscriptions) {
    expect(s.clientState).toBe(sandbox.secrets.systems.erp.businessCentralClientState);
    expect(s.notificationUrl).toMatch(/^https:\/\/[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com\/[^/]+\/webhooks\/erp\/business-central$/);
  }
  expect(bc().calls.filter((c) => c.method === 'POST' && c.path === '/api/v2.0/subscriptions').map((c) => c.status)).toEqual([201, 201, 201]);
});

test('order.released came from BC\'s notification through the erp-bc-read-back queue, with the extension\'s logistics', () => {
  const released = sandbox.busTap.events().filter((e) => e['detail-type'] === 'order.released');
  expect(released).toHaveLength(1);
  const detail = released[0]!.detail as { metadata: { source: { vendor: string } }; refs: { orderId: string }; data: Record<string, unknown> };
  expect(detail.metadata.source.vendor).toBe('business-central');
  expect(detail.refs.orderId).toBe('SO-1001');
  expect(detail.data).toMatchObject({ temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } }, shipFrom: { locationId: 'DC-01' }, shipTo: { locationId: 'C-77-DOCK-1' }, assignment: { vehicleId: 'erp.vehicle:TRK-17', trailerId: 'erp.trailer:RF-204' } });
  const readBack = sandbox.pollers.find((p) => p.fn.spec.environment.QUEUE_URL?.includes('ErpBcReadBack'));
  expect(readBack?.seen.length).toBeGreaterThanOrEqual(1);
  expect(bc().calls.some((c) => c.method === 'GET' && /\/salesOrders\([0-9a-f-]{36}\)$/.test(c.path) && c.status === 200)).toBe(true);
});

test('each shipment status and the billing-ready were written to the extension pages exactly once; one quality hold was placed', () => {
  const statuses = rows('shipmentStatuses').filter((r) => r.shipmentNo === SHIPMENT).map((r) => r.status);
  expect(statuses).toEqual(expect.arrayContaining(['dispatched', 'in-transit', 'arrived', 'delivered']));
  expect(new Set(statuses).size).toBe(statuses.length);
  expect(rows('billingReadyOrders')).toEqual([expect.objectContaining({ orderNo: 'SO-1001', shipmentNo: SHIPMENT })]);
  expect(rows('qualityHolds')).toEqual([expect.objectContaining({ orderNo: 'SO-1001', shipmentNo: SHIPMENT, status: 'active' })]);
  expect(bc().calls.filter((c) => c.status !== null && c.status >= 400)).toEqual([]);
});

test('the product never called the generic ERP, and its confirmations name Business Central', () => {
  expect(sandbox.simulators!.erp.calls).toEqual([]);
  const confirmations = sandbox.busTap.events().filter((e) => ['shipment.status-synced', 'invoice.ready'].includes(e['detail-type']));
  expect(confirmations.length).toBeGreaterThan(0);
  expect(new Set(confirmations.map((e) => (e.detail as { metadata: { source: { vendor: string } } }).metadata.source.vendor))).toEqual(new Set(['business-central']));
});

test('BC posted the invoice of SO-1001 after billing-ready; its notification was read back into one invoice.posted for the order and its shipment', () => {
  const invoices = [...bc().invoices.byId.values()];
  expect(invoices).toEqual([expect.objectContaining({ orderNumber: 'SO-1001', status: 'Open' })]);
  const posted = sandbox.busTap.events().filter((e) => e['detail-type'] === 'invoice.posted');
  expect(posted).toHaveLength(1);
  const detail = posted[0]!.detail as { metadata: { source: { vendor: string } }; refs: Record<string, string>; data: Record<string, unknown> };
  expect(detail.metadata.source.vendor).toBe('business-central');
  expect(detail.refs).toMatchObject({ orderId: 'SO-1001', invoiceId: invoices[0]!.number, shipmentId: SHIPMENT });
  expect(detail.data).toMatchObject({ documentType: 'invoice', currency: invoices[0]!.currencyCode });
  expect(bc().calls.some((c) => c.method === 'GET' && /\/salesInvoices\([0-9a-f-]{36}\)$/.test(c.path) && c.status === 200)).toBe(true);
});

test('posting Ship and Invoice deleted SO-1001 in BC, as BC does: the `deleted` notification was accepted and read nothing back, and the order is still readable from its invoice', async () => {
  expect([...bc().orders.values()].filter((o) => o.number === 'SO-1001')).toEqual([]);
  expect(bc().shipments.filter((s) => s.orderNumber === 'SO-1001')).toHaveLength(1);
  const deleted = bc().notifications.filter((n) => n.entitySet === 'salesOrders' && n.changeType === 'deleted');
  expect(deleted.map((n) => n.status)).toEqual([202]);
  // No read of the deleted order followed its notification (a read would 404).
  expect(bc().calls.filter((c) => c.method === 'GET' && c.path.endsWith(`/salesOrders(${deleted[0]!.id})`) && c.status === 404)).toEqual([]);
  // What the exception workflows' enrichment reads for an order reported on after invoicing: the product's client
  // over the simulator's API answers it from the posted invoice, with its lines and prices.
  const http = new HttpJsonClient({ target: 'Business Central', baseUrl: bc().baseUrl, fetch: bc().fetch as typeof fetch });
  const client = new BusinessCentralClient(new BcApi(http, new EntraClientCredentials(http, bc().tokenUrl, async () => bc().credentials), bc().companyId));
  const order = await client.getOrder('SO-1001');
  expect(order).toMatchObject({ orderId: 'SO-1001', customerId: 'C-77', status: 'Invoiced' });
  expect(order.lines.length).toBeGreaterThan(0);
  expect(order.lines.every((l) => Number(l.unitPrice) > 0)).toBe(true);
});

test('a user cancels the invoice in BC: its corrective credit memo is read back into invoice.posted (credit-memo), the shipment\'s ticket is told so, once, and the shipment is unbilled again', { timeout: 120_000 }, async () => {
  const [invoice] = [...bc().invoices.byId.values()];
  const visibility = localizeApiUrls(sandbox.product!.outputs.VisibilityPageUrl!, sandbox.apis);
  const unbilledRow = async () => {
    const response = await fetch(new URL('api/deliveries/unbilled?limit=100', visibility));
    const { items } = (await response.json()) as { items: { shipmentId: string; invoice: unknown; cancelledInvoices: { invoiceId: string; creditMemoIds: string[] }[] }[] };
    return items.find((i) => i.shipmentId === SHIPMENT);
  };
  // Invoiced: not on the unbilled list (once the index has the invoice).
  await eventually(async () => ((await unbilledRow()) === undefined ? true : undefined), 60_000, 'the invoiced shipment off the unbilled list');
  const { creditMemo, statuses } = await bc().cancelSalesInvoice(invoice!.id);
  expect(statuses).toEqual([202, 202]);
  const creditMemos = () =>
    sandbox.busTap
      .events()
      .filter((e) => e['detail-type'] === 'invoice.posted' && (e.detail as { data: { documentType: string } }).data.documentType === 'credit-memo')
      .map((e) => e.detail as { refs: Record<string, string>; data: Record<string, unknown> });
  const [posted] = await eventually(async () => (creditMemos().length > 0 ? creditMemos() : undefined), 60_000, 'the credit memo on the bus');
  expect(posted!.refs).toMatchObject({ orderId: 'SO-1001', invoiceId: creditMemo.number, shipmentId: SHIPMENT });
  // The CS adapter notes it on the shipment's ticket as a credit memo.
  const note = await creditMemoNote(creditMemo.number);
  expect(note).toBe(`Credit memo ${creditMemo.number} (${creditMemo.currencyCode} ${creditMemo.totalAmountIncludingTax.toFixed(2)}) posted for order SO-1001, shipment ${SHIPMENT}, correcting invoice ${invoice!.number}.`);
  expect(creditMemos()).toHaveLength(1);
  // It corrects the whole invoice: the cancelled invoice no longer bills the shipment, which is delivered and not
  // invoiced again (BC reverted the order's invoiced quantities), on the visibility API's unbilled list.
  expect(posted!.data).toMatchObject({ documentType: 'credit-memo', correctsInvoiceId: invoice!.number });
  const unbilled = await eventually(unbilledRow, 60_000, 'the shipment back on the unbilled list');
  expect(unbilled.invoice).toBeNull();
  expect(unbilled.cancelledInvoices).toEqual([expect.objectContaining({ invoiceId: invoice!.number, creditMemoIds: [creditMemo.number] })]);
});

test('the user then cancels that credit memo in BC: the corrective invoice it posts (blank orderNumber) is read back on the order the extension names, and the shipment is invoiced again', { timeout: 120_000 }, async () => {
  const [creditMemo] = [...bc().invoices.creditMemos.values()];
  const { corrective, statuses } = await bc().cancelSalesCreditMemo(creditMemo!.id);
  expect(statuses).toEqual([202, 202, 202]);
  expect(corrective).toMatchObject({ status: 'Corrective', orderNumber: '' });
  const posted = await eventually(
    async () => sandbox.busTap.events().find((e) => e['detail-type'] === 'invoice.posted' && (e.detail as { refs: { invoiceId: string } }).refs.invoiceId === corrective.number),
    60_000,
    'the corrective invoice on the bus',
  );
  expect((posted.detail as { refs: Record<string, string> }).refs).toMatchObject({ orderId: 'SO-1001', shipmentId: SHIPMENT, invoiceId: corrective.number });
  const visibility = localizeApiUrls(sandbox.product!.outputs.VisibilityPageUrl!, sandbox.apis);
  await eventually(
    async () => {
      const response = await fetch(new URL('api/deliveries/unbilled?limit=100', visibility));
      const { items } = (await response.json()) as { items: { shipmentId: string }[] };
      return items.some((i) => i.shipmentId === SHIPMENT) ? undefined : true;
    },
    60_000,
    'the shipment off the unbilled list again',
  );
});

test('the webhook route answers BC\'s handshake by GET too, through the API (the token required there); a GET without one is refused as any request missing what its route requires (401)', async () => {
  const url = `${sandbox.endpoints.webhookBaseUrl}/webhooks/erp/business-central`;
  const answered = await fetch(`${url}?validationToken=7d0f3a52-1c4e-4b8a-9e2f-6a5b4c3d2e1f`);
  expect([answered.status, await answered.text()]).toEqual([200, '7d0f3a52-1c4e-4b8a-9e2f-6a5b4c3d2e1f']);
  const refused = await fetch(url);
  expect(refused.status).toBe(401);
});

test('an order sold by weight, in a unit the company defines (KILO, Rec 20 KGM), is released as order.released v2 with its decimal quantity and dispatched to the fleet', { timeout: 120_000 }, async () => {
  bc().units.add('KILO', 'Kilogram', 'KGM');
  const number = 'SO-2002';
  const statuses = await releaseChilledOrder(number, '6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5', [
    { id: '7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', sequence: 10000, lineType: 'Item', lineObjectNumber: 'BEEF-TL', description: 'Beef tenderloin, vacuum packed', unitOfMeasureCode: 'KILO', quantity: 182.35, shippedQuantity: 0 },
    { id: '8b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e', sequence: 20000, lineType: 'Item', lineObjectNumber: 'INS-GLA-100', description: 'Insulin glargine pens, 5 x 3 ml', unitOfMeasureCode: 'BOX', quantity: 12, shippedQuantity: 0 },
  ]);
  expect(statuses).toEqual([202]);
  const released = await eventually(
    async () => sandbox.busTap.events().find((e) => e['detail-type'] === 'order.released' && (e.detail as { refs: { orderId: string } }).refs.orderId === number),
    60_000,
    'order.released of SO-2002 on the bus',
  );
  const detail = released.detail as { metadata: { schemaVersion: string }; data: { lines: unknown[] } };
  expect(detail.metadata.schemaVersion).toBe('2');
  expect(detail.data.lines).toEqual([
    { lineNumber: 1, sku: 'BEEF-TL', description: 'Beef tenderloin, vacuum packed', quantity: 182.35, unit: 'KGM' },
    { lineNumber: 2, sku: 'INS-GLA-100', description: 'Insulin glargine pens, 5 x 3 ml', quantity: 12, unit: 'CS' },
  ]);
  expect(bc().calls.some((c) => c.method === 'GET' && c.path.endsWith('/unitsOfMeasure') && c.status === 200)).toBe(true);
  await eventually(
    async () => sandbox.busTap.events().find((e) => e['detail-type'] === 'shipment.dispatched' && (e.detail as { refs: { orderId?: string } }).refs.orderId === number),
    90_000,
    'SO-2002 dispatched (its route created in the fleet system)',
  );
});

test('a user invoices two orders\' shipments together in BC (Combine Shipments): the invoice, with no orderNumber, is announced once per order with that order\'s amounts', { timeout: 120_000 }, async () => {
  const number = 'SO-2003';
  expect(
    await releaseChilledOrder(number, '9c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', [
      { id: 'ad4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a', sequence: 10000, lineType: 'Item', lineObjectNumber: 'INS-GLA-100', description: 'Insulin glargine pens, 5 x 3 ml', unitOfMeasureCode: 'BOX', quantity: 10, shippedQuantity: 0, unitPrice: 412.5 },
    ]),
  ).toEqual([202]);
  const { invoice, statuses } = await bc().combineShipments(['SO-2002', number]);
  expect(statuses).toEqual([202]);
  expect(invoice.orderNumber).toBe('');
  const posted = () =>
    sandbox.busTap
      .events()
      .filter((e) => e['detail-type'] === 'invoice.posted' && (e.detail as { refs: { invoiceId: string } }).refs.invoiceId === invoice.number)
      .map((e) => e.detail as { refs: { orderId: string }; data: { grossAmount: string } });
  const events = await eventually(async () => (posted().length === 2 ? posted() : undefined), 60_000, 'the combined invoice on the bus, once per order');
  const lines = bc().invoices.lineOrders.get(invoice.id)!;
  const gross = (order: string) => lines.filter((l) => l.orderNo === order).reduce((sum, l) => sum + Math.round(l.amountIncludingVat * 100), 0);
  expect(events.map((e) => [e.refs.orderId, e.data.grossAmount]).sort()).toEqual([
    ['SO-2002', (gross('SO-2002') / 100).toFixed(2)],
    [number, (gross(number) / 100).toFixed(2)],
  ]);
  expect(gross('SO-2002') + gross(number)).toBe(Math.round(invoice.totalAmountIncludingTax * 100));
});

test('the user corrects that combined invoice in BC: cancelled and the cancellation undone, then a credit memo for part of SO-2003\'s line — each credit memo and the corrective invoice announced on the orders their lines name', { timeout: 180_000 }, async () => {
  const invoice = [...bc().invoices.byId.values()].find((i) => i.status === 'Open' && i.orderNumber === '' && (bc().invoices.lineOrders.get(i.id) ?? []).some((l) => l.orderNo === 'SO-2003'))!;
  const announced = (invoiceId: string) =>
    sandbox.busTap
      .events()
      .filter((e) => e['detail-type'] === 'invoice.posted' && (e.detail as { refs: { invoiceId: string } }).refs.invoiceId === invoiceId)
      .map((e) => e.detail as { refs: { orderId: string }; data: { documentType: string; grossAmount: string; correctsInvoiceId?: string } });
  const lines = bc().invoices.lineOrders.get(invoice.id)!;
  const share = (order: string) => (lines.filter((l) => l.orderNo === order).reduce((sum, l) => sum + Math.round(l.amountIncludingVat * 100), 0) / 100).toFixed(2);
  // Cancelled: its credit memo once per order; then that credit memo cancelled: the corrective invoice once per order,
  // each with that order's share, from the orders the extension stamped through the credit memo's lines.
  const { creditMemo } = await bc().cancelSalesInvoice(invoice.id);
  await eventually(async () => (announced(creditMemo.number).length === 2 ? true : undefined), 60_000, 'the cancellation on the bus, once per order');
  const { corrective } = await bc().cancelSalesCreditMemo(creditMemo.id);
  const events = await eventually(async () => (announced(corrective.number).length === 2 ? announced(corrective.number) : undefined), 60_000, 'the corrective invoice on the bus, once per order');
  expect(events.map((e) => [e.refs.orderId, e.data.documentType, e.data.grossAmount]).sort()).toEqual([
    ['SO-2002', 'invoice', share('SO-2002')],
    ['SO-2003', 'invoice', share('SO-2003')],
  ]);
  // The invoice stands again: a price correction on SO-2003's line is a credit memo of one line, noted on SO-2003
  // only, for its whole amount.
  const { creditMemo: partial, statuses } = await bc().creditSalesInvoiceLines(invoice.id, [{ lineNo: lines.find((l) => l.orderNo === 'SO-2003')!.lineNo, amount: 100 }]);
  expect(statuses).toEqual([202]);
  const [credited] = await eventually(async () => (announced(partial.number).length > 0 ? announced(partial.number) : undefined), 60_000, 'the partial credit memo on the bus');
  expect([credited!.refs.orderId, credited!.data]).toEqual(['SO-2003', expect.objectContaining({ documentType: 'credit-memo', correctsInvoiceId: invoice.number, grossAmount: partial.totalAmountIncludingTax.toFixed(2) })]);
  expect(announced(partial.number)).toHaveLength(1);
});

test('a credit memo applied to no invoice (lines fetched with Get Posted Document Lines to Reverse) is noted on SO-1001\'s ticket, correcting the invoice its line came from', { timeout: 120_000 }, async () => {
  const invoice = [...bc().invoices.byId.values()].find((i) => i.orderNumber === 'SO-1001' && i.status === 'Open')!;
  const line = bc().invoices.lineOrders.get(invoice.id)!.find((l) => l.amount > 0)!;
  const { creditMemo, statuses } = await bc().creditSalesInvoiceLines(invoice.id, [{ lineNo: line.lineNo, amount: 25 }], { applied: false });
  expect(statuses).toEqual([202]);
  expect(creditMemo.invoiceNumber).toBe('');
  const note = await creditMemoNote(creditMemo.number);
  expect(note).toBe(`Credit memo ${creditMemo.number} (${creditMemo.currencyCode} ${creditMemo.totalAmountIncludingTax.toFixed(2)}) posted for order SO-1001, shipment ${SHIPMENT}, correcting invoice ${invoice.number}.`);
});
