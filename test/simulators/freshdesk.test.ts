import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_FRESHDESK_CREDENTIALS, FreshdeskSimulator } from '../../sandbox/simulators/vendors/freshdesk-api';
import { getJson, jsonInit, startReceiver, type Receiver } from './helpers';

/**
 * The Freshdesk simulator as Freshdesk's reference describes the API (https://developers.freshdesk.com/api/) and the
 * automation rules as docs/webhooks.md documents them — exercised with plain HTTP, not with our client.
 */
const SECRET = 'freshdesk-webhook-secret-for-tests';
const auth = { authorization: 'Basic ' + Buffer.from(`${DEFAULT_FRESHDESK_CREDENTIALS.apiKey}:X`).toString('base64') };
const newTicket = {
  email: 'logistics-sync@example.com',
  subject: 'Temperature excursion on SHP-1001-01',
  description: 'Reefer at 11.5 °C for 25 min',
  status: 2,
  priority: 3,
  type: 'Incident',
  tags: ['logistics-sync'],
  custom_fields: { cf_lsync_shipment_id: 'SHP-1001-01' },
};

describe('Freshdesk simulator', () => {
  let receiver: Receiver;
  let freshdesk: FreshdeskSimulator;
  let url = '';

  beforeAll(async () => {
    receiver = await startReceiver();
    freshdesk = new FreshdeskSimulator({ webhookSecret: SECRET, webhookUrl: `${receiver.url}/webhooks/cs/freshdesk`, rateLimitPerMinute: 40 });
    url = await freshdesk.start();
  });
  afterEach(async () => {
    await freshdesk.settled();
    freshdesk.reset();
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await freshdesk.stop();
    await receiver.close();
  });

  const create = (body: unknown = newTicket, headers: Record<string, string> = auth) => getJson(`${url}/api/v2/tickets`, jsonInit('POST', body, headers));

  test('Basic with the API key as user name (any password); anything else is 401 invalid_credentials', async () => {
    expect((await create()).status).toBe(201);
    const wrong = await create(newTicket, { authorization: 'Basic ' + Buffer.from('not-the-key:X').toString('base64') });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
  });

  test('creates with defaults and numbers as documented; a ticket without a requester is Freshdesk\'s 400', async () => {
    const created = await create({ email: 'logistics-sync@example.com', subject: 'x', description: 'y' });
    expect(created).toMatchObject({ status: 201, body: { status: 2, priority: 1, source: 2, requester_id: expect.any(Number) } });
    const refused = await create({ subject: 'no requester', description: 'y', priority: 3 });
    expect(refused).toMatchObject({ status: 400, body: { description: 'Validation failed', errors: expect.any(Array) } });
    const badPriority = await create({ ...newTicket, priority: 9 });
    expect(badPriority.status).toBe(400);
    expect(await create({ ...newTicket, type: 'Task' })).toMatchObject({ status: 400, body: { errors: [{ field: 'type', code: 'invalid_value' }] } });
    const unknownField = await create({ ...newTicket, custom_fields: { cf_not_in_this_account: 'x' } });
    expect(unknownField).toMatchObject({ status: 400, body: { errors: [{ field: 'cf_not_in_this_account', code: 'invalid_field' }] } });
  });

  test('every answer carries the rate-limit headers; over the limit 429 with Retry-After', async () => {
    const first = await create();
    expect(first.headers.get('x-ratelimit-total')).toBe('40');
    expect(first.headers.get('x-ratelimit-used-currentrequest')).toBe('1');
    expect(Number(first.headers.get('x-ratelimit-remaining'))).toBeLessThan(40);
    let last = first;
    for (let i = 0; i < 45 && last.status !== 429; i++) last = await getJson(`${url}/api/v2/tickets`, { headers: auth });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  test('notes are private by default; PUT tags replace the list; closed tickets are not locked', async () => {
    freshdesk.reset();
    const { body } = (await create()) as { body: { id: number } };
    expect((await getJson(`${url}/api/v2/tickets/${body.id}/notes`, jsonInit('POST', { body: 'Quality hold placed' }, auth))).body).toMatchObject({ private: true, ticket_id: body.id });
    expect((await getJson(`${url}/api/v2/tickets/${body.id}`, jsonInit('PUT', { tags: ['a'], status: 5 }, auth))).body).toMatchObject({ tags: ['a'], status: 5 });
    expect((await getJson(`${url}/api/v2/tickets/${body.id}`, jsonInit('PUT', { priority: 4 }, auth))).body).toMatchObject({ priority: 4, status: 5 });
    expect((await getJson(`${url}/api/v2/tickets/${body.id}/conversations`, { headers: auth })).body).toHaveLength(1);
    expect((await getJson(`${url}/api/v2/tickets/999999`, { headers: auth })).status).toBe(404);
  });

  test('Filter Tickets: a quoted query of the custom field, tags and numbers; an unquoted one is refused', async () => {
    freshdesk.reset();
    await create();
    await create({ ...newTicket, tags: ['other'], custom_fields: { cf_lsync_shipment_id: 'SHP-2' } });
    const query = (q: string) => getJson(`${url}/api/v2/search/tickets?query=${encodeURIComponent(q)}`, { headers: auth });
    expect((await query(`"cf_lsync_shipment_id:'SHP-1001-01'"`)).body).toMatchObject({ total: 1, results: [{ custom_fields: { cf_lsync_shipment_id: 'SHP-1001-01' } }] });
    expect((await query(`"tag:'other' OR priority:3"`)).body).toMatchObject({ total: 2 });
    expect((await query(`"tag:'other' AND status:5"`)).body).toMatchObject({ total: 0 });
    expect((await query(`cf_lsync_shipment_id:'SHP-2'`)).status).toBe(400);
  });

  // Rules run on the ticket as the whole change left it: the note's webhook already shows Resolved.
  test('the rules fire on agent changes: the rendered body of the documented rule with the secret header, nothing signed', async () => {
    freshdesk.reset();
    const { body } = (await create()) as { body: { id: number } };
    const deliveries = [...(await freshdesk.resolveTicket(body.id, { reply: 'Released by QA' })), ...(await freshdesk.closeResolvedTickets())];
    expect(deliveries.map((d) => d.status)).toEqual([202, 202, 202]);
    const received = await receiver.waitFor(3);
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { event: 'ticket.note_added', ticket_id: String(body.id), status: 'Resolved', priority: 'High', shipment_id: 'SHP-1001-01', note_private: 'false' },
      { event: 'ticket.status_changed', ticket_id: String(body.id), status: 'Resolved', priority: 'High', shipment_id: 'SHP-1001-01' },
      { event: 'ticket.status_changed', ticket_id: String(body.id), status: 'Closed', priority: 'High', shipment_id: 'SHP-1001-01' },
    ]);
    for (const r of received) {
      expect(r.path).toBe('/webhooks/cs/freshdesk');
      expect(r.headers['x-lsync-webhook-secret']).toBe(SECRET);
      expect(r.headers['content-type']).toBe('application/json');
    }
  });

  test('API changes fire no rules unless asked; tickets without the shipment field fire none', async () => {
    freshdesk.reset();
    const { body } = (await create()) as { body: { id: number } };
    await getJson(`${url}/api/v2/tickets/${body.id}`, jsonInit('PUT', { status: 4 }, auth));
    const other = (await create({ ...newTicket, custom_fields: {} })) as { body: { id: number } };
    expect(await freshdesk.resolveTicket(other.body.id)).toEqual([]);
    await freshdesk.settled();
    expect(receiver.requests).toEqual([]);
  });
});
