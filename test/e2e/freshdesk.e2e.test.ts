/**
 * The reference scenario with Freshdesk as the customer-service platform (issue 13): a sandbox of its own, started
 * as `npm start -- --systems cs=freshdesk` starts it, runs every step of sandbox/scenario/ against the Freshdesk
 * simulator (held to contracts/freshdesk/openapi.json; its automation rules send the documented webhooks), then
 * checks the Freshdesk side: the calls our client made, the closed ticket left alone, the follow-up ticket, and
 * the case events recorded as coming from Freshdesk.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import { runScenario, type ScenarioReport } from '../../sandbox/scenario/reference';

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
