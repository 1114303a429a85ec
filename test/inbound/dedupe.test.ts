/**
 * Webhook deduplication in one write (lambdas/shared/webhook/dedupe.ts): what the cheaper claim must still guarantee.
 * A repeat of a vendor event within the window is never published again while the first attempt's events are in
 * the index or the first attempt may still be running; a first attempt that died is taken over.
 */
import { describe, expect, test } from 'vitest';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { decideRepeat, type DedupeRecord } from '../../lambdas/shared/webhook/dedupe';
import { samsaraDeparture } from './fixtures/payloads';
import { apiEvent, harness, json, NOW, NOW_SECONDS, samsaraHeaders } from './support';

const route = '/webhooks/fleet/samsara';
const fleet = (withIndex = true) => harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS, 262_144, { withIndex });
type H = ReturnType<typeof fleet>;
/** Samsara signs every attempt anew: the same body and event id, a timestamp of the attempt. */
const post = (h: H, payload: unknown) => {
  const body = JSON.stringify(payload);
  return h.handler(apiEvent(route, body, samsaraHeaders(body, Math.floor(h.clock.now.getTime() / 1000))));
};
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('decideRepeat (pure)', () => {
  const record: DedupeRecord = { id: 'x', expiresAt: NOW_SECONDS + 3600, inProgressUntil: NOW.getTime() + 10_000, completed: false };
  const answer = { status: 'accepted' as const, eventIds: ['e1'] };
  const proof = { pk: 'CORR#c', sk: 'TL#t#e1' };

  test('an answer proven by the index, or completed, is given again; else in progress until the first attempt is over, then taken over', () => {
    expect(decideRepeat({ ...record, answer, proof }, NOW.getTime(), true)).toEqual({ action: 'answer', answer });
    expect(decideRepeat({ ...record, answer, completed: true }, NOW.getTime(), false)).toEqual({ action: 'answer', answer });
    expect(decideRepeat({ ...record, answer, proof }, NOW.getTime(), false)).toEqual({ action: 'in-progress' });
    expect(decideRepeat(record, NOW.getTime() + 9_999, false)).toEqual({ action: 'in-progress' });
    expect(decideRepeat({ ...record, answer, proof }, NOW.getTime() + 10_000, false)).toEqual({ action: 'take-over' });
    expect(decideRepeat(record, NOW.getTime() + 10_000, false)).toEqual({ action: 'take-over' });
  });
});

describe('webhook deduplication in one write', () => {
  test('an accepted webhook costs one write; its repeats are answered with the first 202 and publish nothing', async () => {
    const h = fleet();
    const first = await post(h, samsaraDeparture());
    expect(first.statusCode).toBe(202);
    expect(h.dedupe.writes).toBe(1);
    for (const seconds of [1, 60, 3000]) {
      h.clock.now = later(seconds);
      const repeat = await post(h, samsaraDeparture());
      expect(repeat.statusCode).toBe(202);
      expect(repeat.body).toBe(first.body);
    }
    expect(h.publisher.published).toHaveLength(1);
    expect(h.metrics.last?.metrics).toEqual({ WebhookDeduplicated: 1 });
  });

  test('a repeat while the first attempt may still run and its events are not indexed yet is 409, and publishes nothing', async () => {
    const h = fleet();
    h.index.keepsUp = false;
    await post(h, samsaraDeparture());
    h.clock.now = later(2);
    const repeat = await post(h, samsaraDeparture());
    expect(repeat.statusCode).toBe(409);
    expect(json(repeat).error).toBe('in-progress');
    expect(h.publisher.published).toHaveLength(1);
    // Indexed meanwhile: the next repeat gets the first answer.
    h.index.keepsUp = true;
    expect((await post(h, samsaraDeparture())).statusCode).toBe(202);
    expect(h.publisher.published).toHaveLength(1);
  });

  test('a first attempt that died after claiming (no publish, no delete) is taken over once its time is up, and published once', async () => {
    const h = fleet();
    const publish = h.publisher.publish.bind(h.publisher);
    // The environment dies inside PutEvents: nothing reaches the bus, and the claim stays (no catch runs after a kill).
    h.publisher.publish = () => new Promise<string[]>(() => undefined);
    void post(h, samsaraDeparture());
    await new Promise((r) => setTimeout(r, 10));
    h.publisher.publish = publish;
    h.clock.now = later(5);
    expect((await post(h, samsaraDeparture())).statusCode).toBe(409);
    expect(h.publisher.published).toHaveLength(0);
    h.clock.now = later(30);
    const retry = await post(h, samsaraDeparture());
    expect(retry.statusCode).toBe(202);
    expect(h.publisher.published).toHaveLength(1);
    h.clock.now = later(90);
    expect((await post(h, samsaraDeparture())).body).toBe(retry.body);
    expect(h.publisher.published).toHaveLength(1);
  });

  test('a failure the first attempt saw deletes its claim: the vendor retry is processed at once', async () => {
    const h = fleet();
    const publish = h.publisher.publish.bind(h.publisher);
    h.publisher.publish = async () => {
      throw new Error('PutEvents failed');
    };
    expect((await post(h, samsaraDeparture())).statusCode).toBeGreaterThanOrEqual(500);
    expect(h.dedupe.records.size).toBe(0);
    h.publisher.publish = publish;
    expect((await post(h, samsaraDeparture())).statusCode).toBe(202);
    expect(h.publisher.published).toHaveLength(1);
  });

  test('without the index a stage keeps the completion write (two writes), and repeats are answered from it', async () => {
    const h = fleet(false);
    const first = await post(h, samsaraDeparture());
    expect(h.dedupe.calls).toMatchObject({ claim: 1, complete: 1 });
    h.clock.now = later(3000);
    expect((await post(h, samsaraDeparture())).body).toBe(first.body);
    expect(h.publisher.published).toHaveLength(1);
  });
});
