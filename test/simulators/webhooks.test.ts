import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { FleetSimulator } from '../../sandbox/simulators/fleet';
import { SECRETS, startReceiver, type Receiver, type Responder } from './helpers';

const fastRetry = { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 50, timeoutMs: 300 };

describe('webhook delivery is retried like a vendor would', () => {
  let receiver: Receiver | undefined;
  let fleet: FleetSimulator | undefined;

  async function setup(respond: Responder): Promise<FleetSimulator> {
    receiver = await startReceiver(respond);
    fleet = new FleetSimulator({ samsaraSecret: SECRETS.samsara, samsaraWebhookUrl: `${receiver.url}/webhooks/fleet/samsara`, webhookRetry: fastRetry });
    await fleet.start();
    return fleet;
  }

  afterEach(async () => {
    await fleet?.stop();
    await receiver?.close();
    fleet = undefined;
    receiver = undefined;
  });

  test('5xx answers are retried with the same body until one is accepted', async () => {
    const sim = await setup((_req, index) => ({ status: index < 2 ? 503 : 202 }));
    const delivery = await sim.sendSamsara('GeofenceEntry', {});
    expect(delivery.attempts.map((a) => a.status)).toEqual([503, 503, 202]);
    expect(delivery).toMatchObject({ ok: true, done: true, status: 202 });
    expect(new Set(receiver?.requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver?.requests.map((r) => JSON.parse(r.body).eventId as string)).size).toBe(1);
  });

  test('an abandonment fault: the matching webhook never arrives (recorded, no attempt); redelivered later it arrives byte for byte; other webhooks are untouched', async () => {
    const sim = await setup(() => ({ status: 202 }));
    const active = sim.abandonWebhooks({ eventType: 'GeofenceEntry', bodyIncludes: 'TRK-9' });
    const other = await sim.sendSamsara('GeofenceEntry', { vehicle: 'TRK-1' });
    const lost = await sim.sendSamsara('GeofenceEntry', { vehicle: 'TRK-9' });
    expect(other).toMatchObject({ ok: true });
    expect(lost).toMatchObject({ abandoned: true, done: true, ok: false, attempts: [] });
    expect(receiver?.requests.map((r) => JSON.parse(r.body).data)).toEqual([{ vehicle: 'TRK-1' }]);
    expect(active).toMatchObject({ remaining: 0, abandoned: [lost.id] });
    expect(sim.webhookAbandonments).toEqual([]);
    // Spent: the next one arrives; the lost one arrives when the vendor sends it after all.
    expect(await sim.sendSamsara('GeofenceEntry', { vehicle: 'TRK-9' })).toMatchObject({ ok: true });
    const late = await sim.redeliver(lost.id);
    expect(late).toMatchObject({ ok: true, redeliveryOf: lost.id, eventId: lost.eventId });
    expect(receiver?.requests.at(-1)?.body).toBe(lost.rawBody);
    expect(() => sim.abandonWebhooks({ count: 0 } as never)).toThrow(/count must be a positive integer/);
  });

  test('retries stop after maxAttempts', async () => {
    const sim = await setup(() => ({ status: 500 }));
    const delivery = await sim.sendSamsara('GeofenceEntry', {});
    expect(delivery.attempts).toHaveLength(4);
    expect(delivery).toMatchObject({ ok: false, done: true, status: 500 });
  });

  test('4xx answers are never retried', async () => {
    const sim = await setup(() => ({ status: 401, body: '{"error":"bad signature"}' }));
    const delivery = await sim.sendSamsara('GeofenceEntry', {});
    expect(delivery.attempts).toEqual([expect.objectContaining({ status: 401, responseBody: '{"error":"bad signature"}' })]);
    expect(sim.webhooksSent).toHaveLength(1);
  });

  test('a receiver slower than the timeout counts as a failed attempt and is retried', async () => {
    const sim = await setup((_req, index) => ({ status: 202, delayMs: index === 0 ? 1000 : 0 }));
    const delivery = await sim.sendSamsara('GeofenceEntry', {});
    expect(delivery.attempts.map((a) => [a.status, a.error])).toEqual([
      [null, 'timeout after 300 ms'],
      [202, undefined],
    ]);
  });

  test('a refused connection is retried and recorded with its error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    fleet = new FleetSimulator({ samsaraSecret: SECRETS.samsara, samsaraWebhookUrl: `http://127.0.0.1:${port}/x`, webhookRetry: { ...fastRetry, maxAttempts: 2 } });
    const delivery = await fleet.sendSamsara('GeofenceEntry', {});
    expect(delivery.attempts.map((a) => [a.status, a.error])).toEqual([
      [null, expect.stringMatching(/ECONNREFUSED/)],
      [null, expect.stringMatching(/ECONNREFUSED/)],
    ]);
  });

  test('each attempt is signed when it is sent, so a late retry still carries a fresh timestamp', async () => {
    let clock = Date.parse('2026-03-12T10:00:00Z');
    receiver = await startReceiver((_req, index) => {
      clock += 120_000; // the vendor's clock moves on before the retry
      return { status: index === 0 ? 500 : 202 };
    });
    fleet = new FleetSimulator({ samsaraSecret: SECRETS.samsara, samsaraWebhookUrl: receiver.url, webhookRetry: fastRetry, now: () => new Date(clock) });
    await fleet.sendSamsara('GeofenceEntry', {});
    const [first, second] = receiver.requests;
    expect(Number(second.headers['x-samsara-timestamp']) - Number(first.headers['x-samsara-timestamp'])).toBe(120);
    for (const request of [first, second]) {
      const expected = 'v1=' + createHmac('sha256', Buffer.from(SECRETS.samsara, 'base64')).update(`v1:${request.headers['x-samsara-timestamp']}:${request.body}`).digest('hex');
      expect(request.headers['x-samsara-signature']).toBe(expected);
    }
    expect(second.body).toBe(first.body);
    expect(second.headers['x-samsara-request']).toBe(first.headers['x-samsara-request']);
  });

  test('deliveries and redelivery are available over HTTP', async () => {
    const sim = await setup(() => ({ status: 202 }));
    const delivery = await sim.sendSamsara('GeofenceExit', { vehicle: { id: '1' } });
    const list = (await (await fetch(`${sim.url}/__sim/webhooks?eventType=GeofenceExit`)).json()) as { webhooks: { id: string; status: number }[] };
    expect(list.webhooks).toEqual([expect.objectContaining({ id: delivery.id, status: 202 })]);
    const again = (await (await fetch(`${sim.url}/__sim/webhooks/${delivery.id}/redeliver`, { method: 'POST' })).json()) as { webhook: { eventId: string; redeliveryOf: string } };
    expect(again.webhook).toMatchObject({ eventId: delivery.eventId, redeliveryOf: delivery.id });
    expect(receiver?.requests[1].body).toBe(receiver?.requests[0].body);
    expect((await fetch(`${sim.url}/__sim/webhooks/nope/redeliver`, { method: 'POST' })).status).toBe(404);
  });

  test('webhook targets can be changed over HTTP', async () => {
    const sim = await setup(() => ({ status: 202 }));
    const res = await fetch(`${sim.url}/__sim/webhook-targets`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ samsara: `${receiver?.url}/elsewhere` }) });
    expect(((await res.json()) as { targets: Record<string, string> }).targets.samsara).toBe(`${receiver?.url}/elsewhere`);
    await sim.sendSamsara('GeofenceEntry', {});
    expect(receiver?.requests[0].path).toBe('/elsewhere');
    const bad = await fetch(`${sim.url}/__sim/webhook-targets`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ zendesk: 'http://x' }) });
    expect(bad.status).toBe(400);
  });
});
