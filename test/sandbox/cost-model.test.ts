import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { plainPipeline, webhookPath } from '../../sandbox/cost-baseline';
import { costOf, loadPrices, NAIVE_TRANSITIONS_PER_EVENT, PLATFORM_LOG_BYTES_PER_INVOCATION } from '../../sandbox/cost-model';
import { classifyRequest, countRecordedRequests, itemKindOf, linesOf, recordsOnLine, writeUnitsByItem, type RecordedRequest, type Usage } from '../../sandbox/metering';

const auth = (key: string, service: string) => `AWS4-HMAC-SHA256 Credential=${key}/20261126/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;

function request(key: string, service: string, init: { target?: string; body?: string; url?: string; method?: string } = {}): RecordedRequest {
  return {
    method: init.method ?? 'POST',
    url: init.url ?? 'http://127.0.0.1:5000/',
    headers: { Authorization: auth(key, service), ...(init.target ? { 'X-Amz-Target': init.target } : {}) },
    body: init.body ? Buffer.from(init.body).toString('base64') : '',
    body_encoded: true,
  };
}

describe('metering: moto recorder requests by caller, service and operation', () => {
  test('JSON protocols by X-Amz-Target, query protocols by Action, batch entries counted', () => {
    const entry = { Source: 'logistics-sync', DetailType: 'shipment.delivered', Detail: '{"id":"é"}' };
    expect(classifyRequest(request('sandbox-lambda', 'events', { target: 'AWSEvents.PutEvents', body: JSON.stringify({ Entries: [entry, entry, {}] }) }))).toEqual({
      principal: 'functions',
      service: 'events',
      operation: 'PutEvents',
      items: 3,
      indexed: 0,
      // What the archive takes in: each entry's Source, DetailType and Detail in UTF-8 bytes (eb-putevent-size).
      eventBytes: 2 * (14 + 18 + 11),
    });
    expect(classifyRequest(request('sandbox-esm', 'sqs', { target: 'AmazonSQS.DeleteMessageBatch', body: JSON.stringify({ Entries: [{}, {}] }) }))).toMatchObject({ principal: 'eventSourceMappings', operation: 'DeleteMessageBatch', items: 2 });
    expect(classifyRequest(request('sandbox-states', 'sns', { body: 'Action=Publish&TopicArn=x&Message=y' }))).toMatchObject({ principal: 'stepFunctions', service: 'sns', operation: 'Publish', items: 1 });
    expect(
      classifyRequest(request('sandbox-lambda', 'dynamodb', { target: 'DynamoDB_20120810.BatchWriteItem', body: JSON.stringify({ RequestItems: { a: [{}, {}], b: [{}] } }) })),
    ).toMatchObject({ operation: 'BatchWriteItem', items: 3 });
  });

  test("writes of the Lists GSI's items (list and in-flight entries) are counted apart: each writes the index too", () => {
    const key = (sk: string) => ({ pk: { S: 'SHIPMENT#S-1' }, sk: { S: sk } });
    const dynamo = (operation: string, body: object) => classifyRequest(request('sandbox-lambda-Indexer', 'dynamodb', { target: `DynamoDB_20120810.${operation}`, body: JSON.stringify(body) }));
    expect(dynamo('PutItem', { Item: { ...key('LIST#trouble'), listPk: { S: 'LIST#trouble' } } })).toMatchObject({ items: 1, indexed: 1 });
    expect(dynamo('UpdateItem', { Key: key('INFLIGHT') })).toMatchObject({ items: 1, indexed: 1 });
    expect(dynamo('DeleteItem', { Key: key('LIST#unbilled') })).toMatchObject({ indexed: 1 });
    expect(dynamo('UpdateItem', { Key: key('STATE') })).toMatchObject({ indexed: 0 });
    expect(dynamo('BatchWriteItem', { RequestItems: { t: [{ PutRequest: { Item: key('LINK#order#SO-1') } }, { DeleteRequest: { Key: key('LIST#trouble') } }, { PutRequest: { Item: key('INFLIGHT') } }] } })).toMatchObject({ items: 3, indexed: 2 });
    expect(dynamo('TransactWriteItems', { TransactItems: [{ Put: { Item: key('LIST#disrupted') } }, { Update: { Key: key('STATE') } }] })).toMatchObject({ items: 2, indexed: 1 });
    // Reads never count.
    expect(dynamo('GetItem', { Key: key('INFLIGHT') })).toMatchObject({ indexed: 0 });
  });

  test("the sandbox's own tooling, unsigned requests and unknown keys are not the product's calls", () => {
    expect(classifyRequest(request('sandbox', 'dynamodb', { target: 'DynamoDB_20120810.GetItem' }))).toBeUndefined();
    expect(classifyRequest(request('somebody', 'dynamodb', { target: 'DynamoDB_20120810.GetItem' }))).toBeUndefined();
    expect(classifyRequest({ method: 'GET', url: 'http://127.0.0.1:5000/moto-api/data.json', headers: {} })).toBeUndefined();
  });

  test("a function's own key names the function; the shared functions key still counts as the functions'", () => {
    expect(classifyRequest(request('sandbox-lambda-CorrelationIndexerFn', 'dynamodb', { target: 'DynamoDB_20120810.Query' }))).toEqual({
      principal: 'functions',
      function: 'CorrelationIndexerFn',
      service: 'dynamodb',
      operation: 'Query',
      items: 1,
      indexed: 0,
    });
    const lines = ['sandbox-lambda-A', 'sandbox-lambda-A', 'sandbox-lambda-B'].map((key) => JSON.stringify(request(key, 'dynamodb', { target: 'DynamoDB_20120810.PutItem' })));
    expect(countRecordedRequests(lines)).toEqual([
      { principal: 'functions', function: 'A', service: 'dynamodb', operation: 'PutItem', count: 2, items: 2, indexed: 0 },
      { principal: 'functions', function: 'B', service: 'dynamodb', operation: 'PutItem', count: 1, items: 1, indexed: 0 },
    ]);
  });

  test('counts add up per caller, service and operation', () => {
    const lines = [
      request('sandbox-lambda', 'dynamodb', { target: 'DynamoDB_20120810.PutItem' }),
      request('sandbox-lambda', 'dynamodb', { target: 'DynamoDB_20120810.PutItem' }),
      request('sandbox-states', 'dynamodb', { target: 'DynamoDB_20120810.PutItem' }),
      request('sandbox', 'dynamodb', { target: 'DynamoDB_20120810.PutItem' }),
    ].map((r) => JSON.stringify(r));
    expect(countRecordedRequests([...lines, ''])).toEqual([
      { principal: 'functions', service: 'dynamodb', operation: 'PutItem', count: 2, items: 2, indexed: 0 },
      { principal: 'stepFunctions', service: 'dynamodb', operation: 'PutItem', count: 1, items: 1, indexed: 0 },
    ]);
  });

  test("two records moto's threads appended onto one line are both counted; a body holding '}{\"' is not split; a broken record fails loudly", () => {
    const withBody = { ...request('sandbox-lambda-A', 'dynamodb', { target: 'DynamoDB_20120810.PutItem' }), body: '{"Item":{"note":{"S":"}{\\"x\\""}}}' };
    const two = JSON.stringify(request('sandbox-lambda-A', 'dynamodb', { target: 'DynamoDB_20120810.PutItem' })) + JSON.stringify(withBody);
    expect(recordsOnLine(two)).toHaveLength(2);
    expect(countRecordedRequests([two, ''])).toEqual([{ principal: 'functions', function: 'A', service: 'dynamodb', operation: 'PutItem', count: 2, items: 2, indexed: 0 }]);
    expect(() => countRecordedRequests(['{"method":"POST","url":'])).toThrow(/not JSON/);
  });

  test('a recording is read a chunk at a time: every line whole, multi-byte characters across chunks, the last line without a newline', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsync-lines-'));
    try {
      const file = path.join(dir, 'recording.jsonl');
      const lines = ['{"a":"°C"}', '', 'x'.repeat(37), '{"b":"Überführung €"}', 'last'];
      writeFileSync(file, lines.join('\n'));
      for (const chunk of [1, 3, 7, 64]) expect([...linesOf(file, chunk)]).toEqual(lines);
      writeFileSync(file, '');
      expect([...linesOf(file)]).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metering: what the write units pay for', () => {
  test('read units from each read request: a consistent read one, an eventually consistent one half, per key in a batch, two per transactional item', () => {
    const dynamo = (operation: string, body: object) => classifyRequest(request('sandbox-lambda-Indexer', 'dynamodb', { target: `DynamoDB_20120810.${operation}`, body: JSON.stringify(body) }))?.readUnits;
    const key = { pk: { S: 'SHIPMENT#S-1' }, sk: { S: 'STATE' } };
    expect(dynamo('GetItem', { TableName: 't', Key: key, ConsistentRead: true })).toBe(1);
    expect(dynamo('GetItem', { TableName: 't', Key: key })).toBe(0.5);
    expect(dynamo('Query', { TableName: 't', KeyConditionExpression: 'pk = :p', ConsistentRead: false })).toBe(0.5);
    expect(dynamo('BatchGetItem', { RequestItems: { a: { Keys: [key, key, key] }, b: { Keys: [key], ConsistentRead: true } } })).toBe(1.5 + 1);
    expect(dynamo('TransactGetItems', { TransactItems: [{ Get: { Key: key } }, { Get: { Key: key } }] })).toBe(4);
    expect(dynamo('PutItem', { TableName: 't', Item: key })).toBeUndefined();
    // Summed per caller and operation; the model prices them (a call without them counts one per item).
    const lines = [
      JSON.stringify(request('sandbox-lambda-Indexer', 'dynamodb', { target: 'DynamoDB_20120810.GetItem', body: JSON.stringify({ Key: key }) })),
      JSON.stringify(request('sandbox-lambda-Indexer', 'dynamodb', { target: 'DynamoDB_20120810.GetItem', body: JSON.stringify({ Key: key, ConsistentRead: true }) })),
    ];
    const [get] = countRecordedRequests(lines);
    expect(get).toMatchObject({ operation: 'GetItem', count: 2, items: 2, readUnits: 1.5 });
  });

  test('items are named by the shape of their keys; a Powertools record by its id', () => {
    expect(itemKindOf({ pk: { S: 'CORR#SO-1001' }, sk: { S: 'TL#2026-03-12T06:30:00.000Z#abc' } })).toBe('CORR#… / TL#…');
    expect(itemKindOf({ pk: { S: 'SHIPMENT#SHP-1' }, sk: { S: 'STATE' } })).toBe('SHIPMENT#… / STATE');
    expect(itemKindOf({ id: { S: 'logistics-sync.inbound.fleet#0f3a' } })).toBe('idempotency record');
    expect(itemKindOf(undefined)).toBe('other');
  });

  test('a write request is paired with the units measured for it by its signed header, whatever came between', () => {
    // Two requests of one function, signed differently; their unit records come back in the other order.
    const signed = (signature: string) => `${auth('sandbox-lambda-ErpOutbound', 'dynamodb')}, Signature=${signature}`;
    const write = (signature: string, operation: string, body: object): RecordedRequest => {
      const recorded = request('sandbox-lambda-ErpOutbound', 'dynamodb', { target: `DynamoDB_20120810.${operation}`, body: JSON.stringify(body) });
      return { ...recorded, headers: { ...recorded.headers, Authorization: signed(signature) } };
    };
    const units = (signature: string, n: number): RecordedRequest => ({ method: 'LSYNC-WRITE-UNITS', url: '/', headers: { Authorization: signed(signature), 'X-Amz-Target': 'DynamoDB_20120810.X' }, body: JSON.stringify({ writeUnits: n, items: 1 }) });
    const lines = [write('a', 'UpdateItem', { Key: { pk: { S: 'SHIPMENT#S' }, sk: { S: 'SYNC#erp' } } }), write('b', 'PutItem', { Item: { id: { S: 'k' } } }), units('b', 1), units('a', 2)].map((r) => JSON.stringify(r));
    expect(writeUnitsByItem(lines)).toEqual([
      { function: 'ErpOutbound', item: 'SHIPMENT#… / SYNC#…', writes: 1, writeUnits: 2 },
      { function: 'ErpOutbound', item: 'idempotency record', writes: 1, writeUnits: 1 },
    ]);
  });
});

describe('cost model', () => {
  const prices = loadPrices();
  const usage: Usage = {
    awsCalls: [
      { principal: 'functions', service: 'events', operation: 'PutEvents', count: 2, items: 10 },
      { principal: 'functions', service: 'dynamodb', operation: 'PutItem', count: 4, items: 4, indexed: 1 },
      { principal: 'functions', service: 'dynamodb', operation: 'TransactWriteItems', count: 1, items: 3 },
      { principal: 'functions', service: 'dynamodb', operation: 'GetItem', count: 5, items: 5 },
      { principal: 'functions', service: 'secretsmanager', operation: 'GetSecretValue', count: 3, items: 3 },
      { principal: 'eventSourceMappings', service: 'sqs', operation: 'ReceiveMessage', count: 7, items: 7 },
      { principal: 'eventSourceMappings', service: 'sqs', operation: 'DeleteMessageBatch', count: 4, items: 20 },
    ],
    lambda: [
      { functionName: 'in', logicalId: 'In', service: 'fleet-inbound', memoryMb: 256, architecture: 'arm64', invocations: 10, billedMs: 1000 },
      { functionName: 'out', logicalId: 'Out', service: 'erp-outbound', memoryMb: 1024, architecture: 'arm64', invocations: 4, billedMs: 2000 },
    ],
    sqsEventSources: [{ functionName: 'out', batches: 4, messages: 20, batchSize: 10 }],
    stepFunctions: { executions: 1, stateTransitions: 20 },
    restApis: [{ name: 'Stack/WebhooksApi', requests: 10 }],
  };
  const line = (variant: Parameters<typeof costOf>[2], key: string) => costOf(usage, prices, variant).lines.filter((l) => l.key === key);
  const unit = (key: string) => prices[key].usd / prices[key].per;

  test('prices what was counted: requests, GB-seconds by architecture, events, request units, transitions', () => {
    const ours = costOf(usage, prices, 'ours');
    expect(line('ours', 'lambda-invocations')[0].quantity).toBe(14);
    expect(line('ours', 'lambda-duration')).toEqual([expect.objectContaining({ item: 'duration (arm64)', quantity: 0.25 + 2, usd: 2.25 * unit('lambdaDurationArm64') })]);
    expect(line('ours', 'eventbridge-events')[0].quantity).toBe(10);
    expect(line('ours', 'dynamodb-writes').map((l) => l.quantity)).toEqual([4 + 2 * 3, 1]);
    expect(line('ours', 'dynamodb-writes')[1].item).toMatch(/GSIs/);
    expect(line('ours', 'dynamodb-reads')[0].quantity).toBe(5);
    expect(line('ours', 'sqs-receives')[0].quantity).toBe(4);
    expect(line('ours', 'sqs-deletes')[0].quantity).toBe(4);
    expect(line('ours', 'sqs-deliveries')[0].quantity).toBe(20);
    expect(ours.idleReceives).toBe(3);
    expect(ours.unpriced).toEqual([{ service: 'secretsmanager', operation: 'GetSecretValue', count: 3 }]);
    expect(ours.totalUsd).toBeCloseTo(ours.lines.reduce((s, l) => s + l.usd, 0), 12);
  });

  test('webhooks on an HTTP API (stage webhooks.api: "http") are priced as HTTP API requests, the other APIs as REST', () => {
    const mixed: Usage = { ...usage, restApis: [{ name: 'Stack/WebhookHttpApi', requests: 10, protocol: 'HTTP' }, { name: 'Stack/TraceApi', requests: 2 }] };
    const lines = costOf(mixed, prices, 'ours').lines.filter((l) => l.service === 'API Gateway');
    expect(lines).toEqual([
      expect.objectContaining({ item: 'REST API requests', quantity: 2, usd: 2 * unit('apiGatewayRestRequest') }),
      expect.objectContaining({ item: 'HTTP API requests', quantity: 10, usd: 10 * unit('apiGatewayHttpRequest') }),
    ]);
    // $1.00 against $3.50 per million (data/aws-prices.json, each with its source).
    expect(unit('apiGatewayHttpRequest') * 1e6).toBeCloseTo(1.0, 6);
    expect(unit('apiGatewayRestRequest') * 1e6).toBeCloseTo(3.5, 6);
  });

  test('reads are priced by the read units measured from their requests where there are some (half for eventually consistent ones)', () => {
    const measured: Usage = { ...usage, awsCalls: usage.awsCalls.map((c) => (c.operation === 'GetItem' ? { ...c, readUnits: 2.5 } : c.operation === 'PutItem' ? { ...c, readUnits: 9 } : c)) };
    const reads = costOf(measured, prices, 'ours').lines.filter((l) => l.key === 'dynamodb-reads');
    expect(reads).toEqual([expect.objectContaining({ quantity: 2.5, usd: 2.5 * unit('dynamoDbOnDemandRead') })]);
  });

  test("CloudWatch Logs: what the functions wrote and Lambda's records of each invocation, per GB ingested", () => {
    const logged: Usage = { ...usage, lambda: usage.lambda.map((fn, i) => ({ ...fn, logBytes: (i + 1) * 1024 ** 3 })) };
    const invocations = line('ours', 'lambda-invocations')[0].quantity;
    const platformGb = (invocations * PLATFORM_LOG_BYTES_PER_INVOCATION) / 1024 ** 3;
    expect(costOf(logged, prices, 'ours').lines.filter((l) => l.key === 'logs-ingestion')).toEqual([
      expect.objectContaining({ service: 'CloudWatch Logs', quantity: 3, unit: 'GB', usd: 3 * unit('cloudWatchLogsIngestion') }),
      expect.objectContaining({ service: 'CloudWatch Logs', quantity: platformGb, unit: 'GB', usd: platformGb * unit('cloudWatchLogsIngestion') }),
    ]);
    // $0.50 per GB (data/aws-prices.json, with its source).
    expect(unit('cloudWatchLogsIngestion')).toBeCloseTo(0.5, 6);
    // Without the functions' own output, Lambda's records remain; one invocation per message in the naive variant.
    expect(line('ours', 'logs-ingestion').map((l) => l.quantity)).toEqual([platformGb]);
    expect(line('naive', 'logs-ingestion')[0].quantity).toBeCloseTo((line('naive', 'lambda-invocations')[0].quantity * PLATFORM_LOG_BYTES_PER_INVOCATION) / 1024 ** 3);
    // A start and a report record, as the Telemetry API documents them, with a trace context: about 0.7 KB.
    expect(PLATFORM_LOG_BYTES_PER_INVOCATION).toBeGreaterThan(600);
    expect(PLATFORM_LOG_BYTES_PER_INVOCATION).toBeLessThan(800);
  });

  test("CloudWatch Logs: API Gateway's access log lines, the webhook API's in the plain pipeline too (the same API), the read APIs' in ours only", () => {
    const gb = 1024 ** 3;
    const logged: Usage = { ...usage, restApis: [{ name: 'Stack/WebhookHttpApi', requests: 10, protocol: 'HTTP', accessLogBytes: 2 * gb }, { name: 'Stack/TraceApi', requests: 2, accessLogBytes: gb }] };
    const accessLines = (u: Usage) => costOf(u, prices, 'ours').lines.filter((l) => l.key === 'logs-ingestion' && /access log/.test(l.item));
    expect(accessLines(logged)).toEqual([expect.objectContaining({ service: 'CloudWatch Logs', quantity: 3, unit: 'GB', usd: 3 * unit('cloudWatchLogsIngestion') })]);
    expect(accessLines(webhookPath(logged))).toEqual([expect.objectContaining({ quantity: 2 })]);
    expect(accessLines(plainPipeline(logged))).toEqual([expect.objectContaining({ quantity: 2 })]);
    // A usage saved before the access logs were counted has none: no line.
    expect(accessLines(usage)).toEqual([]);
  });

  test('Lambda INIT: the init phase of the environments the run started, billed like duration at their memory size (since 2025-08-01)', () => {
    const started: Usage = { ...usage, lambda: usage.lambda.map((fn, i) => ({ ...fn, initMs: (i + 1) * 1000 })) };
    // 1 s at 256 MB and 2 s at 1,024 MB: 0.25 + 2 GB-seconds, arm64.
    expect(costOf(started, prices, 'ours').lines.filter((l) => l.key === 'lambda-init')).toEqual([
      expect.objectContaining({ service: 'Lambda', item: 'INIT duration of the environments started (arm64)', quantity: 2.25, unit: 'GB-second', usd: 2.25 * unit('lambdaDurationArm64') }),
    ]);
    expect(costOf(started, prices, 'naive').lines.filter((l) => l.key === 'lambda-init')).toEqual([expect.objectContaining({ quantity: 2.25, usd: 2.25 * unit('lambdaDurationX86') })]);
    // The plain pipeline runs the same functions: the same environments' inits.
    expect(costOf(plainPipeline(started), prices, 'ours').lines.filter((l) => l.key === 'lambda-init')[0]?.quantity).toBe(2.25);
    // Without a measurement (a usage saved before), no line.
    expect(line('ours', 'lambda-init')).toEqual([]);
  });

  test('full batches: one poll and one invocation per batch size of messages', () => {
    expect(line('ours-at-volume', 'lambda-invocations')[0].quantity).toBe(10 + 20 / 10);
    expect(line('ours-at-volume', 'sqs-receives')[0].quantity).toBe(2);
  });

  test('naive: x86, a Standard workflow and a Lambda invocation per event, no SQS', () => {
    const naive = costOf(usage, prices, 'naive');
    expect(line('naive', 'lambda-duration')).toEqual([expect.objectContaining({ item: 'duration (x86_64)', quantity: 2.25 })]);
    expect(line('naive', 'lambda-invocations')[0].quantity).toBe(10 + 20);
    expect(naive.lines.filter((l) => l.service === 'SQS')).toEqual([]);
    expect(line('naive', 'sfn-per-event')[0].quantity).toBe(20 * NAIVE_TRANSITIONS_PER_EVENT);
    expect(naive.totalUsd).toBeGreaterThan(costOf(usage, prices, 'ours').totalUsd);
  });
});
