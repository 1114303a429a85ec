/**
 * The reference scenario with Freshdesk as the customer-service platform (issue 13): a sandbox of its own, started
 * as `npm start -- --systems cs=freshdesk` starts it, runs every step of sandbox/scenario/ against the Freshdesk
 * simulator (held to contracts/freshdesk/openapi.json; its automation rules send the documented webhooks), then
 * checks the Freshdesk side: the calls our client made, the closed ticket left alone, the follow-up ticket, and
 * the case events recorded as coming from Freshdesk.
 */
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import { runScenario, type ScenarioReport } from '../../sandbox/scenario/reference';
import { chilledOrderOfC77, eventually, storedView } from './support';

let sandbox: Sandbox;
let report: ScenarioReport;
const lines: string[] = [];

beforeAll(async () => {
  // Under .sandbox/e2e/<pid> like the shared sandbox (this worker's pid): the next run's global setup removes it.
  sandbox = await startSandbox({ workDir: path.join(PROJECT_ROOT, '.sandbox', 'e2e', String(process.pid)), systems: { cs: 'freshdesk' }, log: (line) => lines.push(line) });
  report = await runScenario(sandbox, undefined, { log: (line) => lines.push(line) });
}, 400_000);

afterAll(async () => {
  await sandbox?.stop();
});

test('the stage calls Freshdesk: vendor, pacing within its documented limit, the simulator\'s URL', () => {
  expect(sandbox.config.systems.cs.vendor).toBe('freshdesk');
  expect(sandbox.config.systems.cs.outbound.rateLimitPerSecond * 60).toBeLessThanOrEqual(80);
  expect(sandbox.simulators!.csVendor).toBe('freshdesk');
  expect(sandbox.simulators!.urls.cs).toBe(sandbox.simulators!.freshdesk.url);
});

test('the reference scenario passes with CS = Freshdesk', () => {
  expect(report.firstFailure, lines.join('\n')).toBeUndefined();
  expect(report.ok).toBe(true);
  expect(report.steps.filter((s) => s.status === 'skipped')).toEqual([]);
});

test('Freshdesk got only requests its contract accepts, and the product never touched Zendesk', () => {
  const calls = sandbox.simulators!.freshdesk.calls;
  expect(new Set(calls.map((c) => c.contract?.operationId))).toEqual(new Set(['FilterTickets', 'CreateTicket', 'ViewTicket', 'CreateNote', 'UpdateTicket'].filter((id) => calls.some((c) => c.contract?.operationId === id))));
  expect(calls.filter((c) => !c.contract?.operationId || c.contract.errors.length > 0)).toEqual([]);
  expect(calls.some((c) => c.contract?.operationId === 'CreateTicket')).toBe(true);
  expect(sandbox.simulators!.cs.calls).toEqual([]);
});

test('the exception ticket was resolved and closed in Freshdesk; the invoice and POD went to a follow-up naming it, with the shipment field', () => {
  const { tickets } = sandbox.simulators!.freshdesk.snapshot();
  const [closed, followUp] = [...tickets].sort((a, b) => a.id - b.id);
  expect(closed).toMatchObject({ status: 5, priority: 3, custom_fields: { cf_lsync_shipment_id: 'SHP-1001-01' } });
  expect(followUp).toMatchObject({ status: 2, custom_fields: { cf_lsync_shipment_id: 'SHP-1001-01' }, tags: expect.arrayContaining(['lsync-follow-up', 'invoice-posted']) });
  expect(followUp!.description_text).toMatch(new RegExp(`^Follow-up of closed ticket #${closed!.id}\\.`));
  expect(followUp!.description_text).toMatch(/Invoice INV-\d+/);
  expect(followUp!.description_text).toMatch(/Proof of delivery/);
});

test('the case events from customer service name Freshdesk as their source', () => {
  const fromCs = sandbox.busTap.events().filter((e) => (e.detail as { metadata?: { source?: { system?: string } } }).metadata?.source?.system === 'cs');
  expect(fromCs.length).toBeGreaterThan(0);
  expect(new Set(fromCs.map((e) => (e.detail as { metadata: { source: { vendor: string } } }).metadata.source.vendor))).toEqual(new Set(['freshdesk']));
  expect(fromCs.map((e) => e['detail-type'])).toEqual(expect.arrayContaining(['case.resolved', 'case.updated']));
});

test('each resolution the rules sent was published as the fact the ticket\'s stats record (the time and id the CS sweep would restore it with)', () => {
  const { tickets } = sandbox.simulators!.freshdesk.snapshot();
  const closed = [...tickets].sort((a, b) => a.id - b.id)[0]!;
  const resolutions = sandbox.busTap
    .events()
    .filter((e) => e['detail-type'] === 'case.resolved' && (e.detail as { refs: { caseId?: string } }).refs.caseId === String(closed.id))
    .map((e) => e.detail as { metadata: { eventId: string; occurredAt: string }; data: { status: string } });
  expect(resolutions.map((r) => [r.data.status, r.metadata.occurredAt]).sort()).toEqual(
    [
      ['closed', closed.stats.closed_at],
      ['solved', closed.stats.resolved_at],
    ].sort(),
  );
  // The intake read the ticket with its stats (View a Ticket, include=stats) for each of them.
  const reads = sandbox.simulators!.freshdesk.calls.filter((c) => c.contract?.operationId === 'ViewTicket' && c.query.include === 'stats');
  expect(reads.length).toBeGreaterThanOrEqual(2);
});

test('a ticket resolved in Freshdesk whose status webhook is lost for good is restored by the next CS sweep from its stats: the waiting workflow is released; the late original is the same event', { timeout: 300_000 }, async () => {
  const shipmentId = 'SHP-1001-41';
  const orderId = 'SO-1001';
  const { endpoints } = sandbox;
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.awsEndpoint, region: endpoints.region, credentials: { accessKeyId: endpoints.env.AWS_ACCESS_KEY_ID!, secretAccessKey: endpoints.env.AWS_SECRET_ACCESS_KEY! } });
  const table = endpoints.outputs[endpoints.stackName]!.CorrelationTableName!;
  const item = async (pk: string, sk: string) => (await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } } }))).Item;
  type Detail = { metadata: { eventId: string; occurredAt: string }; refs: Record<string, string> };
  const busEvents = (type: string) => sandbox.busTap.events().filter((e) => e['detail-type'] === type && (e.detail as Detail).refs.shipmentId === shipmentId).map((e) => e.detail as Detail);
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false) => eventually(async () => (await probe()) || undefined, 120_000, what) as Promise<T>;
  const simulate = async (system: 'erp' | 'fleet', action: string, body: unknown) => {
    const response = await fetch(`${sandbox.simulators!.urls[system]}/__sim/actions/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.ok, await response.clone().text()).toBe(true);
  };

  // Released, dispatched and in flight; then a temperature excursion: the workflow opens a Freshdesk ticket and waits.
  const now = Date.now();
  await simulate('erp', 'sendCanonical', {
    event: {
      eventId: `release-${shipmentId}-${now}`,
      eventType: 'order.released',
      occurredAt: new Date(now).toISOString(),
      correlationId: orderId,
      refs: { orderId, shipmentId, customerId: 'C-77' },
      data: chilledOrderOfC77(now),
    },
  });
  await waitFor('shipment.dispatched', () => busEvents('shipment.dispatched').length > 0);
  await waitFor('the shipment in flight in the index', async () => (await item(`SHIPMENT#${shipmentId}`, 'STATE'))?.inFlightPk?.S === 'IN-FLIGHT');
  await simulate('fleet', 'sendCanonical', {
    event: {
      eventId: `excursion-${shipmentId}-${now}`,
      eventType: 'shipment.exception-raised',
      occurredAt: new Date(now - 25 * 60_000).toISOString(),
      correlationId: orderId,
      refs: { orderId, shipmentId },
      data: { kind: 'temperature-excursion', reportedSeverity: 'high', readingCelsius: 11.5, peakCelsius: 11.5, limits: { maxCelsius: 8 }, durationMinutes: 25 },
    },
  });
  const exception = await waitFor('shipment.exception-raised', () => busEvents('shipment.exception-raised')[0]);
  const opened = await waitFor('case.opened', () => busEvents('case.opened')[0]);
  const caseId = opened.refs.caseId!;
  await waitFor('the case open in the shipment view', async () => storedView(await item(`SHIPMENT#${shipmentId}`, 'STATE'))?.cases[caseId]?.status === 'open');
  const workflow = () => item(`CORR#${orderId}`, `WF#temperature-excursion#${exception.metadata.eventId}`);
  await waitFor('the workflow waiting for its case', async () => (await workflow())?.status?.S === 'open');

  // An agent resolves the ticket; its status webhook never arrives.
  const freshdesk = sandbox.simulators!.freshdesk;
  freshdesk.abandonWebhooks({ eventType: 'ticket.status_changed', bodyIncludes: shipmentId });
  const deliveries = await freshdesk.resolveTicket(Number(caseId));
  const lost = deliveries.find((d) => d.abandoned)!;
  expect(lost).toBeDefined();
  expect(busEvents('case.resolved')).toEqual([]);

  // The next CS sweep reads the ticket with its stats and publishes the resolution they record.
  await sandbox.schedules.fire('CsReconciliation');
  const restored = await waitFor('the restored case.resolved', () => busEvents('case.resolved')[0]);
  const stats = freshdesk.snapshot().tickets.find((t) => t.id === Number(caseId))!.stats;
  expect(restored.metadata.occurredAt).toBe(stats.resolved_at);
  await waitFor('the workflow released by the restored resolution', async () => (await workflow())?.status?.S === 'resolved');

  // The original arrives late after all: the intake reads the same stats and builds the same event (a duplicate).
  const late = await freshdesk.redeliver(lost.id, {});
  expect(late.status).toBe(202);
  expect(JSON.parse(late.attempts.at(-1)!.responseBody!)).toEqual({ status: 'accepted', eventIds: [restored.metadata.eventId] });
  await waitFor('the late resolution on the bus', () => busEvents('case.resolved').length === 2);
  expect(new Set(busEvents('case.resolved').map((e) => e.metadata.eventId))).toEqual(new Set([restored.metadata.eventId]));
  dynamodb.destroy();
});
