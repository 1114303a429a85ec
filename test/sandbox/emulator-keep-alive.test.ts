import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../sandbox/emulator';

// The launcher keeps HTTP/1.1 connections open between requests (moto_launcher.py `keep_alive_handler`,
// docs/sandbox.md `server-keep-alive`): werkzeug closed each after one response.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ log: () => undefined });
  expect((await emulator.capabilities()).patches).toContain('server-keep-alive');
});
afterAll(async () => emulator?.stop());

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly reused: boolean;
  readonly localPort: number | undefined;
}

function dynamodb(agent: Agent, target: string, body: unknown, extra: Record<string, string> = {}, chunked = false): Promise<Answer> {
  const url = new URL(emulator.endpoint);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${target}`,
          authorization: 'AWS4-HMAC-SHA256 Credential=test/20261205/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(payload)) }),
          ...extra,
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, reused: req.reusedSocket, localPort: req.socket?.localPort }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${target}: no answer within 10 s`)));
    req.on('error', reject);
    if (chunked) {
      req.write(payload.slice(0, 10));
      req.write(payload.slice(10));
    } else req.write(payload);
    req.end();
  });
}

describe('the emulator keeps connections alive', () => {
  test('one connection carries a table, a hundred writes sent back to back and their reads, every answer right', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const table = `keep-alive-${Date.now()}`;
      const created = await dynamodb(agent, 'CreateTable', {
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      });
      expect(created.status).toBe(200);
      expect(created.headers.connection).not.toBe('close');
      const answers: Answer[] = [];
      // Each request goes out the moment the previous answer arrives: werkzeug's 10 ms drain after a response
      // would have swallowed it (the request would then never be answered).
      for (let i = 0; i < 100; i++) answers.push(await dynamodb(agent, 'PutItem', { TableName: table, Item: { pk: { S: `k${i}` }, n: { N: String(i) } } }));
      for (let i = 0; i < 100; i += 9) answers.push(await dynamodb(agent, 'GetItem', { TableName: table, Key: { pk: { S: `k${i}` } }, ConsistentRead: true }));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.every((a) => a.reused && a.localPort === created.localPort)).toBe(true);
      const reads = answers.slice(100).map((a) => (JSON.parse(a.body) as { Item: { n: { N: string } } }).Item.n.N);
      expect(reads).toEqual(Array.from({ length: 12 }, (_, k) => String(9 * k)));
      const scanned = JSON.parse((await dynamodb(agent, 'Scan', { TableName: table, Select: 'COUNT' })).body) as { Count: number };
      expect(scanned.Count).toBe(100);
    } finally {
      agent.destroy();
    }
  });

  test("a client's Connection: close and a chunked request body are answered, then the connection closes", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const closing = await dynamodb(agent, 'ListTables', {}, { connection: 'close' });
      expect(closing.status).toBe(200);
      expect(closing.headers.connection).toBe('close');
      const chunked = await dynamodb(agent, 'ListTables', { Limit: 5 }, {}, true);
      expect(chunked.status).toBe(200);
      expect((JSON.parse(chunked.body) as { TableNames: string[] }).TableNames.length).toBeGreaterThan(0);
      expect(chunked.headers.connection).toBe('close');
      expect(chunked.reused).toBe(false);
    } finally {
      agent.destroy();
    }
  });
});
