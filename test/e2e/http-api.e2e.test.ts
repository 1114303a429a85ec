/**
 * The reference scenario with the webhooks on an API Gateway HTTP API (stage setting `webhooks.api: "http"`): a
 * sandbox of its own, started as `npm start -- --webhook-api http` starts it. The simulated vendors post to the
 * HTTP API's stage URL (the product's `WebhookBaseUrl` output), the local API server serves the template's
 * AWS::ApiGatewayV2 routes with HTTP API's behaviour, and the same inbound functions take its payload format 1.0.
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
  sandbox = await startSandbox({ workDir: path.join(PROJECT_ROOT, '.sandbox', 'e2e', String(process.pid)), webhookApi: 'http', log: (line) => lines.push(line) });
  report = await runScenario(sandbox, undefined, { log: (line) => lines.push(line) });
}, 400_000);

afterAll(async () => {
  await sandbox?.stop();
});

const webhookApi = () => sandbox.apis.find((api) => api.spec.stackName === sandbox.endpoints.stackName && api.spec.protocol === 'HTTP');

test('the stage serves its webhooks from an HTTP API: no webhook REST API, the vendors post to the HTTP API\'s stage', () => {
  expect(sandbox.config.webhooks.api).toBe('http');
  const api = webhookApi();
  expect(api, 'the product has no HTTP API').toBeDefined();
  expect(api!.spec.methods.map((m) => `${m.httpMethod} ${m.resourcePath}`)).toContain('POST /webhooks/fleet/samsara');
  const restWebhooks = sandbox.apis.filter((a) => a.spec.protocol !== 'HTTP' && a.spec.methods.some((m) => m.resourcePath.startsWith('/webhooks')));
  expect(restWebhooks).toEqual([]);
  expect(sandbox.endpoints.webhookBaseUrl).toBe(api!.stageUrl().replace(/\/$/, ''));
});

test('the reference scenario passes with the webhooks on the HTTP API', () => {
  expect(report.firstFailure, lines.join('\n')).toBeUndefined();
  expect(report.ok).toBe(true);
  expect(report.steps.filter((s) => s.status === 'skipped')).toEqual([]);
  // Every webhook of the scenario went through it.
  expect(webhookApi()!.stats.requests).toBeGreaterThanOrEqual(10);
});

test('what the gateway answers itself is HTTP API\'s; an unsigned webhook reaches the function and is refused there', async () => {
  const base = sandbox.endpoints.webhookBaseUrl!;
  const unknown = await fetch(`${base}/webhooks/fleet/not-a-dialect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toEqual({ message: 'Not Found' });
  // An HTTP API has no request validator: the missing signature is the function's to refuse (the REST API's is 401 at the gateway).
  const unsigned = await fetch(`${base}/webhooks/fleet/samsara`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"eventId":"e2e-unsigned","eventType":"AlertIncident"}' });
  expect(unsigned.status).toBe(401);
  expect(await unsigned.json()).toMatchObject({ error: 'invalid-signature' });
});
