import { describe, expect, test } from 'vitest';
import { parseDlqMessage } from '../../cli/dlq-message';
import type { BcSalesOrder } from '../../lambdas/erp/business-central/bc-api';
import { bcReadBackRequests } from '../../lambdas/erp/business-central/notifications';
import { createBcReadBackHandler } from '../../lambdas/erp/business-central/read-back-handler';
import type { BcSalesOrderReader } from '../../lambdas/erp/business-central/read-back';
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

function setup(read: () => Promise<BcSalesOrder>) {
  const reader: BcSalesOrderReader = { getSalesOrder: read, listSalesOrders: async () => [await read()], getOrderLogistics: async () => undefined };
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
  test('a released order is published as a valid order.released, its id fixed by order and modification time', async () => {
    const s = setup(async () => ORDER);
    expect((await s.run()).batchItemFailures).toEqual([]);
    const [event] = s.publisher.published;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata.source).toMatchObject({ vendor: 'business-central', eventId: `bc:${ORDER_ID}:2026-03-12T05:59:40.123Z` });
    expect(event.metadata.occurredAt).toBe('2026-03-12T05:59:40.123Z');
    expect(s.counted).toEqual(['BcOrdersReleased']);
  });

  test('an order BC no longer has (404) is dead-lettered at once with the reason lsync dlq shows', async () => {
    const s = setup(async () => {
      throw new RejectedByTargetError(`sales order ${ORDER_ID} was not found in Business Central (404)`, 404);
    });
    await s.run();
    expect(s.messages.deadLettered).toHaveLength(1);
    const { attributes, body } = s.messages.deadLettered[0];
    expect(attribute(attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/not found in Business Central/);
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

  test('an order whose unit has no canonical equivalent is dead-lettered naming the field', async () => {
    const s = setup(async () => ({ ...ORDER, salesOrderLines: [{ ...ORDER.salesOrderLines![0], unitOfMeasureCode: 'KG' }] }));
    await s.run();
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('ValidationError');
  });

  test('a malformed message is dead-lettered at once', async () => {
    const s = setup(async () => ORDER);
    await s.run('{"kind":"sap-sales-order-read-back"}');
    expect(s.messages.deadLettered).toHaveLength(1);
    expect(s.publisher.published).toEqual([]);
  });
});
