import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import type { QueueDiscovery, UndeliveredNotificationsDiscovery } from '../../registry/catalog';
import { CREDENTIALS, deployInto, REGION, startCliFixture, synthBareFixture, type CliFixture } from './support/fixture';
import { adapterDlqAttributes, canonicalEventBody, eventIdOf, peekAll, seed } from './support/queues';
import { lsync } from './support/run-cli';

const examples = path.resolve(import.meta.dirname, '..', '..', 'schemas', 'examples');
const example = (name: string) => JSON.parse(readFileSync(path.join(examples, `${name}.json`), 'utf8')) as CanonicalDetail;

let fx: CliFixture;
let ddb: DynamoDBDocumentClient;
let sqs: SQSClient;

beforeAll(async () => {
  fx = await startCliFixture('LS-ops');
  const config = { endpoint: fx.endpoint, region: REGION, credentials: { ...CREDENTIALS } };
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
});

afterAll(async () => {
  sqs?.destroy();
  await fx?.stop();
});

async function audits(action: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: fx.outputs.CorrelationTableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `AUDIT#${new Date().toISOString().slice(0, 10)}` },
    }),
  );
  return Items.filter((i) => i.action === action);
}

describe('lsync trace', () => {
  beforeAll(async () => {
    // The real indexer writes the SO-1001 chain of the schema examples into the fixture's correlation table: the
    // billing-ready call failed (sync.failed) and nothing confirmed it (no invoice.ready), so the trace shows it failed.
    const store = new DynamoDbCorrelationStore(ddb, fx.outputs.CorrelationTableName!);
    for (const name of ['order.released', 'shipment.dispatched', 'shipment.departed', 'pod.captured', 'sync.failed', 'invoice.posted']) {
      await indexEvent(store, example(name), new Date(), 86_400);
    }
  });

  test('prints the chain of an order across systems with per-hop timings and the POD → invoice cycle time', async () => {
    const result = await lsync(fx.endpointsFile, ['trace', 'SO-1001']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/trace of SO-1001 \(order/);
    for (const type of ['order.released', 'shipment.dispatched', 'shipment.departed', 'pod.captured', 'invoice.posted']) expect(result.stdout).toContain(type);
    expect(result.stdout).toMatch(/erp\/\S+\s+order\.released/);
    expect(result.stdout).toMatch(/POD → invoice cycle time: \d/);
    // Each hop's distinguishing facts in the NOTE column: the invoice's amount, the failed call and its error.
    expect(result.stdout).toMatch(/invoice\.posted .*EUR 20110\.50/);
    expect(result.stdout).toMatch(/sync\.failed .*mark-billing-ready, UpstreamUnavailableError \(503\)/);
    // The dead-lettered ERP call is shown, with the commands that answer it.
    expect(result.stdout).toMatch(/failed \(dead-lettered\) syncs/);
    expect(result.stderr).toContain('lsync dlq show erp-sync --order SO-1001');
  });

  test('resolves a shipment id too, and --json is the trace query module\'s shape', async () => {
    const shipmentId = example('shipment.dispatched').refs.shipmentId!;
    const trace = (await lsync(fx.endpointsFile, ['--json', 'trace', shipmentId])).json<{ matchedAs: { kind: string }[]; correlationIds: string[]; summary: { podToInvoiceMs?: number } }>();
    expect(trace.matchedAs.map((m) => m.kind)).toContain('shipment');
    expect(trace.correlationIds).toEqual(['SO-1001']);
    expect(trace.summary.podToInvoiceMs).toBeGreaterThan(0);
  });

  test('an unknown id is a clear error', async () => {
    const result = await lsync(fx.endpointsFile, ['trace', 'SO-0000']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no order, shipment, route, stop, case, invoice, customer or correlation is known by the id "SO-0000"');
  });
});

describe('lsync replay', () => {
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  beforeAll(async () => {
    const events = new EventBridgeClient({ endpoint: fx.endpoint, region: REGION, credentials: { ...CREDENTIALS } });
    const entry = (type: string, id: string) => ({
      EventBusName: fx.outputs.EventBusName,
      Source: 'logistics-sync.fleet',
      DetailType: type,
      Time: minutesAgo(30),
      Detail: JSON.parse(canonicalEventBody({ eventId: id, eventType: type, orderId: 'SO-7007' })).detail,
    });
    await events.send(
      new PutEventsCommand({
        Entries: [entry('shipment.delivered', 'replay-delivered'), entry('order.released', 'replay-released')].map((e) => ({ ...e, Detail: JSON.stringify(e.Detail) })),
      }),
    );
    events.destroy();
  });

  test('--type selects the rules that accept the type (and the rules that take every type); --dry-run starts nothing', async () => {
    const delivered = (await lsync(fx.endpointsFile, ['--json', 'replay', '--from', '2h', '--to', '15m', '--type', 'shipment.delivered', '--dry-run'])).json<{ rules: string[]; archive: string }>();
    expect(delivered.archive).toBe(fx.outputs.EventArchiveName);
    expect(delivered.rules.some((r) => /DeliveredRule/.test(r))).toBe(true);
    expect(delivered.rules.some((r) => /Everything/.test(r))).toBe(true);
    // The archive's own (AWS-managed) rule is never a destination: that would archive the events twice.
    expect(delivered.rules.some((r) => r.startsWith('Events-Archive-'))).toBe(false);
    const released = (await lsync(fx.endpointsFile, ['--json', 'replay', '--from', '2h', '--to', '15m', '--type', 'order.released', '--dry-run'])).json<{ rules: string[] }>();
    expect(released.rules.some((r) => /DeliveredRule/.test(r))).toBe(false);
    expect(await audits('replay')).toEqual([]);
  });

  test('replays the window from the archive to the bus, so the rule delivers the event again, and audits it', async () => {
    const deliveredQueue = JSON.parse(fx.outputs.LsyncQueueDelivered!) as QueueDiscovery;
    const before = (await peekAll(sqs, deliveredQueue.url)).map(eventIdOf);
    const result = await lsync(fx.endpointsFile, ['--json', 'replay', '--from', '2h', '--to', '1m', '--type', 'shipment.delivered', '--wait', '--reason', 'drill']);
    expect(result.code).toBe(0);
    const replay = result.json<{ state: string; replayName: string; warnings: string[] }>();
    expect(replay.state).toBe('COMPLETED');
    expect(replay.warnings.join(' ')).toMatch(/archive delay/);
    const after = (await peekAll(sqs, deliveredQueue.url)).map(eventIdOf);
    expect(after.filter((id) => id === 'replay-delivered').length).toBe(before.filter((id) => id === 'replay-delivered').length + 1);
    expect(after).not.toContain('replay-released');
    expect(await audits('replay')).toEqual([expect.objectContaining({ status: 'completed', reason: 'drill', what: expect.objectContaining({ replayName: replay.replayName }) })]);
  });

  test('bad windows are refused with a reason', async () => {
    const backwards = await lsync(fx.endpointsFile, ['replay', '--from', '1h', '--to', '2h']);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toMatch(/--to .* must be after --from/);
    const garbage = await lsync(fx.endpointsFile, ['replay', '--from', 'yesterday-ish', '--to', 'now']);
    expect(garbage.stderr).toMatch(/cannot read the time "yesterday-ish"/);
  });

  test('the help states what a replay does not do', async () => {
    const help = await lsync(fx.endpointsFile, ['replay', '--help']);
    expect(help.stdout).toMatch(/RULES/);
    expect(help.stdout).toMatch(/NOT replayed in their original order/);
    expect(help.stdout).toMatch(/Archive delay/);
    expect(help.stdout).toMatch(/cannot select one order/);
  });
});

describe('lsync health', () => {
  test('reports queue and DLQ depths, names the problems, and shows SLI figures CloudWatch has', async () => {
    const erp = JSON.parse(fx.outputs.LsyncQueueErpSync!) as QueueDiscovery;
    await seed(sqs, erp.dlqUrl, [
      { body: canonicalEventBody({ eventId: 'h-1', eventType: 'pod.captured', orderId: 'SO-1001' }), attributes: adapterDlqAttributes({ errorClass: 'UpstreamUnavailable', reason: '503', sourceQueueUrl: erp.url }) },
    ]);
    const cloudwatch = new CloudWatchClient({ endpoint: fx.endpoint, region: REGION, credentials: { ...CREDENTIALS } });
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'LogisticsSync', MetricData: [{ MetricName: 'SyncFailures', Dimensions: [{ Name: 'target', Value: 'erp' }], Value: 3, Unit: 'Count', Timestamp: new Date() }] }),
    );
    // A fleet reconciliation sweep that found two missed updates and published them (its Powertools dimensions).
    const sweep = [{ Name: 'service', Value: 'fleet-reconciliation' }, { Name: 'system', Value: 'fleet' }];
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'LogisticsSync',
        MetricData: ['ReconciliationDriftFound', 'ReconciliationDriftRepaired'].map((MetricName) => ({ MetricName, Dimensions: sweep, Value: 2, Unit: 'Count', Timestamp: new Date() })),
      }),
    );
    cloudwatch.destroy();

    // An alarm notification SNS could not deliver to the on-call email, as SNS leaves it in the subscription's DLQ.
    const undelivered = JSON.parse(fx.outputs.LsyncUndeliveredOnCallUndelivered!) as UndeliveredNotificationsDiscovery;
    await seed(sqs, undelivered.url, [{ body: JSON.stringify({ Type: 'Notification', TopicArn: undelivered.topicArn, Subject: 'ALARM: "erp-sync DLQ"', Message: '{"AlarmName":"x"}' }), attributes: {} }]);

    const report = (await lsync(fx.endpointsFile, ['--json', 'health'])).json<{
      healthy: boolean;
      problems: string[];
      queues: { name: string; dlqDepth: number }[];
      undeliveredNotifications: { name: string; depth: number }[];
      slis: { metric: string; sum?: number; dimensions: Record<string, string> }[];
      reconciliation: { system: string; found: number; repaired: number }[];
    }>();
    expect(report.healthy).toBe(false);
    expect(report.problems).toContain('erp-sync: 1 message(s) in the DLQ → lsync dlq show erp-sync');
    expect(report.problems).toContain('on-call-undelivered: 1 alarm notification(s) SNS could not deliver to the on-call subscription → docs/runbook.md#alarm-notifications-undelivered');
    expect(report.undeliveredNotifications).toEqual([expect.objectContaining({ name: 'on-call-undelivered', depth: 1 })]);
    expect(report.queues.find((q) => q.name === 'erp-sync')).toMatchObject({ dlqDepth: 1 });
    expect(report.slis).toContainEqual(expect.objectContaining({ metric: 'SyncFailures', dimensions: { target: 'erp' }, sum: 3 }));
    expect(report.reconciliation).toEqual([{ system: 'fleet', found: 2, repaired: 2, unreadable: 0, behind: 0 }]);
    expect(report.problems).toContainEqual(expect.stringMatching(/^fleet: reconciliation found 2 missed update\(s\) since .*, 2 repaired → docs\/runbook.md#reconciliation-drift-persists$/));

    const text = await lsync(fx.endpointsFile, ['health']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/3 problem/);
    expect(text.stdout).toMatch(/fleet\s+2\s+2\s+0\s+0/);
    expect(text.stdout).toMatch(/undelivered alarm notifications \(on-call-undelivered\): 1/);
    expect(text.stdout).toMatch(/SyncFailures\s+target=erp/);
  });
});

describe('discovery without the monitoring outputs', () => {
  test('pairs queues with their DLQs from the stack resources, named after their logical ids', async () => {
    const file = await deployInto(fx, synthBareFixture('LS-bare'), 'LS-bare');
    const list = (await lsync(file, ['--json', 'dlq', 'list'])).json<{ dlqs: { name: string; sourceQueue: string }[] }>();
    expect(list.dlqs.map((d) => d.name)).toEqual(['carrier-sync']);
    expect(list.dlqs[0]!.sourceQueue).toMatch(/CarrierSyncQueue/);
    const unknownStack = await lsync(file, ['--stack-name', 'LS-missing', 'dlq', 'list']);
    expect(unknownStack.code).toBe(1);
    expect(unknownStack.stderr).toMatch(/stack LS-missing was not found in the sandbox/);
  });
});
