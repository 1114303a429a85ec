/**
 * Closed Zendesk tickets, end to end through the CS outbound adapter, the real ZendeskClient and the
 * Zendesk-shaped simulator (which refuses updates to closed tickets, as Zendesk does).
 *
 * Zendesk: "Tickets with a status set to Closed can't be updated in most cases … Requesters can create a
 * follow-up request that references a closed ticket" (https://support.zendesk.com/hc/en-us/articles/4408894213018);
 * over the API a follow-up is a new ticket created with `via_followup_source_id` = the closed ticket
 * (https://developer.zendesk.com/documentation/ticketing/managing-tickets/creating-and-updating-tickets#creating-a-follow-up-ticket).
 * `solved` is not `closed`: a solved ticket can still be updated.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { CsOutbound } from '../../lambdas/cs/outbound/cs-outbound';
import { LedgerBillingRecords } from '../../lambdas/cs/outbound/billing-records';
import { InMemoryPendingNotes } from '../../lambdas/cs/outbound/pending-notes';
import { ZendeskClient } from '../../lambdas/cs/zendesk-client';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { CsSimulator, DEFAULT_CS_CREDENTIALS } from '../../sandbox/simulators/cs';
import { SECRETS, startReceiver, type Receiver } from '../simulators/helpers';
import { example, lambdaContext, outboundHarness, sqsEvent, sqsRecord } from './support';

const SHIPMENT = 'SHP-1001-01';
const invoice = example('invoice.posted');

describe('a shipment whose Zendesk ticket is closed', () => {
  let receiver: Receiver;
  let cs: CsSimulator;
  let client: ZendeskClient;

  beforeAll(async () => {
    receiver = await startReceiver();
    cs = new CsSimulator({ zendeskSecret: SECRETS.zendesk, webhookUrl: `${receiver.url}/webhooks/cs/zendesk` });
    await cs.start();
    client = new ZendeskClient(new HttpJsonClient({ target: 'Zendesk', baseUrl: cs.url, timeoutMs: 2000 }), async () => ({
      apiToken: DEFAULT_CS_CREDENTIALS.apiToken,
      email: DEFAULT_CS_CREDENTIALS.email,
    }));
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

  const openCase = (key = 'case-key') =>
    client.createTicket(
      { subject: `Temperature excursion on ${SHIPMENT}`, body: 'Reefer at 11.5 °C for 25 min.', priority: 'high', type: 'incident', externalId: SHIPMENT, tags: ['logistics-sync', 'temperature-excursion'] },
      key,
    );
  /** An agent solves the ticket and Zendesk's automation closes it (Zendesk closes solved tickets after a while). */
  const solveAndClose = async (ticketId: string) => {
    await cs.solveTicket(Number(ticketId));
    await cs.setTicketStatus(Number(ticketId), 'closed');
  };
  const posts = () => cs.callsTo('POST', '/api/v2/tickets.json');
  const puts = (ticketId: string) => cs.callsTo('PUT', `/api/v2/tickets/${ticketId}.json`);

  test('the invoice note lands on a follow-up of the closed ticket, not on the closed ticket', async () => {
    const { ticketId: closedId } = await openCase();
    await solveAndClose(closedId);

    const { handler } = outboundHarness(new CsOutbound(client, new LedgerBillingRecords(new InMemoryCorrelationStore()), new InMemoryPendingNotes()));
    expect((await handler(sqsEvent(sqsRecord(invoice)), lambdaContext())).batchItemFailures).toEqual([]);

    expect(puts(closedId)).toEqual([]);
    const followUps = posts().filter((c) => (c.body as { ticket: { via_followup_source_id?: number } }).ticket.via_followup_source_id !== undefined);
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatchObject({
      status: 201,
      idempotencyKey: expect.any(String),
      body: {
        ticket: {
          via_followup_source_id: Number(closedId),
          external_id: SHIPMENT,
          subject: `Temperature excursion on ${SHIPMENT}`,
          priority: 'high',
          type: 'incident',
          // The closed ticket's tags (without its markers), the note's, and the markers of what this message's key did (zendesk-client.ts markerTag).
          tags: ['logistics-sync', 'temperature-excursion', 'invoice-posted', expect.stringMatching(/^lsync-u-[0-9a-f]{20}$/), expect.stringMatching(/^lsync-c-[0-9a-f]{20}$/)],
          comment: { body: expect.stringMatching(/Invoice INV-90017/), public: false },
        },
      },
    });
    const state = cs.snapshot() as { tickets: { id: number; status: string; followup_ids?: number[] }[] };
    expect(state.tickets.find((t) => t.id === Number(closedId))).toMatchObject({ status: 'closed', followup_ids: [expect.any(Number)] });
  });

  test('a solved ticket is still updated: solved is not closed', async () => {
    const { ticketId } = await openCase();
    await cs.solveTicket(Number(ticketId));
    const { handler } = outboundHarness(new CsOutbound(client, new LedgerBillingRecords(new InMemoryCorrelationStore()), new InMemoryPendingNotes()));
    await handler(sqsEvent(sqsRecord(invoice)), lambdaContext());
    expect(puts(ticketId).map((c) => c.status)).toEqual([200]);
    expect(posts()).toHaveLength(1); // only the original create
  });

  test('the newest ticket that is not closed is updated when the shipment has several', async () => {
    const { ticketId: first } = await openCase('case-1');
    const { ticketId: second } = await openCase('case-2');
    const { ticketId: third } = await openCase('case-3');
    await solveAndClose(third);
    const { handler } = outboundHarness(new CsOutbound(client, new LedgerBillingRecords(new InMemoryCorrelationStore()), new InMemoryPendingNotes()));
    await handler(sqsEvent(sqsRecord(invoice)), lambdaContext());
    expect(puts(first)).toEqual([]);
    expect(puts(third)).toEqual([]);
    expect(puts(second).map((c) => c.status)).toEqual([200]);
  });

  test('a redelivered message makes no second follow-up: the same Idempotency-Key, and the follow-up is found next time', async () => {
    const { ticketId: closedId } = await openCase();
    await solveAndClose(closedId);
    const note = { comment: { body: 'Invoice INV-90017 posted.' }, additionalTags: ['invoice-posted'] };
    const first = await client.updateTicketByExternalId(SHIPMENT, note, { idempotencyKey: 'lsync-cs-comment-invoice-posted-evt-1' });
    const again = await client.updateTicketByExternalId(SHIPMENT, note, { idempotencyKey: 'lsync-cs-comment-invoice-posted-evt-1' });
    expect(first).toEqual({ ticketId: expect.any(String), followUpOf: closedId });
    // The follow-up carries this key's marker: found, nothing is sent again (no second follow-up, no second note on it).
    expect(again).toEqual({ ticketId: first?.ticketId, alreadyDone: 'created' });
    expect(puts(first!.ticketId)).toEqual([]);
    expect(posts().filter((c) => (c.body as { ticket: Record<string, unknown> }).ticket.via_followup_source_id !== undefined)).toHaveLength(1);
    expect(posts().at(-1)?.idempotencyKey).toBe('lsync-cs-comment-invoice-posted-evt-1');
  });

  test('an update whose answer was lost after Zendesk applied it is not sent again: one note, however often the message is retried', async () => {
    const { ticketId } = await openCase();
    cs.setFault({ kind: 'drop', afterHandling: true, method: 'PUT', path: '/api/v2/tickets/:id.json', count: 1 });
    const note = { comment: { body: 'Invoice INV-90018 posted.' }, additionalTags: ['invoice-posted'] };
    await expect(client.updateTicketByExternalId(SHIPMENT, note, { idempotencyKey: 'k-lost' })).rejects.toThrow();
    expect(await client.updateTicketByExternalId(SHIPMENT, note, { idempotencyKey: 'k-lost' })).toEqual({ ticketId, alreadyDone: 'updated' });
    expect(puts(ticketId)).toHaveLength(1);
    const comments = (cs.snapshot() as { tickets: { id: number; comments: { body: string }[] }[] }).tickets.find((t) => t.id === Number(ticketId))!.comments;
    expect(comments.filter((c) => c.body === 'Invoice INV-90018 posted.')).toHaveLength(1);
    // Another message (another key) still adds its own note.
    expect(await client.updateTicketByExternalId(SHIPMENT, note, { idempotencyKey: 'k-other' })).toEqual({ ticketId });
    expect(puts(ticketId)).toHaveLength(2);
  });

  test('a ticket closed between the lookup and the update (Zendesk answers 422) gets a follow-up instead', async () => {
    const { ticketId } = await openCase();
    await cs.solveTicket(Number(ticketId));
    // Zendesk's automation closes the solved ticket just after our lookup, before our update.
    const racing = new ZendeskClient(
      new HttpJsonClient({
        target: 'Zendesk',
        baseUrl: cs.url,
        timeoutMs: 2000,
        fetch: async (input, init) => {
          if (init?.method === 'PUT' && cs.callsTo('PUT', '/api/v2/tickets/:id.json').length === 0) await cs.closeSolvedTickets();
          return fetch(input, init);
        },
      }),
      async () => ({ apiToken: DEFAULT_CS_CREDENTIALS.apiToken, email: DEFAULT_CS_CREDENTIALS.email }),
    );
    const result = await racing.updateTicketByExternalId(SHIPMENT, { comment: { body: 'POD received.' } }, { idempotencyKey: 'k-race' });
    expect(result).toEqual({ ticketId: expect.any(String), followUpOf: ticketId });
    expect(puts(ticketId).map((c) => c.status)).toEqual([422]);
  });

  test('a shipment without tickets gets nothing; the caller decides', async () => {
    expect(await client.updateTicketByExternalId('SHP-NONE', { comment: { body: 'x' } }, { idempotencyKey: 'k' })).toBeUndefined();
    expect(posts()).toEqual([]);
  });
});
