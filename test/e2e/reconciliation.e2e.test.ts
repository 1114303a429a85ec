/**
 * Reconciliation end to end, in the sandbox (issue 14, part 2): Samsara gives up on a shipment's departure webhook
 * for good (the simulator's abandonment fault), so nothing downstream happens; the next fleet sweep (its schedule
 * fired through the control API, as EventBridge Scheduler would) reads the route from the fleet API, publishes the
 * departure with the id the webhook would have produced, and the ERP gets "in transit" once. When the original
 * webhook arrives late after all, the intake maps it to that same id and nothing happens twice.
 *
 * Uses its own shipment of SO-1001 (SHP-1001-31), released through the ERP's canonical webhook and dispatched by the
 * product like any other, so no other test's shipment, route or ERP record is touched.
 */
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import type { QueueDiscovery } from '../../registry/catalog';
import { aws, chilledOrderOfC77, control, eventually, sandbox, sim, storedView } from './support';

const ORDER_ID = 'SO-1001';
const SHIPMENT_ID = 'SHP-1001-31';

interface BusEvent {
  id: string;
  'detail-type': string;
  detail: { metadata: { eventId: string; source: { system: string; eventId: string } }; refs: Record<string, string> };
}
interface Delivery {
  id: string;
  status: number | null;
  ok: boolean;
  abandoned?: boolean;
  attempts: { status: number | null; responseBody?: string }[];
}
interface CallRecord {
  method: string;
  path: string;
  status: number | null;
  body: { status?: string; eventId?: string } | null;
}

const dynamodb = new DynamoDBClient(aws());
const sqs = new SQSClient(aws());
afterAll(() => {
  dynamodb.destroy();
  sqs.destroy();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  return eventually(async () => (await probe()) || undefined, timeoutMs, what) as Promise<T>;
}

async function busEvents(type: string, shipmentId = SHIPMENT_ID): Promise<BusEvent[]> {
  return (await control<BusEvent[]>(`/bus-events?type=${encodeURIComponent(type)}`)).filter((e) => e.detail.refs.shipmentId === shipmentId);
}

/** The ERP releases a shipment of SO-1001 to the product through its canonical webhook; resolves with its route once dispatched. */
async function release(shipmentId: string): Promise<string> {
  // Another test may hold the whole ERP in maintenance for a minute: start when it answers again.
  await waitFor('an ERP without a global fault', async () => (await sim<{ faults: { path?: string }[] }>('erp', 'GET', '/__sim/faults')).faults.every((f) => f.path !== undefined), 120_000);
  const now = Date.now();
  await sim('erp', 'POST', '/__sim/actions/sendCanonical', {
    event: {
      eventId: `release-${shipmentId}-${now}`,
      eventType: 'order.released',
      occurredAt: new Date(now).toISOString(),
      correlationId: ORDER_ID,
      refs: { orderId: ORDER_ID, shipmentId, customerId: 'C-77' },
      data: chilledOrderOfC77(now),
    },
  });
  const [dispatched] = await waitFor(`shipment.dispatched of ${shipmentId}`, async () => {
    const found = await busEvents('shipment.dispatched', shipmentId);
    return found.length > 0 && found;
  });
  return dispatched!.detail.refs.routeId!;
}

/** A shipment of SO-1001 released, dispatched and in flight, then a temperature excursion on it (11.5 °C for 25 min against 2–8 °C). */
async function inFlightWithExcursion(shipmentId: string): Promise<void> {
  await release(shipmentId);
  await waitFor('the shipment in flight in the index', () => inFlight(shipmentId));
  const now = Date.now();
  await sim('fleet', 'POST', '/__sim/actions/sendCanonical', {
    event: {
      eventId: `excursion-${shipmentId}-${now}`,
      eventType: 'shipment.exception-raised',
      occurredAt: new Date(now - 25 * 60_000).toISOString(),
      correlationId: ORDER_ID,
      refs: { orderId: ORDER_ID, shipmentId },
      data: { kind: 'temperature-excursion', reportedSeverity: 'high', readingCelsius: 11.5, peakCelsius: 11.5, limits: { maxCelsius: 8 }, durationMinutes: 25 },
    },
  });
}

/** The ERP's status updates for the shipment, as the ERP simulator recorded them (accepted ones). */
async function erpStatusCalls(): Promise<CallRecord[]> {
  const { calls } = await sim<{ calls: CallRecord[] }>('erp', 'GET', `/__sim/calls?method=PUT&path=${encodeURIComponent(`/shipments/${SHIPMENT_ID}/status`)}`);
  return calls.filter((c) => c.status !== null && c.status < 300);
}

/** The shipment's departure entries in the correlation index (the timeline of its order). */
async function indexedDepartures(eventId: string): Promise<number> {
  const table = sandbox().outputs[sandbox().stackName]!.CorrelationTableName!;
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
      FilterExpression: 'eventId = :id',
      ExpressionAttributeValues: { ':pk': { S: `CORR#${ORDER_ID}` }, ':tl': { S: 'TL#' }, ':id': { S: eventId } },
    }),
  );
  return Items.length;
}

/** Whether the shipment is in the `InFlight` index the sweeps page through (its state item, written by the indexer). */
async function inFlight(shipmentId = SHIPMENT_ID): Promise<boolean> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: sandbox().outputs[sandbox().stackName]!.CorrelationTableName!,
      IndexName: 'InFlight',
      KeyConditionExpression: 'inFlightPk = :pk AND inFlightSk = :id',
      ExpressionAttributeValues: { ':pk': { S: 'IN-FLIGHT' }, ':id': { S: shipmentId } },
    }),
  );
  return Items.length === 1;
}

/** A work queue (by its lsync discovery output) holds nothing, visible, delayed or in flight: what was sent to it has been handled. */
async function drained(output: 'LsyncQueueErpSync' | 'LsyncQueueFleetReconciliation' | 'LsyncQueueErpReconciliation' | 'LsyncQueueCsReconciliation'): Promise<boolean> {
  const discovery = JSON.parse(sandbox().outputs[sandbox().stackName]![output]!) as QueueDiscovery;
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: discovery.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
  );
  return Object.values(Attributes).every((v) => v === '0');
}

describe('reconciliation in the sandbox (issue 14, part 2)', () => {
  test('a departure webhook lost for good is restored by the next fleet sweep, downstream exactly once; the late original is a duplicate', { timeout: 240_000 }, async () => {
    const routeId = await release(SHIPMENT_ID);
    // The sweep pages through the shipments in flight: the indexer has entered this one once it is dispatched.
    await waitFor('the shipment in flight in the index', () => inFlight());

    // A dispatcher assigns the route to a truck in Samsara (route-stop events need an assigned route).
    await sim('fleet', 'POST', '/__sim/actions/assignRoute', { route: routeId, vehicleId: 'erp.vehicle:TRK-18' });

    // Samsara gives up on the departure webhook: it never reaches the product.
    await sim('fleet', 'POST', '/__sim/webhook-abandonments', { eventType: 'RouteStopDeparture', bodyIncludes: SHIPMENT_ID });
    const { result: lost } = await sim<{ result: Delivery }>('fleet', 'POST', '/__sim/actions/departStop', { route: routeId });
    expect(lost).toMatchObject({ abandoned: true, attempts: [] });
    expect(await busEvents('shipment.departed')).toEqual([]);
    expect((await erpStatusCalls()).filter((c) => c.body?.status === 'in-transit')).toEqual([]);

    // The next sweep (as EventBridge Scheduler fires it) restores the departure.
    const { firings } = await control<{ firings: { logicalId: string }[] }>('/schedules/fire?name=FleetReconciliation', 'POST');
    expect(firings).toHaveLength(1);
    const [restored] = await waitFor('the restored shipment.departed', async () => {
      const found = await busEvents('shipment.departed');
      return found.length > 0 && found;
    });
    expect(restored!.detail.metadata.source.system).toBe('fleet');
    const eventId = restored!.detail.metadata.eventId;
    const inTransit = await waitFor('the ERP told "in transit"', async () => {
      const calls = (await erpStatusCalls()).filter((c) => c.body?.status === 'in-transit');
      return calls.length > 0 && calls;
    });
    expect(inTransit).toHaveLength(1);
    await waitFor('the departure indexed', async () => (await indexedDepartures(eventId)) === 1);

    // The original webhook arrives late after all: the intake gives it the same canonical id, so it changes nothing.
    const { webhook: late } = await sim<{ webhook: Delivery }>('fleet', 'POST', `/__sim/webhooks/${lost.id}/redeliver`);
    expect(late.status).toBe(202);
    expect(JSON.parse(late.attempts.at(-1)!.responseBody!)).toEqual({ status: 'accepted', eventIds: [eventId] });
    await waitFor('the late departure on the bus', async () => (await busEvents('shipment.departed')).length === 2);
    expect(new Set((await busEvents('shipment.departed')).map((e) => e.detail.metadata.eventId))).toEqual(new Set([eventId]));
    await waitFor('the ERP adapter done with what was routed to it', () => drained('LsyncQueueErpSync'), 120_000);
    expect((await erpStatusCalls()).filter((c) => c.body?.status === 'in-transit')).toHaveLength(1);
    expect(await indexedDepartures(eventId)).toBe(1);

    // A second sweep finds nothing missing: it publishes nothing.
    await control('/schedules/fire?name=FleetReconciliation', 'POST');
    await waitFor('the second sweep done', () => drained('LsyncQueueFleetReconciliation'), 120_000);
    expect(await busEvents('shipment.departed')).toHaveLength(2);
    expect((await erpStatusCalls()).filter((c) => c.body?.status === 'in-transit')).toHaveLength(1);
  });

  test('a quality-hold release whose CloudEvent the ERP gives up on is restored by the next ERP sweep, with the CloudEvent’s id; the late original is a duplicate', { timeout: 240_000 }, async () => {
    const shipmentId = 'SHP-1001-32';
    // A temperature excursion on it: the workflow places a quality hold in the ERP (and opens a case).
    await inFlightWithExcursion(shipmentId);
    const [placed] = await waitFor('quality-hold.placed', async () => {
      const found = await busEvents('quality-hold.placed', shipmentId);
      return found.length > 0 && found;
    });
    const holdId = placed!.detail.refs.holdId!;
    // The sweep reads the holds the shipment's view shows active: the index has the placement (it follows the bus).
    const table = sandbox().outputs[sandbox().stackName]!.CorrelationTableName!;
    await waitFor('the hold active in the shipment view', async () => {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `SHIPMENT#${shipmentId}` }, sk: { S: 'STATE' } } }));
      return storedView(Item)?.holds[holdId]?.status === 'active';
    });

    // The ERP releases the hold, but its CloudEvent never reaches the product.
    await sim('erp', 'POST', '/__sim/webhook-abandonments', { bodyIncludes: holdId });
    const { result: lost } = await sim<{ result: Delivery }>('erp', 'POST', '/__sim/actions/releaseQualityHold', { holdId });
    expect(lost).toMatchObject({ abandoned: true, attempts: [] });
    expect(await busEvents('quality-hold.released', shipmentId)).toEqual([]);

    await control('/schedules/fire?name=ErpReconciliation', 'POST');
    const [restored] = await waitFor('the restored quality-hold.released', async () => {
      const found = await busEvents('quality-hold.released', shipmentId);
      return found.length > 0 && found;
    });
    expect(restored!.detail.refs.holdId).toBe(holdId);
    const eventId = restored!.detail.metadata.eventId;

    // The original CloudEvent arrives late: accepted, mapped to the same id.
    const { webhook: late } = await sim<{ webhook: Delivery }>('erp', 'POST', `/__sim/webhooks/${lost.id}/redeliver`);
    expect(late.status).toBe(202);
    expect(JSON.parse(late.attempts.at(-1)!.responseBody!)).toEqual({ status: 'accepted', eventIds: [eventId] });

    // The excursion's workflow waits for its case: an agent solves the ticket, so no execution outlives the test.
    const ticket = await waitFor('the excursion ticket', async () => (await sim<{ tickets: { id: number; external_id: string }[] }>('cs', 'GET', '/__sim/state')).tickets.find((t) => t.external_id === shipmentId));
    await sim('cs', 'POST', '/__sim/actions/solveTicket', { ticketId: ticket.id, comment: 'The load was checked; released to the customer.' });
    await waitFor('case.resolved', async () => (await busEvents('case.resolved', shipmentId)).length > 0);
  });

  test('a ticket solved in Zendesk whose status webhook Zendesk gives up on is restored by the next CS sweep, with the webhook’s id: the waiting workflow is released by it; the late original is a duplicate', { timeout: 300_000 }, async () => {
    const shipmentId = 'SHP-1001-33';
    // A temperature excursion: the workflow opens a case in Zendesk and waits for its resolution.
    await inFlightWithExcursion(shipmentId);
    const [exception] = await waitFor('shipment.exception-raised', async () => {
      const found = await busEvents('shipment.exception-raised', shipmentId);
      return found.length > 0 && found;
    });
    const [opened] = await waitFor('case.opened', async () => {
      const found = await busEvents('case.opened', shipmentId);
      return found.length > 0 && found;
    });
    const caseId = opened!.detail.refs.caseId!;
    const table = sandbox().outputs[sandbox().stackName]!.CorrelationTableName!;
    // The sweep reads the cases the shipment's view shows open.
    await waitFor('the case open in the shipment view', async () => {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `SHIPMENT#${shipmentId}` }, sk: { S: 'STATE' } } }));
      return storedView(Item)?.cases[caseId]?.status === 'open';
    });
    const recordKey = { pk: { S: `CORR#${ORDER_ID}` }, sk: { S: `WF#temperature-excursion#${exception!.detail.metadata.eventId}` } };
    await waitFor('the workflow waiting for its case', async () => (await dynamodb.send(new GetItemCommand({ TableName: table, Key: recordKey }))).Item?.status?.S === 'open');

    // An agent solves the ticket; Zendesk gives up on its status webhook: the product never hears of it.
    await sim('cs', 'POST', '/__sim/webhook-abandonments', { eventType: 'zen:event-type:ticket.status_changed', bodyIncludes: shipmentId });
    const { result: deliveries } = await sim<{ result: Delivery[] }>('cs', 'POST', '/__sim/actions/solveTicket', { ticketId: Number(caseId) });
    const lost = deliveries.find((d) => d.abandoned)!;
    expect(lost).toMatchObject({ abandoned: true, attempts: [] });
    expect(await busEvents('case.resolved', shipmentId)).toEqual([]);

    // The next CS sweep reads the ticket and its audits, and publishes the resolution.
    await control('/schedules/fire?name=CsReconciliation', 'POST');
    const [restored] = await waitFor('the restored case.resolved', async () => {
      const found = await busEvents('case.resolved', shipmentId);
      return found.length > 0 && found;
    });
    expect(restored!.detail.metadata.source.system).toBe('cs');
    expect(restored!.detail.refs).toMatchObject({ caseId, shipmentId });
    const eventId = restored!.detail.metadata.eventId;
    const record = await waitFor('the workflow released by the restored resolution', async () => {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: recordKey }));
      return Item?.status?.S === 'resolved' && Item;
    });
    expect(record).toMatchObject({ resolvedBy: { S: 'case.resolved' }, caseId: { S: caseId } });

    // The original webhook arrives late after all: the intake maps it to the same id.
    const { webhook: late } = await sim<{ webhook: Delivery }>('cs', 'POST', `/__sim/webhooks/${lost.id}/redeliver`);
    expect(late.status).toBe(202);
    expect(JSON.parse(late.attempts.at(-1)!.responseBody!)).toEqual({ status: 'accepted', eventIds: [eventId] });

    // A second sweep finds the case resolved in the view (the index has it: it follows the bus): it reads nothing and
    // publishes nothing.
    await waitFor('the late resolution on the bus', async () => (await busEvents('case.resolved', shipmentId)).length === 2);
    await waitFor('the case resolved in the shipment view', async () => {
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `SHIPMENT#${shipmentId}` }, sk: { S: 'STATE' } } }));
      return storedView(Item)?.cases[caseId]?.status === 'resolved';
    });
    await control('/schedules/fire?name=CsReconciliation', 'POST');
    await waitFor('the second sweep done', () => drained('LsyncQueueCsReconciliation'), 120_000);
    const resolutions = await busEvents('case.resolved', shipmentId);
    expect(resolutions).toHaveLength(2);
    expect(new Set(resolutions.map((e) => e.detail.metadata.eventId))).toEqual(new Set([eventId]));
  });
});
