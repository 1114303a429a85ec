import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CsSimulator, DEFAULT_CS_CREDENTIALS } from '../../lib/sandbox/simulators/cs';
import { SECRETS, getJson, jsonInit, startReceiver, type ReceivedRequest, type Receiver } from './helpers';

const basic = { authorization: 'Basic ' + Buffer.from(`${DEFAULT_CS_CREDENTIALS.email}/token:${DEFAULT_CS_CREDENTIALS.apiToken}`).toString('base64') };
const bearer = { authorization: `Bearer ${DEFAULT_CS_CREDENTIALS.oauthToken}` };

const newTicket = {
  ticket: {
    subject: 'Temperature excursion on SO-1001 / SHP-1001-01',
    comment: { body: 'Reefer at 11.5 °C for 25 min (contract 2–8 °C). Quality hold placed.', public: false },
    priority: 'high',
    type: 'incident',
    tags: ['logistics-sync', 'temperature-excursion'],
    external_id: 'SHP-1001-01',
  },
};

/** Independent check of Zendesk's scheme: base64 HMAC-SHA256(secret as UTF-8, timestamp + body). */
function expectZendeskSignature(request: ReceivedRequest): void {
  const timestamp = request.headers['x-zendesk-webhook-signature-timestamp'];
  expect(timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  expect(request.headers['x-zendesk-webhook-signature']).toBe(createHmac('sha256', SECRETS.zendesk).update(timestamp + request.body).digest('base64'));
}

describe('customer-service simulator (Zendesk-shaped)', () => {
  let receiver: Receiver;
  let cs: CsSimulator;
  let url = '';

  beforeAll(async () => {
    receiver = await startReceiver();
    cs = new CsSimulator({ zendeskSecret: SECRETS.zendesk, webhookUrl: `${receiver.url}/webhooks/cs/zendesk`, rateLimitPerMinute: 50 });
    url = await cs.start();
  });
  afterEach(async () => {
    await cs.settled();
    cs.reset();
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await cs.stop();
    await receiver.close();
  });

  const create = (headers: Record<string, string>, body: unknown = newTicket) => getJson(`${url}/api/v2/tickets.json`, jsonInit('POST', body, headers));

  describe('Tickets API', () => {
    test('accepts Basic email/token and Bearer; refuses anything else the Zendesk way', async () => {
      expect((await create(basic)).status).toBe(201);
      expect((await create(bearer)).status).toBe(201);
      const wrong = await create({ authorization: 'Basic ' + Buffer.from(`${DEFAULT_CS_CREDENTIALS.email}/token:nope`).toString('base64') });
      expect(wrong).toMatchObject({ status: 401, body: { error: "Couldn't authenticate you" } });
    });

    test('creates a ticket with external_id, tags and priority; reads it back; finds it by external_id', async () => {
      const created = await create(basic);
      expect(created).toMatchObject({
        status: 201,
        body: { ticket: { id: 1, external_id: 'SHP-1001-01', priority: 'high', status: 'new', type: 'incident', tags: ['logistics-sync', 'temperature-excursion'] } },
      });
      expect(created.headers.get('location')).toMatch(/\/api\/v2\/tickets\/1\.json$/);
      expect((await getJson(`${url}/api/v2/tickets/1.json`, { headers: basic })).body).toMatchObject({ ticket: { id: 1, description: newTicket.ticket.comment.body } });
      const found = await getJson(`${url}/api/v2/tickets.json?external_id=SHP-1001-01`, { headers: basic });
      expect(found.body).toMatchObject({ count: 1, tickets: [{ id: 1 }] });
      expect((await getJson(`${url}/api/v2/tickets.json?external_id=SHP-NONE`, { headers: basic })).body).toMatchObject({ count: 0, tickets: [] });
      expect(await getJson(`${url}/api/v2/tickets/99.json`, { headers: basic })).toMatchObject({ status: 404, body: { error: 'RecordNotFound' } });
    });

    test('Idempotency-Key: miss, then the cached answer with hit; the same key with another body is 400', async () => {
      const headers = { ...basic, 'idempotency-key': 'case-open:SHP-1001-01' };
      const first = await create(headers);
      expect(first.headers.get('x-idempotency-lookup')).toBe('miss');
      const again = await create(headers);
      expect(again.status).toBe(201);
      expect(again.headers.get('x-idempotency-lookup')).toBe('hit');
      expect(again.body).toEqual(first.body);
      expect((cs.snapshot() as { tickets: unknown[] }).tickets).toHaveLength(1);
      const other = await create(headers, { ticket: { ...newTicket.ticket, priority: 'urgent' } });
      expect(other.status).toBe(400);
      expect(cs.callsTo('POST', '/api/v2/tickets.json').map((c) => [c.idempotencyKey, c.status, c.replayed ?? false])).toEqual([
        ['case-open:SHP-1001-01', 201, false],
        ['case-open:SHP-1001-01', 201, true],
        ['case-open:SHP-1001-01', 400, false],
      ]);
    });

    test('without Idempotency-Key a repeated create makes a second ticket (Zendesk does not enforce external_id uniqueness)', async () => {
      await create(basic);
      await create(basic);
      expect((await getJson(`${url}/api/v2/tickets.json?external_id=SHP-1001-01`, { headers: basic })).body).toMatchObject({ count: 2 });
    });

    test('validation errors are 422 RecordInvalid naming the field', async () => {
      const res = await create(basic, { ticket: { subject: 'x', comment: { body: 'y' }, priority: 'whenever' } });
      expect(res).toMatchObject({ status: 422, body: { error: 'RecordInvalid', description: expect.stringMatching(/ticket\.priority must be one of urgent, high, normal, low/) } });
      expect((await create(basic, { ticket: { subject: 'no body' } })).status).toBe(422);
    });

    test('updates: comment, status, priority and additional_tags; comments are listed; a closed ticket refuses updates', async () => {
      await create(basic);
      const update = { ticket: { comment: { body: 'POD 5001_1773300000000 received; invoice INV-90001 posted.', public: true }, status: 'pending', priority: 'normal', additional_tags: ['pod-received', 'Invoiced'] } };
      const res = await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', update, basic));
      expect(res).toMatchObject({ status: 200, body: { ticket: { status: 'pending', priority: 'normal', tags: ['logistics-sync', 'temperature-excursion', 'pod-received', 'invoiced'] } } });
      const comments = await getJson(`${url}/api/v2/tickets/1/comments.json`, { headers: basic });
      expect(comments.body).toMatchObject({ count: 2, comments: [{ public: false }, { body: update.ticket.comment.body, public: true }] });
      await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'closed' } }, basic));
      const closed = await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'open' } }, basic));
      expect(closed).toMatchObject({ status: 422, body: { description: 'Status: closed prevents ticket update' } });
    });

    test('safe_update with a stale updated_stamp is a 409 conflict', async () => {
      await create(basic);
      const res = await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'open', safe_update: true, updated_stamp: '2000-01-01T00:00:00Z' } }, basic));
      expect(res).toMatchObject({ status: 409, body: { error: 'UpdateConflict' } });
    });

    test('every answer carries X-Rate-Limit / X-Rate-Limit-Remaining; over the limit it is 429 with Retry-After', async () => {
      const limited = new CsSimulator({ zendeskSecret: SECRETS.zendesk, rateLimitPerMinute: 2 });
      const limitedUrl = await limited.start();
      try {
        const first = await getJson(`${limitedUrl}/api/v2/tickets.json`, { headers: basic });
        expect([first.headers.get('x-rate-limit'), first.headers.get('x-rate-limit-remaining')]).toEqual(['2', '1']);
        await getJson(`${limitedUrl}/api/v2/tickets.json`, { headers: basic });
        const third = await getJson(`${limitedUrl}/api/v2/tickets.json`, { headers: basic });
        expect(third.status).toBe(429);
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(third.headers.get('x-rate-limit-remaining')).toBe('0');
      } finally {
        await limited.stop();
      }
    });
  });

  describe('ticket event webhooks', () => {
    test('solveTicket sends status_changed with the envelope, detail and event, signed the Zendesk way', async () => {
      await create(basic);
      const [delivery] = await cs.solveTicket(1);
      expect(delivery).toMatchObject({ ok: true, eventType: 'zen:event-type:ticket.status_changed' });
      const [request] = receiver.requests;
      expect(request.path).toBe('/webhooks/cs/zendesk');
      expectZendeskSignature(request);
      expect(JSON.parse(request.body)).toEqual({
        account_id: 24815001,
        detail: expect.objectContaining({ id: '1', external_id: 'SHP-1001-01', status: 'SOLVED', priority: 'HIGH', tags: ['logistics-sync', 'temperature-excursion'] }),
        event: { current: 'SOLVED', previous: 'NEW' },
        id: expect.any(String),
        subject: 'zen:ticket:1',
        time: expect.any(String),
        type: 'zen:event-type:ticket.status_changed',
        zendesk_event_version: '2022-11-06',
      });
      expect((await getJson(`${url}/api/v2/tickets/1.json`, { headers: basic })).body).toMatchObject({ ticket: { status: 'solved' } });
    });

    test('priority and comment changes send priority_changed and comment_added', async () => {
      await create(basic);
      await cs.setTicketPriority(1, 'urgent');
      await cs.addAgentComment(1, 'Customer informed by phone.');
      const [priority, comment] = receiver.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
      expect(priority).toMatchObject({ type: 'zen:event-type:ticket.priority_changed', event: { current: 'URGENT', previous: 'HIGH' } });
      expect(comment).toMatchObject({ type: 'zen:event-type:ticket.comment_added', event: { comment: { body: 'Customer informed by phone.', is_public: true, author: { is_staff: true } } } });
      receiver.requests.forEach(expectZendeskSignature);
    });

    test('changes made through the API send no webhook unless configured', async () => {
      await create(basic);
      await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'open' } }, basic));
      await cs.settled();
      expect(receiver.requests).toHaveLength(0);
      const echoing = new CsSimulator({ zendeskSecret: SECRETS.zendesk, webhookUrl: `${receiver.url}/webhooks/cs/zendesk`, webhooksForApiChanges: true });
      const echoUrl = await echoing.start();
      try {
        await getJson(`${echoUrl}/api/v2/tickets.json`, jsonInit('POST', newTicket, basic));
        await getJson(`${echoUrl}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'open' } }, basic));
        await echoing.settled();
        expect(receiver.requests.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['zen:event-type:ticket.status_changed']);
      } finally {
        await echoing.stop();
      }
    });

    test('solveTicket over HTTP, with a stale signing time', async () => {
      await create(basic);
      const res = await getJson(`${url}/__sim/actions/solveTicket`, jsonInit('POST', { ticketId: 1, signedAt: '2026-01-01T00:00:00Z' }));
      expect(res.status).toBe(200);
      expect(receiver.requests[0].headers['x-zendesk-webhook-signature-timestamp']).toBe('2026-01-01T00:00:00Z');
      expectZendeskSignature(receiver.requests[0]);
    });
  });
});
