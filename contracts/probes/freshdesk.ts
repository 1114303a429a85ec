import { CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { FreshdeskClient } from '../../lambdas/cs/freshdesk/client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import type { VendorProbe } from '../conformance';
import { dialectOutcome } from './intake';

const SHIPMENT = 'SHP-1001-01';
/** A ticket of the shipment as Filter Tickets returns it (the fields the client reads). */
const found = (status: number) => ({ id: 1042, subject: 'Temperature excursion', status, priority: 3, type: 'Incident', tags: ['logistics-sync'], custom_fields: { cf_lsync_shipment_id: SHIPMENT }, created_at: '2026-03-12T10:41:10Z' });

/** Freshdesk: tickets created by the workflows, noted and updated (or followed up when closed) by the CS adapter. */
export const freshdeskProbe: VendorProbe = {
  contract: 'freshdesk',
  vendor: 'Freshdesk (customer service)',
  async exercise(fetchFor, baseUrl) {
    const client = (caller: string) =>
      new FreshdeskClient(new HttpJsonClient({ target: 'Freshdesk', baseUrl, timeoutMs: 1000, fetch: fetchFor(caller) }), async () => ({ apiKey: 'probe', requesterEmail: 'logistics-sync@example.com' }));
    await client('FreshdeskClient.createTicket').createTicket(
      { subject: `Temperature excursion on ${SHIPMENT}`, body: 'Reefer at 11.5 °C for 25 min', priority: 'high', type: 'incident', externalId: SHIPMENT, tags: ['logistics-sync'] },
      'probe-1',
    );
    await client('FreshdeskClient.updateTicket').updateTicket('1042', { comment: { body: 'Quality hold QH-000001 placed' }, status: 'pending', priority: 'urgent', additionalTags: ['quality-hold'] });
    const update = { comment: { body: 'Invoice INV-90017 posted' }, additionalTags: ['invoice-posted'] };
    await client('FreshdeskClient.updateTicketByExternalId (open)').updateTicketByExternalId(SHIPMENT, update, { idempotencyKey: 'probe-2' });
    await client('FreshdeskClient.updateTicketByExternalId (closed)').updateTicketByExternalId(SHIPMENT, update, { idempotencyKey: 'probe-3' });
  },
  answer(operationId, n) {
    // Filter Tickets, in call order: the idempotency tag (nothing), the shipment with an open ticket (noted), the
    // shipment with only a closed one (followed up), the follow-up's idempotency tag (nothing).
    if (operationId !== 'FilterTickets') return undefined;
    const results = n === 2 ? [found(2)] : n === 3 ? [found(5)] : [];
    return { status: 200, body: { results, total: results.length } };
  },
  webhook: (_event, example) => dialectOutcome(CS_DIALECTS, 'freshdesk', example),
};
