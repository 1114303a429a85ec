import { afterEach, describe, expect, test, vi } from 'vitest';
import { UpstreamUnavailableError } from '../../lambdas/shared/errors';
import type { EventPublisher } from '../../lambdas/shared/event-publisher';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { signSamsara } from '../../lambdas/shared/webhook/signatures';
import { samsaraArrival, samsaraDeparture, samsaraEnvelope } from './fixtures/payloads';
import { InMemoryPersistenceLayer } from '../../lambdas/shared/idempotency';
import { apiEvent, harness, json, NOW, NOW_SECONDS, samsaraHeaders, SECRET_JSON, SECRETS } from './support';

const route = '/webhooks/fleet/samsara';
const fleet = () => harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
const post = (h: ReturnType<typeof fleet>, payload: unknown, headers?: (body: string) => Record<string, string | string[]>) => {
  const body = JSON.stringify(payload);
  return h.handler(apiEvent(route, body, headers ? headers(body) : samsaraHeaders(body)));
};

/** Holds the harness's publishing until the returned function is called (an original still running). */
function holdPublishing(h: Pick<ReturnType<typeof fleet>, 'publisher'>): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const publish = h.publisher.publish.bind(h.publisher);
  h.publisher.publish = async (events) => {
    await gate;
    return publish(events);
  };
  return release;
}

describe('the intake pipeline (fleet / Samsara through the real handler, in-memory ports)', () => {
  test('a valid signed webhook is answered 202 with the canonical event ids, which were published', async () => {
    const h = fleet();
    const response = await post(h, samsaraDeparture());
    expect(response.statusCode).toBe(202);
    const body = json(response);
    expect(body).toEqual({ status: 'accepted', eventIds: [expect.stringMatching(/^[0-9a-f]{64}$/)] });
    expect(h.publisher.published.map((e) => e.metadata.eventId)).toEqual(body.eventIds);
    expect(h.metrics.last).toEqual({ dimensions: { system: 'fleet', vendor: 'samsara' }, metrics: { WebhookAccepted: 1, CanonicalEventsPublished: 1 } });
  });

  test('a vendor retry gets the same 202 body and publishes nothing (Powertools idempotency on the vendor event id)', async () => {
    const h = fleet();
    const payload = samsaraDeparture();
    const first = await post(h, payload);
    // Samsara signs every attempt anew: a later timestamp, the same body and event id.
    h.clock.now = new Date(NOW.getTime() + 60_000);
    const retry = await post(h, payload, (body) => samsaraHeaders(body, NOW_SECONDS + 60));
    expect(retry.statusCode).toBe(202);
    expect(retry.body).toBe(first.body);
    expect(h.publisher.published).toHaveLength(1);
    expect(h.metrics.last?.metrics).toEqual({ WebhookDeduplicated: 1 });
  });

  test('canonical event ids are deterministic: the same vendor event maps to the same ids in another container', async () => {
    const a = await post(fleet(), samsaraDeparture());
    const b = await post(fleet(), samsaraDeparture());
    expect(a.body).toBe(b.body);
    // A stop milestone's id names the fact (route, stop, milestone, time), not the delivery: another event about the
    // same departure (or the reconciliation sweep reading it from the Routes API) gets the same id; another
    // departure time is another fact.
    const sameFact = await post(fleet(), { ...samsaraDeparture(), eventId: 'another-event' });
    expect(json(sameFact).eventIds).toEqual(json(a).eventIds);
    const departure = samsaraDeparture();
    const stops = (departure.data as { route: { stops: { actualDepartureTime?: string }[] } }).route.stops;
    stops[0]!.actualDepartureTime = '2026-03-12T08:06:00Z';
    const otherFact = await post(fleet(), { ...departure, eventId: 'a-third-event' });
    expect(json(otherFact).eventIds).not.toEqual(json(a).eventIds);
  });

  test('when publishing fails the answer is 503 (the vendor retries), and the retry publishes', async () => {
    const h = fleet();
    const failing: EventPublisher = {
      publish: async () => {
        throw new UpstreamUnavailableError('EventBridge rejected 1 entries after 4 attempts');
      },
    };
    const original = h.publisher.publish.bind(h.publisher);
    h.publisher.publish = failing.publish;
    const first = await post(h, samsaraDeparture());
    expect(first.statusCode).toBe(503);
    expect(json(first)).toEqual({ error: 'unavailable', message: expect.any(String) });
    expect(first.headers?.['retry-after']).toBeDefined();
    expect(h.metrics.last?.metrics).toEqual({ WebhookFailed: 1 });
    h.publisher.publish = original;
    const retry = await post(h, samsaraDeparture());
    expect(retry.statusCode).toBe(202);
    expect(h.publisher.published).toHaveLength(1);
  });

  test('an unexpected failure is a 500 without internals in the body', async () => {
    const h = fleet();
    h.persistence.failWith = new Error('socket hang up at 10.0.0.12:443 (secret=abc)');
    const response = await post(h, samsaraDeparture());
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(response.body).not.toMatch(/socket|10\.0\.0|secret=|at .*\.ts/);
    expect(h.publisher.published).toHaveLength(0);
  });

  test('the record is written once, after publishing: one write per accepted webhook, none for a repeat or a failure', async () => {
    const h = fleet();
    const original = h.publisher.publish.bind(h.publisher);
    h.publisher.publish = async () => {
      throw new UpstreamUnavailableError('EventBridge rejected 1 entries after 4 attempts');
    };
    expect((await post(h, samsaraDeparture())).statusCode).toBe(503);
    expect(h.persistence.writes).toBe(0);
    h.publisher.publish = original;
    expect((await post(h, samsaraDeparture())).statusCode).toBe(202);
    expect(h.persistence.writes).toBe(1);
    expect((await post(h, samsaraDeparture())).statusCode).toBe(202);
    expect(h.persistence.writes).toBe(1);
    expect(h.publisher.published).toHaveLength(1);
  });

  test('a copy arriving while its original is still publishing publishes the same canonical ids (consumers dedupe by id); later copies are answered from the record', async () => {
    const h = fleet();
    const release = holdPublishing(h);
    const slow = post(h, samsaraDeparture());
    await new Promise((r) => setTimeout(r, 10));
    const concurrent = post(h, samsaraDeparture());
    await new Promise((r) => setTimeout(r, 10));
    release();
    const [first, copy] = await Promise.all([slow, concurrent]);
    expect(first.statusCode).toBe(202);
    expect(copy.body).toBe(first.body);
    const ids = json(first).eventIds as string[];
    expect(h.publisher.published.map((e) => e.metadata.eventId)).toEqual([...ids, ...ids]);
    const later = await post(h, samsaraDeparture());
    expect(later.body).toBe(first.body);
    expect(h.publisher.published).toHaveLength(2);
    expect(h.metrics.last?.metrics).toEqual({ WebhookDeduplicated: 1 });
  });

  test('a claim left by Powertools\' own layer (a claim first, e.g. before an upgrade) is respected: the copy is answered 503 with Retry-After', async () => {
    const shared = new Map();
    const before = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS, undefined, new InMemoryPersistenceLayer('claim-first', shared));
    const after = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS, undefined, new InMemoryPersistenceLayer('record-on-success', shared));
    const release = holdPublishing(before);
    const slow = post(before, samsaraDeparture());
    await new Promise((r) => setTimeout(r, 10));
    const concurrent = await post(after, samsaraDeparture());
    expect(concurrent.statusCode).toBe(503);
    expect(json(concurrent).error).toBe('in-progress');
    expect(concurrent.headers?.['retry-after']).toBe('5');
    expect(after.publisher.published).toHaveLength(0);
    release();
    expect((await slow).statusCode).toBe(202);
    expect(before.publisher.published).toHaveLength(1);
    // Completed by the old layer: the new one answers from it.
    expect((await post(after, samsaraDeparture())).body).toBe((await slow).body);
    expect(after.publisher.published).toHaveLength(0);
  });

  test('valid but irrelevant vendor events are answered 202 ignored with a metric, without touching the idempotency store', async () => {
    const h = fleet();
    const response = await post(h, samsaraEnvelope('GeofenceEntry', { address: { id: '1' } }, 'evt-geo'));
    expect(response.statusCode).toBe(202);
    expect(json(response)).toEqual({ status: 'ignored', reason: 'Samsara event type GeofenceEntry is not mapped' });
    expect(h.metrics.last).toEqual({ dimensions: { system: 'fleet', vendor: 'samsara', eventType: 'GeofenceEntry' }, metrics: { WebhookIgnored: 1 } });
    expect(h.persistence.calls.put).toBe(0);
    expect(h.publisher.published).toHaveLength(0);
  });

  test('a rotated secret is picked up by one forced refresh after a mismatch', async () => {
    const h = fleet();
    const rotated = Buffer.from('rotated-samsara-secret-32-bytes!').toString('base64');
    h.secrets.rotateTo({ ...SECRET_JSON.fleet, samsaraWebhookSecret: rotated });
    const response = await post(h, samsaraDeparture(), (body) => ({ ...samsaraHeaders(body), 'X-Samsara-Signature': signSamsara(rotated, NOW_SECONDS, body) }));
    expect(response.statusCode).toBe(202);
    expect(h.secrets.refreshes).toBe(1);
  });

  test('during a rotation the previous secret (…Previous) is still accepted', async () => {
    const h = fleet();
    const next = Buffer.from('next-samsara-secret-of-32-bytes!').toString('base64');
    h.secrets.rotateTo({ ...SECRET_JSON.fleet, samsaraWebhookSecret: next, samsaraWebhookSecretPrevious: SECRETS.samsara });
    await h.secrets.refresh();
    const response = await post(h, samsaraDeparture());
    expect(response.statusCode).toBe(202);
  });

  test('a forged request is 401 with a metric, and nothing is published', async () => {
    const h = fleet();
    const forgedKey = Buffer.from('attacker-guess-of-the-secret-32b').toString('base64');
    const response = await post(h, samsaraDeparture(), (body) => samsaraHeaders(body, NOW_SECONDS, forgedKey));
    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual({ error: 'invalid-signature', message: 'Samsara signature does not match' });
    expect(h.metrics.last).toEqual({ dimensions: { system: 'fleet', vendor: 'samsara', reason: 'signature-mismatch' }, metrics: { WebhookRejected: 1 } });
    expect(h.publisher.published).toHaveLength(0);
    expect(h.persistence.calls.put).toBe(0);
  });

  test('a missing signing secret field is our misconfiguration: 503, so the vendor retries after the fix', async () => {
    const h = fleet();
    h.secrets.rotateTo({ apiToken: 't' });
    await h.secrets.refresh();
    const response = await post(h, samsaraDeparture());
    expect(response.statusCode).toBe(503);
  });

  test('an unknown route is 404', async () => {
    const h = fleet();
    const response = await h.handler(apiEvent('/webhooks/fleet/unknown', '{}', { 'Content-Type': 'application/json' }));
    expect(response.statusCode).toBe(404);
  });

  test('log lines carry ids and business keys, never the body', async () => {
    const h = fleet();
    await post(h, samsaraArrival());
    const accepted = h.logger.lines.find((l) => l.message === 'webhook accepted');
    expect(accepted?.keys).toMatchObject({ vendorEventId: '017db07f-6a4c-4a5e-9a3d-7f1c2e0b5a04', shipmentId: 'SHP-1001-01', orderId: 'SO-1001', correlationId: 'SO-1001' });
    expect(JSON.stringify(h.logger.lines)).not.toContain('Jan de Vries');
  });
});

describe('the intake pipeline in Lambda (AWS_LAMBDA_FUNCTION_MEMORY_SIZE set)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  test('every answer, accepted or refused, also reports the environment\'s peak memory of its memory size', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '256');
    vi.spyOn(process, 'resourceUsage').mockReturnValue({ ...process.resourceUsage(), maxRSS: 100 * 1024 });
    const h = fleet();
    expect((await post(h, samsaraDeparture())).statusCode).toBe(202);
    expect(h.metrics.last?.metrics).toEqual({ WebhookAccepted: 1, CanonicalEventsPublished: 1, MemoryUsedPercent: 39.1 });
    expect((await post(h, samsaraDeparture(), () => samsaraHeaders('another body'))).statusCode).toBe(401);
    expect(h.metrics.last?.metrics).toEqual({ WebhookRejected: 1, MemoryUsedPercent: 39.1 });
  });
});
