import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { SandboxEndpoints } from '../../sandbox/endpoints';
import { assignmentsOfShipment } from '../../sandbox/scenario/helpers';
import { FIXTURE_STACK_NAME } from './fixtures/fixture-stack';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ShipmentView } from '../../lambdas/visibility/shipment-view';
import { decodeView, VIEW_ATTRIBUTE } from '../../lambdas/visibility/view-codec';

/** The sandbox the global setup started. */
export function sandbox(): SandboxEndpoints {
  return inject('sandbox');
}

/** AWS SDK client configuration for the sandbox (Step Functions goes to the local Step Functions API). */
export function aws(service: 'sfn' | 'default' = 'default'): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  const endpoints = sandbox();
  return {
    endpoint: service === 'sfn' ? endpoints.sfnEndpoint : endpoints.awsEndpoint,
    region: endpoints.region,
    credentials: { accessKeyId: endpoints.env.AWS_ACCESS_KEY_ID!, secretAccessKey: endpoints.env.AWS_SECRET_ACCESS_KEY! },
  };
}

/** Outputs of the fixture stack (queue URLs, bus, table, state machine, API). */
export function fixture(): Readonly<Record<string, string>> {
  return sandbox().outputs[FIXTURE_STACK_NAME]!;
}

/** Reads the sandbox's control API (see sandbox/control.ts). */
export async function control<T>(route: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const response = await fetch(`${sandbox().controlEndpoint}${route}`, { method });
  if (!response.ok) throw new Error(`control ${route}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Local URL (with stage, trailing slash) of the fixture's REST API. */
export function fixtureApi(): string {
  const [, api] = Object.entries(sandbox().apis).find(([key]) => key.startsWith(`${FIXTURE_STACK_NAME}/`))!;
  return api.url;
}

/** A vendor simulator's side of the sandbox: its API and its `/__sim` control plane. */
export type SimulatedSystem = 'erp' | 'fleet' | 'cs';

/** Calls a simulator over HTTP (e.g. `/__sim/actions/...`, `/__sim/calls`); throws on a non-2xx answer. */
export async function sim<T>(system: SimulatedSystem, method: string, path: string, body?: unknown): Promise<T> {
  const base = sandbox().simulators?.[system];
  if (!base) throw new Error('the sandbox runs without simulators');
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${system} ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The asset assignments the correlation index holds for a shipment (sandbox/scenario/helpers.ts). */
export async function assignmentsOf(shipmentId: string): Promise<Record<string, unknown>[]> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(aws()));
  try {
    return await assignmentsOfShipment(client, sandbox().outputs[sandbox().stackName]!.CorrelationTableName!, shipmentId);
  } finally {
    client.destroy();
  }
}

/**
 * The `order.released` data of the e2e tests' cold-chain order for customer C-77: 40 cases of vaccine at 2–8 °C from
 * the Rotterdam DC to C-77's Utrecht dock, due 4 to 8 hours after `now` (epoch ms).
 */
export function chilledOrderOfC77(now: number) {
  return {
    lines: [{ lineNumber: 10, sku: 'VAC-FLU-25', quantity: 40, unit: 'CS' }],
    temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
    deliveryWindow: { from: new Date(now + 4 * 3_600_000).toISOString(), to: new Date(now + 8 * 3_600_000).toISOString() },
    shipFrom: { locationId: 'DC-01', name: 'Central DC Rotterdam', coordinates: { latitude: 51.8856, longitude: 4.4236 } },
    shipTo: { locationId: 'C-77-DOCK-1', name: 'C-77 Utrecht receiving dock', coordinates: { latitude: 52.1093, longitude: 5.0708 } },
  };
}

/** The view on a shipment's state item as GetItem returns it (the compressed form lambdas/visibility/view-codec.ts writes). */
export function storedView(item: Record<string, AttributeValue> | undefined): ShipmentView | undefined {
  const stored = item?.[VIEW_ATTRIBUTE]?.B;
  return stored ? decodeView(stored) : undefined;
}
