import { describe, expect, test } from 'vitest';
import { startSimulators } from '../../sandbox/simulators/index';
import { SECRETS, getJson, jsonInit, startReceiver } from './helpers';

/** The CS platform the scenario drives, per configured vendor (sandbox/simulators/cs-port.ts, cs-vendors.ts). */
describe.each(['zendesk', 'freshdesk'] as const)('startSimulators with csVendor %s', (csVendor) => {
  test('urls.cs is that vendor\'s API; its rules or triggers post to /webhooks/cs/<vendor>; the port reads tickets and writes in the product\'s words', async () => {
    const receiver = await startReceiver();
    const sims = await startSimulators({ secrets: SECRETS, webhookUrls: receiver.url, csVendor });
    try {
      expect(sims.csVendor).toBe(csVendor);
      expect(sims.urls.cs).toBe(csVendor === 'zendesk' ? sims.cs.url : sims.freshdesk.url);
      expect(sims.csPort.vendor).toBe(csVendor);
      // Create the shipment's ticket the way our client would, then let an agent solve it and the automation close it.
      const created =
        csVendor === 'zendesk'
          ? await getJson(`${sims.urls.cs}/api/v2/tickets.json`, jsonInit('POST', { ticket: { subject: 's', comment: { body: 'b', public: false }, priority: 'high', external_id: 'SHP-1' } }, { authorization: `Bearer ${sims.credentials.cs.oauthToken}` }))
          : await getJson(`${sims.urls.cs}/api/v2/tickets`, jsonInit('POST', { email: 'a@example.com', subject: 's', description: 'b', priority: 3, custom_fields: { cf_lsync_shipment_id: 'SHP-1' } }, { authorization: 'Basic ' + Buffer.from(`${sims.credentials.freshdesk.apiKey}:X`).toString('base64') }));
      expect(created.status).toBe(201);
      const [ticket] = sims.csPort.tickets();
      expect(ticket).toMatchObject({ shipmentId: 'SHP-1', priority: 'high' });
      expect(sims.csPort.writes()).toEqual([expect.objectContaining({ kind: 'create' })]);
      await sims.csPort.solveTicket(ticket!.id, 'Released');
      await sims.csPort.closeSolvedTickets();
      expect(sims.csPort.tickets()[0]!.status).toBe('closed');
      await sims.settled();
      expect(new Set(receiver.requests.map((r) => r.path))).toEqual(new Set([`/webhooks/cs/${csVendor}`]));
    } finally {
      await sims.stop();
      await receiver.close();
    }
  });
});
