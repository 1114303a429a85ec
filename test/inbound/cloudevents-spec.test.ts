/**
 * CloudEvents 1.0.2 conformance of the ERP CloudEvents route: every event the spec allows is accepted (`data`
 * is optional and may be any JSON value or `data_base64`, `id` any non-empty string, `source` any non-empty
 * URI-reference, extension attributes allowed). What a valid event maps to is decided per type: an unmapped
 * type is 202 ignored with the reason; a type whose mapping needs `data` is 400 naming `data`.
 */
import { describe, expect, test } from 'vitest';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { apiEvent, harness, json, lsyncHeaders, NOW_SECONDS, SECRETS, type Harness } from './support';

// These tests stop at the mapping decision: a queued read-back is only recorded.
const noReadBack = new InMemorySapReadBackQueue();

const post = (h: Harness, event: unknown) => {
  const body = JSON.stringify(event);
  return h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json')));
};

/** The example of the CloudEvents 1.0.2 core specification (spec.md, "Example"): XML `data` as a string, two extensions. */
const SPEC_EXAMPLE = {
  specversion: '1.0',
  type: 'com.github.pull_request.opened',
  source: 'https://github.com/cloudevents/spec/pull',
  subject: '123',
  id: 'A234-1234-1234',
  time: '2018-04-05T17:31:00Z',
  comexampleextension1: 'value',
  comexampleothervalue: 5,
  datacontenttype: 'text/xml',
  data: '<much wow="xml"/>',
};

describe('CloudEvents 1.0.2: what the spec allows is accepted', () => {
  const erp = () => harness('erp', erpDialects(noReadBack), ERP_CANONICAL_VALIDATORS);

  test.each([
    ['the core spec example (string data, text/xml, extension attributes)', SPEC_EXAMPLE],
    ['an event without data', { specversion: '1.0', type: 'com.example.someevent', source: '/mycontext', id: 'A234-1234-1234' }],
    ['data_base64 instead of data (JSON format §3.1)', { specversion: '1.0', type: 'com.example.someevent', source: '/mycontext', id: 'B234-1234-1234', datacontenttype: 'application/vnd.apache.thrift.binary', data_base64: 'AAEC' }],
    ['an id with any characters and a URN source', { specversion: '1.0', type: 'com.example.someevent', source: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66', id: 'order 1001 / release #1 (ü)', data: {} }],
    ['a source with query and fragment, and JSON data that is an array', { specversion: '1.0', type: 'com.example.someevent', source: 'https://erp.example.com/events?tenant=7#orders', id: '42', data: [1, 2] }],
  ])('%s → 202 ignored with the reason', async (_what, event) => {
    const h = erp();
    const response = await post(h, event);
    expect(response.statusCode, response.body).toBe(202);
    expect(json(response)).toEqual({ status: 'ignored', reason: `CloudEvent type ${String(event.type)} is not mapped` });
    expect(h.publisher.published).toHaveLength(0);
  });

  test.each([
    ['com.example.erp.order.released.v1'],
    ['com.example.erp.invoice.posted.v1'],
    ['com.example.erp.quality-hold.released.v1'],
    ['sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1'],
    ['sap.s4.beh.salesorder.v1.SalesOrder.Created.v1'],
    ['sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1'],
  ])('a valid %s without data → 400 naming data (the mapping needs it)', async (type) => {
    const response = await post(erp(), { specversion: '1.0', type, source: '/default/sap.s4.beh/S4HCLNT100', id: 'no-data-1' });
    expect(response.statusCode, response.body).toBe(400);
    expect(json(response)).toMatchObject({ field: 'data', message: expect.stringMatching(/data/) });
  });

  test('a mapped type with data_base64 (binary data) → 400 naming data', async () => {
    const response = await post(erp(), { specversion: '1.0', type: 'com.example.erp.order.released.v1', source: '/erp/orders', id: 'b64', data_base64: 'AAEC' });
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ field: 'data' });
  });

  test('a mapped type whose data is not an object → 400 naming data', async () => {
    const response = await post(erp(), { specversion: '1.0', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', source: '/default/sap.s4.beh/S4HCLNT100', id: 'x1', data: 'SalesOrder=1' });
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ field: 'data' });
  });

  test('a mapped type whose id is not printable ASCII (the canonical vendor event id) → 400 naming id', async () => {
    const response = await post(erp(), { specversion: '1.0', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', source: '/default/sap.s4.beh/S4HCLNT100', id: 'release #1', data: { SalesOrder: '1' } });
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ field: 'id' });
  });

  test.each([
    ['an empty id', { id: '' }, 'id'],
    ['no source', { source: undefined }, 'source'],
    ['an empty source', { source: '' }, 'source'],
    ['an empty type', { type: '' }, 'type'],
    ['specversion 0.3', { specversion: '0.3' }, 'specversion'],
    ['a time that is not RFC 3339', { time: 'yesterday' }, 'time'],
    ['an empty subject', { subject: '' }, 'subject'],
  ])('what the spec refuses is still 400: %s', async (_what, overrides, field) => {
    const response = await post(erp(), { ...SPEC_EXAMPLE, ...overrides });
    expect(response.statusCode, response.body).toBe(400);
    expect(json(response)).toMatchObject({ field });
  });
});
