import { describe, expect, test } from 'vitest';
import { parseDlqMessage } from '../../cli/dlq-message';
import type { BcSalesCreditMemo, BcSalesInvoice, BcSalesOrder } from '../../lambdas/erp/business-central/bc-api';
import { bcReadBackRequests } from '../../lambdas/erp/business-central/notifications';
import { createBcReadBackHandler } from '../../lambdas/erp/business-central/read-back-handler';
import { BC_PREPAYMENT_MAX_HOLD_DAYS, BC_PREPAYMENT_RECHECK_SECONDS, type BcOrderLogistics, type BcSalesOrderReader } from '../../lambdas/erp/business-central/read-back';
import type { BcSalesCreditMemoReader } from '../../lambdas/erp/business-central/read-back-credit-memo';
import type { BcSalesInvoiceReader } from '../../lambdas/erp/business-central/read-back-invoice';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { RejectedByTargetError, UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import { InMemoryMessageOps } from '../../lambdas/shared/outbound/queue-ops';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { lambdaContext, sqsEvent, sqsRecord } from '../outbound/support';

const COMPANY = 'b18aed47-c385-49d2-b954-dbdf8ad71780';
const ORDER_ID = '26814998-936a-401c-81c1-0e848a64971d';
const [REQUEST] = bcReadBackRequests(
  { value: [{ subscriptionId: 'sub-1', clientState: 'x', resource: `api/v2.0/companies(${COMPANY})/salesOrders(${ORDER_ID})`, changeType: 'updated', lastModifiedDateTime: '2026-03-12T06:00:00Z' }] },
  '2026-03-12T06:00:31.000Z',
);

/** A sales order as API v2.0 answers GET salesOrders({id})?$expand=salesOrderLines (fields of the salesOrder resource page). */
const ORDER: BcSalesOrder = {
  id: ORDER_ID,
  number: '101005',
  customerNumber: '10000',
  requestedDeliveryDate: '2026-03-13',
  shipToName: 'Adatum Corporation',
  shipToAddressLine1: '192 Market Square',
  shipToCity: 'Atlanta',
  shipToCountry: 'US',
  status: 'Open',
  fullyShipped: false,
  lastModifiedDateTime: '2026-03-12T05:59:40.123Z',
  salesOrderLines: [{ sequence: 10000, lineType: 'Item', lineObjectNumber: '1896-S', description: 'ATHENS Desk', unitOfMeasureCode: 'PCS', quantity: 2, shippedQuantity: 0 }],
};

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, appendKeys: () => undefined, removeKeys: () => undefined };

const INVOICE_ID = '9e0f5c9c-44e3-ea11-bb43-000d3a2feca1';
const [INVOICE_REQUEST] = bcReadBackRequests(
  { value: [{ subscriptionId: 'sub-2', clientState: 'x', resource: `api/v2.0/companies(${COMPANY})/salesInvoices(${INVOICE_ID})`, changeType: 'created', lastModifiedDateTime: '2026-03-12T15:05:00Z' }] },
  '2026-03-12T15:05:31.000Z',
);

/** A posted invoice as API v2.0 answers GET salesInvoices({id}) (fields of the salesInvoice resource page). */
const INVOICE: BcSalesInvoice = { id: INVOICE_ID, number: 'PS-INV103001', customerNumber: '10000', orderNumber: '101005', currencyCode: 'USD', totalAmountExcludingTax: 164.7, totalTaxAmount: 8.24, totalAmountIncludingTax: 172.94, dueDate: '2026-04-11', status: 'Open', lastModifiedDateTime: '2026-03-12T15:04:58.000Z' };

const CREDIT_MEMO_ID = '4b1d7f3e-2a6c-4f8e-9d0a-5c3b2e1f0a9d';
const [CREDIT_MEMO_REQUEST] = bcReadBackRequests(
  { value: [{ subscriptionId: 'sub-3', clientState: 'x', resource: `api/v2.0/companies(${COMPANY})/salesCreditMemos(${CREDIT_MEMO_ID})`, changeType: 'created', lastModifiedDateTime: '2026-03-14T09:00:00Z' }] },
  '2026-03-14T09:00:31.000Z',
);
/** A posted corrective credit memo as API v2.0 answers GET salesCreditMemos({id}) (fields of the salesCreditMemo resource page). */
const CREDIT_MEMO: BcSalesCreditMemo = {
  id: CREDIT_MEMO_ID,
  number: 'PS-CR104001',
  customerNumber: '10000',
  currencyCode: 'USD',
  totalAmountExcludingTax: 164.7,
  totalTaxAmount: 8.24,
  totalAmountIncludingTax: 172.94,
  status: 'Open',
  lastModifiedDateTime: '2026-03-14T08:59:58.000Z',
  invoiceId: INVOICE_ID,
  invoiceNumber: 'PS-INV103001',
};

function setup(read: () => Promise<BcSalesOrder>, readInvoice: () => Promise<BcSalesInvoice> = async () => INVOICE, readCreditMemo: () => Promise<BcSalesCreditMemo> = async () => CREDIT_MEMO, logistics?: BcOrderLogistics) {
  const reader: BcSalesOrderReader & BcSalesInvoiceReader & BcSalesCreditMemoReader = {
    getSalesOrder: read,
    listSalesOrders: async () => [await read()],
    getOrderLogistics: async () => logistics,
    getSalesInvoice: readInvoice,
    listSalesInvoices: async () => [await readInvoice()],
    getSalesCreditMemo: readCreditMemo,
    listSalesCreditMemos: async () => [await readCreditMemo()],
    listBillingReady: async () => [{ id: 'r', orderNo: '101005', shipmentNo: 'SHP-101005-1', deliveredAt: '2026-03-12T14:00:00Z' }],
    getInvoiceOrder: async () => undefined,
    listInvoiceLineOrders: async () => [],
    listCreditMemoLineOrders: async () => [],
  };
  const publisher = new InMemoryPublisher();
  const messages = new InMemoryMessageOps();
  const counted: string[] = [];
  const handler = createBcReadBackHandler({
    reader,
    publisher,
    messages,
    logger,
    metrics: { count: (name) => counted.push(name) },
    mapping: { shipFromLocationId: 'DC-ATL' },
    settings: { maxReceiveCount: 5, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/erp-bc-read-back', backoff: { baseSeconds: 2, maxSeconds: 300 } },
    clock: () => new Date('2026-03-12T06:00:35Z'),
    random: () => 0.5,
  });
  return { publisher, messages, counted, run: (body = JSON.stringify(REQUEST), receiveCount = 1) => handler(sqsEvent(sqsRecord(body, { receiveCount })), lambdaContext()) };
}

const attribute = (attributes: Record<string, { StringValue?: string }>, name: string) => attributes[name]?.StringValue;

describe('Business Central read-back function', () => {
  test('a posted credit memo becomes invoice.posted (credit-memo) on the order of the invoice it corrects; one linked to no invoice, or not posted, publishes nothing', async () => {
    const s = setup(async () => ORDER);
    expect(CREDIT_MEMO_REQUEST).toMatchObject({ kind: 'bc-sales-credit-memo-read-back', salesCreditMemo: CREDIT_MEMO_ID });
    expect((await s.run(JSON.stringify(CREDIT_MEMO_REQUEST))).batchItemFailures).toEqual([]);
    for (const e of s.publisher.published) expect(validateCanonicalEvent(e)).toMatchObject({ ok: true });
    expect(s.publisher.published.map((e) => [e.metadata.eventType, e.refs, e.data])).toEqual([
      [
        'invoice.posted',
        { invoiceId: 'PS-CR104001', orderId: '101005', shipmentId: 'SHP-101005-1', customerId: '10000' },
        // The invoice it corrects, by its number (our invoice id): for the whole invoice, it cancels it (lambdas/visibility).
        { documentType: 'credit-memo', correctsInvoiceId: 'PS-INV103001', currency: 'USD', netAmount: '164.70', taxAmount: '8.24', grossAmount: '172.94' },
      ],
    ]);
    expect(s.counted).toEqual(['BcInvoicesPosted']);
    // The credit memo of a cancellation reads Corrective: announced the same.
    const corrective = setup(async () => ORDER, async () => INVOICE, async () => ({ ...CREDIT_MEMO, status: 'Corrective' }));
    expect((await corrective.run(JSON.stringify(CREDIT_MEMO_REQUEST))).batchItemFailures).toEqual([]);
    expect(corrective.publisher.published.map((e) => [e.refs.invoiceId, e.data])).toEqual([['PS-CR104001', expect.objectContaining({ documentType: 'credit-memo', correctsInvoiceId: 'PS-INV103001' })]]);
    for (const memo of [{ ...CREDIT_MEMO, invoiceId: '00000000-0000-0000-0000-000000000000', invoiceNumber: '' }, { ...CREDIT_MEMO, status: 'Draft' }, { ...CREDIT_MEMO, status: 'Canceled' }]) {
      const other = setup(async () => ORDER, async () => INVOICE, async () => memo);
      expect((await other.run(JSON.stringify(CREDIT_MEMO_REQUEST))).batchItemFailures).toEqual([]);
      expect(other.publisher.published).toEqual([]);
      expect(other.counted).toEqual(['BcInvoicesNotPosted']);
    }
    // The corrected invoice was entered on its own (no order): nothing of ours.
    const standalone = setup(async () => ORDER, async () => ({ ...INVOICE, orderNumber: '' }));
    await standalone.run(JSON.stringify(CREDIT_MEMO_REQUEST));
    expect(standalone.publisher.published).toEqual([]);
  });

  test('an order pending its prepayment (API v2.0 says Open; the extension\'s row names the status) is held and read again in 15 min, for up to a week; once Released it is published', async () => {
    for (const documentStatus of ['Pending Prepayment', 'Pending_x0020_Prepayment']) {
      const pending = setup(async () => ORDER, undefined, undefined, { orderNo: ORDER.number!, documentStatus });
      expect((await pending.run()).batchItemFailures).toEqual([]);
      expect(pending.publisher.published).toEqual([]);
      expect(pending.messages.deadLettered).toEqual([]);
      expect(pending.messages.requeued.map((m) => [m.body, m.delaySeconds])).toEqual([[JSON.stringify(REQUEST), BC_PREPAYMENT_RECHECK_SECONDS]]);
    }
    // Still pending a week after the notification: no more holding, logged as not released.
    const stale = setup(async () => ORDER, undefined, undefined, { orderNo: ORDER.number!, documentStatus: 'Pending Prepayment' });
    expect((await stale.run(JSON.stringify({ ...REQUEST, receivedAt: new Date(Date.parse('2026-03-12T06:00:35Z') - (BC_PREPAYMENT_MAX_HOLD_DAYS * 86_400 + 1) * 1000).toISOString() }))).batchItemFailures).toEqual([]);
    expect(stale.messages.requeued).toEqual([]);
    expect(stale.publisher.published).toEqual([]);
    expect(stale.counted).toEqual(['BcOrdersNotReleased']);
    for (const logistics of [{ orderNo: ORDER.number!, documentStatus: 'Released' }, { orderNo: ORDER.number! }]) {
      const released = setup(async () => ORDER, undefined, undefined, logistics);
      await released.run();
      expect(released.publisher.published.map((e) => e.metadata.eventType)).toEqual(['order.released']);
    }
  });

  test('a released order is published as a valid order.released, its id fixed by order and modification time', async () => {
    const s = setup(async () => ORDER);
    expect((await s.run()).batchItemFailures).toEqual([]);
    const [event] = s.publisher.published;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata.source).toMatchObject({ vendor: 'business-central', eventId: `bc:${ORDER_ID}:2026-03-12T05:59:40.123Z` });
    expect(event.metadata.occurredAt).toBe('2026-03-12T05:59:40.123Z');
    expect(s.counted).toEqual(['BcOrdersReleased']);
  });

  test('an order BC no longer has (404: deleted once fully shipped and invoiced) is not released, with the reason; nothing dead-lettered', async () => {
    const s = setup(async () => {
      throw new RejectedByTargetError(`sales order ${ORDER_ID} was not found in Business Central (404)`, 404);
    });
    expect((await s.run()).batchItemFailures).toEqual([]);
    expect(s.messages.deadLettered).toEqual([]);
    expect(s.publisher.published).toEqual([]);
    expect(s.counted).toEqual(['BcOrdersNotReleased']);
  });

  test('an order BC refuses to serve (403) is dead-lettered at once with the reason lsync dlq shows', async () => {
    const s = setup(async () => {
      throw new RejectedByTargetError(`Business Central refused to serve sales order ${ORDER_ID} (403)`, 403);
    });
    await s.run();
    expect(s.messages.deadLettered).toHaveLength(1);
    const { attributes, body } = s.messages.deadLettered[0];
    expect(attribute(attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/refused to serve/);
    expect(parseDlqMessage({ MessageId: 'm1', Body: body, MessageAttributes: attributes as never })).toMatchObject({ refs: { orderId: ORDER_ID }, eventId: REQUEST.metadata.eventId, errorClass: 'RejectedByTarget' });
    expect(s.counted).toEqual(['BcReadBackDeadLettered']);
  });

  test('BC unavailable (5xx) is retried, then dead-lettered on the last attempt', async () => {
    const s = setup(async () => {
      throw new UpstreamUnavailableError('Business Central answered 503');
    });
    expect((await s.run()).batchItemFailures).toHaveLength(1);
    expect(s.messages.deadLettered).toHaveLength(0);
    await s.run(JSON.stringify(REQUEST), 5);
    expect(s.messages.deadLettered).toHaveLength(1);
  });

  test('an order whose unit is neither counted nor measured is dead-lettered naming the field', async () => {
    const s = setup(async () => ({ ...ORDER, salesOrderLines: [{ ...ORDER.salesOrderLines![0], unitOfMeasureCode: 'HOUR' }] }));
    await s.run();
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('ValidationError');
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/unit "HOUR" is neither a handling unit/);
    expect(s.publisher.published).toEqual([]);
  });

  test('a line sold by weight (a decimal quantity in KG) is published as a measured line, order.released version 2', async () => {
    const beef = { sequence: 20000, lineType: 'Item', lineObjectNumber: '70060', description: 'Beef tenderloin', unitOfMeasureCode: 'KG', quantity: 182.35, shippedQuantity: 0 };
    const s = setup(async () => ({ ...ORDER, salesOrderLines: [...ORDER.salesOrderLines!, beef] }));
    expect((await s.run()).batchItemFailures).toEqual([]);
    const [event] = s.publisher.published;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata.schemaVersion).toBe('2');
    expect((event.data as { lines: unknown[] }).lines).toEqual([
      { lineNumber: 1, sku: '1896-S', description: 'ATHENS Desk', quantity: 2, unit: 'EA' },
      { lineNumber: 2, sku: '70060', description: 'Beef tenderloin', quantity: 182.35, unit: 'KGM' },
    ]);
  });

  test('a fraction of a handling unit (2.5 PCS) is dead-lettered naming the quantity, not rounded', async () => {
    const s = setup(async () => ({ ...ORDER, salesOrderLines: [{ ...ORDER.salesOrderLines![0], quantity: 2.5 }] }));
    await s.run();
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/quantity 2\.5 EA is not a whole number of handling units/);
    expect(s.publisher.published).toEqual([]);
  });

  test('a malformed message is dead-lettered at once', async () => {
    const s = setup(async () => ORDER);
    await s.run('{"kind":"sap-sales-order-read-back"}');
    expect(s.messages.deadLettered).toHaveLength(1);
    expect(s.publisher.published).toEqual([]);
  });

  test('a posted invoice is published as a valid invoice.posted, counted BcInvoicesPosted', async () => {
    const s = setup(async () => ORDER);
    expect((await s.run(JSON.stringify(INVOICE_REQUEST))).batchItemFailures).toEqual([]);
    const [event] = s.publisher.published;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata).toMatchObject({ eventType: 'invoice.posted', source: { vendor: 'business-central', eventId: `bc:salesInvoices:${INVOICE_ID}:posted` } });
    expect(event.refs).toEqual({ invoiceId: 'PS-INV103001', orderId: '101005', shipmentId: 'SHP-101005-1', customerId: '10000' });
    expect(s.counted).toEqual(['BcInvoicesPosted']);
  });

  test('a Draft invoice publishes nothing and is counted BcInvoicesNotPosted (not dead-lettered)', async () => {
    const s = setup(async () => ORDER, async () => ({ ...INVOICE, status: 'Draft' }));
    expect((await s.run(JSON.stringify(INVOICE_REQUEST))).batchItemFailures).toEqual([]);
    expect(s.publisher.published).toEqual([]);
    expect(s.messages.deadLettered).toEqual([]);
    expect(s.counted).toEqual(['BcInvoicesNotPosted']);
  });

  test('an invoice BC does not have (404) is dead-lettered at once naming it; the DLQ message carries its id', async () => {
    const s = setup(
      async () => ORDER,
      async () => {
        throw new RejectedByTargetError(`sales invoice ${INVOICE_ID} was not found in Business Central (404)`, 404);
      },
    );
    await s.run(JSON.stringify(INVOICE_REQUEST));
    expect(s.messages.deadLettered).toHaveLength(1);
    const { attributes, body } = s.messages.deadLettered[0];
    expect(attribute(attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/sales invoice .* not found/);
    expect(parseDlqMessage({ MessageId: 'm2', Body: body, MessageAttributes: attributes as never })).toMatchObject({ refs: { invoiceId: INVOICE_ID }, eventId: INVOICE_REQUEST.metadata.eventId, errorClass: 'RejectedByTarget' });
    expect(s.counted).toEqual(['BcReadBackDeadLettered']);
  });

  test('BC unavailable while reading an invoice is retried, not dead-lettered', async () => {
    const s = setup(
      async () => ORDER,
      async () => {
        throw new UpstreamUnavailableError('Business Central answered 503');
      },
    );
    expect((await s.run(JSON.stringify(INVOICE_REQUEST))).batchItemFailures).toHaveLength(1);
    expect(s.messages.deadLettered).toHaveLength(0);
  });

  test('an invoice read-back message without its invoice id is malformed: dead-lettered at once', async () => {
    const s = setup(async () => ORDER);
    const { salesInvoice: _drop, ...rest } = INVOICE_REQUEST as typeof INVOICE_REQUEST & { salesInvoice: string };
    await s.run(JSON.stringify(rest));
    expect(s.messages.deadLettered).toHaveLength(1);
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('ValidationError');
  });
});
