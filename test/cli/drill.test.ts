/**
 * The failure drill (docs/architecture.md, "Reference scenario"), run through `lsync` against a whole sandbox of its own (moto, the product
 * stack, the local runtime and the simulated ERP, fleet and CS systems): the ERP answers 503 during step 6
 * → the POD's billing-ready call is retried, then dead-lettered → `lsync dlq list` names SO-1001 →
 * `lsync dlq redrive erp-sync --order SO-1001` → billing-ready is processed exactly once, the invoice
 * follows, and the redrive is audited.
 *
 * Its own sandbox (own work directory, ports and emulator), so that the order's calls are not shared with the
 * e2e tests that run the reference scenario on SO-1001 in the shared sandbox.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox';
import { lsync } from './support/run-cli';

const ORDER = 'SO-1001';
const SHIPMENT = 'SHP-1001-01';
const ROUTE = `logisticsSync.shipment:${ORDER}~${SHIPMENT}`;
const BILLING_READY = `/orders/${ORDER}/billing-ready`;

let sandbox: Sandbox;
let endpointsFile: string;

beforeAll(async () => {
  const workDir = path.join(PROJECT_ROOT, '.sandbox', 'lsync-drill');
  sandbox = await startSandbox({ workDir, log: () => undefined });
  endpointsFile = path.join(workDir, 'endpoints.json');
}, 300_000);

afterAll(async () => {
  await sandbox?.stop();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const sims = () => sandbox.simulators!;
/** Billing-ready calls the ERP accepted (2xx), not counting answers replayed for a repeated idempotency key. */
const billingReadyDone = () => sims().erp.callsTo('POST', BILLING_READY).filter((c) => c.status !== null && c.status >= 200 && c.status < 300 && !(c as { replayed?: boolean }).replayed);
const erpStatuses = () => sims().erp.callsTo('PUT', `/shipments/${SHIPMENT}/status`).filter((c) => c.status === 200).map((c) => (c.body as { status: string }).status);

describe('the failure drill (docs/architecture.md, "Reference scenario") through lsync', () => {
  test('ERP 503 → DLQ → dlq list names SO-1001 → redrive --order SO-1001 → processed exactly once, audited', { timeout: 300_000 }, async () => {
    expect(sims(), 'the sandbox runs the simulators').toBeDefined();

    // Steps 1–3: release, dispatch, departure.
    await sims().erp.releaseOrder(ORDER);
    await waitFor('the route in the fleet system', () => sims().fleet.callsTo('POST', '/fleet/routes').some((c) => JSON.stringify(c.body).includes(SHIPMENT)), 60_000);
    await sims().fleet.departStop(ROUTE, 0);
    await waitFor('ERP status in-transit', () => erpStatuses().includes('in-transit'), 60_000);

    // Step 6 while the ERP is in maintenance for billing: arrival and POD.
    const fault = sims().erp.setFault({ kind: 'error', status: 503, path: BILLING_READY });
    await sims().fleet.arriveAtStop(ROUTE);
    await sims().fleet.submitProofOfDelivery(ROUTE);

    // Retries with backoff, then the DLQ: lsync names the order.
    const list = await waitFor(
      'SO-1001 in the erp-sync DLQ',
      async () => {
        const result = await lsync(endpointsFile, ['--json', 'dlq', 'list']);
        const erp = result.json<{ dlqs: { name: string; depth: number; affected: { orderId?: string[] }; errorClasses: Record<string, number> }[] }>().dlqs.find((d) => d.name === 'erp-sync');
        return erp?.affected.orderId?.includes(ORDER) ? erp : undefined;
      },
      180_000,
    );
    expect(list.errorClasses).toMatchObject({ UpstreamUnavailable: expect.any(Number) });
    expect(sims().erp.callsTo('POST', BILLING_READY).filter((c) => c.status === 503).length).toBeGreaterThanOrEqual(2);
    expect(billingReadyDone()).toEqual([]);

    const table = await lsync(endpointsFile, ['dlq', 'list']);
    expect(table.stdout).toMatch(/erp-sync\s+\d+/);
    expect(table.stdout).toContain(ORDER);
    const shown = (await lsync(endpointsFile, ['--json', 'dlq', 'show', 'erp-sync', '--order', ORDER])).json<{ messages: { eventType: string; errorClass: string; reason: string; refs: { shipmentId?: string } }[] }>();
    expect(shown.messages).toEqual(
      expect.arrayContaining([expect.objectContaining({ eventType: 'pod.captured', errorClass: 'UpstreamUnavailable', reason: expect.stringMatching(/503/), refs: expect.objectContaining({ shipmentId: SHIPMENT }) })]),
    );

    // The ERP is back: redrive exactly that order.
    sims().erp.clearFaults(fault.id);
    const redrive = await lsync(endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--order', ORDER, '--reason', 'ERP maintenance over']);
    expect(redrive.code, redrive.stderr).toBe(0);
    const summary = redrive.json<{ auditId: string; counts: { matched: number; redriven: number; failed: number } }>();
    expect(summary.counts.redriven).toBe(summary.counts.matched);
    expect(summary.counts.failed).toBe(0);

    // Processed exactly once: one successful billing-ready, then the invoice and the CS-free rest of the chain.
    await waitFor('billing-ready accepted', () => billingReadyDone().length > 0, 60_000);
    const trace = await waitFor(
      'invoice.posted in the trace',
      async () => {
        const result = await lsync(endpointsFile, ['--json', 'trace', ORDER]);
        if (result.code !== 0) return undefined;
        const t = result.json<{ timeline: { eventType: string }[]; summary: { podToInvoiceMs?: number } }>();
        return t.timeline.some((h) => h.eventType === 'invoice.posted') ? t : undefined;
      },
      60_000,
    );
    expect(trace.summary.podToInvoiceMs).toBeGreaterThan(0);
    // The dead-lettered hop is history now: the trace no longer lists it as failed or suggests a redrive.
    const after = (await lsync(endpointsFile, ['--json', 'trace', ORDER])).json<{ failed: unknown[]; recovered: { target: string }[] }>();
    expect(after.failed).toEqual([]);
    expect(after.recovered.map((r) => r.target)).toContain('erp');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(billingReadyDone()).toHaveLength(1);
    expect((await lsync(endpointsFile, ['--json', 'dlq', 'show', 'erp-sync', '--order', ORDER])).json<{ messages: unknown[] }>().messages).toEqual([]);

    // A second redrive finds nothing of the order: nothing is processed twice.
    const again = (await lsync(endpointsFile, ['--json', 'dlq', 'redrive', 'erp-sync', '--order', ORDER])).json<{ counts: { matched: number } }>();
    expect(again.counts.matched).toBe(0);

    // The audit item: who, when, what, how many.
    const printed = await lsync(endpointsFile, ['trace', ORDER]);
    expect(printed.stdout).toMatch(/POD → invoice cycle time: /);
    const { QueryCommand, DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: sandbox.endpoints.awsEndpoint, region: sandbox.endpoints.region, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } }));
    const { Items = [] } = await ddb.send(
      new QueryCommand({
        TableName: sandbox.endpoints.outputs[sandbox.endpoints.stackName]!.CorrelationTableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `AUDIT#${new Date().toISOString().slice(0, 10)}` },
      }),
    );
    expect(Items.find((i) => i.auditId === summary.auditId)).toMatchObject({
      action: 'dlq.redrive',
      status: 'completed',
      who: { user: 'test-operator' },
      reason: 'ERP maintenance over',
      what: { dlq: 'erp-sync', selector: `orderId=${ORDER}` },
      result: { counts: { redriven: summary.counts.redriven }, affected: { orderId: [ORDER] } },
    });
  });
});
