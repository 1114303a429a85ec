import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AwsFaultProxy } from '../../sandbox/aws-fault-proxy';

// The functions' AWS calls go through this proxy in fault-injection runs: matching operations fail with the
// service's JSON error for a window, everything else reaches the emulator unchanged.
describe('AwsFaultProxy', () => {
  let upstream: Server;
  let proxy: AwsFaultProxy;
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(`${String(req.headers['x-amz-target'])} ${body}`);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    proxy = new AwsFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  const call = (target: string) => fetch(proxy.url, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' }, body: '{"TableName":"t"}' });

  test('passes requests through with their body when no fault matches', async () => {
    const res = await call('DynamoDB_20120810.GetItem');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toBe('DynamoDB_20120810.GetItem {"TableName":"t"}');
  });

  test('fails matching operations with the service error shape while the fault lasts, and counts them', async () => {
    const id = proxy.set({ target: 'DynamoDB_20120810.', status: 500, code: 'InternalServerError' });
    const failed = await call('DynamoDB_20120810.PutItem');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ __type: 'InternalServerError' });
    expect((await call('AWSEvents.PutEvents')).status).toBe(200);
    expect(proxy.failed.get('DynamoDB_20120810.PutItem')).toBe(1);
    proxy.clear(id);
    expect((await call('DynamoDB_20120810.PutItem')).status).toBe(200);
  });

  test('a rate fails only that share of requests, and a fault ends after its duration', async () => {
    const zero = new AwsFaultProxy('http://127.0.0.1:1', () => 0.9);
    zero.set({ target: 'AWSEvents.PutEvents', rate: 0.5 });
    expect(zero['decide']('AWSEvents.PutEvents')).toBeUndefined();
    const one = new AwsFaultProxy('http://127.0.0.1:1', () => 0.1);
    one.set({ target: 'AWSEvents.PutEvents', rate: 0.5, durationMs: 50 });
    expect(one['decide']('AWSEvents.PutEvents')).toBeDefined();
    await new Promise((r) => setTimeout(r, 80));
    expect(one['decide']('AWSEvents.PutEvents')).toBeUndefined();
    expect(() => one.set({ target: 'x', rate: 2 })).toThrow(/rate/);
  });
});
