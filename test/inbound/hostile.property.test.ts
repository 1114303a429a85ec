/**
 * Hostile inputs, generated (issue 14): for every webhook dialect of the registry, property tests send bodies no
 * vendor should send — mutations of realistic valid documents at any of their paths (wrong types, missing and
 * extra members, repeated keys, huge strings and arrays, deep nesting, numbers at the edges, invalid UTF-8,
 * prototype keys), damaged bytes, and random JSON — each SIGNED with the dialect's scheme and the test secret, so
 * the body is what gets judged, through the real handler pipeline (test/inbound/support.ts). Signed timestamps
 * outside the replay window and wrong content types are generated too.
 *
 * Each request is classified by an oracle that does not use the product's validators (hostile/oracle.ts: Ajv
 * compiled here from schemas/vendors and schemas/canonical with all errors, the documented order of checks):
 * - refused → exactly that status (400/401/413/415), a JSON error, for a 400 one of the fields that really
 *   fails, nothing published, one WebhookRejected;
 * - still valid (an extra member the schema allows, a change to a field nobody reads) → 202 accepted, ignored or
 *   queued; what is published validates against its canonical schema and matches the answer's event ids; a 400
 *   only where a mapping documents a refusal whose condition holds in that body.
 * Never 5xx.
 *
 * Runs: a fixed seed (LSYNC_PROPERTY_SEED to explore others); LSYNC_PROPERTY_RUNS (default 1400) mutated documents
 * per route, a quarter of that of random bodies and of envelope cases (docs/webhooks.md, "Hostile inputs").
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { applyMutation, bodyDamage, damage, mutation, type BodyDamage, type Mutation } from './hostile/arbitraries';
import { duplicateKeyFields, fromValue, print, repeatedMemberFields, type Node } from './hostile/json-tree';
import { shape, verdict, type SentRequest } from './hostile/oracle';
import { routeSpecs, type RouteSpec } from './hostile/routes';
import { apiEvent, expectCanonical, json, NOW_SECONDS } from './support';

const DEFAULT_RUNS = 1400;
const RUNS = (() => {
  const raw = process.env.LSYNC_PROPERTY_RUNS;
  if (raw === undefined || raw === '') return DEFAULT_RUNS;
  if (!/^[1-9]\d{0,6}$/.test(raw)) throw new Error(`LSYNC_PROPERTY_RUNS must be a positive integer, not "${raw}"`);
  return Number(raw);
})();
const SMALL_RUNS = Math.max(1, Math.round(RUNS / 4));
/** Fixed, so a failure reproduces (fast-check prints the seed and path of a counterexample); LSYNC_PROPERTY_SEED explores others. */
const SEED = (() => {
  const raw = process.env.LSYNC_PROPERTY_SEED;
  if (raw === undefined || raw === '') return 1014;
  if (!/^-?\d{1,10}$/.test(raw)) throw new Error(`LSYNC_PROPERTY_SEED must be an integer, not "${raw}"`);
  return Number(raw);
})();

const ERROR_CODES = { 400: 'invalid-request', 401: 'invalid-signature', 413: 'payload-too-large', 415: 'unsupported-media-type' } as const;

/** What the runs sent, per route and verdict: proves the generators reach both sides of every property. */
const tally = new Map<string, { refused: number; valid: number; accepted: number }>();

/**
 * Sends one signed request through the route's real pipeline (a fresh harness: no idempotency record of an
 * earlier case answers it) and checks the answer against the oracle's verdict.
 */
async function check(route: RouteSpec, request: SentRequest): Promise<void> {
  const expected = verdict(route, request);
  const h = route.make();
  const response = await h.handler(apiEvent(route.path, request.body, request.headers));
  const counts = tally.get(route.id)!;
  expect(response.statusCode, response.body).toBeLessThan(500);
  const answer = json(response);
  const published = h.publisher.published as CanonicalDetail<object>[];

  if (expected.status === 'valid') {
    counts.valid++;
    if (response.statusCode === 400 && expected.refusable.has(String(answer.field))) {
      expect(published).toEqual([]);
      return;
    }
    expect(response.statusCode, `a valid body must be answered 202: ${response.body}`).toBe(202);
    if (answer.status === 'accepted') {
      counts.accepted++;
      expect(published.length).toBeGreaterThan(0);
      expect(published.map((e) => e.metadata.eventId)).toEqual(answer.eventIds);
      expectCanonical(published);
    } else {
      expect(['ignored', 'queued']).toContain(answer.status);
      expect(published).toEqual([]);
      // A route whose intake only queues (Business Central's thin notifications) accepts by queueing.
      if (answer.status === 'queued') counts.accepted++;
    }
    return;
  }

  counts.refused++;
  expect(response.statusCode, `${expected.why}: ${response.body}`).toBe(expected.status);
  expect(answer.error).toBe(ERROR_CODES[expected.status]);
  expect(typeof answer.message === 'string' && answer.message.length > 0).toBe(true);
  if (expected.status === 400) expect([...expected.fields], `${expected.why}: ${response.body}`).toContain(answer.field);
  expect(published).toEqual([]);
  expect(h.metrics.last?.metrics).toEqual({ WebhookRejected: 1 });
}

/** A request whose body is the tree (damaged or not), signed now with the route's scheme. */
function signedRequest(route: RouteSpec, tree: Node, hurt: BodyDamage = { kind: 'none' }, at = NOW_SECONDS, contentType?: string): SentRequest {
  const printed = print(tree);
  const body = damage(printed, hurt);
  // The oracle finds repeated names in the bytes with its own parser; where the body is the tree, both must agree.
  if (hurt.kind === 'none' && isUtf8(body)) {
    const text = body.toString('utf8');
    if (parsedDepth(text) <= 32) expect(repeatedMemberFields(text)).toEqual(duplicateKeyFields(tree));
  }
  return { body, headers: route.sign(body, { at, contentType }), at };
}

/** Nesting depth of a JSON text (Infinity when it does not parse): the reference parser is only for what the intake parses. */
function parsedDepth(text: string): number {
  try {
    return shape(JSON.parse(text)).depth;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function mutate(doc: Node, mutations: readonly Mutation[]): Node {
  let tree = doc;
  for (const m of mutations) tree = applyMutation(tree, m) ?? tree;
  return tree;
}

/** Content types a sender may declare: the accepted ones in other spellings, other types, other charsets. */
const CONTENT_TYPES = [
  'application/json',
  'Application/JSON',
  ' application/json ',
  'application/json; charset=utf-8',
  'application/json;charset="UTF-8"',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-16',
  'application/cloudevents+json',
  'application/cloudevents+json; charset=utf-8',
  'application/cloudevents-batch+json',
  'application/merge-patch+json',
  'application/json, text/plain',
  'text/plain',
  'text/json',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '*/*',
  '',
];

/** Signed timestamps: inside the 300 s window (either way), at its edges, or far outside it. */
const signedAt = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.constantFrom(-301, 301, -300, 300),
  fc.integer({ min: 301, max: 1_000_000_000 }),
  fc.integer({ min: -1_000_000_000, max: -301 }),
).map((offset) => NOW_SECONDS + offset);

const specs = await routeSpecs();

beforeAll(() => {
  for (const route of specs) tally.set(route.id, { refused: 0, valid: 0, accepted: 0 });
});

afterEach(() => {
  // No generated key may have reached Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
});

describe.each(specs)('hostile inputs on $path', (route) => {
  test('each seed document is accepted as it is (control)', async () => {
    expect(route.seeds.length, `give ${route.id} seed documents in test/inbound/hostile/routes.ts (VENDOR_SEEDS)`).toBeGreaterThan(0);
    for (const seed of route.seeds) {
      const request = signedRequest(route, fromValue(seed.value));
      expect(verdict(route, request), seed.name).toMatchObject({ status: 'valid' });
      const response = await route.make().handler(apiEvent(route.path, request.body, request.headers));
      expect(response.statusCode, `${seed.name}: ${response.body}`).toBe(202);
      expect(['accepted', 'queued', 'ignored']).toContain(json(response).status);
    }
  });

  test(`${RUNS} mutated documents, signed: refused naming a failing field, or still valid and accepted`, async () => {
    const cases = fc
      .constantFrom(...route.seeds.map((seed) => fromValue(seed.value)))
      .chain((doc) => fc.tuple(fc.constant(doc), fc.array(mutation(doc), { minLength: 1, maxLength: 3 }), bodyDamage));
    await fc.assert(
      fc.asyncProperty(cases, async ([doc, mutations, hurt]) => check(route, signedRequest(route, mutate(doc, mutations), hurt))),
      { numRuns: RUNS, seed: SEED },
    );
  });

  test(`${SMALL_RUNS} random bodies, signed: random JSON, random members of the dialect's documents, random bytes`, async () => {
    const keys = [...new Set(route.seeds.flatMap((seed) => Object.keys(seed.value as object)))];
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }).map((value) => ({ tree: fromValue(value), bytes: undefined })),
      fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }), { maxKeys: keys.length }).map((value) => ({ tree: fromValue(value), bytes: undefined })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ tree: undefined, bytes: Buffer.from(bytes) })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ tree, bytes }) => {
        if (tree) return check(route, signedRequest(route, tree));
        return check(route, { body: bytes!, headers: route.sign(bytes!), at: NOW_SECONDS });
      }),
      { numRuns: SMALL_RUNS, seed: SEED },
    );
  });

  test(`${SMALL_RUNS} envelopes: signed timestamps outside the replay window, content types the route does not take`, async () => {
    const cases = fc
      .constantFrom(...route.seeds.map((seed) => fromValue(seed.value)))
      .chain((doc) => fc.tuple(fc.constant(doc), fc.array(mutation(doc), { maxLength: 1 }), signedAt, fc.oneof(fc.constant(undefined), fc.constantFrom(...CONTENT_TYPES))));
    await fc.assert(
      fc.asyncProperty(cases, async ([doc, mutations, at, contentType]) => check(route, signedRequest(route, mutate(doc, mutations), { kind: 'none' }, at, contentType))),
      { numRuns: SMALL_RUNS, seed: SEED },
    );
  });
});

describe('the generated corpus', () => {
  afterAll(() => tally.clear());

  test('reaches both sides of the property on every route, and holds ≥ 10 000 refused bodies at the default count', () => {
    const perRoute = RUNS + 2 * SMALL_RUNS;
    let refused = 0;
    for (const route of specs) {
      const counts = tally.get(route.id)!;
      expect(counts.refused + counts.valid, route.id).toBe(perRoute);
      // Most generated bodies are malformed; some stay valid and some of those are published.
      expect(counts.refused, route.id).toBeGreaterThan(perRoute / 2);
      expect(counts.valid, route.id).toBeGreaterThan(0);
      expect(counts.accepted, route.id).toBeGreaterThan(0);
      refused += counts.refused;
    }
    if (RUNS >= DEFAULT_RUNS) expect(refused).toBeGreaterThanOrEqual(10_000);
  });
});
