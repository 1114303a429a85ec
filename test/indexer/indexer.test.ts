import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { inFlightAttributes, planIndex } from '../../lambdas/indexer/index-plan';
import { inFlightKeys } from '../../registry/correlation-keys';
import { correlationOfRecord, createIndexerHandler, indexEvent, inCorrelationOrder, inReceiptOrder } from '../../lambdas/indexer/indexer';
import { refusedMilestone } from '../../lambdas/indexer/index-plan';
import { completesSli, slisFor } from '../../lambdas/indexer/slis';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { guardMilestone } from '../../lambdas/shared/outbound/milestones';
import { InMemoryMessageOps } from '../../lambdas/shared/outbound/queue-ops';
import { InMemoryShipmentViewStore } from '../../lambdas/visibility/view-store';
import { viewOfItem } from '../../lambdas/visibility/view-codec';
import { example, lambdaContext, memoryLogger, sqsEvent, sqsRecord } from '../outbound/support';
import { referenceScenario } from './scenario';

const now = new Date('2026-03-12T16:00:00Z');

describe('guardMilestone (pure)', () => {
  test('a higher rank advances, a lower one is late, the same one is a repeat', () => {
    expect(guardMilestone(3, undefined)).toBe('advance');
    expect(guardMilestone(5, 3)).toBe('advance');
    expect(guardMilestone(3, 5)).toBe('late');
    expect(guardMilestone(4, 4)).toBe('repeat');
  });
});

describe('planIndex (pure)', () => {
  test('a milestone writes a timeline entry ordered by UTC occurrence time, links for every ref but the id the correlation is named after, and a guarded state update', () => {
    const released = example('order.released');
    const plan = planIndex(released, now, 3600);
    expect(plan.timeline).toMatchObject({
      pk: 'CORR#SO-1001',
      sk: `TL#2026-03-12T06:00:00.000Z#${released.metadata.eventId}`,
      eventType: 'order.released',
      system: 'erp',
      occurredAt: '2026-03-12T06:00:00.000Z',
      expiresAt: Math.floor(now.getTime() / 1000) + 3600,
    });
    // The order names the correlation (CORR#SO-1001): its link is implied, the trace finds the correlation by its id.
    expect(plan.links.map((l) => `${l.pk} ${l.sk}`)).toEqual(['LINK#customer#C-77 CORR#SO-1001']);
    expect(plan.milestone).toBeUndefined();

    const departed = planIndex(example('shipment.departed'), now, 3600);
    expect(departed.milestone).toMatchObject({ shipmentId: 'SHP-1001-01', milestone: 'departed', rank: 3 });
    expect(departed.links.filter((l) => l.itemType === 'link').map((l) => l.kind)).toEqual(['shipment', 'route', 'stop', 'customer']);
    // An event correlated by something else (here a CS case keyed on the shipment) links its order.
    const elsewhere = example('shipment.departed');
    const moved = planIndex({ ...elsewhere, metadata: { ...elsewhere.metadata, correlationId: 'SHP-1001-01' } }, now, 3600);
    expect(moved.links.map((l) => l.kind)).toEqual(['order', 'route', 'stop', 'customer']);
  });

  test('keeps a few facts from data, never the payload', () => {
    const plan = planIndex(example('pod.captured'), now, 3600);
    expect(plan.timeline.facts).toEqual({ documentId: 'doc-5f0a7c21' });
    expect(planIndex(example('sync.failed'), now, 3600).timeline.facts).toMatchObject({ targetSystem: 'erp', operation: 'mark-billing-ready', httpStatus: 503, deadLettered: true });
  });
});

describe('slisFor (pure)', () => {
  const entry = (eventType: string, occurredAt: string, shipmentId = 'S1') => ({ eventId: `${eventType}-${occurredAt}`, eventType, occurredAt, refs: { shipmentId } });

  test('invoice.posted completes the POD → invoice cycle and the billing-ready → invoice latency', () => {
    const posted = entry('invoice.posted', '2026-03-12T14:05:00Z');
    const timeline = [entry('pod.captured', '2026-03-12T13:31:00Z'), entry('invoice.ready', '2026-03-12T13:33:40Z'), entry('pod.captured', '2026-03-12T13:00:00Z', 'S2'), posted];
    expect(slisFor(posted, timeline)).toEqual([
      { name: 'PodToInvoiceCycleTime', milliseconds: 34 * 60_000 },
      { name: 'BillingReadyToInvoiceLatency', milliseconds: 31 * 60_000 + 20_000 },
    ]);
  });

  test('a credit memo completes no SLI (it bills nothing); an invoice and a case do', () => {
    const posted = (documentType: string) => ({ metadata: { eventType: 'invoice.posted' }, data: { documentType } });
    expect(completesSli(posted('invoice'))).toBe(true);
    expect(completesSli(posted('credit-memo'))).toBe(false);
    expect(completesSli({ metadata: { eventType: 'case.opened' }, data: {} })).toBe(true);
    expect(completesSli({ metadata: { eventType: 'shipment.delivered' }, data: {} })).toBe(false);
  });

  test('case.opened completes the exception → case latency, from when the exception was received; nothing without a start', () => {
    const opened = entry('case.opened', '2026-03-12T10:40:11Z');
    expect(slisFor(opened, [entry('shipment.exception-raised', '2026-03-12T10:40:00Z'), opened])).toEqual([{ name: 'ExceptionToCaseLatency', milliseconds: 11_000 }]);
    // A reefer alert reports an excursion that started 25 minutes before the vendor sent it: the stack answers for the 11 s.
    const alert = { ...entry('shipment.exception-raised', '2026-03-12T10:15:00Z'), receivedAt: '2026-03-12T10:40:00Z' };
    expect(slisFor(opened, [alert, opened])).toEqual([{ name: 'ExceptionToCaseLatency', milliseconds: 11_000 }]);
    expect(slisFor(opened, [opened])).toEqual([]);
    // The business cycles stay business times: a POD captured at 10:00 and received at 10:05, invoiced at 11:00, is 1 h.
    const invoiced = entry('invoice.posted', '2026-03-12T11:00:00Z');
    const pod = { ...entry('pod.captured', '2026-03-12T10:00:00Z'), receivedAt: '2026-03-12T10:05:00Z' };
    expect(slisFor(invoiced, [pod, invoiced])).toEqual([{ name: 'PodToInvoiceCycleTime', milliseconds: 3_600_000 }]);
  });
});

function indexerHarness(views?: (items: Map<string, Record<string, unknown>>) => InMemoryShipmentViewStore) {
  const store = new InMemoryCorrelationStore();
  const viewStore = views?.(store.items);
  const messages = new InMemoryMessageOps();
  const counts: Record<string, number> = {};
  const latencies: { name: string; value: number }[] = [];
  const handler = createIndexerHandler({
    store,
    ...(viewStore ? { views: viewStore } : {}),
    messages,
    logger: memoryLogger(),
    metrics: { count: (name) => void (counts[name] = (counts[name] ?? 0) + 1), milliseconds: (name, value) => void latencies.push({ name, value }) },
    settings: { maxReceiveCount: 3, ttlSeconds: 3600, queueUrl: 'https://sqs/ledger', backoff: { baseSeconds: 2, maxSeconds: 300 } },
    clock: () => now,
    random: () => 0.5,
  });
  return { store, messages, counts, latencies, handler };
}

describe('correlation indexer handler', () => {
  test('indexes the reference scenario: links, timeline, state delivered; a late departure is recorded as late and the state never regresses', async () => {
    const { store, counts, latencies, handler } = indexerHarness();
    const { events, lateDeparture } = referenceScenario();
    const response = await handler(sqsEvent(...events.map((e) => sqsRecord(e))), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(store.state('SHP-1001-01')).toMatchObject({ milestone: 'delivered', rank: 5, version: 4 });

    await handler(sqsEvent(sqsRecord(lateDeparture)), lambdaContext());
    expect(store.state('SHP-1001-01')).toMatchObject({ milestone: 'delivered', rank: 5, version: 4, lateEvents: 1 });
    const timeline = await store.timeline('SO-1001');
    expect(timeline).toHaveLength(events.length + 1);
    expect(timeline.find((t) => t.eventId === lateDeparture.metadata.eventId)).toMatchObject({ late: true, milestone: 'departed' });
    expect(timeline.filter((t) => t.late)).toHaveLength(1);
    expect(counts).toMatchObject({ EventsIndexed: events.length + 1, LateMilestones: 1 });
    expect(latencies.map((l) => l.name).sort()).toEqual(['BillingReadyToInvoiceLatency', 'ExceptionToCaseLatency', 'PodToInvoiceCycleTime']);
  });

  test('a shipment is in flight (the InFlight index the reconciliation sweeps page through) from its first milestone until delivery, on its state item; a late one does not bring it back', async () => {
    const { store, handler } = indexerHarness();
    const { events, lateDeparture } = referenceScenario();
    const state = () => store.state('SHP-1001-01') as unknown as Record<string, unknown>;
    const deliveredAt = events.findIndex((e) => e.metadata.eventType === 'shipment.delivered');
    await handler(sqsEvent(...events.slice(0, deliveredAt).map((e) => sqsRecord(e))), lambdaContext());
    expect(state()).toMatchObject({ inFlightPk: 'IN-FLIGHT', inFlightSk: 'SHP-1001-01', shipmentId: 'SHP-1001-01', correlationId: 'SO-1001', orderId: 'SO-1001', routeId: expect.any(String) });
    // No separate entry any more.
    expect(store.items.has('SHIPMENT#SHP-1001-01\u0000INFLIGHT')).toBe(false);
    await handler(sqsEvent(...events.slice(deliveredAt).map((e) => sqsRecord(e))), lambdaContext());
    expect(state()).toMatchObject({ milestone: 'delivered' });
    expect(state().inFlightPk).toBeUndefined();
    expect(state().inFlightSk).toBeUndefined();
    await handler(sqsEvent(sqsRecord(lateDeparture)), lambdaContext());
    expect(state().inFlightPk).toBeUndefined();
  });

  test('the in-flight membership rides on the milestone update: the ids it projects are set by the milestones that advance, and a delivery removes the keys', () => {
    const { events } = referenceScenario();
    const byType = (type: string) => planIndex(events.find((e) => e.metadata.eventType === type)!, now, 3600).milestone!;
    const departed = inFlightAttributes(byType('shipment.departed'));
    expect(departed.set).toMatchObject({ inFlightPk: 'IN-FLIGHT', inFlightSk: 'SHP-1001-01', orderId: 'SO-1001', routeId: expect.any(String) });
    expect(departed.remove).toEqual([]);
    expect(inFlightAttributes(byType('shipment.delivered'))).toEqual({ set: {}, remove: ['inFlightPk', 'inFlightSk'] });
    // The projected attributes are exactly what the sweep reads (besides the keys).
    expect(Object.keys(departed.set).filter((k) => !k.startsWith('inFlight')).every((k) => (inFlightKeys.projected as readonly string[]).includes(k))).toBe(true);
  });

  test('a batch is indexed one record after another: one shipment\'s events never race for its item (no failed conditional write, no retry)', async () => {
    let saves = 0;
    const counted = (items: Map<string, Record<string, unknown>>, count: () => void) => {
      const views = new InMemoryShipmentViewStore(items);
      const save = views.save.bind(views);
      const together = views.saveWithMilestone.bind(views);
      views.save = (...args) => (count(), save(...args));
      views.saveWithMilestone = (...args) => (count(), together(...args));
      return views;
    };
    const { store, handler } = indexerHarness((items) => counted(items, () => saves++));
    const { events } = referenceScenario();
    const response = await handler(sqsEvent(...events.map((e) => sqsRecord(e))), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    // Every save attempt succeeded: as many as the view has versions.
    const state = store.items.get('SHIPMENT#SHP-1001-01\u0000STATE') as { viewVersion: number; milestone: string };
    expect(saves).toBe(state.viewVersion);
    expect(state.milestone).toBe('delivered');
    // The same batch, one message per invocation, in the same order, ends in the same view after as many saves.
    let single = 0;
    const alone = indexerHarness((items) => counted(items, () => single++));
    for (const event of events) await alone.handler(sqsEvent(sqsRecord(event)), lambdaContext());
    expect(single).toBe(saves);
    expect(viewOfItem(alone.store.items.get('SHIPMENT#SHP-1001-01\u0000STATE'))).toEqual(viewOfItem(state as unknown as Record<string, unknown>));
    expect(viewOfItem(state as unknown as Record<string, unknown>)?.deliveredAt).toBeDefined();
  });

  test('a batch SQS hands over in any order is indexed in the order its events were received: the batching window gathers a shipment\'s milestones, none of them becomes late', async () => {
    const { store, counts, handler } = indexerHarness();
    const { events } = referenceScenario();
    const shuffled = [...events].reverse();
    const unreadable = sqsRecord(shuffled[0]!, { messageId: 'not-json' });
    const response = await handler(sqsEvent(...shuffled.map((e) => sqsRecord(e)), { ...unreadable, body: 'not json' }), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(store.state('SHP-1001-01')).toMatchObject({ milestone: 'delivered', rank: 5, version: 4 });
    expect((await store.timeline('SO-1001')).filter((t) => t.late)).toEqual([]);
    expect(counts.LateMilestones).toBeUndefined();
    expect(counts.IndexDeadLettered).toBe(1);
    // Pure: by receipt time, then occurrence time, stable for equal times, unreadable ones first.
    const at = (id: string, receivedAt?: string, occurredAt?: string) => ({ id, body: JSON.stringify({ detail: { metadata: { receivedAt, occurredAt } } }) });
    expect(
      inReceiptOrder([
        at('b', '2026-03-12T10:00:00Z', '2026-03-12T09:59:00Z'),
        at('a', '2026-03-12T09:00:00+00:00'),
        at('d', '2026-03-12T10:00:00.000Z', '2026-03-12T09:00:00Z'),
        at('c', '2026-03-12T10:00:00.000Z', '2026-03-12T09:59:00Z'),
        { id: 'x', body: '{' },
        at('y'),
        at('e', '2026-03-12T11:00:00Z', '2026-03-12T08:00:00Z'),
      ]).map((r) => r.id),
    ).toEqual(['x', 'y', 'a', 'd', 'b', 'c', 'e']);
  });

  test('the proof of delivery and the delivery of one Samsara document (received and occurred at once): the delivery first, one write of the state item for both, whichever order SQS hands them over in', async () => {
    const { events } = referenceScenario();
    const byType = (type: string) => events.find((e) => e.metadata.eventType === type)!;
    const [pod, delivered] = [byType('pod.captured'), byType('shipment.delivered')];
    expect([pod.metadata.receivedAt, pod.metadata.occurredAt]).toEqual([delivered.metadata.receivedAt, delivered.metadata.occurredAt]);
    // Pure: of equal times, the milestone first; otherwise as received.
    const rec = (id: string, e: typeof pod) => ({ id, body: JSON.stringify({ detail: e }) });
    expect(inReceiptOrder([rec('pod', pod), rec('delivered', delivered)]).map((r) => r.id)).toEqual(['delivered', 'pod']);
    expect(inReceiptOrder([rec('delivered', delivered), rec('pod', pod)]).map((r) => r.id)).toEqual(['delivered', 'pod']);
    const laterPod = { ...pod, metadata: { ...pod.metadata, receivedAt: '2026-03-12T13:32:00.000Z' } };
    expect(inReceiptOrder([rec('pod', laterPod), rec('delivered', delivered)]).map((r) => r.id)).toEqual(['delivered', 'pod']);
    const earlierPod = { ...pod, metadata: { ...pod.metadata, receivedAt: '2026-03-12T13:30:00.000Z' } };
    expect(inReceiptOrder([rec('delivered', delivered), rec('pod', earlierPod)]).map((r) => r.id)).toEqual(['pod', 'delivered']);

    for (const handedOver of [[pod, delivered], [delivered, pod]]) {
      let views: InMemoryShipmentViewStore | undefined;
      const { store, handler } = indexerHarness((items) => (views = new InMemoryShipmentViewStore(items)));
      for (const type of ['order.released', 'shipment.dispatched', 'shipment.departed', 'shipment.arrived']) await handler(sqsEvent(sqsRecord(byType(type))), lambdaContext());
      const before = { ...views!.writes };
      const versionBefore = store.state('SHP-1001-01')!.version as number;
      // Writes of the state item: the view's saves (with or without the milestone) and the milestone's own updates.
      let milestoneUpdates = 0;
      const apply = store.applyMilestone.bind(store);
      store.applyMilestone = async (...args) => (milestoneUpdates++, apply(...args));
      expect((await handler(sqsEvent(...handedOver.map((e) => sqsRecord(e))), lambdaContext())).batchItemFailures).toEqual([]);
      // One save of the state item carried the milestone and the view's delivery; the POD then changed nothing.
      expect({ saves: views!.writes.view - before.view, milestoneUpdates }).toEqual({ saves: 1, milestoneUpdates: 0 });
      expect(store.state('SHP-1001-01')).toMatchObject({ milestone: 'delivered', rank: 5, version: versionBefore + 1 });
      expect(viewOfItem(store.items.get('SHIPMENT#SHP-1001-01\u0000STATE') as Record<string, unknown>)).toMatchObject({ deliveredAt: expect.any(String) });
      const timeline = await store.timeline('SO-1001');
      expect(timeline.map((t) => t.eventType)).toEqual(expect.arrayContaining(['pod.captured', 'shipment.delivered']));
      expect(timeline.filter((t) => t.late)).toEqual([]);
    }
  });

  test('a batch of two orders: each order\'s events one after another, the two orders side by side; both indexed as if alone', async () => {
    const { store, handler } = indexerHarness((items) => new InMemoryShipmentViewStore(items));
    const { events } = referenceScenario();
    const other = events.map((e) => JSON.parse(JSON.stringify(e).replaceAll('SO-1001', 'SO-2002').replaceAll('SHP-1001-01', 'SHP-2002-01').replaceAll(e.metadata.eventId, createHash('sha256').update(`${e.metadata.eventId}-2`).digest('hex'))) as typeof e);
    // Records in progress per correlation: from the event's first read (is it indexed?) to its timeline entry (the last write).
    const inProgress = new Map<string, number>();
    let most = 0;
    const mostPerCorrelation = new Map<string, number>();
    const has = store.hasTimeline.bind(store);
    const put = store.putTimeline.bind(store);
    store.hasTimeline = async (pk, sk) => {
      inProgress.set(pk, (inProgress.get(pk) ?? 0) + 1);
      mostPerCorrelation.set(pk, Math.max(mostPerCorrelation.get(pk) ?? 0, inProgress.get(pk)!));
      most = Math.max(most, [...inProgress.values()].reduce((a, b) => a + b, 0));
      return has(pk, sk);
    };
    store.putTimeline = async (item) => {
      const written = await put(item);
      inProgress.set(item.pk, inProgress.get(item.pk)! - 1);
      return written;
    };
    const interleaved = events.flatMap((e, i) => [sqsRecord(e), sqsRecord(other[i]!)]);
    const response = await handler(sqsEvent(...interleaved), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(mostPerCorrelation)).toEqual({ 'CORR#SO-1001': 1, 'CORR#SO-2002': 1 });
    expect(most).toBe(2);
    for (const [order, shipment] of [['SO-1001', 'SHP-1001-01'], ['SO-2002', 'SHP-2002-01']] as const) {
      expect(store.state(shipment)).toMatchObject({ milestone: 'delivered', rank: 5, version: 4 });
      expect(await store.timeline(order)).toHaveLength(events.length);
    }
    // The same order's view as when its batch is indexed alone.
    const alone = indexerHarness((items) => new InMemoryShipmentViewStore(items));
    await alone.handler(sqsEvent(...events.map((e) => sqsRecord(e))), lambdaContext());
    expect(viewOfItem(store.items.get('SHIPMENT#SHP-1001-01\u0000STATE'))).toEqual(viewOfItem(alone.store.items.get('SHIPMENT#SHP-1001-01\u0000STATE')));
  });

  test('inCorrelationOrder (pure): a correlation\'s records wait for the one before, settled or failed; other correlations and unreadable records do not wait', async () => {
    const started: string[] = [];
    const finish = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
    const handler = inCorrelationOrder((record: { messageId: string; body: string }) => {
      started.push(record.messageId);
      return new Promise<void>((resolve, reject) => finish.set(record.messageId, { resolve, reject }));
    });
    const rec = (messageId: string, correlationId?: string) => ({ messageId, body: correlationId === undefined ? '{' : JSON.stringify({ detail: { metadata: { correlationId } } }) });
    const a1 = handler(rec('a1', 'A'));
    const b1 = handler(rec('b1', 'B'));
    const a2 = handler(rec('a2', 'A'));
    const x = handler(rec('x'));
    await new Promise((r) => setTimeout(r, 0));
    expect(started.toSorted()).toEqual(['a1', 'b1', 'x']);
    finish.get('a1')!.reject(new Error('a1 failed'));
    await expect(a1).rejects.toThrow('a1 failed');
    await new Promise((r) => setTimeout(r, 0));
    expect(started.toSorted()).toEqual(['a1', 'a2', 'b1', 'x']);
    for (const id of ['b1', 'a2', 'x']) finish.get(id)!.resolve();
    await Promise.all([b1, a2, x]);
    expect(correlationOfRecord(rec('y', 'C'))).toBe('C');
    expect(correlationOfRecord(rec('z'))).toBeUndefined();
  });

  test('a departure reported after the arrival, in the same batch as it, is indexed after it and flagged late, whatever order SQS hands them over in', async () => {
    const { store, counts, handler } = indexerHarness();
    const { events } = referenceScenario();
    const byType = (type: string) => events.find((e) => e.metadata.eventType === type)!;
    for (const type of ['order.released', 'shipment.dispatched']) await handler(sqsEvent(sqsRecord(byType(type))), lambdaContext());
    const arrived = byType('shipment.arrived');
    const departed = byType('shipment.departed');
    // The departure happened first but reached us a minute after the arrival; one batching window holds both.
    const reportedLate = { ...departed, metadata: { ...departed.metadata, receivedAt: new Date(Date.parse(arrived.metadata.receivedAt) + 60_000).toISOString() } };
    expect(Date.parse(reportedLate.metadata.occurredAt)).toBeLessThan(Date.parse(arrived.metadata.occurredAt));
    const response = await handler(sqsEvent(sqsRecord(reportedLate), sqsRecord(arrived)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(store.state('SHP-1001-01')).toMatchObject({ milestone: 'arrived' });
    const late = (await store.timeline('SO-1001')).filter((t) => t.late);
    expect(late.map((t) => t.eventId)).toEqual([reportedLate.metadata.eventId]);
    expect(counts.LateMilestones).toBe(1);
  });

  test('a delivery writes the state item once (milestone and view together); a repeated or late one is still guarded', async () => {
    const store = new InMemoryCorrelationStore();
    const views = new InMemoryShipmentViewStore(store.items);
    const { events, lateDeparture } = referenceScenario();
    const byType = (type: string) => events.find((e) => e.metadata.eventType === type)!;
    const state = () => store.items.get('SHIPMENT#SHP-1001-01\u0000STATE') as Record<string, unknown>;
    for (const type of ['shipment.dispatched', 'shipment.departed', 'shipment.arrived']) await indexEvent(store, byType(type), now, 3600, views);
    const before = { ...views.writes };
    const versionBefore = state().version as number;
    const delivered = await indexEvent(store, byType('shipment.delivered'), now, 3600, views);
    expect(delivered.milestone).toBe('advance');
    // One write for both: the view's save carried the milestone.
    expect(views.writes.view - before.view).toBe(1);
    expect(state()).toMatchObject({ milestone: 'delivered', rank: 5, version: versionBefore + 1 });
    expect(viewOfItem(state() as Record<string, unknown>)).toMatchObject({ deliveredAt: expect.any(String) });
    // Another delivery of the same shipment (another event): the milestone is a repeat, never applied twice.
    const again = { ...byType('shipment.delivered'), metadata: { ...byType('shipment.delivered').metadata, eventId: 'second-delivery', occurredAt: '2026-03-12T13:00:00Z' } };
    expect((await indexEvent(store, again, now, 3600, views)).milestone).toBe('repeat');
    expect(state()).toMatchObject({ milestone: 'delivered', version: versionBefore + 1 });
    // A late departure after the delivery never moves it back.
    expect((await indexEvent(store, lateDeparture, now, 3600, views)).milestone).toBe('late');
    expect(state()).toMatchObject({ milestone: 'delivered', rank: 5 });
  });

  test('a delivery indexed before the shipment\'s other milestones: the view and the state both hold it; an earlier one received before it is out of order, one received after it is late', async () => {
    const store = new InMemoryCorrelationStore();
    const views = new InMemoryShipmentViewStore(store.items);
    const { events, lateDeparture } = referenceScenario();
    const byType = (type: string) => events.find((e) => e.metadata.eventType === type)!;
    expect((await indexEvent(store, byType('shipment.delivered'), now, 3600, views)).milestone).toBe('advance');
    // The arrival was received before the delivery (two ledger batches indexed at once): not late, nothing counted.
    expect((await indexEvent(store, byType('shipment.arrived'), now, 3600, views)).milestone).toBe('out-of-order');
    // The departure reported after the delivery was received: late.
    expect((await indexEvent(store, lateDeparture, now, 3600, views)).milestone).toBe('late');
    const state = store.items.get('SHIPMENT#SHP-1001-01\u0000STATE') as Record<string, unknown>;
    expect(state).toMatchObject({ milestone: 'delivered', rank: 5, lateEvents: 1, milestoneReceivedAt: byType('shipment.delivered').metadata.receivedAt });
    expect(viewOfItem(state as Record<string, unknown>)).toMatchObject({ deliveredAt: expect.any(String) });
    const timeline = await store.timeline('SO-1001');
    expect(timeline.filter((t) => t.late).map((t) => t.eventId)).toEqual([lateDeparture.metadata.eventId]);
    // Pure: no receipt time on either side (a state item written before they were kept) is late, as before.
    expect(refusedMilestone('late', '2026-03-12T10:00:00Z', undefined)).toBe('late');
    expect(refusedMilestone('late', undefined, '2026-03-12T10:00:00Z')).toBe('late');
    expect(refusedMilestone('repeat', '2026-03-12T09:00:00Z', '2026-03-12T10:00:00Z')).toBe('repeat');
    expect(refusedMilestone('late', '2026-03-12T09:00:00Z', '2026-03-12T10:00:00.000Z')).toBe('out-of-order');
  });

  test('out-of-order delivery ends in the same state as in-order delivery', async () => {
    const inOrder = indexerHarness();
    const shuffled = indexerHarness();
    const { events, lateDeparture } = referenceScenario();
    const all = [...events, lateDeparture];
    await inOrder.handler(sqsEvent(...all.map((e) => sqsRecord(e))), lambdaContext());
    await shuffled.handler(sqsEvent(...[...all].reverse().map((e) => sqsRecord(e))), lambdaContext());
    expect(shuffled.store.state('SHP-1001-01')).toMatchObject({ milestone: 'delivered', rank: 5 });
    expect((await shuffled.store.timeline('SO-1001')).map((t) => t.eventId)).toEqual((await inOrder.store.timeline('SO-1001')).map((t) => t.eventId));
  });

  test('a redelivered event is indexed once (no second entry, no second SLI)', async () => {
    const { store, handler, latencies } = indexerHarness();
    const posted = example('invoice.posted');
    await handler(sqsEvent(sqsRecord(example('pod.captured')), sqsRecord(posted)), lambdaContext());
    await handler(sqsEvent(sqsRecord(posted, { receiveCount: 2 })), lambdaContext());
    expect(await store.timeline('SO-1001')).toHaveLength(2);
    expect(latencies.filter((l) => l.name === 'PodToInvoiceCycleTime')).toHaveLength(1);
    expect(await indexEvent(store, posted, now, 3600)).toEqual({ outcome: 'duplicate', slis: [] });
  });

  test('a message that is not a canonical event goes to the DLQ with the reason; a store failure is retried, then dead-lettered with the reason', async () => {
    const { handler, messages, store } = indexerHarness();
    await handler(sqsEvent(sqsRecord('not json')), lambdaContext());
    expect(messages.deadLettered[0].attributes[DLQ_ATTRIBUTES.errorClass].StringValue).toBe('ValidationError');

    store.putTimeline = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const first = sqsRecord(example('shipment.arrived'), { receiveCount: 1 });
    expect((await handler(sqsEvent(first), lambdaContext())).batchItemFailures).toEqual([{ itemIdentifier: first.messageId }]);
    expect(messages.visibility).toEqual([{ messageId: first.messageId, seconds: 2 }]);
    const last = sqsRecord(example('shipment.arrived'), { receiveCount: 3 });
    expect((await handler(sqsEvent(last), lambdaContext())).batchItemFailures).toEqual([]);
    expect(messages.deadLettered[1].attributes[DLQ_ATTRIBUTES.errorReason].StringValue).toBe('ProvisionedThroughputExceededException');
  });
});
