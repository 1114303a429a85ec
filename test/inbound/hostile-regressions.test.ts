/**
 * Defects the generated hostile inputs found (test/inbound/hostile.property.test.ts), each pinned by one plain
 * example through the real pipeline: what the intake answered before, and what it answers now.
 */
import { describe, expect, test } from 'vitest';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { fleetDialects, FLEET_CANONICAL_VALIDATORS } from '../../lambdas/fleet/inbound/routes';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { parseJsonBody } from '../../lambdas/shared/webhook/json';
import { example } from '../outbound/support';
import { cloudEvent, erpHold, motiveFormEntry, samsaraPod, samsaraTemperatureAlert, zendeskEvent } from './fixtures/payloads';
import { apiEvent, expectCanonical, harness, json, lsyncHeaders, motiveHeaders, NOW_SECONDS, samsaraHeaders, SECRETS, zendeskHeaders } from './support';

const fleet = () =>
  harness(
    'fleet',
    fleetDialects({
      telemetry: { sensorTemperature: async () => undefined, reeferTemperature: async () => ({ celsius: 11.5, at: '2026-03-12T10:39:30Z' }) },
      assignments: { carriedDuring: async () => [{ shipmentId: 'SHP-1001-01', orderId: 'SO-1001', correlationId: 'SO-1001', minCelsius: 2, maxCelsius: 8 }] },
    }),
    FLEET_CANONICAL_VALIDATORS,
  );
const cs = () => harness('cs', CS_DIALECTS, CS_CANONICAL_VALIDATORS);
const erp = () => harness('erp', erpDialects(new InMemorySapReadBackQueue()), ERP_CANONICAL_VALIDATORS);

async function post(h: ReturnType<typeof fleet>, path: string, payload: unknown | string, sign: (body: string) => Record<string, string>) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const response = await h.handler(apiEvent(path, body, sign(body)));
  return { status: response.statusCode, body: json(response) };
}

const samsara = (h: ReturnType<typeof fleet>, payload: unknown) => post(h, '/webhooks/fleet/samsara', payload, (b) => samsaraHeaders(b));
const motive = (h: ReturnType<typeof fleet>, payload: unknown) => post(h, '/webhooks/fleet/motive', payload, (b) => motiveHeaders(b));
const zendesk = (h: ReturnType<typeof cs>, payload: unknown) => post(h, '/webhooks/cs/zendesk', payload, (b) => zendeskHeaders(b));
const canonical = (h: ReturnType<typeof cs>, system: 'cs' | 'fleet' | 'erp', payload: unknown) => post(h, `/webhooks/${system}/canonical`, payload, (b) => lsyncHeaders(b, SECRETS.canonical));
const cloudevents = (h: ReturnType<typeof erp>, payload: unknown) =>
  post(h, '/webhooks/erp/cloudevents', payload, (b) => lsyncHeaders(b, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json'));

/** A canonical submission made from a canonical example (what a producer without a vendor format sends). */
function submission(name: string, change: (s: { eventId: string; correlationId?: string; sequence?: number; refs: Record<string, unknown> }) => void = () => {}) {
  const e = example(name);
  const s = { eventId: `producer-${name}`, eventType: e.metadata.eventType, occurredAt: e.metadata.occurredAt, correlationId: e.metadata.correlationId as string | undefined, refs: { ...e.refs } as Record<string, unknown>, data: e.data };
  change(s);
  return s;
}

describe('repeated member names are refused, naming the member (JSON.parse would keep the last silently)', () => {
  test.each([
    ['at the top level', '{"eventId":"a","eventId":"b"}', 'eventId'],
    ['spelled with an escape', '{"eventId":"a","\\u0065ventId":"b"}', 'eventId'],
    ['in a nested object', '{"data":{"route":{"id":"RT-1","name":"x","id":"RT-2"}}}', 'data.route.id'],
    ['in an object inside an array', '{"data":{"stops":[{"id":"1"},{"id":"2","id":"3"}]}}', 'data.stops[1].id'],
    ['with whitespace before the colon', '{ "a" : 1 , "b":[ ], "a"\n:\t2 }', 'a'],
    ['the empty name at the top level', '{"":1,"":2}', '(root)'],
  ])('%s', (_, text, field) => {
    expect(() => parseJsonBody(Buffer.from(text))).toThrow(expect.objectContaining({ field }));
  });

  test.each([
    ['the same name in different objects', '{"id":"1","data":{"id":"2","items":[{"id":"3"},{"id":"4"}]}}'],
    ['a name-like string inside a value', '{"a":"\\"b\\": 1, \\"a\\":","b":"x\\\\","c":":"}'],
    ['names that differ only in case', '{"eventId":"1","EventId":"2"}'],
  ])('no false alarm: %s', (_, text) => {
    expect(parseJsonBody(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  test('through a webhook route: 400 naming the member, nothing published', async () => {
    const h = fleet();
    const body = JSON.stringify(samsaraPod()).replace('"eventType":"DocumentSubmitted"', '"eventType":"DocumentSubmitted","eventType":"AlertIncident"');
    const { status, body: answer } = await samsara(h, body);
    expect(status).toBe(400);
    expect(answer.field).toBe('eventType');
    expect(h.publisher.published).toEqual([]);
  });
});

describe('Samsara', () => {
  test('a document whose multiple-choice value holds null was a 500; it is a delivery like any other', async () => {
    const h = fleet();
    const pod = samsaraPod();
    const choices = pod.data.document.fields[4].value as { multipleChoiceValue: unknown[] };
    choices.multipleChoiceValue[1] = null;
    const { status, body } = await samsara(h, pod);
    expect(status, JSON.stringify(body)).toBe(202);
    expect(h.publisher.published.map((e) => e.metadata.eventType)).toEqual(['pod.captured', 'shipment.delivered']);
    expectCanonical(h.publisher.published);
  });

  test('a reefer alert naming only the vehicle was a 503 that no retry could fix; it is refused naming the trailer', async () => {
    const h = fleet();
    const alert = samsaraTemperatureAlert();
    delete (alert.data.conditions[0].details.reeferTemperature as { trailer?: unknown }).trailer;
    const { status, body } = await samsara(h, alert);
    expect(status).toBe(400);
    expect(body.field).toBe('data.conditions[0].details.reeferTemperature.trailer');
    expect(h.publisher.published).toEqual([]);
  });
});

describe('Motive', () => {
  test('a dispatch whose vendor_id is not one of our shipment ids was a 400 naming metadata.correlationId; it is not ours: ignored', async () => {
    const h = fleet();
    const { status, body } = await motive(h, motiveFormEntry({ vendor_dispatch_id: 'Load #4471 (Utrecht)' }));
    expect(status).toBe(202);
    expect(body).toMatchObject({ status: 'ignored', reason: expect.stringContaining('vendor_id') });
    expect(h.publisher.published).toEqual([]);
  });

  test('a stop vendor_id that is not an id was a 400 naming refs.stopId; the stop is taken from Motive\'s own stop id', async () => {
    const h = fleet();
    const { status } = await motive(h, motiveFormEntry({ vendor_stop_id: 'drop off / dock 4' }));
    expect(status).toBe(202);
    expect(h.publisher.published[0].refs).toMatchObject({ shipmentId: 'SHP-1001-01', stopId: '74191' });
    expectCanonical(h.publisher.published);
  });

  test('a form entry id beyond 2^53 was carried rounded (another document id); it is refused naming id', async () => {
    const h = fleet();
    const body = JSON.stringify(motiveFormEntry()).replace('"id":77286', '"id":123456789012345678901');
    const { status, body: answer } = await motive(h, body);
    expect(status).toBe(400);
    expect(answer.field).toBe('id');
  });
});

describe('Zendesk', () => {
  test('a ticket whose external_id another integration set was a 400 naming metadata.correlationId; it is not ours: ignored', async () => {
    const h = cs();
    const { status, body } = await zendesk(h, zendeskEvent('ticket.priority_changed', { current: 'URGENT', previous: 'HIGH' }, { external_id: 'CRM case #8812' }));
    expect(status).toBe(202);
    expect(body).toMatchObject({ status: 'ignored', reason: expect.stringContaining('external_id') });
    expect(h.publisher.published).toEqual([]);
  });

  test('a solved ticket created decades ago was a 400 naming data.openMinutes; the resolution is published without it', async () => {
    const h = cs();
    const { status } = await zendesk(h, zendeskEvent('ticket.status_changed', { current: 'SOLVED', previous: 'OPEN' }, { created_at: '1970-01-01T00:00:00Z' }));
    expect(status).toBe(202);
    const [resolved] = h.publisher.published as CanonicalDetail[];
    expect(resolved.data).toEqual({ status: 'solved' });
    expectCanonical(h.publisher.published);
  });
});

describe('CloudEvents (generic ERP)', () => {
  test('a quality hold placed decades before its release was a 400 naming data.heldMinutes; the release is published without it', async () => {
    const h = erp();
    const { status } = await cloudevents(h, cloudEvent('com.example.erp.quality-hold.released.v1', { ...erpHold(), placedAt: '1970-01-01T00:00:00Z' }));
    expect(status).toBe(202);
    const [released] = h.publisher.published as CanonicalDetail[];
    expect(released.data).not.toHaveProperty('heldMinutes');
    expect(released.data.disposition).toBe('release-to-customer');
    expectCanonical(h.publisher.published);
  });
});

describe('canonical submissions', () => {
  test('a malformed order id without a correlation id was named metadata.correlationId; it is named refs.orderId', async () => {
    const { status, body } = await canonical(
      cs(),
      'cs',
      submission('case.opened', (s) => {
        delete s.correlationId;
        s.refs.orderId = 'SO 1001';
      }),
    );
    expect(status).toBe(400);
    expect(body.field).toBe('refs.orderId');
  });

  test('a long event id (up to 256) and no order or shipment was a 400 naming metadata.correlationId; it is accepted', async () => {
    const h = cs();
    const { status } = await canonical(
      h,
      'cs',
      submission('case.opened', (s) => {
        s.eventId = `producer-${'x'.repeat(200)}`;
        delete s.correlationId;
        s.refs = { caseId: '38211' };
      }),
    );
    expect(status).toBe(202);
    expectCanonical(h.publisher.published);
  });

  test('a sequence beyond 2^53 - 1 was named metadata.sequence; it is named sequence', async () => {
    const body = JSON.stringify(submission('case.opened')).replace(/\}$/, ',"sequence":18446744073709551616}');
    const { status, body: answer } = await canonical(cs(), 'cs', body);
    expect(status).toBe(400);
    expect(answer.field).toBe('sequence');
  });
});
