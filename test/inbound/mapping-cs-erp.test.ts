import { describe, expect, test } from 'vitest';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { deliveredLineQuantity, type SapReadBackQueue, type SapReadBackRequest } from '../../lambdas/erp/inbound/sap-s4hana';
import { canonicalSubmission, cloudEvent, erpHold, erpInvoice, erpOrder, sapOutboundDelivery, zendeskEvent } from './fixtures/payloads';
import { apiEvent, expectCanonical, harness, json, lsyncHeaders, NOW_SECONDS, SECRETS, zendeskHeaders, type Harness } from './support';

type Detail = CanonicalDetail<Record<string, unknown>>;
const published = (h: Harness) => {
  expectCanonical(h.publisher.published);
  return h.publisher.published as Detail[];
};

describe('Zendesk → canonical', () => {
  const cs = () => harness('cs', CS_DIALECTS, CS_CANONICAL_VALIDATORS);
  const post = async (h: Harness, payload: unknown) => {
    const body = JSON.stringify(payload);
    return h.handler(apiEvent('/webhooks/cs/zendesk', body, zendeskHeaders(body)));
  };

  test('status → solved is case.resolved with the time the case was open', async () => {
    const h = cs();
    expect((await post(h, zendeskEvent('ticket.status_changed', { current: 'SOLVED', previous: 'OPEN' }))).statusCode).toBe(202);
    const [event] = published(h);
    expect(event.metadata).toMatchObject({ eventType: 'case.resolved', occurredAt: '2026-03-13T08:30:00Z', source: { system: 'cs', vendor: 'zendesk', eventId: '01HRZ0A1B2C3D4E5F6G7H8J9K0' }, correlationId: 'SHP-1001-01' });
    expect(event.refs).toEqual({ caseId: '38211', shipmentId: 'SHP-1001-01' });
    expect(event.data).toEqual({ status: 'solved', openMinutes: 1309 });
  });

  test('status → pending is case.updated with both statuses (Zendesk upper case normalised)', async () => {
    const h = cs();
    await post(h, zendeskEvent('ticket.status_changed', { current: 'PENDING', previous: 'OPEN' }));
    expect(published(h)[0]).toMatchObject({ metadata: { eventType: 'case.updated' }, data: { change: 'status-changed', status: 'pending', previousStatus: 'open' } });
  });

  test('priority and comment changes are case.updated; comment bodies are not carried', async () => {
    const h = cs();
    await post(h, zendeskEvent('ticket.priority_changed', { current: 'URGENT', previous: 'HIGH' }));
    await post(h, {
      ...zendeskEvent('ticket.comment_added', { comment: { id: '9001', body: 'Call me on +31 6 1234 5678', is_public: false, attachments: [{}, {}] } }),
      id: '01HRZ0A1B2C3D4E5F6G7H8J9K1',
    });
    const [priority, comment] = published(h);
    expect(priority.data).toEqual({ change: 'priority-changed', priority: 'urgent', previousPriority: 'high', status: 'open' });
    expect(comment.data).toEqual({ change: 'comment-added', comment: { public: false, attachmentCount: 2 }, status: 'open' });
    expect(JSON.stringify(h.publisher.published)).not.toContain('+31');
    expect(JSON.stringify(h.logger.lines)).not.toContain('+31');
  });

  test('tag changes list the tags added, read from the documented event.tags_added / tags_removed', async () => {
    // https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/ (Tags changed): the event
    // object carries the tags added and removed, not the whole tag list before and after.
    const h = cs();
    await post(h, zendeskEvent('ticket.tags_changed', { tags_added: ['temperature-excursion', 'Credit-Issued', 'not a tag'], tags_removed: ['logistics-sync'] }));
    expect(published(h)[0].data).toEqual({ change: 'tags-changed', tagsAdded: ['temperature-excursion', 'credit-issued'] });
  });

  test('tickets without our external_id, and non-ticket events, are ignored', async () => {
    const h = cs();
    expect(json(await post(h, zendeskEvent('ticket.status_changed', { current: 'OPEN', previous: 'NEW' }, { external_id: null })))).toMatchObject({ status: 'ignored' });
    const user = { ...zendeskEvent('ticket.status_changed', {}), type: 'zen:event-type:user.created', detail: { id: '1' }, event: {} };
    expect(json(await post(h, user))).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/not a ticket event/) });
    expect(h.publisher.published).toHaveLength(0);
  });
});

/** A read-back queue that fails while `down` is set. */
class FlakyQueue implements SapReadBackQueue {
  down = true;
  readonly requests: SapReadBackRequest[] = [];
  async enqueue(request: SapReadBackRequest): Promise<void> {
    if (this.down) throw new UpstreamUnavailableError('the SAP read-back queue refused the message');
    this.requests.push(request);
  }
}

describe('ERP CloudEvents → canonical', () => {
  const erp = (queue: SapReadBackQueue = new InMemorySapReadBackQueue()) => harness('erp', erpDialects(queue), ERP_CANONICAL_VALIDATORS);
  const postStructured = (h: Harness, event: unknown) => {
    const body = JSON.stringify(event);
    return h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json')));
  };

  test('a generic-ERP order.released (structured mode) → order.released with lines, temperature, window and sites', async () => {
    const h = erp();
    expect((await postStructured(h, cloudEvent('com.example.erp.order.released.v1', erpOrder()))).statusCode).toBe(202);
    const [event] = published(h);
    expect(event.metadata).toMatchObject({ eventType: 'order.released', occurredAt: '2026-03-12T06:00:00.000Z', source: { system: 'erp', vendor: 'generic-erp', eventId: 'a5f3c1e2-7b4d-4e8f-9a0b-1c2d3e4f5a6b' }, correlationId: 'SO-1001' });
    expect(event.refs).toEqual({ orderId: 'SO-1001', customerId: 'C-77' });
    expect(event.data).toMatchObject({
      lines: [
        { lineNumber: 10, sku: 'VAC-FLU-25', description: 'Influenza vaccine, 10 x 0.5 ml', quantity: 40, unit: 'CS', grossWeightKg: 96 },
        { lineNumber: 20, sku: 'INS-GLA-100', description: 'Insulin glargine pens, 5 x 3 ml', quantity: 12, unit: 'CS', grossWeightKg: 18.5 },
      ],
      temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
      deliveryWindow: { from: '2026-03-12T12:00:00.000Z', to: '2026-03-12T16:00:00.000Z' },
      shipFrom: { locationId: 'DC-01', name: 'Central DC Rotterdam' },
      shipTo: { locationId: 'C-77-DOCK-1', address: { city: 'Utrecht', countryCode: 'NL' } },
      contractId: 'CT-C77-COLD',
    });
  });

  test('binary mode (ce-* headers, data as body) maps to the same canonical event, and dedupes with structured mode', async () => {
    const h = erp();
    const structured = json(await postStructured(h, cloudEvent('com.example.erp.order.released.v1', erpOrder())));
    const body = JSON.stringify(erpOrder());
    const headers = {
      ...lsyncHeaders(body, SECRETS.cloudevents),
      'ce-specversion': '1.0',
      'ce-id': 'a5f3c1e2-7b4d-4e8f-9a0b-1c2d3e4f5a6b',
      'ce-source': '/erp/orders',
      'ce-type': 'com.example.erp.order.released.v1',
      'ce-time': '2026-03-12T06:00:00.000Z',
    };
    const binary = json(await h.handler(apiEvent('/webhooks/erp/cloudevents', body, headers)));
    expect(binary).toEqual(structured);
    expect(h.publisher.published).toHaveLength(1);
    const other = erp();
    await other.handler(apiEvent('/webhooks/erp/cloudevents', body, headers));
    expect(published(other)[0].metadata.eventId).toBe((structured.eventIds as string[])[0]);
  });

  test('binary mode without ce-* headers, or with one twice, is a 400 naming the header', async () => {
    const h = erp();
    const body = JSON.stringify(erpOrder());
    const missing = await h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents)));
    expect(missing.statusCode).toBe(400);
    expect(json(missing).field).toBe('header:ce-specversion');
    const twice = await h.handler(
      apiEvent('/webhooks/erp/cloudevents', body, { ...lsyncHeaders(body, SECRETS.cloudevents), 'ce-specversion': '1.0', 'ce-id': ['a', 'b'], 'ce-source': '/erp', 'ce-type': 'x' }),
    );
    expect(json(twice).field).toBe('header:ce-id');
  });

  test('batched CloudEvents are not accepted (415)', async () => {
    const body = JSON.stringify([cloudEvent('com.example.erp.order.released.v1', erpOrder())]);
    const response = await erp().handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents-batch+json')));
    expect(response.statusCode).toBe(415);
  });

  test('a CloudEvent with data_base64 or another specversion is refused naming the attribute', async () => {
    const base64 = await postStructured(erp(), { ...cloudEvent('com.example.erp.order.released.v1', {}), data_base64: 'e30=' });
    expect(json(base64).field).toBe('data_base64');
    const v03 = await postStructured(erp(), cloudEvent('com.example.erp.order.released.v1', erpOrder(), { specversion: '0.3' }));
    expect(json(v03).field).toBe('specversion');
  });

  test('invoice.posted and quality-hold.released from the generic ERP', async () => {
    const h = erp();
    await postStructured(h, cloudEvent('com.example.erp.invoice.posted.v1', erpInvoice(), { id: 'inv-evt-1', source: '/erp/billing', subject: 'INV-90017' }));
    await postStructured(h, cloudEvent('com.example.erp.quality-hold.released.v1', erpHold(), { id: 'qh-evt-1', source: '/erp/quality', subject: 'QH-5003' }));
    const [invoice, hold] = published(h);
    expect(invoice).toMatchObject({
      metadata: { eventType: 'invoice.posted', occurredAt: '2026-03-12T14:05:00.000Z' },
      refs: { invoiceId: 'INV-90017', orderId: 'SO-1001', shipmentId: 'SHP-1001-01', customerId: 'C-77' },
      data: { documentType: 'invoice', currency: 'EUR', netAmount: '18450.00', taxAmount: '1660.50', grossAmount: '20110.50', dueDate: '2026-04-11', paymentTermsCode: 'NT30' },
    });
    expect(hold).toMatchObject({
      metadata: { eventType: 'quality-hold.released', occurredAt: '2026-03-13T08:00:00.000Z' },
      refs: { holdId: 'QH-5003', shipmentId: 'SHP-1001-01', orderId: 'SO-1001' },
      data: { disposition: 'release-to-customer', heldMinutes: 1279 },
    });
  });

  test('a generic-ERP credit memo keeps the invoice it corrects; on an invoice that field is dropped', async () => {
    const h = erp();
    await postStructured(h, cloudEvent('com.example.erp.invoice.posted.v1', { ...erpInvoice(), invoiceId: 'CM-90018', documentType: 'credit-memo', correctsInvoiceId: 'INV-90017' }, { id: 'cm-evt-1', subject: 'CM-90018' }));
    await postStructured(h, cloudEvent('com.example.erp.invoice.posted.v1', { ...erpInvoice(), invoiceId: 'INV-90019', correctsInvoiceId: 'INV-90017' }, { id: 'inv-evt-2', subject: 'INV-90019' }));
    const [memo, invoice] = published(h);
    expect(memo).toMatchObject({ refs: { invoiceId: 'CM-90018', orderId: 'SO-1001' }, data: { documentType: 'credit-memo', correctsInvoiceId: 'INV-90017', grossAmount: '20110.50' } });
    expect(invoice!.data).toMatchObject({ documentType: 'invoice' });
    expect(invoice!.data).not.toHaveProperty('correctsInvoiceId');
    // Not an id: the CloudEvent is refused, naming the field.
    const bad = await postStructured(erp(), cloudEvent('com.example.erp.invoice.posted.v1', { ...erpInvoice(), documentType: 'credit-memo', correctsInvoiceId: 'not an id' }, { id: 'cm-evt-2' }));
    expect(bad.statusCode).toBe(400);
    expect(json(bad).field).toMatch(/correctsInvoiceId/);
  });

  test('units map to EA / CS / PAL or a measure (12.5 KG → 12.5 KGM), frozen ranges to the frozen regime; a fraction of a case or an unknown unit is a 400 naming the field', async () => {
    const h = erp();
    const frozen = erpOrder({ temperatureRange: { minCelsius: -25, maxCelsius: -18 } });
    (frozen.lines[0] as { unit: string }).unit = 'BX';
    Object.assign(frozen.lines[1] as object, { unit: 'KG', quantity: 12.5 });
    expect((await postStructured(h, cloudEvent('com.example.erp.order.released.v1', frozen))).statusCode).toBe(202);
    const [event] = published(h);
    expect(event.metadata.schemaVersion).toBe('2');
    expect(event.data).toMatchObject({ temperature: { regime: 'frozen' }, lines: [{ unit: 'CS', quantity: 40 }, { unit: 'KGM', quantity: 12.5 }] });
    const halfCase = erpOrder();
    (halfCase.lines[0] as { quantity: number }).quantity = 2.5;
    const refused = await postStructured(erp(), cloudEvent('com.example.erp.order.released.v1', halfCase, { id: 'evt-half-case' }));
    expect(refused.statusCode).toBe(400);
    expect(json(refused).field).toBe('data.lines[0].quantity');
    const hours = erpOrder();
    (hours.lines[1] as { unit: string }).unit = 'HR';
    const response = await postStructured(erp(), cloudEvent('com.example.erp.order.released.v1', hours, { id: 'evt-hours' }));
    expect(response.statusCode).toBe(400);
    expect(json(response).field).toBe('data.lines[1].unit');
  });

  test('an invalid ERP order is a 400 naming the field inside data', async () => {
    const order = erpOrder();
    delete (order as Record<string, unknown>).requestedDeliveryWindow;
    const response = await postStructured(erp(), cloudEvent('com.example.erp.order.released.v1', order));
    expect(response.statusCode).toBe(400);
    expect(json(response).field).toBe('data.requestedDeliveryWindow');
  });

  const sapOrderEvent = () =>
    cloudEvent(
      'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
      { SalesOrder: 'SO-1001', SalesOrderType: 'OR', SoldToParty: 'C-77', EventRaisedDateTime: '2026-03-12T06:00:00.000Z' },
      { source: '/default/sap.s4.beh/S4HCLNT100', id: 'ABFAF2F3-931F-49A8-86E8-876C295D9FAD', subject: undefined },
    );

  test('a thin SAP sales-order event is queued for the read-back (202 queued), once per event', async () => {
    const queue = new InMemorySapReadBackQueue();
    const h = erp(queue);
    const response = await postStructured(h, sapOrderEvent());
    expect(response.statusCode).toBe(202);
    expect(json(response)).toEqual({ status: 'queued', reason: expect.stringMatching(/sales order SO-1001 is read back from API_SALES_ORDER_SRV/) });
    expect(queue.requests).toEqual([
      {
        kind: 'sap-sales-order-read-back',
        salesOrder: 'SO-1001',
        event: { id: 'ABFAF2F3-931F-49A8-86E8-876C295D9FAD', source: '/default/sap.s4.beh/S4HCLNT100', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', time: '2026-03-12T06:00:00.000Z' },
        receivedAt: '2026-03-12T10:40:01.000Z',
        metadata: { eventId: 'ABFAF2F3-931F-49A8-86E8-876C295D9FAD', eventType: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', correlationId: 'SO-1001' },
        refs: { orderId: 'SO-1001' },
      },
    ]);
    // Nothing is published by the webhook: the read-back function publishes order.released.
    expect(h.publisher.published).toHaveLength(0);
    // A retry is answered from the idempotency record: no second message.
    expect(json(await postStructured(h, sapOrderEvent())).status).toBe('queued');
    expect(queue.requests).toHaveLength(1);
  });

  test('when the read-back queue cannot be reached the answer is 503 (SAP retries), and the retry queues it', async () => {
    const queue = new FlakyQueue();
    const h = erp(queue);
    expect((await postStructured(h, sapOrderEvent())).statusCode).toBe(503);
    queue.down = false;
    expect((await postStructured(h, sapOrderEvent())).statusCode).toBe(202);
    expect(queue.requests).toHaveLength(1);
  });

  test('an enriched SAP outbound delivery → shipment.created; a thin one is ignored', async () => {
    const h = erp();
    await postStructured(h, cloudEvent('sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1', sapOutboundDelivery(), { id: 'D1', source: '/default/sap.s4.beh/S4HCLNT100' }));
    const [event] = published(h);
    expect(event).toMatchObject({
      metadata: { eventType: 'shipment.created', source: { vendor: 'sap-s4hana' } },
      refs: { shipmentId: '80000123', orderId: 'SO-1001', customerId: 'C-77' },
      data: {
        shipFrom: { locationId: 'DC-01', name: 'Central DC Rotterdam' },
        shipTo: { locationId: 'C-77-DOCK-1' },
        plannedPickupAt: '2026-03-12T08:00:00Z',
        deliveryWindow: { from: '2026-03-12T12:00:00Z', to: '2026-03-12T16:00:00Z' },
        temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
        lines: [
          { lineNumber: 10, sku: 'VAC-FLU-25', quantity: 40 },
          { lineNumber: 20, sku: 'INS-GLA-100', quantity: 12 },
        ],
        packageCount: 2,
        grossWeightKg: 114.5,
      },
    });
    const thin = await postStructured(erp(), cloudEvent('sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1', { OutboundDelivery: '80000124' }, { id: 'D2' }));
    expect(json(thin).status).toBe('ignored');
  });

  test('an SAP outbound delivery\'s quantities (OData decimals, three places): counted ones whole, measured ones as delivered, never rounded', async () => {
    const h = erp();
    const delivery = {
      ...sapOutboundDelivery(),
      _Item: [
        { OutboundDeliveryItem: '10', ReferenceSDDocumentItem: '10', Material: 'VAC-FLU-25', ActualDeliveryQuantity: '40.000', DeliveryQuantityUnit: 'KAR' },
        // A line sold by weight: 12.5 kilograms, stated as a measure (it was left out before line references had one).
        { OutboundDeliveryItem: '20', ReferenceSDDocumentItem: '20', Material: 'INS-GLA-100', ActualDeliveryQuantity: '12.500', DeliveryQuantityUnit: 'KG' },
        { OutboundDeliveryItem: '30', ReferenceSDDocumentItem: '30', Material: 'SAL-ISO-500', ActualDeliveryQuantity: '3.000', DeliveryQuantityUnit: 'L' },
        // A fraction of a case is the ERP's data error: the line is referenced without its quantity, not rounded to 3.
        { OutboundDeliveryItem: '40', ReferenceSDDocumentItem: '40', Material: 'VAC-FLU-10', ActualDeliveryQuantity: '2.500', DeliveryQuantityUnit: 'KAR' },
        // No unit given (a tenant's enrichment without it): a whole number counts handling units, as before.
        { OutboundDeliveryItem: '50', ReferenceSDDocumentItem: '50', Material: 'SYR-5ML', ActualDeliveryQuantity: '7.000' },
      ],
    };
    await postStructured(h, cloudEvent('sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1', delivery, { id: 'D3', source: '/default/sap.s4.beh/S4HCLNT100' }));
    const [event] = published(h);
    expect(event.data.lines).toEqual([
      { lineNumber: 10, sku: 'VAC-FLU-25', quantity: 40 },
      { lineNumber: 20, sku: 'INS-GLA-100', measure: { quantity: 12.5, unit: 'KGM' } },
      { lineNumber: 30, sku: 'SAL-ISO-500', measure: { quantity: 3, unit: 'LTR' } },
      { lineNumber: 40, sku: 'VAC-FLU-10' },
      { lineNumber: 50, sku: 'SYR-5ML', quantity: 7 },
    ]);
    expect(event.data).toMatchObject({ packageCount: 2 });
  });

  test('an SAP delivery quantity outside the canonical range is left out, the delivery still published', () => {
    expect(deliveredLineQuantity({ ActualDeliveryQuantity: '1000001.000', DeliveryQuantityUnit: 'ST' })).toEqual({});
    expect(deliveredLineQuantity({ ActualDeliveryQuantity: '1000000.000', DeliveryQuantityUnit: 'ST' })).toEqual({ quantity: 1_000_000 });
    expect(deliveredLineQuantity({ ActualDeliveryQuantity: '1000000000.001', DeliveryQuantityUnit: 'KG' })).toEqual({});
    expect(deliveredLineQuantity({ ActualDeliveryQuantity: '0.001', DeliveryQuantityUnit: 'TO' })).toEqual({ measure: { quantity: 0.001, unit: 'TNE' } });
    // An unknown unit code counts like none: whole numbers only.
    expect(deliveredLineQuantity({ ActualDeliveryQuantity: '4.000', DeliveryQuantityUnit: 'HR' })).toEqual({ quantity: 4 });
    expect(deliveredLineQuantity({ DeliveryQuantityUnit: 'KG' })).toEqual({});
  });

  test('other CloudEvent types are valid and ignored', async () => {
    const response = await postStructured(erp(), cloudEvent('sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1', { BusinessPartner: '17100001' }));
    expect(json(response)).toEqual({ status: 'ignored', reason: 'CloudEvent type sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1 is not mapped' });
  });
});

describe('the canonical dialect', () => {
  const post = (h: Harness, path: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return h.handler(apiEvent(path, body, lsyncHeaders(body, SECRETS.canonical)));
  };

  test('a canonical shipment.departed from a carrier without a vendor format is published as is, with our metadata', async () => {
    const h = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
    const response = await post(h, '/webhooks/fleet/canonical', canonicalSubmission({ sequence: 3 }));
    expect(response.statusCode).toBe(202);
    const [event] = published(h);
    expect(event.metadata).toMatchObject({ eventType: 'shipment.departed', source: { system: 'fleet', vendor: 'canonical', eventId: 'carrier-x-evt-0001' }, correlationId: 'SO-1001', sequence: 3 });
    expect(event.data).toEqual({ stopKind: 'origin', location: { locationId: 'DC-01', name: 'Central DC Rotterdam' } });
  });

  test('each system accepts only the event types it originates', async () => {
    const h = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
    const response = await post(h, '/webhooks/fleet/canonical', canonicalSubmission({ eventType: 'order.released' }));
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ field: 'eventType', message: expect.stringMatching(/not accepted from fleet/) });
    const cs = harness('cs', CS_DIALECTS, CS_CANONICAL_VALIDATORS);
    const ok = await post(cs, '/webhooks/cs/canonical', canonicalSubmission({ eventType: 'case.updated', refs: { caseId: '38211' }, data: { change: 'status-changed', status: 'open' } }));
    expect(ok.statusCode).toBe(202);
  });

  test('refs and data are validated against the canonical schema, naming the field', async () => {
    const h = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
    const noRoute = await post(h, '/webhooks/fleet/canonical', canonicalSubmission({ refs: { shipmentId: 'SHP-1001-01' } }));
    expect(json(noRoute)).toMatchObject({ error: 'invalid-request', field: 'refs.routeId' });
    const badKind = await post(h, '/webhooks/fleet/canonical', canonicalSubmission({ data: { stopKind: 'somewhere' } }));
    expect(json(badKind).field).toBe('data.stopKind');
    const extra = await post(h, '/webhooks/fleet/canonical', canonicalSubmission({ data: { stopKind: 'origin', driverName: 'Jan' } }));
    expect(json(extra).field).toBe('data.driverName');
    const version = await post(h, '/webhooks/fleet/canonical', canonicalSubmission({ schemaVersion: '2' }));
    expect(json(version)).toMatchObject({ field: 'schemaVersion' });
    const unknownKey = await post(h, '/webhooks/fleet/canonical', { ...canonicalSubmission(), metadata: {} });
    expect(json(unknownKey).field).toBe('metadata');
    expect(h.publisher.published).toHaveLength(0);
  });
});
