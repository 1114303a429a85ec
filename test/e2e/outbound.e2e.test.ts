/**
 * Issue 5 end to end, in the sandbox: the simulated ERP, fleet and CS systems drive the reference
 * scenario through the product's webhooks, and we check what the simulators received from our outbound
 * adapters — call by call — plus the correlation index and the trace. Every webhook is delivered twice.
 *
 * Orders: SO-1001 runs the reference steps 1–3 and 6–8; SO-1002 the out-of-order delivery and the ERP-500
 * drill; SO-1003 the 60 s ERP maintenance window.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { traceById } from '../../lambdas/trace/trace-query';
import { aws, eventually, sandbox, sim, type SimulatedSystem as System } from './support';
import { routeExternalRef } from '../../lambdas/shared/fleet-external-ids';

interface CallRecord {
  method: string;
  path: string;
  body: unknown;
  status: number | null;
  idempotencyKey: string | null;
  replayed?: boolean;
  /** The vendor contract's verdict on the request (and on the simulator's answer). */
  contract?: { operationId?: string; errors: string[]; responseErrors?: string[] };
}
interface Delivery {
  id: string;
  status: number | null;
}

const dynamodb = new DynamoDBClient(aws());
const sqs = new SQSClient(aws());
afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
});

/** Runs a vendor-side action and delivers its webhook a second time (a vendor retry). */
async function twice(system: System, action: string, args: Record<string, unknown>): Promise<Delivery> {
  const { result } = await sim<{ result: Delivery }>(system, 'POST', `/__sim/actions/${action}`, args);
  expect(result.status, `${system} ${action} webhook`).toBe(202);
  const { webhook } = await sim<{ webhook: Delivery }>(system, 'POST', `/__sim/webhooks/${result.id}/redeliver`, {});
  expect(webhook.status, `${system} ${action} redelivery`).toBe(202);
  return result;
}

async function calls(system: System, method: string, pattern: string): Promise<CallRecord[]> {
  return (await sim<{ calls: CallRecord[] }>(system, 'GET', `/__sim/calls?method=${method}&path=${encodeURIComponent(pattern)}`)).calls;
}

/** ERP status updates for a shipment, answered ones only (a 503/500 attempt is not a status change). */
async function erpStatuses(shipmentId: string): Promise<string[]> {
  return (await calls('erp', 'PUT', `/shipments/${shipmentId}/status`)).filter((c) => c.status === 200).map((c) => (c.body as { status: string }).status);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  return eventually(async () => (await probe()) || undefined, timeoutMs, what) as Promise<T>;
}

function output(name: string): string {
  const value = sandbox().outputs[sandbox().stackName]?.[name];
  if (!value) throw new Error(`the product stack has no output ${name}`);
  return value;
}

/** The DLQ URL of a work queue, from the lsync discovery outputs. */
function dlqUrl(queueName: string): string {
  for (const [key, value] of Object.entries(sandbox().outputs[sandbox().stackName] ?? {})) {
    if (!key.startsWith('LsyncQueue')) continue;
    const discovery = JSON.parse(value) as { name: string; dlqUrl: string };
    if (discovery.name === queueName) return discovery.dlqUrl;
  }
  throw new Error(`no discovery output for queue ${queueName}`);
}

const routeRef = (orderId: string, shipmentId: string) => routeExternalRef(orderId, shipmentId);

/** Releases an order (twice) and waits until the fleet has its route and the ERP its "dispatched" status. */
async function releaseAndDispatch(orderId: string, shipmentId: string): Promise<void> {
  await twice('erp', 'releaseOrder', { orderId });
  await waitFor(`a route for ${orderId}`, async () => (await calls('fleet', 'POST', '/fleet/routes')).some((c) => JSON.stringify(c.body).includes(shipmentId)));
  await waitFor(`ERP status dispatched for ${shipmentId}`, async () => (await erpStatuses(shipmentId)).includes('dispatched'));
}

describe('outbound sync in the sandbox (issue 5)', () => {
  test('reference steps 1–3 and 6–8: each system gets exactly the expected calls, once, although every webhook came twice', { timeout: 120_000 }, async () => {
    const orderId = 'SO-1001';
    const shipmentId = 'SHP-1001-01';
    // Steps 1–2: release → one route in the fleet system, whose route and stops carry our ids.
    await releaseAndDispatch(orderId, shipmentId);
    const routes = (await calls('fleet', 'POST', '/fleet/routes')).filter((c) => JSON.stringify(c.body).includes(shipmentId));
    expect(routes).toHaveLength(1);
    expect(routes[0].body).toMatchObject({ externalIds: { 'logisticsSync.shipment': `${orderId}~${shipmentId}` } });

    // A ticket for the shipment, as the exception workflow (step 4, not run here) would have opened it.
    const token = sandbox().systemSecrets['logistics-sync/sandbox/cs']?.apiToken;
    const created = await fetch(`${sandbox().simulators!.cs}/api/v2/tickets.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ticket: { subject: `Temperature excursion on ${shipmentId}`, comment: { body: 'test' }, priority: 'high', external_id: shipmentId } }),
    });
    expect(created.status).toBe(201);
    const ticketId = String(((await created.json()) as { ticket: { id: number } }).ticket.id);

    // Step 3: departure from the DC → ERP "in transit".
    await twice('fleet', 'departStop', { route: routeRef(orderId, shipmentId), stop: 0 });
    await waitFor('ERP status in-transit', async () => (await erpStatuses(shipmentId)).includes('in-transit'));

    // Step 6: arrival + POD → ERP delivered + billing-ready → the ERP posts the invoice → the CS ticket gets POD and invoice.
    await twice('fleet', 'arriveAtStop', { route: routeRef(orderId, shipmentId) });
    await waitFor('ERP status arrived', async () => (await erpStatuses(shipmentId)).includes('arrived'));
    await twice('fleet', 'submitProofOfDelivery', { route: routeRef(orderId, shipmentId) });
    const update = await waitFor('the CS ticket update', async () => (await calls('cs', 'PUT', `/api/v2/tickets/${ticketId}.json`))[0], 30_000);
    const comment = (update.body as { ticket: { comment: { body: string } } }).ticket.comment.body;
    expect(comment).toMatch(/Invoice INV-\d+ .*posted for order SO-1001, shipment SHP-1001-01/);
    expect(comment).toMatch(/Proof of delivery: \S+ at \d{4}-/);

    // Step 7: a late departure after the delivery.
    const lateDepartureAt = Date.now() - 3_600_000;
    await twice('fleet', 'departStop', { route: routeRef(orderId, shipmentId), stop: 0, at: new Date(lateDepartureAt).toISOString() });

    // Step 8: the trace shows the whole chain, with timings and the POD-to-invoice cycle.
    const trace = await waitFor(
      'a trace with the late departure',
      async () => {
        const t = await traceById(dynamodb, output('CorrelationTableName'), orderId);
        const lateOne = t?.timeline.some((h) => h.late && h.refs.shipmentId === shipmentId && Date.parse(h.occurredAt) === lateDepartureAt);
        return t && lateOne && t.timeline.some((h) => h.eventType === 'invoice.posted') ? t : undefined;
      },
      20_000,
    );
    // Other e2e files run their own shipments of SO-1001 (the exception workflows): this one is delivered.
    expect(trace.shipments.find((s) => s.shipmentId === shipmentId)).toEqual(expect.objectContaining({ shipmentId, milestone: 'delivered', rank: 5 }));
    const types = new Set(trace.timeline.map((h) => h.eventType));
    for (const type of ['order.released', 'shipment.dispatched', 'shipment.departed', 'shipment.status-synced', 'shipment.arrived', 'shipment.delivered', 'pod.captured', 'invoice.ready', 'invoice.posted']) {
      expect(types, type).toContain(type);
    }
    // The late departure is flagged late, and nothing after it in the chain is. (Other tests' shipments of SO-1001 are
    // in this trace too: only this shipment's hops count. A departure of this shipment received before its arrival but
    // indexed after it, its indexing retried, is out of order, not late: the flag means received after a later one.)
    const late = trace.timeline.filter((h) => h.late && h.refs.shipmentId === shipmentId);
    const described = JSON.stringify(late.map((h) => ({ eventId: h.eventId, eventType: h.eventType, occurredAt: h.occurredAt, receivedAt: h.receivedAt })));
    expect(late.filter((h) => h.eventType === 'shipment.departed' && Date.parse(h.occurredAt) === lateDepartureAt), described).toHaveLength(1);
    expect(late.filter((h) => h.eventType !== 'shipment.departed'), described).toEqual([]);
    expect(trace.summary.podToInvoiceMs).toBeGreaterThan(0);
    expect(trace.failed).toEqual([]);
    // The same through GET /trace/{id} (the sandbox accepts AWS_IAM requests without a signature check).
    const [, traceApi] = Object.entries(sandbox().apis).find(([key]) => key.includes('TraceApi'))!;
    const viaApi = await fetch(`${traceApi.url}trace/${shipmentId}`);
    expect(viaApi.status).toBe(200);
    // Other e2e files may add hops to SO-1001 meanwhile: the API's timeline holds every hop read above, as read.
    const hopKey = (h: { eventId: string; eventType: string; occurredAt: string }) => `${h.eventId} ${h.eventType} ${h.occurredAt}`;
    const viaApiHops = new Set(((await viaApi.json()) as { timeline: (typeof trace.timeline)[number][] }).timeline.map(hopKey));
    expect(trace.timeline.map(hopKey).filter((k) => !viaApiHops.has(k))).toEqual([]);
    expect((await fetch(`${traceApi.url}trace/SO-0000`)).status).toBe(404);

    // Exactly once each: one status per milestone (none backwards), one billing-ready, one ticket update.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await erpStatuses(shipmentId)).toEqual(['dispatched', 'in-transit', 'arrived', 'delivered']);
    // This shipment's (other e2e files deliver shipments of SO-1001 of their own).
    expect((await calls('erp', 'POST', `/orders/${orderId}/billing-ready`)).filter((c) => !c.replayed && (c.body as { shipmentId?: string } | undefined)?.shipmentId === shipmentId)).toHaveLength(1);
    expect(await calls('cs', 'PUT', `/api/v2/tickets/${ticketId}.json`)).toHaveLength(1);
    expect((await calls('fleet', 'POST', '/fleet/routes')).filter((c) => JSON.stringify(c.body).includes(shipmentId))).toHaveLength(1);

    // Every request the product made to the simulated vendors so far was one their published contracts accept.
    for (const system of ['erp', 'fleet', 'cs'] as const) {
      const checked = (await calls(system, '*', '/**')).filter((c) => c.contract?.operationId);
      expect(checked.length, `${system}: calls checked against its contract`).toBeGreaterThan(0);
      expect(checked.filter((c) => c.contract!.errors.length > 0 || (c.contract!.responseErrors?.length ?? 0) > 0).map((c) => `${c.method} ${c.path}: ${c.contract!.errors.join('; ')}`)).toEqual([]);
    }
  });

  test('out-of-order delivery leaves the right final state; ERP 500s beyond the retry budget end in the DLQ with the reason', { timeout: 120_000 }, async () => {
    const orderId = 'SO-1002';
    const shipmentId = 'SHP-1002-01';
    await releaseAndDispatch(orderId, shipmentId);
    // The arrival reaches us before the departure.
    await twice('fleet', 'arriveAtStop', { route: routeRef(orderId, shipmentId) });
    await waitFor('ERP status arrived', async () => (await erpStatuses(shipmentId)).includes('arrived'));
    await twice('fleet', 'departStop', { route: routeRef(orderId, shipmentId), stop: 0, at: new Date(Date.now() - 600_000).toISOString() });
    const late = await waitFor('the departure indexed as late', async () => {
      const t = await traceById(dynamodb, output('CorrelationTableName'), shipmentId);
      return t?.timeline.find((h) => h.eventType === 'shipment.departed' && h.late) ? t : undefined;
    });
    expect(late.shipments[0]).toMatchObject({ milestone: 'arrived' });
    expect(await erpStatuses(shipmentId)).toEqual(['dispatched', 'arrived']);

    // The ERP answers 500 to billing-ready, longer than the retry budget.
    await sim('erp', 'POST', '/__sim/faults', { kind: 'error', status: 500, path: `/orders/${orderId}/billing-ready` });
    try {
      await twice('fleet', 'submitProofOfDelivery', { route: routeRef(orderId, shipmentId) });
      const dead = await waitFor(
        'the POD in the erp-sync DLQ',
        async () => {
          const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl('erp-sync'), MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: 1 }));
          return Messages?.find((m) => m.Body?.includes(shipmentId) && m.Body.includes('pod.captured'));
        },
        60_000,
      );
      expect(dead.MessageAttributes?.[DLQ_ATTRIBUTES.errorClass]?.StringValue).toBe('UpstreamUnavailable');
      expect(dead.MessageAttributes?.[DLQ_ATTRIBUTES.errorReason]?.StringValue).toMatch(/500 to POST \/orders\/SO-1002\/billing-ready/);
      const trace = await waitFor('the failed hop in the trace', async () => {
        const t = await traceById(dynamodb, output('CorrelationTableName'), orderId);
        return t?.failed.length ? t : undefined;
      });
      expect(trace.failed[0]).toMatchObject({ target: 'erp', operation: 'mark-billing-ready', httpStatus: 500, deadLettered: true });
      expect(trace.pending).toEqual(expect.arrayContaining([expect.objectContaining({ afterEventType: 'pod.captured', expected: 'invoice.ready', status: 'failed' })]));
    } finally {
      await sim('erp', 'DELETE', '/__sim/faults');
    }
  });

  test('a 60 s ERP maintenance window holds the messages and delivers them when it ends, none in a DLQ', { timeout: 180_000 }, async () => {
    const orderId = 'SO-1003';
    const shipmentId = 'SHP-1003-01';
    await releaseAndDispatch(orderId, shipmentId);
    await sim('erp', 'POST', '/__sim/faults', { kind: 'maintenance', durationMs: 60_000 });
    const started = Date.now();
    await twice('fleet', 'departStop', { route: routeRef(orderId, shipmentId), stop: 0 });
    // The held call may be the status update or, from a fresh container, its token request.
    await waitFor('a 503 answered during the window', async () => (await calls('erp', '*', '/**')).some((c) => c.status === 503));
    await waitFor('ERP status in-transit after the window', async () => (await erpStatuses(shipmentId)).includes('in-transit'), 150_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55_000);
    expect(await erpStatuses(shipmentId)).toEqual(['dispatched', 'in-transit']);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl('erp-sync'), MaxNumberOfMessages: 10, VisibilityTimeout: 1 }));
    expect((Messages ?? []).filter((m) => m.Body?.includes(shipmentId) && m.Body.includes('shipment.departed'))).toEqual([]);
  });
});
