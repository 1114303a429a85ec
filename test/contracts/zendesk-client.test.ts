/**
 * ZendeskClient against Zendesk's published contract (contracts/zendesk/openapi.json), with no simulator in
 * between: every request each client method builds must match an operation of the contract and break none of
 * its rules. The canned answers are held to the contract too, so the client is not tested against answers
 * Zendesk would never give.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, type Contract } from '../../contracts/contract';
import type { TicketPriority } from '../../lambdas/cs/cs-port';
import { markerTag, ZendeskClient } from '../../lambdas/cs/zendesk-client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { contractFetch, expectAllConform, type CannedResponse, type ContractCall } from './support';

const SHIPMENT = 'SHP-1001-01';

/** A ticket as Zendesk returns it (TicketObject). */
const ticket = (id: number, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  url: `https://example.zendesk.com/api/v2/tickets/${id}.json`,
  external_id: SHIPMENT,
  via: { channel: 'api' },
  created_at: `2026-03-1${id % 10}T10:41:10Z`,
  updated_at: '2026-03-13T08:30:00Z',
  type: 'incident',
  subject: `Temperature excursion on ${SHIPMENT}`,
  raw_subject: `Temperature excursion on ${SHIPMENT}`,
  description: 'Reefer at 11.5 °C for 25 min.',
  priority: 'high',
  status,
  requester_id: 9001,
  submitter_id: 9001,
  assignee_id: null,
  organization_id: null,
  group_id: null,
  tags: ['logistics-sync', 'temperature-excursion'],
  custom_fields: [],
  is_public: false,
  followup_ids: [],
  ...extra,
});

describe('contracts/zendesk/openapi.json', () => {
  test('names its sources, and the source of every operation; models each operation with and without .json', async () => {
    const contract = await loadContract('zendesk');
    expect(contract.document.openapi).toBe('3.0.3');
    for (const source of contract.sources) expect(source).toMatchObject({ url: expect.stringMatching(/^https:\/\//), retrieved: expect.stringMatching(/^2026-12-0[45]$/), license: expect.any(String), covers: expect.any(String) });
    expect(contract.operations.filter((op) => !op.source?.startsWith('https://developer.zendesk.com/'))).toEqual([]);
    const ids = contract.operations.map((op) => op.operationId).sort();
    expect(ids).toEqual(['CreateTicket', 'ListAuditsForTicket', 'ListTicketComments', 'ListTickets', 'ShowTicket', 'UpdateTicket'].flatMap((id) => [id, `${id}Json`]).sort());
  });
});

describe('ZendeskClient requests conform to Zendesk\'s contract', () => {
  let contract: Contract;
  beforeAll(async () => {
    contract = await loadContract('zendesk');
  });

  /** Answers like Zendesk: the listed tickets, 201 for a create, 200 for an update; each answer checked against the contract. */
  function zendesk(listed: readonly ReturnType<typeof ticket>[]) {
    const respond = (call: ContractCall): CannedResponse => {
      let answer: CannedResponse;
      if (call.method === 'GET') answer = { status: 200, body: { tickets: listed, next_page: null, previous_page: null, count: listed.length } };
      else if (call.method === 'POST') answer = { status: 201, body: { ticket: ticket(77, 'new') } };
      else answer = { status: 200, body: { ticket: ticket(Number(/\/(\d+)/.exec(call.path)?.[1]), 'open'), audit: { id: 1, ticket_id: 1, events: [{ id: 2, type: 'Change', field_name: 'status', value: 'open', previous_value: 'new' }] } } };
      if (call.check.operationId) expect(contract.checkResponse(call.check.operationId, answer.status, answer.body)).toEqual([]);
      return answer;
    };
    const recorder = contractFetch(contract, respond);
    const client = new ZendeskClient(new HttpJsonClient({ target: 'Zendesk', baseUrl: 'https://vendor.test', timeoutMs: 2000, fetch: recorder.fetch }), async () => ({
      apiToken: 'token',
      email: 'integration@example.com',
    }));
    return { client, calls: recorder.calls };
  }

  test('createTicket: POST /api/v2/tickets.json with Idempotency-Key, comment, priority, type, external_id and tags', async () => {
    const { client, calls } = zendesk([]);
    await client.createTicket({ subject: 'Temperature excursion', body: 'Reefer at 11.5 °C', priority: 'high', type: 'incident', externalId: SHIPMENT, tags: ['cold-chain'] }, 'case-key');
    expectAllConform(calls);
    expect(calls.map((c) => [c.check.operationId, c.headers['idempotency-key']])).toEqual([['CreateTicketJson', 'case-key']]);
  });

  test('createTicket as a follow-up: via_followup_source_id is an integer', async () => {
    const { client, calls } = zendesk([]);
    await client.createTicket({ subject: 'Follow-up', body: 'Invoice posted', priority: 'normal', externalId: SHIPMENT, followUpOf: '38211' }, 'k');
    expectAllConform(calls);
    expect(calls[0].body).toMatchObject({ ticket: { via_followup_source_id: 38211 } });
  });

  test('updateTicket: PUT /api/v2/tickets/{ticket_id}.json with comment, status, priority and additional_tags', async () => {
    const { client, calls } = zendesk([]);
    await client.updateTicket('38211', { comment: { body: 'Resolved', public: false }, status: 'solved', priority: 'urgent', additionalTags: ['escalated'] });
    expectAllConform(calls);
    expect(calls.map((c) => c.check.operationId)).toEqual(['UpdateTicketJson']);
  });

  test('ticketsByExternalId: GET /api/v2/tickets.json?external_id=', async () => {
    const { client, calls } = zendesk([ticket(38211, 'open')]);
    expect(await client.ticketsByExternalId(SHIPMENT)).toEqual([expect.objectContaining({ id: '38211', status: 'open', priority: 'high', type: 'incident' })]);
    expectAllConform(calls);
    expect(calls[0].query).toEqual({ external_id: SHIPMENT });
  });

  test('updateTicketByExternalId: the list, then the update of an open ticket, or the follow-up of a closed one', async () => {
    const open = zendesk([ticket(38211, 'solved')]);
    expect(await open.client.updateTicketByExternalId(SHIPMENT, { comment: { body: 'Invoice posted' }, additionalTags: ['invoice-posted'] }, { idempotencyKey: 'k' })).toEqual({ ticketId: '38211' });
    expectAllConform(open.calls);
    expect(open.calls.map((c) => c.check.operationId)).toEqual(['ListTicketsJson', 'UpdateTicketJson']);

    const closed = zendesk([ticket(38211, 'closed')]);
    expect(await closed.client.updateTicketByExternalId(SHIPMENT, { comment: { body: 'Invoice posted' }, additionalTags: ['invoice-posted'] }, { idempotencyKey: 'k' })).toEqual({
      ticketId: '77',
      followUpOf: '38211',
    });
    expectAllConform(closed.calls);
    expect(closed.calls.map((c) => c.check.operationId)).toEqual(['ListTicketsJson', 'CreateTicketJson']);
    // The closed ticket's tags, the update's, and the markers of what key `k` did (zendesk-client.ts markerTag).
    expect(closed.calls[1].body).toMatchObject({
      ticket: { via_followup_source_id: 38211, external_id: SHIPMENT, tags: ['logistics-sync', 'temperature-excursion', 'invoice-posted', markerTag('updated', 'k'), markerTag('created', 'k')] },
    });
  });

  test('readCaseHistory: Show Ticket, then every page of List Audits for a Ticket when it is resolved; the status changes oldest first', async () => {
    const audit = (id: number, at: string, events: Record<string, unknown>[]) => ({ id, ticket_id: 38211, author_id: 9100, created_at: at, via: { channel: 'web' }, metadata: { system: {}, custom: {} }, events });
    const pages: Record<string, unknown> = {
      '1': {
        audits: [
          audit(1, '2026-03-12T10:41:10Z', [{ id: 11, type: 'Comment', body: 'Reefer at 11.5 °C', public: false }, { id: 12, type: 'Create', field_name: 'status', value: 'new' }]),
          audit(2, '2026-03-13T08:30:00Z', [{ id: 21, type: 'Change', field_name: 'status', value: 'solved', previous_value: 'open' }, { id: 22, type: 'Change', field_name: 'tags', value: ['a'], previous_value: [] }]),
        ],
        count: 3,
        next_page: 'https://example.zendesk.com/api/v2/tickets/38211/audits.json?page=2&per_page=100',
        previous_page: null,
      },
      '2': { audits: [audit(3, '2026-03-17T09:00:00Z', [{ id: 31, type: 'Change', field_name: 'status', value: 'closed', previous_value: 'solved' }, { id: 32, type: 'SlaTarget', value: { minutes: 60 } }])], count: 3, next_page: null, previous_page: 'x' },
    };
    const respond = (call: ContractCall): CannedResponse => {
      const answer = call.path.endsWith('/audits.json') ? { status: 200, body: pages[String(call.query.page)] } : { status: 200, body: { ticket: ticket(38211, 'closed') } };
      if (call.check.operationId) expect(contract.checkResponse(call.check.operationId, answer.status, answer.body)).toEqual([]);
      return answer;
    };
    const recorder = contractFetch(contract, respond);
    const client = new ZendeskClient(new HttpJsonClient({ target: 'Zendesk', baseUrl: 'https://vendor.test', timeoutMs: 2000, fetch: recorder.fetch }), async () => ({ apiToken: 'token' }));
    expect(await client.readCaseHistory('38211')).toEqual({
      vendor: 'zendesk',
      caseId: '38211',
      status: 'closed',
      externalId: SHIPMENT,
      createdAt: '2026-03-11T10:41:10Z',
      statusChanges: [
        { status: 'new', at: '2026-03-12T10:41:10Z' },
        { status: 'solved', at: '2026-03-13T08:30:00Z' },
        { status: 'closed', at: '2026-03-17T09:00:00Z' },
      ],
    });
    expectAllConform(recorder.calls);
    expect(recorder.calls.map((c) => [c.check.operationId, c.query])).toEqual([
      ['ShowTicketJson', {}],
      ['ListAuditsForTicketJson', { page: '1', per_page: '100' }],
      ['ListAuditsForTicketJson', { page: '2', per_page: '100' }],
    ]);
  });

  test('readCaseHistory: an open ticket costs one read and has no changes to restore; a ticket Zendesk does not have is undefined', async () => {
    const open = contractFetch(contract, () => ({ status: 200, body: { ticket: ticket(38211, 'pending') } }));
    const openClient = new ZendeskClient(new HttpJsonClient({ target: 'Zendesk', baseUrl: 'https://vendor.test', timeoutMs: 2000, fetch: open.fetch }), async () => ({ apiToken: 'token' }));
    expect(await openClient.readCaseHistory('38211')).toMatchObject({ status: 'pending', statusChanges: [] });
    expect(open.calls.map((c) => c.check.operationId)).toEqual(['ShowTicketJson']);
    const missing = contractFetch(contract, () => ({ status: 404, body: { error: 'RecordNotFound', description: 'Not found' } }));
    const missingClient = new ZendeskClient(new HttpJsonClient({ target: 'Zendesk', baseUrl: 'https://vendor.test', timeoutMs: 2000, fetch: missing.fetch }), async () => ({ apiToken: 'token' }));
    expect(await missingClient.readCaseHistory('99999')).toBeUndefined();
    expect(missing.calls.map((c) => c.check.operationId)).toEqual(['ShowTicketJson']);
  });

  test('a request that breaks the contract is caught: a priority Zendesk does not have', async () => {
    const { client, calls } = zendesk([]);
    await client.createTicket({ subject: 'x', body: 'y', priority: 'whenever' as TicketPriority, externalId: SHIPMENT }, 'k');
    expect(calls[0].check.errors).toEqual([expect.stringMatching(/ticket\.priority must be one of/)]);
    expect(() => expectAllConform(calls)).toThrow();
  });
});
