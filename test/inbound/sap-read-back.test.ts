/**
 * The SAP read-back function: thin sales-order events queued by the ERP webhook → API_SALES_ORDER_SRV →
 * `order.released`. Nothing may be lost: a sales order the service does not have goes to the DLQ with the
 * reason (the `lsync-error-*` attributes `lsync dlq` shows), transient errors are retried.
 */
import { describe, expect, test } from 'vitest';
import type { SapReadBackRequest, SalesOrderReader } from '../../lambdas/erp/inbound/sap-s4hana';
import { mapSapSalesOrder, readBackRequest, releaseDecision, decodeSapSalesOrderEntity, odataDate } from '../../lambdas/erp/inbound/sap-s4hana';
import { parseDlqMessage } from '../../cli/dlq-message';
import { createSapReadBackHandler } from '../../lambdas/erp/read-back/read-back';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { RejectedByTargetError, UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import { InMemoryMessageOps } from '../../lambdas/shared/outbound/queue-ops';
import { lambdaContext, sqsEvent, sqsRecord } from '../outbound/support';
import { sapSalesOrderEntity } from './fixtures/payloads';

const REQUEST: SapReadBackRequest = readBackRequest(
  'SO-1001',
  { id: 'ABFAF2F3-931F-49A8-86E8-876C295D9FAD', source: '/default/sap.s4.beh/S4HCLNT100', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', time: '2026-03-12T06:00:00Z' },
  '2026-03-12T06:00:01.000Z',
);

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined, appendKeys: () => undefined, removeKeys: () => undefined };

function setup(read: () => Promise<unknown>) {
  const reader: SalesOrderReader & { calls: string[] } = { calls: [], getSalesOrder: async (id) => (reader.calls.push(id), read()) };
  const publisher = new InMemoryPublisher();
  const messages = new InMemoryMessageOps();
  const counted: string[] = [];
  const handler = createSapReadBackHandler({
    reader,
    publisher,
    messages,
    logger,
    metrics: { count: (name) => counted.push(name) },
    settings: { maxReceiveCount: 5, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/erp-sap-read-back', backoff: { baseSeconds: 2, maxSeconds: 300 } },
    clock: () => new Date('2026-03-12T06:00:05Z'),
    random: () => 0.5,
  });
  return { reader, publisher, messages, counted, run: (body = JSON.stringify(REQUEST), receiveCount = 1) => handler(sqsEvent(sqsRecord(body, { receiveCount })), lambdaContext()) };
}

const attribute = (attributes: Record<string, { StringValue?: string }>, name: string) => attributes[name]?.StringValue;

describe('SAP read-back: A_SalesOrder → order.released', () => {
  test('a released sales order is read once and published as order.released (valid canonical event)', async () => {
    const s = setup(async () => sapSalesOrderEntity());
    expect(await s.run()).toEqual({ batchItemFailures: [] });
    expect(s.reader.calls).toEqual(['SO-1001']);
    const [event] = s.publisher.published;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata).toMatchObject({ eventType: 'order.released', occurredAt: '2026-03-12T06:00:00.000Z', source: { system: 'erp', vendor: 'sap-s4hana', eventId: REQUEST.event.id }, correlationId: 'SO-1001' });
    expect(event.refs).toEqual({ orderId: 'SO-1001', customerId: 'C-77' });
    expect(event.data).toEqual({
      lines: [
        { lineNumber: 10, sku: 'VAC-FLU-25', description: 'Influenza vaccine, 10 x 0.5 ml', quantity: 40, unit: 'CS', grossWeightKg: 96 },
        { lineNumber: 20, sku: 'INS-GLA-100', description: 'Insulin glargine pens, 5 x 3 ml', quantity: 12, unit: 'CS', grossWeightKg: 18.5 },
      ],
      temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
      deliveryWindow: { from: '2026-03-12T12:00:00.000Z', to: '2026-03-12T16:00:00.000Z' },
      shipFrom: { locationId: 'DC01' },
      shipTo: { locationId: 'C77-DOCK1' },
      assignment: { vehicleId: 'erp.vehicle:TRK-17', trailerId: 'erp.trailer:RF-204' },
    });
    expect(s.counted).toEqual(['SapOrdersReleased']);
  });

  test('a sales order the service does not have (404) goes to the DLQ with the reason, at once, and nothing is published', async () => {
    const s = setup(async () => Promise.reject(new RejectedByTargetError('sales order SO-1001 was not found in API_SALES_ORDER_SRV (404)', 404)));
    expect(await s.run()).toEqual({ batchItemFailures: [] });
    expect(s.publisher.published).toEqual([]);
    expect(s.messages.deadLettered).toHaveLength(1);
    const { attributes, body } = s.messages.deadLettered[0];
    expect(JSON.parse(body)).toEqual(REQUEST);
    expect(attribute(attributes, DLQ_ATTRIBUTES.errorClass)).toBe('RejectedByTarget');
    expect(attribute(attributes, DLQ_ATTRIBUTES.errorReason)).toBe('sales order SO-1001 was not found in API_SALES_ORDER_SRV (404)');
    expect(attribute(attributes, DLQ_ATTRIBUTES.sourceQueueUrl)).toMatch(/erp-sap-read-back$/);
    expect(attribute(attributes, DLQ_ATTRIBUTES.receiveCount)).toBe('1');
    expect(s.counted).toEqual(['SapReadBackDeadLettered']);
    // What the on-call sees with `lsync dlq show erp-sap-read-back`: the order, the SAP event, the class and the reason.
    const shown = parseDlqMessage({ MessageId: 'm1', Body: body, MessageAttributes: attributes as never });
    expect(shown).toMatchObject({ refs: { orderId: 'SO-1001' }, eventId: REQUEST.event.id, eventType: REQUEST.event.type, errorClass: 'RejectedByTarget', errorReason: 'sales order SO-1001 was not found in API_SALES_ORDER_SRV (404)' });
  });

  test('a transient failure (5xx, timeout) is retried with backoff, and dead-lettered with the reason on the last attempt', async () => {
    const s = setup(async () => Promise.reject(new UpstreamUnavailableError('SAP S/4HANA answered 503 to GET /sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder', 503)));
    const first = await s.run(undefined, 1);
    expect(first.batchItemFailures).toHaveLength(1);
    expect(s.messages.visibility).toHaveLength(1);
    expect(s.messages.deadLettered).toHaveLength(0);
    await s.run(undefined, 5);
    expect(s.messages.deadLettered).toHaveLength(1);
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('UpstreamUnavailable');
  });

  test('a sales order that is not released publishes nothing and is not an error', async () => {
    const s = setup(async () => sapSalesOrderEntity({ DeliveryBlockReason: '01' }));
    expect(await s.run()).toEqual({ batchItemFailures: [] });
    expect(s.publisher.published).toEqual([]);
    expect(s.messages.deadLettered).toEqual([]);
    expect(s.counted).toEqual(['SapOrdersNotReleased']);
  });

  test('a sales order that cannot be mapped (no items, a unit that is neither counted nor measured) is dead-lettered naming the property', async () => {
    const s = setup(async () => sapSalesOrderEntity({ to_Item: { results: [{ SalesOrderItem: '10', Material: 'X', RequestedQuantity: '1', RequestedQuantityUnit: 'H', RequestedQuantityISOUnit: 'HUR' }] } }));
    await s.run();
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('ValidationError');
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/unit "H" \/ "HUR" is neither a handling unit/);
    expect(s.publisher.published).toEqual([]);
  });

  test('a line sold by weight is published as a measured line (order.released version 2), never rounded', async () => {
    const s = setup(async () =>
      sapSalesOrderEntity({
        to_Item: {
          results: [
            { SalesOrderItem: '10', Material: 'BEEF-TL', SalesOrderItemText: 'Beef tenderloin', RequestedQuantity: '182.350', RequestedQuantityUnit: 'KG', ShippingPoint: 'DC01' },
            // A custom internal unit with its ISO code: the ISO code decides.
            { SalesOrderItem: '20', Material: 'MILK-1L', RequestedQuantity: '24.000', RequestedQuantityUnit: 'ZKR', RequestedQuantityISOUnit: 'CS' },
          ],
        },
      }),
    );
    expect(await s.run()).toEqual({ batchItemFailures: [] });
    const [event] = s.publisher.published;
    expect(validateCanonicalEvent(event)).toMatchObject({ ok: true });
    expect(event.metadata.schemaVersion).toBe('2');
    expect((event.data as { lines: unknown[] }).lines).toEqual([
      { lineNumber: 10, sku: 'BEEF-TL', description: 'Beef tenderloin', quantity: 182.35, unit: 'KGM' },
      { lineNumber: 20, sku: 'MILK-1L', quantity: 24, unit: 'CS' },
    ]);
  });

  test('a fraction of a handling unit is dead-lettered naming the quantity, not rounded', async () => {
    const s = setup(async () => sapSalesOrderEntity({ to_Item: { results: [{ SalesOrderItem: '10', Material: 'X', RequestedQuantity: '2.500', RequestedQuantityUnit: 'KAR', ShippingPoint: 'DC01' }] } }));
    await s.run();
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('ValidationError');
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorReason)).toMatch(/quantity 2\.5 CS is not a whole number of handling units/);
    expect(s.publisher.published).toEqual([]);
  });

  test('a malformed message is dead-lettered at once, without a read', async () => {
    const s = setup(async () => sapSalesOrderEntity());
    await s.run('{"kind":"something-else"}');
    expect(s.reader.calls).toEqual([]);
    expect(attribute(s.messages.deadLettered[0].attributes, DLQ_ATTRIBUTES.errorClass)).toBe('ValidationError');
  });
});

describe('what "released for fulfilment" means for an SAP sales order', () => {
  const order = (overrides: Record<string, unknown>) => decodeSapSalesOrderEntity(sapSalesOrderEntity(overrides));
  test.each([
    [{}, true],
    [{ OverallSDProcessStatus: 'B' }, true],
    [{ TotalCreditCheckStatus: '' }, true],
    [{ TotalCreditCheckStatus: 'D' }, true],
    [{ DeliveryBlockReason: '01' }, false],
    [{ TotalCreditCheckStatus: 'B' }, false],
    [{ TotalCreditCheckStatus: 'C' }, false],
    [{ OverallSDDocumentRejectionSts: 'C' }, false],
    [{ OverallSDProcessStatus: 'C' }, false],
  ])('%j → released %s', (overrides, released) => {
    expect(releaseDecision(order(overrides)).released).toBe(released);
  });

  test('without the YY1 custom fields: ambient, whole requested delivery day, no assignment; ship-to falls back to the sold-to party', () => {
    const bare = order({
      YY1_TemperatureMin_SDH: undefined,
      YY1_TemperatureMax_SDH: undefined,
      YY1_DeliveryWindowStart_SDH: undefined,
      YY1_DeliveryWindowEnd_SDH: undefined,
      YY1_FleetVehicle_SDH: undefined,
      YY1_FleetTrailer_SDH: undefined,
      to_Partner: { results: [] },
    });
    expect(mapSapSalesOrder(bare).data).toMatchObject({ temperature: { regime: 'ambient' }, deliveryWindow: { from: '2026-03-12T00:00:00.000Z', to: '2026-03-13T00:00:00.000Z' }, shipTo: { locationId: 'C-77' } });
    expect(mapSapSalesOrder(bare).data.assignment).toBeUndefined();
  });

  test('OData V2 dates', () => {
    expect(odataDate('/Date(1773273600000)/')).toBe('2026-03-12T00:00:00.000Z');
    expect(odataDate('/Date(1773295200000+0000)/')).toBe('2026-03-12T06:00:00.000Z');
    expect(odataDate(null)).toBeUndefined();
    expect(odataDate('2026-03-12')).toBeUndefined();
  });
});
