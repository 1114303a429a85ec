import { spawn } from 'node:child_process';
import path from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { QueueDiscovery } from '../../registry/catalog';
import { CREDENTIALS, REGION, startCliFixture, type CliFixture } from './support/fixture';
import { adapterDlqAttributes, canonicalEventBody, clear, eventIdOf, peekAll, seed } from './support/queues';

const root = path.resolve(import.meta.dirname, '..', '..');
const N = 120;
const HOLD_SECONDS = 3;

let fx: CliFixture;
let sqs: SQSClient;
let ddb: DynamoDBDocumentClient;
let erp: QueueDiscovery;

beforeAll(async () => {
  fx = await startCliFixture('LS-kill');
  const config = { endpoint: fx.endpoint, region: REGION, credentials: { ...CREDENTIALS } };
  sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  erp = JSON.parse(fx.outputs.LsyncQueueErpSync!) as QueueDiscovery;
});

afterAll(async () => {
  sqs?.destroy();
  await fx?.stop();
});

beforeEach(async () => {
  await clear(sqs, erp.url);
  await clear(sqs, erp.dlqUrl);
  await seed(
    sqs,
    erp.dlqUrl,
    Array.from({ length: N }, (_, i) => ({
      body: canonicalEventBody({ eventId: `kill-${i}`, eventType: 'shipment.delivered', orderId: `SO-${i}` }),
      attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: 'ERP 503', sourceQueueUrl: erp.url }),
    })),
  );
});

/** Starts `lsync dlq redrive` as its own process, exactly as an operator runs it (bin/lsync.js). */
function startRedrive(runId: string) {
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin', 'lsync.js'), '--sandbox', fx.endpointsFile, 'dlq', 'redrive', 'erp-sync', '--all', '--rate', '20', '--hold-seconds', String(HOLD_SECONDS), '--reason', runId],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LSYNC_OPERATOR: 'kill-test' } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

async function sourceDepth(): Promise<number> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: erp.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes.ApproximateNumberOfMessages ?? 0);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function auditOf(reason: string): Promise<Record<string, unknown> | undefined> {
  const day = new Date().toISOString().slice(0, 10);
  const { Items = [] } = await ddb.send(
    new QueryCommand({ TableName: fx.outputs.CorrelationTableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#${day}` } }),
  );
  return Items.find((i) => i.reason === reason);
}

const allIds = Array.from({ length: N }, (_, i) => `kill-${i}`).sort();

describe('an interrupted redrive loses nothing', () => {
  test('SIGKILL halfway: every message is still in the DLQ or already in its source queue (some possibly in both)', { timeout: 180_000 }, async () => {
    const run = startRedrive('sigkill');
    await waitFor(async () => (await sourceDepth()) >= N / 3, 60_000);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');

    // Held messages reappear in the DLQ once their visibility hold lapses; nothing else is needed.
    await new Promise((r) => setTimeout(r, (HOLD_SECONDS + 1) * 1000));
    const inSource = (await peekAll(sqs, erp.url)).map(eventIdOf);
    const inDlq = (await peekAll(sqs, erp.dlqUrl)).map(eventIdOf);
    expect(inSource.length).toBeGreaterThan(0);
    expect(inDlq.length).toBeGreaterThan(0);
    expect([...new Set([...inSource, ...inDlq])].sort()).toEqual(allIds);
    expect(await auditOf('sigkill')).toMatchObject({ status: 'running', who: { user: 'kill-test' } });

    // Running the same command again finishes the job.
    const rerun = startRedrive('sigkill-rerun');
    expect((await rerun.exited).code).toBe(0);
    expect(await peekAll(sqs, erp.dlqUrl)).toEqual([]);
    expect([...new Set((await peekAll(sqs, erp.url)).map(eventIdOf))].sort()).toEqual(allIds);
  });

  test('Ctrl-C (SIGINT) stops cleanly: messages not yet sent are visible in the DLQ at once, and the audit item says interrupted', { timeout: 120_000 }, async () => {
    const run = startRedrive('sigint');
    await waitFor(async () => (await sourceDepth()) >= N / 4, 60_000);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/stopping after the current batch/);

    const inSource = (await peekAll(sqs, erp.url)).map(eventIdOf);
    const inDlq = (await peekAll(sqs, erp.dlqUrl)).map(eventIdOf); // no wait: released on the way out
    expect(inSource.length + inDlq.length).toBe(N);
    expect([...inSource, ...inDlq].sort()).toEqual(allIds);
    const audit = await auditOf('sigint');
    expect(audit).toMatchObject({ status: 'interrupted' });
    expect((audit!.result as { counts: { redriven: number } }).counts.redriven).toBe(inSource.length);
  });
});
