import { CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { ZendeskClient } from '../../lambdas/cs/zendesk-client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import type { VendorProbe } from '../conformance';
import { dialectOutcome } from './intake';

const SHIPMENT = 'SHP-1001-01';
/** A ticket of the shipment as Zendesk lists it (the fields the client reads). */
const listed = (status: string) => ({ id: 38211, external_id: SHIPMENT, status, subject: 'Temperature excursion', priority: 'high', type: 'incident', tags: ['logistics-sync'] });

/** Zendesk: tickets created by the workflows, updated (or followed up when closed) by the CS adapter. */
export const zendeskProbe: VendorProbe = {
  contract: 'zendesk',
  vendor: 'Zendesk (customer service)',
  async exercise(fetchFor, baseUrl) {
    const client = (caller: string) =>
      new ZendeskClient(new HttpJsonClient({ target: 'Zendesk', baseUrl, timeoutMs: 1000, fetch: fetchFor(caller) }), async () => ({ apiToken: 'probe', email: 'integration@example.com' }));
    await client('ZendeskClient.createTicket').createTicket(
      { subject: `Temperature excursion on ${SHIPMENT}`, body: 'Reefer at 11.5 °C for 25 min', priority: 'high', type: 'incident', externalId: SHIPMENT, tags: ['logistics-sync'] },
      'probe-1',
    );
    await client('ZendeskClient.updateTicket').updateTicket('38211', { comment: { body: 'Quality hold QH-000001 placed' }, status: 'pending', priority: 'urgent', additionalTags: ['quality-hold'] });
    const update = { comment: { body: 'Invoice INV-90017 posted' }, additionalTags: ['invoice-posted'] };
    await client('ZendeskClient.updateTicketByExternalId (open)').updateTicketByExternalId(SHIPMENT, update, { idempotencyKey: 'probe-2' });
    await client('ZendeskClient.updateTicketByExternalId (closed)').updateTicketByExternalId(SHIPMENT, update, { idempotencyKey: 'probe-3' });
  },
  answer(operationId, n) {
    // The first lookup finds an open ticket (updated), the second only a closed one (followed up).
    if (operationId === 'ListTicketsJson') return { status: 200, body: { tickets: [listed(n === 1 ? 'open' : 'closed')], next_page: null, previous_page: null, count: 1 } };
    return undefined;
  },
  webhook: (_event, example) => dialectOutcome(CS_DIALECTS, 'zendesk', example),
};
