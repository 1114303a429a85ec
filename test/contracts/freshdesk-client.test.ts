/**
 * FreshdeskClient against Freshdesk's API v2 contract (contracts/freshdesk/openapi.json, written from the
 * reference page), with no simulator in between: every request each client method builds must match an operation
 * of the contract; the canned answers are held to the contract too. Also: statuses and priorities as Freshdesk
 * numbers them, the closed-ticket follow-up, the idempotency tag, and 429 Retry-After.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, type Contract } from '../../contracts/contract';
import { FreshdeskClient } from '../../lambdas/cs/freshdesk/client';
import { idempotencyTag } from '../../lambdas/cs/freshdesk/tickets';
import { RateLimitedError, ValidationError } from '../../lambdas/shared/errors';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { contractFetch, expectAllConform, type CannedResponse, type ContractCall } from './support';

const SHIPMENT = 'SHP-1001-01';

/** A ticket as Freshdesk returns it (the reference's ticket properties). */
const ticket = (id: number, status: number, extra: Record<string, unknown> = {}) => ({
  id,
  subject: `Temperature excursion on ${SHIPMENT}`,
  status,
  priority: 3,
  source: 2,
  type: 'Incident',
  tags: ['logistics-sync', 'temperature-excursion', idempotencyTag('case-key')],
  custom_fields: { cf_lsync_shipment_id: SHIPMENT },
  requester_id: 5001,
  responder_id: null,
  group_id: null,
  created_at: `2026-03-1${id % 10}T10:41:10Z`,
  updated_at: '2026-03-13T08:30:00Z',
  due_by: null,
  fr_due_by: null,
  is_escalated: false,
  spam: false,
  ...extra,
});

describe('contracts/freshdesk/openapi.json', () => {
  test('names its sources and the source of every operation, all on Freshdesk\'s reference', async () => {
    const contract = await loadContract('freshdesk');
    for (const source of contract.sources) expect(source).toMatchObject({ url: expect.stringMatching(/^https:\/\/(developers|support)\.freshdesk\.com\//), retrieved: '2026-12-04', license: expect.any(String) });
    expect(contract.operations.filter((op) => !op.source?.startsWith('https://developers.freshdesk.com/api/#'))).toEqual([]);
    expect(contract.operations.map((op) => op.operationId).sort()).toEqual(['CreateNote', 'CreateTicket', 'FilterTickets', 'ListConversations', 'ListTickets', 'UpdateTicket', 'ViewTicket']);
  });
});

describe('FreshdeskClient requests conform to Freshdesk\'s contract', () => {
  let contract: Contract;
  beforeAll(async () => {
    contract = await loadContract('freshdesk');
  });

  /** Answers like Freshdesk: filter results by query, 201 for creations, 200 otherwise; each answer checked against the contract. */
  function freshdesk(byQuery: (query: string) => readonly ReturnType<typeof ticket>[], override?: (call: ContractCall) => CannedResponse | undefined) {
    const respond = (call: ContractCall): CannedResponse => {
      const overridden = override?.(call);
      if (overridden) return overridden;
      let answer: CannedResponse;
      const id = Number(/tickets\/(\d+)/.exec(call.path)?.[1]);
      if (call.path === '/api/v2/search/tickets') {
        const results = byQuery(String(call.query.query));
        answer = { status: 200, body: { results, total: results.length } };
      } else if (call.method === 'POST' && call.path.endsWith('/notes')) answer = { status: 201, body: { id: 9001, body: 'x', body_text: 'x', private: true, incoming: false, user_id: 1, ticket_id: id, created_at: '2026-03-13T08:30:00Z', updated_at: '2026-03-13T08:30:00Z' } };
      else if (call.method === 'POST') answer = { status: 201, body: ticket(77, 2) };
      else answer = { status: 200, body: ticket(id, 2) };
      if (call.check.operationId) expect(contract.checkResponse(call.check.operationId, answer.status, answer.body)).toEqual([]);
      return answer;
    };
    const recorder = contractFetch(contract, respond);
    const client = new FreshdeskClient(new HttpJsonClient({ target: 'Freshdesk', baseUrl: 'https://vendor.test', timeoutMs: 2000, fetch: recorder.fetch }), async () => ({
      apiKey: 'key',
      requesterEmail: 'logistics-sync@example.com',
    }));
    return { client, calls: recorder.calls };
  }

  test('createTicket: looks for its idempotency tag, then POST /api/v2/tickets with requester, HTML description, status 2, priority 3, type, tags and the shipment field', async () => {
    const { client, calls } = freshdesk(() => []);
    const result = await client.createTicket({ subject: 'Temperature excursion', body: 'Reefer at 11.5 °C <25 min>\nQA informed', priority: 'high', type: 'incident', externalId: SHIPMENT, tags: ['cold-chain'] }, 'case-key');
    expectAllConform(calls);
    expect(result).toEqual({ ticketId: '77' });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/v2/search/tickets', 'POST /api/v2/tickets']);
    expect(calls[0]!.query.query).toBe(`"tag:'${idempotencyTag('case-key')}'"`);
    expect(calls[1]!.headers.authorization).toBe(`Basic ${Buffer.from('key:X').toString('base64')}`);
    expect(calls[1]!.body).toEqual({
      email: 'logistics-sync@example.com',
      subject: 'Temperature excursion',
      description: 'Reefer at 11.5 °C &lt;25 min&gt;<br>QA informed',
      status: 2,
      priority: 3,
      type: 'Incident',
      tags: ['cold-chain', idempotencyTag('case-key')],
      custom_fields: { cf_lsync_shipment_id: SHIPMENT },
    });
  });

  test('createTicket again with the same key finds the first ticket by its tag and creates none', async () => {
    const { client, calls } = freshdesk((q) => (q.includes(idempotencyTag('case-key')) ? [ticket(41, 2)] : []));
    expect(await client.createTicket({ subject: 's', body: 'b', priority: 'normal', externalId: SHIPMENT }, 'case-key')).toEqual({ ticketId: '41' });
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  test('updateTicket: a private note, then PUT with status and priority numbers and the merged tags', async () => {
    const { client, calls } = freshdesk(() => []);
    await client.updateTicket('41', { comment: { body: 'Quality hold QH-000001 placed' }, status: 'pending', priority: 'urgent', additionalTags: ['quality-hold', 'logistics-sync'] });
    expectAllConform(calls);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/v2/tickets/41', 'POST /api/v2/tickets/41/notes', 'PUT /api/v2/tickets/41']);
    expect(calls[1]!.body).toEqual({ body: 'Quality hold QH-000001 placed', private: true });
    expect(calls[2]!.body).toEqual({ status: 3, priority: 4, tags: ['logistics-sync', 'temperature-excursion', idempotencyTag('case-key'), 'quality-hold'] });
  });

  test.each([
    ['new', 2], ['open', 2], ['pending', 3], ['hold', 3], ['solved', 4], ['closed', 5],
  ] as const)('status %s is Freshdesk status %d', async (status, value) => {
    const { client, calls } = freshdesk(() => []);
    await client.updateTicket('41', { status });
    expectAllConform(calls);
    expect(calls.map((c) => c.body)).toEqual([{ status: value }]);
  });

  test('updateTicketByExternalId: Filter Tickets on the shipment field; the newest ticket that is not closed gets the note', async () => {
    const { client, calls } = freshdesk((q) => (q.includes('cf_lsync_shipment_id') ? [ticket(40, 5), ticket(41, 4)] : []));
    const result = await client.updateTicketByExternalId(SHIPMENT, { comment: { body: 'Invoice INV-90017 posted' } }, { idempotencyKey: 'k' });
    expectAllConform(calls);
    expect(calls[0]!.query.query).toBe(`"cf_lsync_shipment_id:'${SHIPMENT}'"`);
    expect(result).toEqual({ ticketId: '41' });
    expect(calls.at(-1)).toMatchObject({ method: 'POST', path: '/api/v2/tickets/41/notes' });
  });

  test('when every ticket of the shipment is Closed, a new ticket names the newest closed one and carries the update; the closed one is not touched', async () => {
    const { client, calls } = freshdesk((q) => (q.includes('cf_lsync_shipment_id') ? [ticket(40, 5), ticket(41, 5)] : []));
    const result = await client.updateTicketByExternalId(SHIPMENT, { comment: { body: 'Invoice INV-90017 posted' }, additionalTags: ['invoice-posted'] }, { idempotencyKey: 'invoice-key' });
    expectAllConform(calls);
    expect(result).toEqual({ ticketId: '77', followUpOf: '41' });
    expect(calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual(['POST /api/v2/tickets']);
    expect(calls.at(-1)!.body).toMatchObject({
      subject: `Temperature excursion on ${SHIPMENT}`,
      description: 'Follow-up of closed ticket #41.<br>Invoice INV-90017 posted',
      priority: 3,
      type: 'Incident',
      tags: ['logistics-sync', 'temperature-excursion', 'invoice-posted', 'lsync-follow-up', idempotencyTag('invoice-key')],
    });
  });

  test('a shipment without tickets gets nothing', async () => {
    const { client, calls } = freshdesk(() => []);
    expect(await client.updateTicketByExternalId(SHIPMENT, { comment: { body: 'x' } }, { idempotencyKey: 'k' })).toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  test('readCaseHistory: View a Ticket with include=stats; a resolved or closed ticket\'s resolutions come from its stats, an open one has none; 404 is no case', async () => {
    const stats = { resolved_at: '2026-03-13T09:10:11Z', closed_at: '2026-03-15T09:10:12Z', first_responded_at: null };
    const answers: Record<string, CannedResponse> = {
      '41': { status: 200, body: { ...ticket(41, 5, { custom_fields: { cf_lsync_shipment_id: SHIPMENT } }), created_at: '2026-03-13T08:00:00Z', stats } },
      '42': { status: 200, body: { ...ticket(42, 2, { custom_fields: { cf_lsync_shipment_id: SHIPMENT } }), stats } },
      '43': { status: 404 },
    };
    const { client, calls } = freshdesk(() => [], (call) => answers[String(/tickets\/(\d+)/.exec(call.path)?.[1])]);
    expect(await client.readCaseHistory('41')).toEqual({
      vendor: 'freshdesk',
      caseId: '41',
      status: 'closed',
      externalId: SHIPMENT,
      createdAt: '2026-03-13T08:00:00Z',
      statusChanges: [
        { status: 'solved', at: '2026-03-13T09:10:11Z' },
        { status: 'closed', at: '2026-03-15T09:10:12Z' },
      ],
    });
    expect(await client.readCaseHistory('42')).toMatchObject({ status: 'open', statusChanges: [] });
    expect(await client.readCaseHistory('43')).toBeUndefined();
    expect(calls.map((c) => [c.method, c.path, c.query.include, c.check.operationId, c.check.errors])).toEqual([
      ['GET', '/api/v2/tickets/41', 'stats', 'ViewTicket', []],
      ['GET', '/api/v2/tickets/42', 'stats', 'ViewTicket', []],
      ['GET', '/api/v2/tickets/43', 'stats', 'ViewTicket', []],
    ]);
    expect(contract.checkRequest({ method: 'GET', path: '/api/v2/tickets/41', query: { include: 'stats,audit' } }).errors.length).toBeGreaterThan(0);
  });

  test('429 with Retry-After becomes a RateLimitedError with those seconds (the adapter waits as told)', async () => {
    const { client } = freshdesk(() => [], () => ({ status: 429, headers: { 'retry-after': '37' } }));
    const error = await client.updateTicket('41', { status: 'open' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(37);
  });

  test('ids that cannot be a ticket number or a shipment id are refused before any request', async () => {
    const { client, calls } = freshdesk(() => []);
    await expect(client.updateTicket('41/../1', { status: 'open' })).rejects.toBeInstanceOf(ValidationError);
    await expect(client.ticketsByExternalId("SHP' OR tag:'x")).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toEqual([]);
  });

  test('the contract refuses what Freshdesk refuses: no requester, a priority outside 1-4, an unquoted filter query', () => {
    const create = contract.checkRequest({ method: 'POST', path: '/api/v2/tickets', headers: { 'content-type': 'application/json' }, body: { subject: 'no requester', priority: 7 } });
    expect(create.errors.join('; ')).toMatch(/priority|anyOf|requester_id/);
    const filter = contract.checkRequest({ method: 'GET', path: '/api/v2/search/tickets', query: { query: "cf_lsync_shipment_id:'SHP-1'" } });
    expect(filter.errors.length).toBeGreaterThan(0);
  });
});
