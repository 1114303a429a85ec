import { CloudFormationClient, CreateStackCommand, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, DescribeTimeToLiveCommand, PutItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { costSections, deployedRetention, savedRun } from '../../bench/cost.bench';
import { clientConfig } from '../../sandbox/aws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DAYS_PER_MONTH, loadPrices, storageCostOf } from '../../sandbox/cost-model';
import { putEventsEntrySize, type Usage } from '../../sandbox/metering';
import { indexEntryBytes, itemSize, ITEM_OVERHEAD_BYTES, measureStorage, tableRole, valueSize, type StorageUsage } from '../../sandbox/storage';
import { startRecordingEmulator, type RecordingEmulator } from '../support/recording-emulator';

/**
 * Storage until expiry, for the cost bench: items sized as DynamoDB bills storage
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html), kept until their TTL,
 * and the logs and the event archive for the stage's retention.
 */
describe('item sizes as DynamoDB counts them', () => {
  test('strings, numbers, binaries, Booleans, nulls, lists and maps', () => {
    expect(valueSize({ S: 'abc' })).toBe(3);
    expect(valueSize({ S: 'é' })).toBe(2); // UTF-8 bytes
    expect(valueSize({ N: '123.45' })).toBe(4); // 5 significant digits: 3 bytes, plus 1
    expect(valueSize({ N: '1700000000' })).toBe(2); // trailing zeros trimmed: "17"
    expect(valueSize({ N: '-0.005' })).toBe(2);
    expect(valueSize({ B: new Uint8Array(10) })).toBe(10); // raw bytes, not base64
    expect(valueSize({ BOOL: true })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
    expect(valueSize({ L: [] })).toBe(3);
    expect(valueSize({ L: [{ S: 'ab' }, { N: '7' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(valueSize({ M: { k: { S: 'v' } } })).toBe(3 + 1 + 1 + 1); // overhead, element byte, name, value
    expect(valueSize({ SS: ['a', 'bc'] })).toBe(3);
  });

  test('an item is its names and values; a GSI entry its keys and projected attributes, each with 100 bytes of overhead', () => {
    const item = { pk: { S: 'SHIPMENT#1' }, sk: { S: 'STATE' }, inFlightPk: { S: 'IF#0' }, inFlightSk: { S: '2026' }, phase: { S: 'moving' }, view: { S: 'x'.repeat(500) } };
    expect(itemSize(item)).toBe(2 + 10 + 2 + 5 + 10 + 4 + 10 + 4 + 5 + 6 + 4 + 500);
    const keys = ['pk', 'sk'];
    const keysOnly = { keys: ['inFlightPk', 'inFlightSk'], projection: 'KEYS_ONLY' as const, include: [] };
    expect(indexEntryBytes(item, keys, keysOnly)).toBe(2 + 10 + 2 + 5 + 10 + 4 + 10 + 4 + ITEM_OVERHEAD_BYTES);
    expect(indexEntryBytes(item, keys, { ...keysOnly, projection: 'INCLUDE', include: ['phase'] })).toBe(2 + 10 + 2 + 5 + 10 + 4 + 10 + 4 + 5 + 6 + ITEM_OVERHEAD_BYTES);
    expect(indexEntryBytes(item, keys, { ...keysOnly, projection: 'ALL' })).toBe(itemSize(item) + ITEM_OVERHEAD_BYTES);
    // Sparse: an item without the index's keys is not in it.
    expect(indexEntryBytes({ pk: item.pk, sk: item.sk }, keys, keysOnly)).toBe(0);
  });

  test('a PutEvents entry as EventBridge sizes it', () => {
    // Time 14 bytes, then Source, DetailType, Detail and each resource in UTF-8 bytes.
    expect(putEventsEntrySize({ Time: '2026-12-07T00:00:00Z', Source: 'src', DetailType: 'type', Detail: '{"a":"é"}', Resources: ['arn:x'] })).toBe(14 + 3 + 4 + 10 + 5);
    expect(putEventsEntrySize({ Source: 'src', DetailType: 'type' })).toBe(7);
  });

  test("a table's role in its deployed name", () => {
    expect(tableRole('LogisticsSync-TablesCorrelationTable1A2B3C4D-ABCDEF')).toBe('CorrelationTable');
    expect(tableRole('plain')).toBe('plain');
  });
});

describe('the storage the tables hold, until their TTL', () => {
  let recording: RecordingEmulator;
  const table = 'Stored';
  const now = new Date('2026-12-07T00:00:00Z');
  const seconds = now.getTime() / 1000;

  beforeAll(async () => {
    recording = await startRecordingEmulator('lsync-storage-');
    const { dynamodb } = recording;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'ipk', 'isk'].map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'Idx', KeySchema: [{ AttributeName: 'ipk', KeyType: 'HASH' }, { AttributeName: 'isk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['phase'] } },
        ],
      }),
    );
    await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    // Two timeline entries kept 10 days, a state item in the index kept 30 days, a link without a TTL.
    for (const n of [1, 2]) {
      await dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'CORR#c1' }, sk: { S: `TL#${n}` }, body: { S: 'x'.repeat(200) }, expiresAt: { N: String(seconds + 10 * 86_400) } } }));
    }
    await dynamodb.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'SHIPMENT#s1' }, sk: { S: 'STATE' }, ipk: { S: 'A' }, isk: { S: 'B' }, phase: { S: 'moving' }, view: { S: 'v'.repeat(300) }, expiresAt: { N: String(seconds + 30 * 86_400) } } }),
    );
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'LINK#o1' }, sk: { S: 'CORR#c1' } } }));
  });
  afterAll(async () => {
    await recording?.stop();
  });

  test("a table deployed by CloudFormation has the TTL its template names (launcher patch 'dynamodb-cloudformation-time-to-live')", async () => {
    expect((await recording.emulator.capabilities()).patches).toContain('dynamodb-cloudformation-time-to-live');
    const cloudformation = new CloudFormationClient(clientConfig(recording.emulator.endpoint));
    try {
      const table = (ttl?: Record<string, unknown>) => ({
        Type: 'AWS::DynamoDB::Table',
        Properties: { BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], ...(ttl ? { TimeToLiveSpecification: ttl } : {}) },
      });
      const template = { Resources: { WithTtl: table({ AttributeName: 'expiration', Enabled: true }), WithoutTtl: table() } };
      await cloudformation.send(new CreateStackCommand({ StackName: 'ttl', TemplateBody: JSON.stringify(template) }));
      const { StackResources: resources = [] } = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: 'ttl' }));
      const ttlOf = async (logicalId: string) =>
        (await recording.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: resources.find((r) => r.LogicalResourceId === logicalId)!.PhysicalResourceId }))).TimeToLiveDescription;
      expect(await ttlOf('WithTtl')).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
      expect((await ttlOf('WithoutTtl'))?.TimeToLiveStatus).toBe('DISABLED');
    } finally {
      cloudformation.destroy();
    }
  });

  test('by kind of item: sizes with overhead, index entries, remaining life, items without a TTL', async () => {
    const measured = await measureStorage(recording.dynamodb, now);
    const byKind = Object.fromEntries(measured.items.filter((s) => s.table === table).map((s) => [s.kind, s]));
    // The name, and 10 digits whose trailing zeros are trimmed: 1765929600 and 1767657600 are 8 significant digits, 4 bytes + 1.
    const expiresAt = 9 + 5;
    const timeline = 2 + 7 + 2 + 4 + 4 + 200 + expiresAt + ITEM_OVERHEAD_BYTES;
    expect(byKind['CORR#… / TL#…']).toEqual({ table, kind: 'CORR#… / TL#…', items: 2, bytes: 2 * timeline, indexBytes: 0, byteDays: 2 * timeline * 10, unexpiringItems: 0, unexpiringBytes: 0 });
    const state = 2 + 11 + 2 + 5 + 3 + 1 + 3 + 1 + 5 + 6 + 4 + 300 + expiresAt + ITEM_OVERHEAD_BYTES;
    const entry = 2 + 11 + 2 + 5 + 3 + 1 + 3 + 1 + 5 + 6 + ITEM_OVERHEAD_BYTES;
    expect(byKind['SHIPMENT#… / STATE']).toMatchObject({ items: 1, bytes: state, indexBytes: entry, byteDays: (state + entry) * 30, unexpiringItems: 0 });
    const link = 2 + 7 + 2 + 7 + ITEM_OVERHEAD_BYTES;
    expect(byKind['LINK#… / CORR#…']).toMatchObject({ items: 1, bytes: link, byteDays: 0, unexpiringItems: 1, unexpiringBytes: link });
  });

  test('priced: DynamoDB until each TTL, logs and the archive for their retention; nothing without a measurement', () => {
    const prices = loadPrices();
    const gb = 1024 ** 3;
    const storage: StorageUsage = {
      measuredAt: now.toISOString(),
      items: [{ table: 'CorrelationTable', kind: 'CORR#… / TL#…', items: 1, bytes: gb, indexBytes: 0, byteDays: gb * 2 * DAYS_PER_MONTH, unexpiringItems: 0, unexpiringBytes: 0 }],
    };
    const usage: Usage = {
      awsCalls: [{ principal: 'functions', function: 'Fn', service: 'events', operation: 'PutEvents', count: 1, items: 1, eventBytes: gb }],
      lambda: [{ functionName: 'fn', logicalId: 'Fn', service: 'fleet-inbound', memoryMb: 256, architecture: 'arm64', invocations: 1, billedMs: 1, logBytes: 2 * gb }],
      sqsEventSources: [],
      stepFunctions: { executions: 0, stateTransitions: 0 },
      restApis: [],
      storage,
      retention: { logRetentionDays: DAYS_PER_MONTH, eventArchiveDays: 3 * DAYS_PER_MONTH },
    };
    const cost = storageCostOf(usage, prices);
    const line = (key: string) => cost.lines.find((l) => l.key === key);
    expect(line('dynamodb-storage')).toMatchObject({ quantity: 2, usd: 2 * 0.25 }); // 1 GB for 2 months
    expect(line('logs-storage')).toMatchObject({ quantity: 2, usd: 2 * 0.03 }); // 2 GB for a month
    expect(line('archive-ingest')).toMatchObject({ quantity: 1, usd: 0.1 });
    expect(line('archive-storage')?.quantity).toBeCloseTo(3);
    expect(cost.totalUsd).toBeCloseTo(0.5 + 0.06 + 0.1 + 3 * 0.023);
    // The APIs' access logs are kept as long as the functions' logs (one retention for every log group of the stack).
    const withAccessLogs = storageCostOf({ ...usage, restApis: [{ name: 'Stack/WebhookHttpApi', requests: 1, protocol: 'HTTP', accessLogBytes: gb }] }, prices);
    expect(withAccessLogs.lines.find((l) => l.key === 'logs-storage')).toMatchObject({ quantity: 3, usd: 3 * 0.03 });
    // Without the stage's retention only the tables are priced; without a measurement, nothing.
    expect(storageCostOf({ ...usage, retention: undefined }, prices).lines.map((l) => l.key)).toEqual(['dynamodb-storage']);
    expect(storageCostOf({ ...usage, storage: undefined, retention: undefined }, prices).lines).toEqual([]);
  });
});

describe('the cost bench prices storage for a deployed stage', () => {
  test("the run keeps its data as long as the default stage does, not the sandbox stage's single day", () => {
    const context = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: { stage: string; stages: Record<string, { retention: Record<string, number> }> } }).context;
    const retention = context.stages[context.stage].retention;
    expect(deployedRetention(context)).toEqual({
      correlationTtlDays: retention.correlationTtlDays,
      idempotencyTtlHours: retention.idempotencyTtlHours,
      logRetentionDays: retention.logRetentionDays,
      eventArchiveDays: retention.eventArchiveDays,
    });
    expect(deployedRetention({ ...context, stage: 'prod' }).correlationTtlDays).toBe(context.stages.prod.retention.correlationTtlDays);
    expect(() => deployedRetention({ stage: 'nowhere', stages: context.stages })).toThrow(/no retention for the stage "nowhere"/);
  });

  test('the report has the storage section and the month with storage at steady state', () => {
    const gb = 1024 ** 3;
    const usage: Usage = {
      awsCalls: [],
      lambda: [{ functionName: 'fn', logicalId: 'Fn', service: 'fleet-inbound', memoryMb: 256, architecture: 'arm64', invocations: 1, billedMs: 1, logBytes: 0 }],
      sqsEventSources: [],
      stepFunctions: { executions: 0, stateTransitions: 0 },
      restApis: [],
      storage: { measuredAt: '2026-12-07T00:00:00Z', items: [{ table: 'CorrelationTable', kind: 'CORR#… / TL#…', items: 4, bytes: gb / 2, indexBytes: gb / 2, byteDays: gb * DAYS_PER_MONTH, unexpiringItems: 0, unexpiringBytes: 0 }] },
      retention: { logRetentionDays: 30, eventArchiveDays: 30 },
    };
    const sections = costSections(usage, 'a test run', 2);
    const storage = sections.find((s) => s.title.startsWith('Storage'));
    // 1 GB for a month at $0.25, over 2 shipments: $0.125 each; a month of 1M shipments: $125,000.
    expect(storage?.rows[0]).toMatchObject({ what: 'DynamoDB CorrelationTable: CORR#… / TL#…', items: 4, 'per shipment': 2, 'KB per shipment (GSI entries, overhead)': 524288, 'days kept (by bytes)': 30, 'per shipment USD': '$0.1250', 'a month of 1M shipments': '$125000' });
    expect(storage?.rows.at(-1)).toMatchObject({ what: 'in all', 'per shipment USD': '$0.1250' });
    const totals = sections.find((s) => s.title.startsWith('AWS cost totals'));
    expect(totals?.rows.map((r) => r.figure)).toContain("storage of one shipment's data until it expires (ours: DynamoDB items to their TTL, logs and the event archive for their retention; the plain pipeline: its logs)");
    // Without a measurement: no storage section.
    expect(costSections({ ...usage, storage: undefined, retention: undefined }, 'a test run', 2).some((s) => s.title.startsWith('Storage'))).toBe(false);
  });

  test('a saved run is priced again without running (COST_USAGE_FILE); a file that is not one is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsync-saved-run-'));
    try {
      const usage: Usage = { awsCalls: [], lambda: [], sqsEventSources: [], stepFunctions: { executions: 0, stateTransitions: 0 }, restApis: [{ name: 'Stack/WebhookApi', requests: 4 }] };
      const file = path.join(dir, 'usage.json');
      writeFileSync(file, JSON.stringify({ usage, note: 'A saved run.', shipments: 2 }));
      const sections = savedRun(file);
      expect(sections[0].notes?.[0]).toBe(`A saved run. Priced again from ${file}.`);
      expect(sections.find((s) => s.title.startsWith('AWS cost totals'))?.rows.find((r) => String(r.figure).startsWith('per shipment lifecycle, everything'))?.ours).toBe('$7.00e-6'); // 4 REST requests at $3.50 per million, over 2
      writeFileSync(file, JSON.stringify({ usage }));
      expect(() => savedRun(file)).toThrow(/is not a run the cost bench saved/);
      writeFileSync(file, '{"usage": ');
      expect(() => savedRun(file)).toThrow(`COST_USAGE_FILE ${file} cannot be read as a saved run`);
      expect(() => savedRun(path.join(dir, 'missing.json'))).toThrow(/cannot be read as a saved run: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
