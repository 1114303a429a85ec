import { describe, expect, test } from 'vitest';
import type { BcBillingReadyRow, BcInvoiceLineOrder, BcSalesInvoice } from '../../lambdas/erp/business-central/bc-api';
import { bcReadBackRequests, type BcSalesInvoiceReadBackRequest } from '../../lambdas/erp/business-central/notifications';
import { bcDecimal, bcInvoiceNotPostedReason, bcInvoiceReadBack, bcInvoiceShares, billingReadyShipment, mapBcSalesInvoice, type BcSalesInvoiceReader } from '../../lambdas/erp/business-central/read-back-invoice';
import { creditMemoParts, unlinkedCreditMemoParts } from '../../lambdas/erp/business-central/read-back-credit-memo';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { ValidationError } from '../../lambdas/shared/errors';

const COMPANY = 'b18aed47-c385-49d2-b954-dbdf8ad71780';
const INVOICE_ID = '9e0f5c9c-44e3-ea11-bb43-000d3a2feca1';

/** The GET salesInvoices({id}) example of the docs (dynamics_salesinvoice_get), with an order number and our order's amounts. */
const INVOICE: BcSalesInvoice = {
  id: INVOICE_ID,
  number: 'PS-INV103001',
  externalDocumentNumber: '',
  invoiceDate: '2026-03-12',
  postingDate: '2026-03-12',
  dueDate: '2026-04-11',
  customerNumber: 'C-77',
  orderNumber: 'SO-1001',
  currencyCode: 'EUR',
  totalAmountExcludingTax: 16500,
  totalTaxAmount: 1485,
  totalAmountIncludingTax: 17985,
  status: 'Open',
  lastModifiedDateTime: '2026-03-12T15:05:00.337Z',
};

const request = (at = '2026-03-12T15:05:00.337Z'): BcSalesInvoiceReadBackRequest =>
  bcReadBackRequests({ value: [{ subscriptionId: 's', clientState: 'x', resource: `api/v2.0/companies(${COMPANY})/salesInvoices(${INVOICE_ID})`, changeType: 'created', lastModifiedDateTime: at }] }, '2026-03-12T15:05:31.000Z')[0] as BcSalesInvoiceReadBackRequest;

/** A reader answering `invoice`; `invoiceOrders`: the extension's salesInvoiceOrders rows (invoice number → the order it bills). */
function reader(
  invoice: BcSalesInvoice,
  billingReady: BcBillingReadyRow[] = [{ id: 'r1', orderNo: 'SO-1001', shipmentNo: 'SHP-1001-01', deliveredAt: '2026-03-12T14:40:00Z' }],
  invoiceOrders: Record<string, string> = {},
  lineOrders: BcInvoiceLineOrder[] = [],
): BcSalesInvoiceReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getSalesInvoice: async () => invoice,
    listSalesInvoices: async () => [invoice],
    listBillingReady: async (orderNo) => billingReady.filter((r) => r.orderNo === orderNo),
    getInvoiceOrder: async (number) => {
      asked.push(number);
      return invoiceOrders[number];
    },
    listInvoiceLineOrders: async (number) => lineOrders.filter((l) => l.documentNo === number),
  };
}

describe('Business Central sales invoice → invoice.posted', () => {
  test('Open (posted): invoice.posted with the order number, invoice number, amounts as decimals, currency, due date and the billed shipment', async () => {
    const { events, notPosted } = await bcInvoiceReadBack(reader(INVOICE), request());
    expect(notPosted).toEqual([]);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata).toMatchObject({ eventType: 'invoice.posted', correlationId: 'SO-1001', occurredAt: '2026-03-12T15:05:00.337Z', source: { system: 'erp', vendor: 'business-central', eventId: `bc:salesInvoices:${INVOICE_ID}:posted` } });
    expect(event.refs).toEqual({ invoiceId: 'PS-INV103001', orderId: 'SO-1001', shipmentId: 'SHP-1001-01', customerId: 'C-77' });
    expect(event.data).toEqual({ documentType: 'invoice', currency: 'EUR', netAmount: '16500.00', taxAmount: '1485.00', grossAmount: '17985.00', dueDate: '2026-04-11' });
  });

  test('Paid is posted too, with the same event id as Open: a later payment, a repeated notification or a collection dedupes', async () => {
    const open = (await bcInvoiceReadBack(reader(INVOICE), request())).events[0];
    const paid = (await bcInvoiceReadBack(reader({ ...INVOICE, status: 'Paid', lastModifiedDateTime: '2026-04-02T09:00:00Z' }), request('2026-04-02T09:00:00Z'))).events[0];
    const again = (await bcInvoiceReadBack(reader(INVOICE), request())).events[0];
    expect(paid.metadata.eventId).toBe(open.metadata.eventId);
    expect(again.metadata.eventId).toBe(open.metadata.eventId);
  });

  test.each([
    ['Draft', /status Draft: not posted yet/],
    ['In Review', /status In Review: not posted yet/],
    // The OData member names of values with a space (BC's API may send these; read the same).
    ['In_x0020_Review', /status In Review: not posted yet/],
    ['_x0020_', /status \(blank\): not a posted invoice/],
    ['Canceled', /status Canceled: cancelled \(announced while it stood/],
    [' ', /status \(blank\): not a posted invoice/],
  ])('%s is not announced: nothing published, the reason says why', async (status, reason) => {
    const { events, notPosted } = await bcInvoiceReadBack(reader({ ...INVOICE, status }), request());
    expect(events).toEqual([]);
    expect(notPosted).toEqual([expect.stringMatching(reason)]);
    expect(bcInvoiceNotPostedReason({ ...INVOICE, status })).toMatch(reason);
  });

  test('a Corrective invoice (posted to cancel a credit memo: it bills again) is announced as a posted invoice', async () => {
    const { events, notPosted } = await bcInvoiceReadBack(reader({ ...INVOICE, status: 'Corrective' }), request());
    expect(notPosted).toEqual([]);
    expect(events.map((e) => [e.metadata.eventType, e.refs.invoiceId, (e.data as { documentType: string }).documentType])).toEqual([['invoice.posted', INVOICE.number, 'invoice']]);
  });

  test('an invoice posted on its own (blank orderNumber, as in the docs\' example, and no order named by the extension) is not announced: no order of ours', async () => {
    const read = reader({ ...INVOICE, orderNumber: '' });
    const { events, notPosted } = await bcInvoiceReadBack(read, request());
    expect(events).toEqual([]);
    expect(notPosted[0]).toMatch(/not posted from a sales order \(no orderNumber\) and the extension names no order it bills/);
    expect(read.asked).toEqual([INVOICE.number]);
  });

  test.each([
    ['Open', 'the Correct action\'s new invoice, posted'],
    ['Corrective', 'the corrective invoice of a cancelled credit memo'],
  ])('an invoice BC created to bill an order again (%s: %s; blank orderNumber) is announced on the order the extension names, and its shipment', async (status) => {
    const rebill = { ...INVOICE, id: INVOICE_ID, number: 'PS-INV103002', orderNumber: '', status, totalAmountExcludingTax: 16000, totalTaxAmount: 1440, totalAmountIncludingTax: 17440 };
    const read = reader(rebill, undefined, { 'PS-INV103002': 'SO-1001' });
    const { events, notPosted } = await bcInvoiceReadBack(read, request());
    expect(notPosted).toEqual([]);
    expect(events).toHaveLength(1);
    expect(validateCanonicalEvent(events[0])).toMatchObject({ ok: true });
    expect(events[0].metadata).toMatchObject({ correlationId: 'SO-1001' });
    expect(events[0].refs).toEqual({ invoiceId: 'PS-INV103002', orderId: 'SO-1001', shipmentId: 'SHP-1001-01', customerId: 'C-77' });
    expect(events[0].data).toMatchObject({ documentType: 'invoice', grossAmount: '17440.00' });
  });

  test('an invoice of several orders (Combine Shipments; blank orderNumber): one invoice.posted per order, each with its lines\' amounts and its own id', async () => {
    const combined = { ...INVOICE, number: 'PS-INV103009', orderNumber: '', totalAmountExcludingTax: 1300.5, totalTaxAmount: 117.05, totalAmountIncludingTax: 1417.55 };
    const line = (lineNo: number, orderNo: string, amount: number, amountIncludingVat: number): BcInvoiceLineOrder => ({ id: `00000000-0000-0000-0000-${String(lineNo).padStart(12, '0')}`, documentNo: 'PS-INV103009', lineNo, orderNo, amount, amountIncludingVat });
    const lines = [line(10000, 'SO-1001', 1000, 1090), line(20000, 'SO-1002', 250.25, 272.77), line(30000, 'SO-1001', 50.25, 54.78), line(40000, '', 0, 0)];
    const billingReady = [
      { id: 'r1', orderNo: 'SO-1001', shipmentNo: 'SHP-1001-01', deliveredAt: '2026-03-12T14:40:00Z' },
      { id: 'r2', orderNo: 'SO-1002', shipmentNo: 'SHP-1002-01', deliveredAt: '2026-03-12T15:40:00Z' },
    ];
    const { events, notPosted } = await bcInvoiceReadBack(reader(combined, billingReady, {}, lines), request());
    expect(notPosted).toEqual([]);
    expect(events.map((e) => [e.metadata.source.eventId, e.metadata.correlationId, e.refs, e.data])).toEqual([
      [`bc:salesInvoices:${INVOICE_ID}:posted:SO-1001`, 'SO-1001', { invoiceId: 'PS-INV103009', orderId: 'SO-1001', shipmentId: 'SHP-1001-01', customerId: 'C-77' }, { documentType: 'invoice', currency: 'EUR', netAmount: '1050.25', taxAmount: '94.53', grossAmount: '1144.78', dueDate: '2026-04-11' }],
      [`bc:salesInvoices:${INVOICE_ID}:posted:SO-1002`, 'SO-1002', { invoiceId: 'PS-INV103009', orderId: 'SO-1002', shipmentId: 'SHP-1002-01', customerId: 'C-77' }, { documentType: 'invoice', currency: 'EUR', netAmount: '250.25', taxAmount: '22.52', grossAmount: '272.77', dueDate: '2026-04-11' }],
    ]);
    for (const event of events) expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
  });

  test('an invoice whose lines name one order (beside a freight line of none) is that order\'s, whole, with the usual id', async () => {
    const line = (lineNo: number, orderNo: string): BcInvoiceLineOrder => ({ id: `00000000-0000-0000-0000-${String(lineNo).padStart(12, '0')}`, documentNo: INVOICE.number, lineNo, orderNo, amount: 100, amountIncludingVat: 109 });
    const { events } = await bcInvoiceReadBack(reader({ ...INVOICE, orderNumber: '' }, undefined, {}, [line(10000, 'SO-1001'), line(20000, '')]), request());
    expect(events.map((e) => [e.metadata.source.eventId, e.refs.orderId, (e.data as { grossAmount: string }).grossAmount])).toEqual([[`bc:salesInvoices:${INVOICE_ID}:posted`, 'SO-1001', '17985.00']]);
  });

  test('a credit memo of an invoice of several orders: one per order\'s share when it credits the whole invoice; a partial one by its own lines\' orders, else none', () => {
    const shares = [
      { orderNumber: 'SO-1', netCents: 100000, grossCents: 110000 },
      { orderNumber: 'SO-2', netCents: 39996, grossCents: 43996 },
    ];
    const invoice = { ...INVOICE, orderNumber: '', totalAmountIncludingTax: 1539.96 };
    const memo = (total: number) => ({ id: 'm', number: 'CR-1', totalAmountIncludingTax: total, status: 'Corrective' });
    expect(creditMemoParts(memo(1539.96), invoice, undefined, shares)).toEqual(shares.map((share) => ({ orderNumber: share.orderNumber, share })));
    expect(creditMemoParts(memo(100), invoice, undefined, shares)).toMatch(/credits part of sales invoice PS-INV103001, which bills 2 orders, and its lines name no order/);
    // Its own lines (the extension's salesCreditMemoLineOrders): one order, the whole credit memo; several, each its share.
    const own = [{ orderNumber: 'SO-2', netCents: 9091, grossCents: 10000 }];
    expect(creditMemoParts(memo(100), invoice, undefined, shares, own)).toEqual([{ orderNumber: 'SO-2' }]);
    const both = [...own, { orderNumber: 'SO-1', netCents: 100, grossCents: 110 }];
    expect(creditMemoParts(memo(101.1), invoice, undefined, shares, both)).toEqual(both.map((share) => ({ orderNumber: share.orderNumber, share })));
    // A whole credit memo keeps the invoice's shares, whatever its lines say.
    expect(creditMemoParts(memo(1539.96), invoice, undefined, shares, own)).toEqual(shares.map((share) => ({ orderNumber: share.orderNumber, share })));
    expect(creditMemoParts(memo(100), invoice, 'SO-9', [])).toEqual([{ orderNumber: 'SO-9' }]);
    expect(creditMemoParts(memo(100), invoice, undefined, [shares[0]!])).toEqual([{ orderNumber: 'SO-1' }]);
    expect(creditMemoParts(memo(100), invoice, undefined, [])).toMatch(/bills no sales order/);
  });

  test('a credit memo applied to no invoice, by its own lines: their orders (one whole, several each its share), and the invoice they came from only when they all name one', () => {
    const memo = { id: 'm', number: 'CR-9', totalAmountIncludingTax: 121, status: 'Open' };
    const line = (lineNo: number, sourceOrderNo: string, sourceInvoiceNo: string, amount: number) => ({ id: `l${lineNo}`, documentNo: 'CR-9', lineNo, sourceOrderNo, sourceInvoiceNo, amount, amountIncludingVat: amount * 1.1 });
    expect(unlinkedCreditMemoParts(memo, [line(1, 'SO-1', 'INV-1', 100), line(2, '', '', 10)])).toEqual({ parts: [{ orderNumber: 'SO-1' }], invoiceNumber: 'INV-1' });
    expect(unlinkedCreditMemoParts(memo, [line(1, 'SO-1', 'INV-1', 100), line(2, 'SO-2', 'INV-2', 10)])).toEqual({
      parts: [
        { orderNumber: 'SO-1', share: { orderNumber: 'SO-1', netCents: 10000, grossCents: 11000 } },
        { orderNumber: 'SO-2', share: { orderNumber: 'SO-2', netCents: 1000, grossCents: 1100 } },
      ],
      invoiceNumber: '',
    });
    expect(unlinkedCreditMemoParts(memo, [line(1, '', '', 100)])).toMatch(/linked to no sales invoice and its lines name no order/);
  });

  test('line shares are summed in cents (no binary-float drift); a line of an order without its amounts is a ValidationError naming the field', () => {
    const line = (orderNo: string, amount: number, amountIncludingVat: number) => ({ id: 'x', documentNo: 'N', lineNo: 1, orderNo, amount, amountIncludingVat });
    expect(bcInvoiceShares([line('A', 0.1, 0.11), line('A', 0.2, 0.22), line('B', 1, 1)])).toEqual([
      { orderNumber: 'A', netCents: 30, grossCents: 33 },
      { orderNumber: 'B', netCents: 100, grossCents: 100 },
    ]);
    expect(() => bcInvoiceShares([{ id: 'x', documentNo: 'N', lineNo: 1, orderNo: 'A' }])).toThrow(expect.objectContaining({ field: 'salesInvoiceLineOrders.amount' }));
  });

  test('an invoice with its orderNumber is mapped without asking the extension', async () => {
    const read = reader(INVOICE);
    await bcInvoiceReadBack(read, request());
    expect(read.asked).toEqual([]);
  });

  test('a blank or non-ISO currency and a missing total are ValidationErrors naming the field (dead-lettered)', () => {
    expect(() => mapBcSalesInvoice({ ...INVOICE, currencyCode: '' })).toThrow(expect.objectContaining({ field: 'salesInvoice.currencyCode' }));
    expect(() => mapBcSalesInvoice({ ...INVOICE, currencyCode: 'eur' })).toThrow(ValidationError);
    expect(() => mapBcSalesInvoice({ ...INVOICE, totalAmountIncludingTax: undefined })).toThrow(expect.objectContaining({ field: 'salesInvoice.totalAmountIncludingTax' }));
  });

  test('BC amounts (JSON numbers) become canonical decimals with 2 to 4 decimals; BC\'s blank date is no due date', () => {
    expect([164.7, 8.24, 172.94, 0, 1.2345, 1.234, -5].map((n) => bcDecimal(n, 'f'))).toEqual(['164.70', '8.24', '172.94', '0.00', '1.2345', '1.234', '-5.00']);
    expect(() => bcDecimal(Number.NaN, 'f')).toThrow(ValidationError);
    expect(mapBcSalesInvoice({ ...INVOICE, dueDate: '0001-01-01' }).data).not.toHaveProperty('dueDate');
  });

  test('the billed shipment is the latest billing-ready row\'s; without rows the event has no shipmentId', async () => {
    expect(billingReadyShipment([{ id: 'a', orderNo: 'SO-1', shipmentNo: 'SHP-1', deliveredAt: '2026-03-12T10:00:00Z' }, { id: 'b', orderNo: 'SO-1', shipmentNo: 'SHP-2', deliveredAt: '2026-03-13T10:00:00Z' }, { id: 'c', orderNo: 'SO-1', shipmentNo: '', deliveredAt: '2026-03-14T10:00:00Z' }])).toBe('SHP-2');
    expect(billingReadyShipment([])).toBeUndefined();
    const { events } = await bcInvoiceReadBack(reader(INVOICE, []), request());
    expect(events[0].refs).toEqual({ invoiceId: 'PS-INV103001', orderId: 'SO-1001', customerId: 'C-77' });
  });

  test('BC answering another invoice than the one asked for is a ValidationError', async () => {
    await expect(bcInvoiceReadBack(reader({ ...INVOICE, id: '00000000-0000-0000-0000-000000000001' }), request())).rejects.toBeInstanceOf(ValidationError);
  });
});
