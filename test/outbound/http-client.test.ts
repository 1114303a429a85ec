import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HeldError, RateLimitedError, RejectedByTargetError, UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { describeFailure } from '../../lambdas/shared/outbound/failures';
import { errorForStatus, HttpJsonClient, IdempotencyConflictError, parseRetryAfter, takeRateLimitWaitMs } from '../../lambdas/shared/outbound/http-client';

/** A tiny server whose behaviour each test picks by path. */
let server: Server;
let baseUrl = '';
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const path = (req.url ?? '').split('?')[0];
  switch (path) {
    case '/api/ok':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, echo: req.headers['content-type'] === 'application/json' ? JSON.parse(body) : body }));
      return;
    case '/api/empty':
      res.writeHead(204).end();
      return;
    case '/api/throttled':
      res.writeHead(429, { 'retry-after': '7' }).end('{"error":"slow down"}');
      return;
    case '/api/maintenance':
      res.writeHead(503, { 'retry-after': '60' }).end('{"error":"maintenance"}');
      return;
    case '/api/broken':
      res.writeHead(500).end('{"error":"boom","secret":"customer name"}');
      return;
    case '/api/refused':
      res.writeHead(422).end('{"error":"invalid"}');
      return;
    case '/api/conflict':
      res.writeHead(409).end('{"error":"in use"}');
      return;
    case '/api/slow':
      setTimeout(() => res.writeHead(200).end('{}'), 500);
      return;
    case '/api/drop':
      req.socket.destroy();
      return;
    case '/api/not-json':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => new HttpJsonClient({ target: 'Test', baseUrl, timeoutMs: 200 });

describe('HttpJsonClient against a local server', () => {
  test('sends JSON with the Idempotency-Key and returns the parsed body; the base path is kept', async () => {
    const response = await client().request<{ ok: boolean; echo: unknown }>({ method: 'POST', path: '/ok', json: { a: 1 }, idempotencyKey: 'k-1', query: { x: 'y z' } });
    expect(response.body).toEqual({ ok: true, echo: { a: 1 } });
    const request = seen.at(-1)!;
    expect(request.url).toBe('/api/ok?x=y+z');
    expect(request.headers['idempotency-key']).toBe('k-1');
    expect(request.headers['content-type']).toBe('application/json');
  });

  test('sends forms url-encoded', async () => {
    await client().request({ method: 'POST', path: '/ok', form: { grant_type: 'client_credentials' } });
    expect(seen.at(-1)!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen.at(-1)!.body).toBe('grant_type=client_credentials');
  });

  test('an empty 2xx body is undefined', async () => {
    expect((await client().request({ method: 'PUT', path: '/empty' })).body).toBeUndefined();
  });

  test('429 becomes RateLimitedError with the Retry-After seconds', async () => {
    const error = await client().request({ method: 'GET', path: '/throttled' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterSeconds).toBe(7);
  });

  test('503 with Retry-After is announced maintenance: HeldError, classified as a hold that counts against the circuit', async () => {
    const error = await client().request({ method: 'GET', path: '/maintenance' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeldError);
    expect(describeFailure(error)).toMatchObject({ kind: 'held', retryAfterSeconds: 60, httpStatus: 503 });
  });

  test('500 becomes UpstreamUnavailableError and never carries the response body', async () => {
    const error = await client().request({ method: 'GET', path: '/broken' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as Error).message).toBe('Test answered 500 to GET /broken');
    expect((error as Error).message).not.toMatch(/customer/);
  });

  test('other 4xx become RejectedByTargetError (never retried)', async () => {
    const error = await client().request({ method: 'POST', path: '/refused', json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedByTargetError);
    expect(describeFailure(error).kind).toBe('permanent');
  });

  test('409 to a keyed write means the key is still being processed: retried shortly', async () => {
    const keyed = await client().request({ method: 'POST', path: '/conflict', json: {}, idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(keyed).toBeInstanceOf(IdempotencyConflictError);
    expect(describeFailure(keyed)).toMatchObject({ kind: 'busy', retryAfterSeconds: 5 });
    const unkeyed = await client().request({ method: 'POST', path: '/conflict', json: {} }).catch((e: unknown) => e);
    expect(unkeyed).toBeInstanceOf(RejectedByTargetError);
  });

  test('a timeout and a dropped connection become UpstreamUnavailableError', async () => {
    const slow = await client().request({ method: 'GET', path: '/slow' }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(UpstreamUnavailableError);
    expect((slow as Error).message).toMatch(/timed out after 200 ms/);
    const dropped = await client().request({ method: 'GET', path: '/drop' }).catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(UpstreamUnavailableError);
    expect((dropped as Error).message).toMatch(/connection failed/);
  });

  test('a 2xx body that is not JSON is an upstream fault', async () => {
    await expect(client().request({ method: 'GET', path: '/not-json' })).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  test('paces requests from one container at least minIntervalMs apart', async () => {
    const paced = new HttpJsonClient({ target: 'Test', baseUrl, timeoutMs: 500, minIntervalMs: 60 });
    const started = Date.now();
    await Promise.all([1, 2, 3].map(() => paced.request({ method: 'GET', path: '/ok' })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  test('counts the time spent waiting for pacing slots, once, and nothing for a request whose slot is free', async () => {
    const paced = new HttpJsonClient({ target: 'Test', baseUrl, timeoutMs: 500, minIntervalMs: 80 });
    takeRateLimitWaitMs();
    await paced.request({ method: 'GET', path: '/ok' });
    expect(takeRateLimitWaitMs()).toBe(0);
    // The next two wait about 80 and 160 ms for their slots (less the little the first one's own call took).
    await Promise.all([1, 2].map(() => paced.request({ method: 'GET', path: '/ok' })));
    const waited = takeRateLimitWaitMs();
    expect(waited).toBeGreaterThan(120);
    expect(waited).toBeLessThanOrEqual(240);
    expect(takeRateLimitWaitMs()).toBe(0);
  });

  test('with a lookup pace, GETs keep their own pace: they neither wait behind the writes nor hold them', async () => {
    const order = (options: { lookupMinIntervalMs?: number }) => async () => {
      const paced = new HttpJsonClient({ target: 'Test', baseUrl, timeoutMs: 2000, minIntervalMs: 300, ...options });
      const from = seen.length;
      await Promise.all([
        paced.request({ method: 'POST', path: '/ok', json: { n: 1 } }),
        paced.request({ method: 'GET', path: '/ok?n=1' }),
        paced.request({ method: 'GET', path: '/ok?n=2' }),
        paced.request({ method: 'POST', path: '/ok', json: { n: 2 } }),
        paced.request({ method: 'GET', path: '/ok?n=3' }),
      ]);
      return seen.slice(from).map((r) => (r.method === 'GET' ? `GET ${r.url.split('=')[1]}` : `POST ${(JSON.parse(r.body) as { n: number }).n}`));
    };
    // Each pace 300 ms apart, lookups 10 ms apart: the three GETs reach the server before the second POST's slot.
    // (The first four go within 20 ms, so they may reach the server in any order on a loaded machine.)
    const laned = await order({ lookupMinIntervalMs: 10 })();
    expect(laned.at(-1)).toBe('POST 2');
    expect(laned.slice(0, 4).sort()).toEqual(['GET 1', 'GET 2', 'GET 3', 'POST 1']);
    // Without one, every request waits its turn in the one pace, in the order asked.
    expect(await order({})()).toEqual(['POST 1', 'GET 1', 'GET 2', 'POST 2', 'GET 3']);
  });
});

describe('parseRetryAfter and errorForStatus (pure)', () => {
  const now = new Date('2026-03-15T10:00:00Z');

  test('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Sun, 15 Mar 2026 10:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Sun, 15 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  test('maps statuses to the error vocabulary', () => {
    const request = { method: 'PUT' as const, path: '/x' };
    expect(errorForStatus('T', request, 429, undefined)).toBeInstanceOf(RateLimitedError);
    expect(errorForStatus('T', request, 503, undefined)).toBeInstanceOf(UpstreamUnavailableError);
    expect(errorForStatus('T', request, 503, 30)).toBeInstanceOf(HeldError);
    expect(errorForStatus('T', request, 408, undefined)).toBeInstanceOf(UpstreamUnavailableError);
    expect(errorForStatus('T', request, 404, undefined)).toBeInstanceOf(RejectedByTargetError);
  });
});
