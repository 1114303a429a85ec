import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
/**
 * The DynamoDB side of the ledger against the emulator (moto server, a real DynamoDB API): the indexer's
 * conditional writes, the circuit and status-guard items, and `traceById` resolving any id of the
 * reference scenario. Plus the pure trace assembly.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DynamoDbPendingNotes, PENDING_NOTE_CLAIM_SECONDS, PendingNoteBusyError } from '../../lambdas/cs/outbound/pending-notes';
import { DynamoDbParkedAlerts } from '../../lambdas/shared/parked-alerts';
import { statusSyncedEvent } from '../../lambdas/erp/outbound/erp-outbound';
import { DynamoDbStatusSyncGuard, STATUS_LEASE_SECONDS, StatusSyncBusyError } from '../../lambdas/erp/outbound/status-guard';
import { DynamoDbCorrelationStore, InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import type { LinkItem, ShipmentStateItem, TimelineItem } from '../../lambdas/indexer/index-plan';
import { indexEvent } from '../../lambdas/indexer/indexer';
import { DynamoDbCircuitStore } from '../../lambdas/shared/outbound/circuit-store';
import { DynamoDbDegradationStore } from '../../lambdas/shared/outbound/degradation';
import { assembleTrace } from '../../lambdas/trace/trace-model';
import { DynamoDbShipmentViewStore } from '../../lambdas/visibility/view-store';
import { viewOfItem } from '../../lambdas/visibility/view-codec';
import { traceById } from '../../lambdas/trace/trace-query';
import { clientConfig } from '../../sandbox/aws';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { referenceScenario } from '../indexer/scenario';
import { scenarioEvent } from '../outbound/support';

const now = new Date('2026-03-12T16:00:00Z');

/** The scenario plus a CS case event indexed under the shipment's id (the CS webhook did not know the order) and an ERP sync failure. */
function scenarioWithExtras() {
  const { events, lateDeparture } = referenceScenario();
  const delivered = events.find((e) => e.metadata.eventType === 'shipment.delivered')!;
  const caseUpdated = scenarioEvent({
    eventType: 'case.updated',
    system: 'cs',
    vendorEventId: 'zendesk-evt-77',
    occurredAt: '2026-03-12T14:10:00Z',
    refs: { shipmentId: 'SHP-1001-01', caseId: '38211' },
    correlationId: 'SHP-1001-01',
    data: { change: 'comment-added', comment: { public: false, relatesTo: 'invoice' } },
  });
  const syncFailed = scenarioEvent({
    eventType: 'sync.failed',
    system: 'orchestrator',
    vendorEventId: `erp-outbound:update-shipment-status:${delivered.metadata.eventId}:r0`,
    occurredAt: '2026-03-12T13:32:00Z',
    refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01' },
    causationId: delivered.metadata.eventId,
    correlationId: 'SO-1001',
    data: {
      targetSystem: 'erp',
      operation: 'update-shipment-status',
      failedEventId: delivered.metadata.eventId,
      failedEventType: 'shipment.delivered',
      errorCode: 'UpstreamUnavailable',
      retryable: true,
      attempts: 3,
      httpStatus: 500,
      reason: 'ERP answered 500 to PUT /shipments/SHP-1001-01/status',
      deadLettered: true,
    },
  });
  return [...events, caseUpdated, syncFailed, lateDeparture];
}

/** The CS adapter's dead-lettered invoice note for `invoice`, as it publishes it. */
function csNoteFailed(invoice: CanonicalDetail, occurredAt: string, attempts: number): CanonicalDetail {
  return scenarioEvent({
    eventType: 'sync.failed',
    system: 'orchestrator',
    vendorEventId: `cs-outbound:comment-invoice-posted:${invoice.metadata.eventId}:r0`,
    occurredAt,
    refs: invoice.refs,
    causationId: invoice.metadata.eventId,
    correlationId: 'SO-1001',
    data: { targetSystem: 'cs', operation: 'comment-invoice-posted', failedEventId: invoice.metadata.eventId, failedEventType: 'invoice.posted', errorCode: 'UpstreamUnavailable', retryable: true, attempts, deadLettered: true },
  });
}

/** The trace of SO-1001 (and its shipment's correlation) assembled from what the index holds. */
function traceOf(store: InMemoryCorrelationStore): ReturnType<typeof assembleTrace> {
  const items = [...store.items.values()];
  return assembleTrace(
    {
      query: 'SO-1001',
      matchedAs: [{ kind: 'order', id: 'SO-1001' }],
      correlationIds: ['SO-1001', 'SHP-1001-01'],
      truncated: false,
      timeline: items.filter((i) => i.itemType === 'timeline') as unknown as TimelineItem[],
      links: items.filter((i) => i.itemType === 'member') as unknown as LinkItem[],
      states: items.filter((i) => i.itemType === 'shipment-state') as unknown as ShipmentStateItem[],
    },
    now,
  );
}

describe('assembleTrace (pure)', () => {
  test('orders hops by time with per-hop latency, marks the late one, and lists pending and failed follow-ups', async () => {
    const store = new InMemoryCorrelationStore();
    for (const event of scenarioWithExtras()) await indexEvent(store, event, now, 3600);
    const trace = traceOf(store);
    const types = trace.timeline.map((h) => h.eventType);
    expect(types[0]).toBe('order.released');
    expect(types.at(-1)).toBe('case.updated');
    const times = trace.timeline.map((h) => Date.parse(h.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const released = trace.timeline[0];
    expect(released).toMatchObject({ sincePreviousMs: 0, ingestLatencyMs: 1214 });
    const posted = trace.timeline.find((h) => h.eventType === 'invoice.posted')!;
    const ready = trace.timeline.find((h) => h.eventType === 'invoice.ready')!;
    expect(posted.sinceCauseMs).toBe(Date.parse(posted.occurredAt) - Date.parse(ready.occurredAt));
    expect(trace.timeline.filter((h) => h.late).map((h) => h.eventType)).toEqual(['shipment.departed']);

    expect(trace.failed).toEqual([
      expect.objectContaining({ target: 'erp', operation: 'update-shipment-status', failedEventType: 'shipment.delivered', errorCode: 'UpstreamUnavailable', httpStatus: 500, deadLettered: true }),
    ]);
    // The delivery and the POD happened in the same second: compare as a set.
    expect(trace.pending.map((p) => `${p.afterEventType} → ${p.expected} (${p.status})`).sort()).toEqual([
      'pod.captured → shipment.status-synced (pending)',
      'shipment.arrived → shipment.status-synced (pending)',
      'shipment.delivered → shipment.status-synced (failed)',
    ]);
    expect(trace.pending.find((p) => p.status === 'failed')?.reason).toMatch(/500/);
    expect(trace.summary).toMatchObject({ events: 14, lateEvents: 1, podToBillingReadyMs: 160_000, podToInvoiceMs: 34 * 60_000 });
    expect(trace.shipments).toEqual([expect.objectContaining({ shipmentId: 'SHP-1001-01', milestone: 'delivered', rank: 5, lateEvents: 1 })]);
    expect(trace.ids).toMatchObject({ order: ['SO-1001'], shipment: ['SHP-1001-01'], route: ['RT-4421'], invoice: ['INV-90017'], case: ['38211'] });
    expect(trace.recovered).toEqual([]);
  });

  test('a departure received after the arrival is late even when the index wrote it first (two batches at once); one received before, indexed after, is not', async () => {
    const { events } = referenceScenario();
    const byType = (type: string) => events.find((e) => e.metadata.eventType === type)!;
    const arrived = byType('shipment.arrived');
    const departed = byType('shipment.departed');
    const receivedAfter = { ...departed, metadata: { ...departed.metadata, receivedAt: new Date(Date.parse(arrived.metadata.receivedAt) + 60_000).toISOString() } };
    // Written first: the state guard refused nothing, so no stored flag.
    const first = new InMemoryCorrelationStore();
    for (const event of [byType('order.released'), byType('shipment.dispatched'), receivedAfter, arrived]) await indexEvent(first, event, now, 3600);
    expect([...first.items.values()].filter((i) => i.itemType === 'timeline' && i.late === true)).toEqual([]);
    const trace = traceOf(first);
    expect(trace.timeline.filter((h) => h.late).map((h) => h.eventId)).toEqual([receivedAfter.metadata.eventId]);
    expect(trace.summary.lateEvents).toBe(1);
    // Received before the arrival but written after it: out of order, not late.
    const second = new InMemoryCorrelationStore();
    for (const event of [byType('order.released'), byType('shipment.dispatched'), arrived, departed]) await indexEvent(second, event, now, 3600);
    expect(traceOf(second).timeline.filter((h) => h.late)).toEqual([]);
  });

  test('a failure that a later event shows done (after a redrive) is recovered, not failed, and nothing waits for it', async () => {
    const store = new InMemoryCorrelationStore();
    const events = scenarioWithExtras();
    const delivered = events.find((e) => e.metadata.eventType === 'shipment.delivered')!;
    // The redriven message went through: the ERP adapter confirmed the status it had failed to set.
    const synced = scenarioEvent({
      eventType: 'shipment.status-synced',
      system: 'erp',
      vendorEventId: `status-synced-${delivered.metadata.eventId}`,
      occurredAt: '2026-03-12T13:50:00Z',
      refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01' },
      causationId: delivered.metadata.eventId,
      correlationId: 'SO-1001',
      data: { targetSystem: 'erp', status: 'delivered', previousStatus: 'arrived' },
    });
    for (const event of [...events, synced]) await indexEvent(store, event, now, 3600);
    const trace = traceOf(store);
    expect(trace.failed).toEqual([]);
    expect(trace.recovered).toEqual([
      expect.objectContaining({ target: 'erp', failedEventType: 'shipment.delivered', errorCode: 'UpstreamUnavailable', resolvedBy: synced.metadata.eventId, resolvedAt: '2026-03-12T13:50:00.000Z' }),
    ]);
    expect(trace.pending.filter((p) => p.afterEventType === 'shipment.delivered')).toEqual([]);
  });

  test('a confirmation of another operation caused by the same event does not resolve a failure', async () => {
    // The POD's "delivered" went through (status-synced, caused by the POD); its billing-ready call failed for good.
    const store = new InMemoryCorrelationStore();
    const { events } = referenceScenario();
    const pod = events.find((e) => e.metadata.eventType === 'pod.captured')!;
    const chain = events.filter((e) => !['invoice.ready', 'invoice.posted'].includes(e.metadata.eventType));
    const synced = scenarioEvent({
      eventType: 'shipment.status-synced',
      system: 'erp',
      vendorEventId: `status-synced-${pod.metadata.eventId}`,
      occurredAt: '2026-03-12T13:31:30Z',
      refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01' },
      causationId: pod.metadata.eventId,
      correlationId: 'SO-1001',
      data: { targetSystem: 'erp', status: 'delivered', previousStatus: 'arrived' },
    });
    const failed = scenarioEvent({
      eventType: 'sync.failed',
      system: 'orchestrator',
      vendorEventId: `erp-outbound:mark-billing-ready:${pod.metadata.eventId}:r0`,
      occurredAt: '2026-03-12T13:40:00Z',
      refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01' },
      causationId: pod.metadata.eventId,
      correlationId: 'SO-1001',
      data: { targetSystem: 'erp', operation: 'mark-billing-ready', failedEventId: pod.metadata.eventId, failedEventType: 'pod.captured', errorCode: 'UpstreamUnavailable', retryable: true, attempts: 5, deadLettered: true },
    });
    for (const event of [...chain, synced, failed]) await indexEvent(store, event, now, 3600);
    const trace = traceOf(store);
    expect(trace.recovered).toEqual([]);
    expect(trace.failed).toEqual([expect.objectContaining({ target: 'erp', operation: 'mark-billing-ready' })]);
  });

  test('a CS invoice note that failed, then found no ticket and was left for a case, is recovered; not before', async () => {
    const store = new InMemoryCorrelationStore();
    const { events } = referenceScenario();
    const invoice = events.find((e) => e.metadata.eventType === 'invoice.posted')!;
    const failed = csNoteFailed(invoice, '2026-03-12T14:06:00Z', 3);
    for (const event of [...events, failed]) await indexEvent(store, event, now, 3600);
    const items = [...store.items.values()];
    const input = {
      query: 'SO-1001',
      matchedAs: [{ kind: 'order' as const, id: 'SO-1001' }],
      correlationIds: ['SO-1001'],
      truncated: false,
      timeline: items.filter((i) => i.itemType === 'timeline') as unknown as TimelineItem[],
      links: [],
      states: [],
    };
    expect(assembleTrace(input, now).failed).toEqual([expect.objectContaining({ target: 'cs', operation: 'comment-invoice-posted' })]);
    const redriven = assembleTrace({ ...input, leftNotes: [{ eventId: invoice.metadata.eventId, invoiceId: 'INV-90017', leftAt: '2026-03-12T14:30:00.000Z' }] }, now);
    expect(redriven.failed).toEqual([]);
    expect(redriven.recovered).toEqual([expect.objectContaining({ operation: 'comment-invoice-posted', resolvedBy: 'invoice note INV-90017 left for a case', resolvedAt: '2026-03-12T14:30:00.000Z' })]);
  });

  test('a failure dead-lettered after another receive of the same message confirmed the step is recovered, not failed', async () => {
    // A slow CS call outlasted the message's visibility timeout; the message's next receive added the invoice note and
    // recorded it (13:41); the slow receive then ended dead-lettered (13:45). The redrive finds the note there and
    // its record, with the same deterministic id, is not added twice: the confirmation stays earlier than the failure.
    const store = new InMemoryCorrelationStore();
    const { events } = referenceScenario();
    const invoice = events.find((e) => e.metadata.eventType === 'invoice.posted')!;
    const noted = scenarioEvent({
      eventType: 'case.updated',
      system: 'cs',
      vendorEventId: 'ticket-38211-invoice-INV-90017',
      occurredAt: '2026-03-12T13:41:00Z',
      refs: { ...invoice.refs, caseId: '38211' },
      causationId: invoice.metadata.eventId,
      correlationId: 'SO-1001',
      data: { change: 'comment-added', comment: { public: false, relatesTo: 'invoice', attachmentCount: 0 }, tagsAdded: ['invoice-posted'] },
    });
    const failed = csNoteFailed(invoice, '2026-03-12T13:45:00Z', 5);
    for (const event of [...events, noted, failed]) await indexEvent(store, event, now, 3600);
    const trace = traceOf(store);
    expect(trace.failed).toEqual([]);
    expect(trace.recovered).toEqual([expect.objectContaining({ target: 'cs', operation: 'comment-invoice-posted', failedEventType: 'invoice.posted', resolvedBy: noted.metadata.eventId })]);
  });
});

describe('against the emulator (moto DynamoDB)', () => {
  let emulator: Emulator;
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  const table = 'correlation-test';

  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
    client = new DynamoDBClient(clientConfig(emulator.endpoint));
    doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
      }),
    );
    const store = new DynamoDbCorrelationStore(doc, table);
    for (const event of scenarioWithExtras()) await indexEvent(store, event, now, 3600);
  });

  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  test('the shipment state is guarded by a conditional write: it only advances, a late milestone is counted, a repeat changes nothing', async () => {
    const store = new DynamoDbCorrelationStore(doc, table);
    const update = (milestone: 'departed' | 'delivered', rank: number) => ({ shipmentId: 'SHP-GUARD', milestone, rank, eventId: `e-${rank}`, occurredAt: '2026-03-12T10:00:00.000Z', correlationId: 'SO-GUARD' });
    expect(await store.applyMilestone(update('delivered', 5), now, 1)).toBe('advance');
    expect(await store.applyMilestone(update('departed', 3), now, 1)).toBe('late');
    expect(await store.applyMilestone(update('delivered', 5), now, 1)).toBe('repeat');
    expect(await store.putTimeline({ ...(await store.timeline('SO-1001'))[0] })).toBe('duplicate');
  });

  test('a delivery writes milestone and view in one conditional update; a second one and a late one are refused by the rank guard', async () => {
    const store = new DynamoDbCorrelationStore(doc, table);
    const views = new DynamoDbShipmentViewStore(doc, table);
    const { events, lateDeparture } = referenceScenario();
    const moved = (e: (typeof events)[number]) => ({ ...e, refs: { orderId: 'SO-TOGETHER', shipmentId: 'SHP-TOGETHER' }, metadata: { ...e.metadata, eventId: `${e.metadata.eventId}-together`, correlationId: 'SO-TOGETHER' } });
    const byType = (type: string) => moved(events.find((e) => e.metadata.eventType === type)!);
    const state = async () => (await doc.send(new GetCommand({ TableName: table, Key: { pk: 'SHIPMENT#SHP-TOGETHER', sk: 'STATE' } }))).Item!;
    await indexEvent(store, byType('shipment.arrived'), now, 3600, views);
    expect((await indexEvent(store, byType('shipment.delivered'), now, 3600, views)).milestone).toBe('advance');
    expect(await state()).toMatchObject({ milestone: 'delivered', rank: 5, version: 2, viewVersion: 1 });
    // The view in its stored form, through the emulator: compressed in one binary attribute (view-codec.ts).
    expect(viewOfItem(await state())).toMatchObject({ deliveredAt: expect.any(String) });
    expect((await state())?.view).toBeUndefined();
    const again = byType('shipment.delivered');
    expect((await indexEvent(store, { ...again, metadata: { ...again.metadata, eventId: 'second-delivery-together', occurredAt: '2026-03-12T12:00:00Z' } }, now, 3600, views)).milestone).toBe('repeat');
    expect((await indexEvent(store, moved(lateDeparture), now, 3600, views)).milestone).toBe('late');
    expect(await state()).toMatchObject({ milestone: 'delivered', rank: 5, version: 2, lateEvents: 1 });
  });

  test('traceById resolves any id of the transaction to the whole chain, across correlations', async () => {
    const byOrder = await traceById(client, table, 'SO-1001', { now });
    expect(byOrder).toBeDefined();
    expect(byOrder!.matchedAs).toEqual([{ kind: 'order', id: 'SO-1001' }, { kind: 'correlation', id: 'SO-1001' }]);
    expect(byOrder!.correlationIds).toEqual(['SHP-1001-01', 'SO-1001']);
    expect(byOrder!.timeline).toHaveLength(14);
    expect(byOrder!.shipments[0]).toMatchObject({ milestone: 'delivered', lateEvents: 1 });

    for (const id of ['SHP-1001-01', 'RT-4421', 'STP-4421-2', '38211', 'INV-90017']) {
      const trace = await traceById(doc, table, id, { now });
      expect(trace?.timeline.map((h) => h.eventId), id).toEqual(byOrder!.timeline.map((h) => h.eventId));
    }
    expect((await traceById(client, table, 'INV-90017', { now }))!.matchedAs).toEqual([{ kind: 'invoice', id: 'INV-90017' }]);
  });

  test('an unknown id has no trace; a customer id is not followed into other orders', async () => {
    expect(await traceById(client, table, 'SO-9999', { now })).toBeUndefined();
    const byCustomer = await traceById(client, table, 'C-77', { now, maxCorrelations: 1 });
    expect(byCustomer).toMatchObject({ matchedAs: [{ kind: 'customer', id: 'C-77' }], truncated: true });
  });

  test('the circuit opens once, at the threshold, for every container sharing the item', async () => {
    const settings = { failureThreshold: 3, cooldownSeconds: 30, maxCooldownSeconds: 600 };
    const a = new DynamoDbCircuitStore(doc, table, 'erp', settings);
    const b = new DynamoDbCircuitStore(doc, table, 'erp', settings);
    expect((await a.recordFailure(now)).state.openUntil).toBeUndefined();
    expect((await b.recordFailure(now)).state.openUntil).toBeUndefined();
    const { state: opened, opened: byA } = await a.recordFailure(now);
    expect(byA).toBe(true);
    expect(opened).toMatchObject({ consecutiveFailures: 3, openCount: 1, openUntil: now.getTime() + 30_000 });
    expect(await b.load()).toEqual(opened);
    await b.recordSuccess();
    expect(await a.load()).toEqual({ consecutiveFailures: 0, openCount: 0 });
  });

  test('two containers crossing the threshold together: the circuit opens once and only one of them reports it', async () => {
    const settings = { failureThreshold: 2, cooldownSeconds: 30, maxCooldownSeconds: 600 };
    const stores = [0, 1, 2, 3].map(() => new DynamoDbCircuitStore(doc, table, 'cs', settings));
    const results = await Promise.all(stores.map((store) => store.recordFailure(now)));
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    expect(new Set(results.filter((r) => r.state.openUntil !== undefined).map((r) => r.state.openUntil))).toEqual(new Set([now.getTime() + 30_000]));
    expect(await stores[0]!.load()).toMatchObject({ openCount: 1, openUntil: now.getTime() + 30_000 });
  });

  test('degraded mode: one outage item per target, the start and the end each claimed once', async () => {
    const a = new DynamoDbDegradationStore(doc, table, 'cs', 3600);
    const b = new DynamoDbDegradationStore(doc, table, 'cs', 3600);
    const later = new Date(now.getTime() + 60_000);
    expect(await a.noteWaiting('SHP-1 invoice.posted', now)).toEqual({ since: now, waiting: ['SHP-1 invoice.posted'] });
    const state = await b.noteWaiting('SHP-2 case.updated', later);
    expect(state.since).toEqual(now);
    expect([...state.waiting].sort()).toEqual(['SHP-1 invoice.posted', 'SHP-2 case.updated']);
    expect(await Promise.all([a.markNotified(later), b.markNotified(later)])).toEqual(expect.arrayContaining([true, false]));
    expect(await a.end()).toMatchObject({ since: now, notifiedAt: later });
    expect(await b.end()).toBeUndefined();
  });

  test('the ERP\'s status confirmations come from its status guard item, not the ledger: traced with the published ids, nothing left pending', async () => {
    const store = new DynamoDbCorrelationStore(doc, table);
    const guard = new DynamoDbStatusSyncGuard(doc, table, 'erp', 3600);
    const { events } = referenceScenario();
    const moved = (e: (typeof events)[number]): CanonicalDetail => ({ ...e, refs: { orderId: 'SO-SYNCED', shipmentId: 'SHP-SYNCED' }, metadata: { ...e.metadata, eventId: `${e.metadata.eventId}-synced`, correlationId: 'SO-SYNCED' } });
    const milestones = ['shipment.dispatched', 'shipment.departed', 'shipment.arrived', 'shipment.delivered'].map((type) => moved(events.find((e) => e.metadata.eventType === type)!));
    const published: CanonicalDetail[] = [];
    let previousRank = 0;
    for (const [index, event] of milestones.entries()) {
      await indexEvent(store, event, now, 3600);
      // What the ERP adapter does once the ERP answered (lambdas/erp/outbound/erp-outbound.ts).
      const status = (['dispatched', 'in-transit', 'arrived', 'delivered'] as const)[index]!;
      const rank = index + 2;
      const at = new Date(Date.parse(event.metadata.occurredAt) + 1_000);
      await guard.claim('SHP-SYNCED', { rank, owner: `m-${rank}`, now: at });
      await guard.recordSynced('SHP-SYNCED', { rank, status, eventId: event.metadata.eventId, at, owner: `m-${rank}`, confirmation: { correlationId: 'SO-SYNCED', orderId: 'SO-SYNCED', vendor: 'generic-erp' } });
      published.push(statusSyncedEvent(event, 'SHP-SYNCED', status, previousRank, at));
      previousRank = rank;
    }
    const trace = (await traceById(client, table, 'SO-SYNCED', { now }))!;
    const synced = trace.timeline.filter((h) => h.eventType === 'shipment.status-synced');
    expect(synced.map((h) => [h.eventId, h.causationId, h.occurredAt, h.facts.status, h.facts.previousStatus])).toEqual(
      published.map((e) => [e.metadata.eventId, e.metadata.causationId, e.metadata.occurredAt, (e.data as { status: string }).status, (e.data as { previousStatus?: string }).previousStatus]),
    );
    // Each milestone's ERP status is confirmed: nothing waits for the ERP; and no timeline entry was written for them.
    expect(trace.pending.filter((p) => p.expected === 'shipment.status-synced')).toEqual([]);
    expect((await store.timeline('SO-SYNCED')).some((t) => t.eventType === 'shipment.status-synced')).toBe(false);
    // The guard item stays below 1 KB with four confirmations (one write unit per write).
    const item = (await doc.send(new GetCommand({ TableName: table, Key: { pk: 'SHIPMENT#SHP-SYNCED', sk: 'SYNC#erp' } }))).Item!;
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(1024);
  });

  test('the ERP status guard only ever raises the synced rank', async () => {
    const guard = new DynamoDbStatusSyncGuard(doc, table, 'erp', 3600);
    expect(await guard.syncedRank('SHP-G')).toBe(0);
    await guard.recordSynced('SHP-G', { rank: 5, status: 'delivered', eventId: 'e5', at: now });
    await guard.recordSynced('SHP-G', { rank: 3, status: 'in-transit', eventId: 'e3', at: now });
    expect(await guard.syncedRank('SHP-G')).toBe(5);
  });

  test('the ERP status guard decides a skip on a read: a status already synced costs no (failed conditional) write', async () => {
    const writes: string[] = [];
    const counting = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(emulator.endpoint)), { marshallOptions: { removeUndefinedValues: true } });
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^(Update|Put|Delete)/.test(context.commandName ?? '')) writes.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize', name: 'countWrites' },
    );
    const guard = new DynamoDbStatusSyncGuard(counting, table, 'erp', 3600);
    expect(await guard.claim('SHP-R', { rank: 5, owner: 'delivery', now })).toEqual({ kind: 'claimed', previousRank: 0 });
    await guard.recordSynced('SHP-R', { rank: 5, status: 'delivered', eventId: 'e5', at: now, owner: 'delivery' });
    expect(writes).toHaveLength(2);
    // The POD's "delivered", a late arrival, a redelivery: skipped on the read.
    expect(await guard.claim('SHP-R', { rank: 5, owner: 'pod', now })).toEqual({ kind: 'skip', syncedRank: 5 });
    expect(await guard.claim('SHP-R', { rank: 4, owner: 'arrival', now })).toEqual({ kind: 'skip', syncedRank: 5 });
    expect(await guard.claim('SHP-R', { rank: 5, owner: 'delivery', now })).toEqual({ kind: 'skip', syncedRank: 5 });
    expect(writes).toHaveLength(2);
    counting.destroy();
  });

  test('the ERP status guard serializes calls per shipment: one lease, skip at or below the synced rank, leases expire', async () => {
    const a = new DynamoDbStatusSyncGuard(doc, table, 'erp', 3600);
    const b = new DynamoDbStatusSyncGuard(doc, table, 'erp', 3600);
    expect(await a.claim('SHP-L', { rank: 4, owner: 'arrival', now })).toEqual({ kind: 'claimed', previousRank: 0 });
    await expect(b.claim('SHP-L', { rank: 5, owner: 'delivery', now })).rejects.toBeInstanceOf(StatusSyncBusyError);
    await a.recordSynced('SHP-L', { rank: 4, status: 'arrived', eventId: 'e4', at: now, owner: 'arrival' });
    expect(await b.claim('SHP-L', { rank: 5, owner: 'delivery', now })).toEqual({ kind: 'claimed', previousRank: 4 });
    await b.release('SHP-L', 'delivery');
    expect(await a.claim('SHP-L', { rank: 4, owner: 'arrival-again', now })).toEqual({ kind: 'skip', syncedRank: 4 });
    // A crashed holder: its lease expires after STATUS_LEASE_SECONDS; until then only the same owner gets it back.
    // Another owner asking for the same status leaves it to the holder (whose message comes back); another status waits.
    expect(await b.claim('SHP-L', { rank: 5, owner: 'crashed', now })).toMatchObject({ kind: 'claimed' });
    expect(await a.claim('SHP-L', { rank: 5, owner: 'delivery', now })).toEqual({ kind: 'skip', syncedRank: 4, inProgress: true });
    await expect(a.claim('SHP-L', { rank: 6, owner: 'other', now })).rejects.toBeInstanceOf(StatusSyncBusyError);
    expect(await b.claim('SHP-L', { rank: 5, owner: 'crashed', now })).toMatchObject({ kind: 'claimed' });
    const later = new Date(now.getTime() + (STATUS_LEASE_SECONDS + 1) * 1000);
    expect(await a.claim('SHP-L', { rank: 5, owner: 'delivery', now: later })).toEqual({ kind: 'claimed', previousRank: 4 });
    await a.recordSynced('SHP-L', { rank: 5, status: 'delivered', eventId: 'e5', at: later, owner: 'delivery' });
    expect(await b.claim('SHP-L', { rank: 5, owner: 'crashed', now: later })).toEqual({ kind: 'skip', syncedRank: 5 });
  });

  test('invoice notes: left once, listed, one claimant at a time, marked added (never claimed again), released when not; left claimed by the invoice action', async () => {
    const notes = new DynamoDbPendingNotes(doc, table);
    const note = { invoiceId: 'INV-1', orderId: 'SO-N', amount: '10.00', currency: 'EUR', eventId: 'e-inv-1', correlationId: 'SO-N', refs: { orderId: 'SO-N', shipmentId: 'SHP-N', invoiceId: 'INV-1' } };
    expect(await notes.status('SHP-N', 'INV-1')).toBe('none');
    expect(await notes.leave('SHP-N', note, now, 3600)).toBe(true);
    expect(await notes.leave('SHP-N', note, now, 3600)).toBe(false);
    expect(await notes.list('SHP-N')).toEqual([note]);
    expect(await notes.status('SHP-N', 'INV-1')).toBe('left');
    expect(await notes.claim('SHP-N', 'INV-1', 'case-action', now)).toBe(true);
    await expect(notes.claim('SHP-N', 'INV-1', 'invoice-retry', now)).rejects.toBeInstanceOf(PendingNoteBusyError);
    // The same owner again (its retry); only the claimant releases or marks it added.
    expect(await notes.claim('SHP-N', 'INV-1', 'case-action', now)).toBe(true);
    await notes.done('SHP-N', 'INV-1', 'invoice-retry', now);
    expect(await notes.status('SHP-N', 'INV-1')).toBe('left');
    await notes.release('SHP-N', 'INV-1', 'case-action');
    expect(await notes.claim('SHP-N', 'INV-1', 'invoice-retry', now)).toBe(true);
    // A crashed claimant's claim expires.
    const later = new Date(now.getTime() + (PENDING_NOTE_CLAIM_SECONDS + 1) * 1000);
    expect(await notes.claim('SHP-N', 'INV-1', 'case-action', later)).toBe(true);
    await notes.done('SHP-N', 'INV-1', 'case-action', later);
    expect(await notes.list('SHP-N')).toEqual([]);
    expect(await notes.status('SHP-N', 'INV-1')).toBe('added');
    // Added: a claim says so instead of waiting, and the note is never added again.
    expect(await notes.claim('SHP-N', 'INV-1', 'invoice-retry', later)).toBe(false);
    expect(await notes.claim('SHP-N', 'INV-2', 'invoice-retry', later)).toBe(false);
    // The invoice action leaves its note claimed: nobody else takes it until it is released or the claim expires.
    const second = { ...note, invoiceId: 'INV-3', eventId: 'e-inv-3' };
    expect(await notes.leave('SHP-N', second, now, 3600, 'invoice-action#1')).toBe(true);
    await expect(notes.claim('SHP-N', 'INV-3', 'invoice-action#2', now)).rejects.toBeInstanceOf(PendingNoteBusyError);
    await notes.release('SHP-N', 'INV-3', 'invoice-action#1');
    expect(await notes.claim('SHP-N', 'INV-3', 'case-action', now)).toBe(true);
  });

  test('parked alerts: one item per asset id, found by asset from a time on, removed from every id at once', async () => {
    const parked = new DynamoDbParkedAlerts(doc, table);
    const alert = { vendorEventId: 'alert-1', happenedAt: '2026-03-12T10:15:00Z', message: '{"checks":9}' };
    await parked.park([{ kind: 'trailer', ids: ['281474977110204', 'erp.trailer:RF-204'] }, { kind: 'vehicle', ids: ['212014918087523'] }], alert, now);
    expect(await parked.since('trailer', 'erp.trailer:RF-204', '2026-03-12T10:15:00.000Z')).toMatchObject([{ vendorEventId: 'alert-1', message: '{"checks":9}', happenedAt: '2026-03-12T10:15:00.000Z' }]);
    expect(await parked.since('trailer', '281474977110204', '2026-03-12T10:15:00.001Z')).toEqual([]);
    const [found] = await parked.since('vehicle', '212014918087523', '2026-03-12T06:30:00Z');
    expect(found!.parkedIn).toHaveLength(3);
    await parked.remove(found!);
    for (const [kind, id] of [['trailer', '281474977110204'], ['trailer', 'erp.trailer:RF-204'], ['vehicle', '212014918087523']] as const) expect(await parked.since(kind, id, '2026-03-12T00:00:00Z')).toEqual([]);
  });
});
