import { expect, test } from 'vitest';
import { startSimulators } from '../../sandbox/simulators/index';
import { SECRETS, eventually, getJson, jsonInit, startReceiver } from './helpers';

// Alone in its file so the baseline of open handles is not disturbed by other tests' keep-alive sockets.
test('startSimulators().stop() closes every socket and timer, even with requests, invoice timers and webhook retries in flight', async () => {
  const tracked = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout'];
  const count = () => process.getActiveResourcesInfo().filter((r) => tracked.includes(r)).length;
  const baseline = count();

  const receiver = await startReceiver(() => ({ status: 500 }));
  const sims = await startSimulators({
    secrets: SECRETS,
    webhookUrls: receiver.url,
    webhookRetry: { initialBackoffMs: 30_000, maxBackoffMs: 30_000 },
    erp: { invoiceDelayMs: 30_000 },
  });
  // An ERP request parked in a slow fault, an invoice waiting to be posted, a webhook waiting to be retried.
  const token = (await getJson(`${sims.urls.erp}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${sims.credentials.erp.clientId}&client_secret=${sims.credentials.erp.clientSecret}`,
  }).then((r) => r.body)) as { access_token: string };
  const bearer = { authorization: `Bearer ${token.access_token}` };
  await getJson(`${sims.urls.erp}/orders/SO-1001/billing-ready`, jsonInit('POST', { shipmentId: 'S', podDocumentId: 'D', deliveredAt: '2026-03-12T13:40:00Z' }, bearer));
  sims.erp.setFault({ kind: 'slow', delayMs: 30_000 });
  const parked = fetch(`${sims.urls.erp}/orders/SO-1001`, { headers: bearer }).then(
    () => 'answered',
    () => 'connection closed',
  );
  const retrying = sims.fleet.sendSamsara('GeofenceEntry', {});
  await eventually(() => expect(receiver.requests).toHaveLength(1));
  await eventually(() => expect(sims.erp.calls.at(-1)?.path).toBe('/orders/SO-1001'));

  // stop() does not wait for the work in flight (all 30 s away): the parked request is cut, not answered, and the
  // webhook is not retried. No wall-clock bound: on a busy machine that measures the machine, not stop().
  await sims.stop();
  expect(await parked).toBe('connection closed');
  expect(await retrying).toMatchObject({ done: true, ok: false, attempts: [{ status: 500 }] });
  await receiver.close();
  await eventually(() => expect(count()).toBeLessThanOrEqual(baseline), 2000);
});
