import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadContract } from '../../contracts/contract';
import { CsSimulator, DEFAULT_CS_CREDENTIALS } from '../../sandbox/simulators/cs';
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

    test('a ticket outside Zendesk\'s contract is 422 RecordInvalid with details by field', async () => {
      const res = await create(basic, { ticket: { subject: 'x', comment: { body: 'y' }, priority: 'whenever' } });
      expect(res).toMatchObject({
        status: 422,
        body: { error: 'RecordInvalid', description: 'Record validation errors', details: { priority: [{ description: expect.stringMatching(/ticket\.priority must be one of \["urgent","high","normal","low"\]/) }] } },
      });
      expect(await create(basic, { ticket: { subject: 'no comment' } })).toMatchObject({ status: 422, body: { details: { comment: [expect.anything()] } } });
      expect(cs.callsTo('POST', '/api/v2/tickets.json').map((c) => c.contract)).toEqual([
        { operationId: 'CreateTicketJson', errors: [expect.stringMatching(/priority/)] },
        { operationId: 'CreateTicketJson', errors: [expect.stringMatching(/required property 'comment'/)] },
      ]);
      expect(cs.snapshot()).toEqual({ tickets: [] });
    });

    test('paths work with and without the .json suffix; an operation outside the contract is 404 RecordNotFound', async () => {
      await create(basic);
      expect((await getJson(`${url}/api/v2/tickets/1`, { headers: basic })).body).toMatchObject({ ticket: { id: 1 } });
      expect((await getJson(`${url}/api/v2/tickets?external_id=SHP-1001-01`, { headers: basic })).body).toMatchObject({ tickets: [{ id: 1 }] });
      expect(cs.calls.map((c) => c.contract?.operationId)).toEqual(['CreateTicketJson', 'ShowTicket', 'ListTickets']);
      expect(await getJson(`${url}/api/v2/tickets/1/collaborators.json`, { headers: basic })).toMatchObject({ status: 404, body: { error: 'RecordNotFound', description: 'Not found' } });
      expect((await getJson(`${url}/api/v2/tickets/one.json`, { headers: basic })).status).toBe(400);
    });

    test('its own answers satisfy the contract', async () => {
      await create(basic);
      await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { comment: { body: 'note', public: false }, additional_tags: ['x'] } }, basic));
      await getJson(`${url}/api/v2/tickets/1.json`, { headers: basic });
      await getJson(`${url}/api/v2/tickets.json?external_id=SHP-1001-01`, { headers: basic });
      await getJson(`${url}/api/v2/tickets/1/comments.json`, { headers: basic });
      await getJson(`${url}/api/v2/tickets/1/audits.json?per_page=1&page=2`, { headers: basic });
      expect(cs.calls.map((c) => [c.status, c.contract?.responseErrors ?? []])).toEqual([
        [201, []],
        [200, []],
        [200, []],
        [200, []],
        [200, []],
        [200, []],
      ]);
    });

    test('audits: one per update, oldest first, with Create, Change (previous_value) and Comment events; offset pagination', async () => {
      await create(basic);
      await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'open', additional_tags: ['pod-received'] } }, basic));
      const [solve] = await cs.solveTicket(1, { comment: 'Released by QA' });
      expect(solve).toBeDefined();
      await cs.closeSolvedTickets();
      const all = await getJson(`${url}/api/v2/tickets/1/audits.json`, { headers: basic });
      const body = all.body as { audits: { created_at: string; author_id: number; via: { channel: string }; events: Record<string, unknown>[] }[]; count: number; next_page: string | null };
      expect(body).toMatchObject({ count: 4, next_page: null, previous_page: null });
      expect(body.audits.map((a) => [a.author_id, a.via.channel])).toEqual([[9001, 'api'], [9001, 'api'], [9100, 'web'], [-1, 'rule']]);
      expect(body.audits[0]!.events).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'Comment', public: false }), expect.objectContaining({ type: 'Create', field_name: 'status', value: 'new' })]),
      );
      expect(body.audits[1]!.events).toEqual([
        expect.objectContaining({ type: 'Change', field_name: 'status', value: 'open', previous_value: 'new' }),
        expect.objectContaining({ type: 'Change', field_name: 'tags', value: ['logistics-sync', 'temperature-excursion', 'pod-received'], previous_value: ['logistics-sync', 'temperature-excursion'] }),
      ]);
      expect(body.audits[2]!.events).toEqual([expect.objectContaining({ type: 'Comment', body: 'Released by QA', public: true }), expect.objectContaining({ type: 'Change', field_name: 'status', value: 'solved', previous_value: 'open' })]);
      expect(body.audits[3]!.events).toEqual([expect.objectContaining({ type: 'Change', field_name: 'status', value: 'closed', previous_value: 'solved' })]);
      // The solve's audit is the update the status webhook announced: its time is that webhook's ticket updated_at.
      const solvedWebhook = receiver.requests.map((r) => JSON.parse(r.body) as { type: string; detail: { updated_at: string; status: string } }).find((w) => w.type.endsWith('status_changed') && w.detail.status === 'SOLVED');
      expect(solvedWebhook?.detail.updated_at).toBe(body.audits[2]!.created_at);
      // Event ids are unique across the ticket's audits.
      const ids = body.audits.flatMap((a) => a.events.map((e) => e.id));
      expect(new Set(ids).size).toBe(ids.length);

      const page2 = await getJson(`${url}/api/v2/tickets/1/audits.json?page=2&per_page=3`, { headers: basic });
      expect(page2.body).toMatchObject({ count: 4, next_page: null, previous_page: expect.stringContaining('page=1&per_page=3'), audits: [{ events: [{ value: 'closed' }] }] });
      const page1 = await getJson(`${url}/api/v2/tickets/1/audits?per_page=3`, { headers: basic });
      expect(page1.body).toMatchObject({ next_page: expect.stringMatching(/\/api\/v2\/tickets\/1\/audits\?page=2&per_page=3$/), previous_page: null });
      expect((await getJson(`${url}/api/v2/tickets/1/audits.json?per_page=101`, { headers: basic })).status).toBe(400);
      expect((await getJson(`${url}/api/v2/tickets/2/audits.json`, { headers: basic })).status).toBe(404);
    });

    test('updates: comment, status, priority and additional_tags; comments are listed; a closed ticket refuses updates', async () => {
      await create(basic);
      const update = { ticket: { comment: { body: 'POD 5001_1773300000000 received; invoice INV-90001 posted.', public: true }, status: 'pending', priority: 'normal', additional_tags: ['pod-received', 'Invoiced'] } };
      const res = await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', update, basic));
      expect(res).toMatchObject({ status: 200, body: { ticket: { status: 'pending', priority: 'normal', tags: ['logistics-sync', 'temperature-excursion', 'pod-received', 'invoiced'] } } });
      const comments = await getJson(`${url}/api/v2/tickets/1/comments.json`, { headers: basic });
      expect(comments.body).toMatchObject({ count: 2, comments: [{ public: false }, { body: update.ticket.comment.body, public: true }] });
      await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'closed' } }, basic));
      const closed = await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { comment: { body: 'too late' } } }, basic));
      expect(closed).toEqual({
        status: 422,
        headers: expect.anything(),
        body: { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: 'Status: closed prevents ticket update' }] } },
      });
      expect(cs.commentsOf(1)).toHaveLength(2);
    });

    test('solved is not closed: a solved ticket still takes comments and can be reopened', async () => {
      await create(basic);
      await cs.solveTicket(1);
      expect((await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { comment: { body: 'one more note', public: false } } }, basic))).status).toBe(200);
      expect((await getJson(`${url}/api/v2/tickets/1.json`, jsonInit('PUT', { ticket: { status: 'open' } }, basic))).body).toMatchObject({ ticket: { status: 'open' } });
    });

    test('a follow-up of a closed ticket (via_followup_source_id) is linked to it and inherits its tags unless the request has tags', async () => {
      await create(basic);
      await cs.solveTicket(1);
      await cs.closeSolvedTickets();
      const inherit = await create(basic, { ticket: { via_followup_source_id: 1, comment: { body: 'Invoice posted', public: false }, external_id: 'SHP-1001-01' } });
      expect(inherit).toMatchObject({ status: 201, body: { ticket: { id: 2, status: 'new', external_id: 'SHP-1001-01', tags: ['logistics-sync', 'temperature-excursion'] } } });
      const replace = await create(basic, { ticket: { via_followup_source_id: 1, comment: { body: 'Again' }, tags: ['invoice-posted'] } });
      expect(replace.body).toMatchObject({ ticket: { id: 3, tags: ['invoice-posted'] } });
      expect((await getJson(`${url}/api/v2/tickets/1.json`, { headers: basic })).body).toMatchObject({ ticket: { status: 'closed', followup_ids: [2, 3] } });
    });

    test('via_followup_source_id of a ticket that is not closed has no effect (as documented)', async () => {
      await create(basic);
      const other = await create(basic, { ticket: { via_followup_source_id: 1, comment: { body: 'not a follow-up' } } });
      expect(other).toMatchObject({ status: 201, body: { ticket: { id: 2, tags: [], followup_ids: [] } } });
      expect((await getJson(`${url}/api/v2/tickets/1.json`, { headers: basic })).body).toMatchObject({ ticket: { status: 'new', followup_ids: [] } });
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
        event: { meta: { sequence: { id: expect.any(String), position: 1 } }, current: 'SOLVED', previous: 'NEW' },
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

    test('tag changes send tags_changed with the tags added and removed; the automation closes solved tickets', async () => {
      await create(basic);
      await cs.changeTicketTags(1, { add: ['Credit-Issued', 'logistics-sync'], remove: ['temperature-excursion'] });
      await cs.solveTicket(1, { comment: 'Credited' });
      await cs.closeSolvedTickets();
      const events = receiver.requests.map((r) => JSON.parse(r.body) as { type: string; event: Record<string, unknown>; detail: Record<string, unknown> });
      expect(events.map((e) => e.type)).toEqual([
        'zen:event-type:ticket.tags_changed',
        'zen:event-type:ticket.comment_added',
        'zen:event-type:ticket.status_changed',
        'zen:event-type:ticket.status_changed',
      ]);
      expect(events[0].event).toMatchObject({ tags_added: ['credit-issued'], tags_removed: ['temperature-excursion'] });
      expect(events[0].detail.tags).toEqual(['logistics-sync', 'credit-issued']);
      // One agent action, one sequence: the comment and the solve share the sequence id, in order.
      expect([events[1].event.meta, events[2].event.meta]).toEqual([
        { sequence: { id: expect.any(String), position: 1 } },
        { sequence: { id: (events[1].event.meta as { sequence: { id: string } }).sequence.id, position: 2 } },
      ]);
      expect(events[3]).toMatchObject({ event: { current: 'CLOSED', previous: 'SOLVED' }, detail: { status: 'CLOSED', actor_id: '-1' } });
      const contract = await loadContract('zendesk');
      for (const event of events) expect(contract.checkWebhook(event.type, event)).toEqual([]);
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
