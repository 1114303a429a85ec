import { describe, expect, test } from 'vitest';
import { FaultController, validateFaultSpec } from '../../sandbox/simulators/common/faults';
import { IdempotencyStore } from '../../sandbox/simulators/common/idempotency';
import { matchPath, pathMatches } from '../../sandbox/simulators/common/paths';
import { resolveWebhookTargets } from '../../sandbox/simulators/webhook-urls';

describe('path patterns', () => {
  test('capture named segments, including one followed by a literal suffix', () => {
    expect(matchPath('/orders/:orderId/billing-ready', '/orders/SO-1001/billing-ready')).toEqual({ orderId: 'SO-1001' });
    expect(matchPath('/api/v2/tickets/:id.json', '/api/v2/tickets/42.json')).toEqual({ id: '42' });
    expect(matchPath('/api/v2/tickets/:id.json', '/api/v2/tickets.json')).toBeUndefined();
    expect(matchPath('/fleet/routes/:id', '/fleet/routes/logisticsSync.shipmentId%3ASHP-1')).toEqual({ id: 'logisticsSync.shipmentId:SHP-1' });
    expect(matchPath('/orders/:orderId', '/orders/%E0%A4%A')).toEqual({ orderId: '%E0%A4%A' });
  });

  test('* matches one segment, a trailing ** the rest, a RegExp is tested as is', () => {
    expect(pathMatches('/shipments/*/status', '/shipments/SHP-1/status')).toBe(true);
    expect(pathMatches('/shipments/*/status', '/shipments/a/b/status')).toBe(false);
    expect(pathMatches('/quality-holds/**', '/quality-holds')).toBe(true);
    expect(pathMatches('/quality-holds/**', '/quality-holds/QH-1/release')).toBe(true);
    expect(pathMatches('/orders', '/orders/SO-1')).toBe(false);
    expect(pathMatches(/billing/, '/orders/SO-1/billing-ready')).toBe(true);
  });
});

describe('fault specs', () => {
  test('invalid specs are refused with the bad value named', () => {
    expect(validateFaultSpec({ kind: 'explode' })).toEqual([expect.stringMatching(/kind must be one of rateLimit, maintenance, slow, drop, error, got "explode"/)]);
    expect(validateFaultSpec({ kind: 'slow' })).toEqual(['delayMs is required for a slow fault']);
    expect(validateFaultSpec({ kind: 'error', status: 200, count: -1 })).toEqual([
      'count must be a non-negative integer, got -1',
      'status must be an HTTP error status (400-599), got 200',
    ]);
    expect(validateFaultSpec({ kind: 'drop', count: 2, path: '/fleet/**' })).toEqual([]);
  });

  test('a counted fault is used up, a timed one expires, slow ones add up and the first blocking one wins', () => {
    let now = Date.parse('2026-03-12T10:00:00Z');
    const faults = new FaultController(() => new Date(now));
    faults.add({ kind: 'slow', delayMs: 100 });
    faults.add({ kind: 'slow', delayMs: 50, path: '/a' });
    faults.add({ kind: 'rateLimit', count: 1, retryAfterSeconds: 7 });
    faults.add({ kind: 'maintenance', durationMs: 30_000 });
    const first = faults.evaluate('GET', '/a');
    expect(first).toMatchObject({ delayMs: 150, blocking: { kind: 'rateLimit' }, retryAfterSeconds: 7 });
    const second = faults.evaluate('GET', '/b');
    expect(second).toMatchObject({ delayMs: 100, blocking: { kind: 'maintenance' }, retryAfterSeconds: 30 });
    now += 20_500;
    expect(faults.evaluate('GET', '/b').retryAfterSeconds).toBe(10);
    now += 10_000;
    expect(faults.evaluate('GET', '/b').blocking).toBeUndefined();
    expect(faults.list().map((f) => f.kind)).toEqual(['slow', 'slow']);
  });
});

describe('idempotency store', () => {
  test('hit on the same request, mismatch on a different one, forgets server errors and expired keys', () => {
    let now = 0;
    const store = new IdempotencyStore(1000, () => new Date(now));
    expect(store.begin('k', 'f1')).toEqual({ kind: 'miss' });
    expect(store.begin('k', 'f1')).toEqual({ kind: 'in-flight' });
    store.complete('k', { status: 201, body: { id: 1 } });
    expect(store.begin('k', 'f1')).toEqual({ kind: 'hit', response: { status: 201, body: { id: 1 } } });
    expect(store.begin('k', 'f2')).toEqual({ kind: 'mismatch' });
    expect(store.begin('e', 'f1')).toEqual({ kind: 'miss' });
    store.complete('e', { status: 503 });
    expect(store.begin('e', 'f1')).toEqual({ kind: 'miss' });
    now = 1001;
    expect(store.begin('k', 'f2')).toEqual({ kind: 'miss' });
  });
});

describe('webhook targets', () => {
  test('a base URL gives every default path; explicit URLs win', () => {
    expect(resolveWebhookTargets('http://127.0.0.1:3000/')).toEqual({
      erp: { cloudevents: 'http://127.0.0.1:3000/webhooks/erp/cloudevents', 'business-central': 'http://127.0.0.1:3000/webhooks/erp/business-central', canonical: 'http://127.0.0.1:3000/webhooks/erp/canonical' },
      fleet: {
        samsara: 'http://127.0.0.1:3000/webhooks/fleet/samsara',
        motive: 'http://127.0.0.1:3000/webhooks/fleet/motive',
        canonical: 'http://127.0.0.1:3000/webhooks/fleet/canonical',
      },
      cs: { zendesk: 'http://127.0.0.1:3000/webhooks/cs/zendesk', freshdesk: 'http://127.0.0.1:3000/webhooks/cs/freshdesk', canonical: 'http://127.0.0.1:3000/webhooks/cs/canonical' },
    });
    const explicit = resolveWebhookTargets({ fleet: 'http://x.test/samsara' });
    expect(explicit.fleet).toEqual({ samsara: 'http://x.test/samsara', motive: undefined, canonical: undefined });
    expect(explicit.erp.cloudevents).toBeUndefined();
  });

  test('a malformed URL is refused, naming the target', () => {
    expect(() => resolveWebhookTargets({ cs: 'not a url' })).toThrow(/cs\/zendesk is not a URL: "not a url"/);
    expect(() => resolveWebhookTargets({ erp: 'ftp://x/y' })).toThrow(/erp\/cloudevents must be http\(s\)/);
  });
});
