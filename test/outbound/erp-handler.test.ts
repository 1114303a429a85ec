import { describe, expect, test } from 'vitest';
import { ErpOutbound, planErpActions, statusConfirmationsOf } from '../../lambdas/erp/outbound/erp-outbound';
import { InMemoryStatusSyncGuard, UNCERTAIN_LEASE_SECONDS, UNCERTAIN_SETTLE_SECONDS } from '../../lambdas/erp/outbound/status-guard';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { HeldError, RateLimitedError, RejectedByTargetError, UpstreamUnavailableError } from '../../lambdas/shared/errors';
import { targetIdempotencyKey } from '../../lambdas/shared/outbound/idempotency';
import { HOLD_ATTRIBUTES, parseCanonicalMessage } from '../../lambdas/shared/outbound/message';
import { example, expectValidCanonical, InMemoryErp, lambdaContext, outboundHarness, sqsEvent, sqsRecord } from './support';

function erpHarness(options: Parameters<typeof outboundHarness>[1] = {}, vendor?: string) {
  const erp = new InMemoryErp();
  const guard = new InMemoryStatusSyncGuard();
  return { erp, guard, ...outboundHarness(new ErpOutbound(erp, guard, vendor), options) };
}

const departed = example('shipment.departed');
const delivered = example('shipment.delivered');
const pod = example('pod.captured');

describe('planErpActions (pure)', () => {
  const plan = (detail = departed) => planErpActions(parseCanonicalMessage(JSON.stringify({ detail, 'detail-type': detail.metadata.eventType })));

  test('fleet milestones map to ERP statuses', () => {
    expect(plan(example('shipment.dispatched'))).toMatchObject([{ operation: 'update-shipment-status', status: 'dispatched', rank: 2 }]);
    expect(plan(departed)).toMatchObject([{ operation: 'update-shipment-status', status: 'in-transit', rank: 3, shipmentId: 'SHP-1001-01', orderId: 'SO-1001' }]);
    expect(plan(example('shipment.arrived'))).toMatchObject([{ status: 'arrived' }]);
    expect(plan(delivered)).toMatchObject([{ status: 'delivered', rank: 5 }]);
  });

  test('pod.captured asks for status delivered and billing-ready with the POD document', () => {
    expect(plan(pod)).toMatchObject([
      { operation: 'update-shipment-status', status: 'delivered' },
      { operation: 'mark-billing-ready', orderId: 'SO-1001', shipmentId: 'SHP-1001-01', podDocumentId: 'doc-5f0a7c21', deliveredAt: pod.metadata.occurredAt },
    ]);
  });

  test('other events ask nothing of the ERP; a milestone without a shipment is invalid', () => {
    expect(plan(example('case.opened'))).toEqual([]);
    expect(() => plan({ ...departed, refs: { orderId: 'SO-1001' } })).toThrow(/no shipmentId/);
  });
});

describe('ERP outbound handler', () => {
  test('syncs a milestone once with an Idempotency-Key from (event id, action), and confirms it with a valid shipment.status-synced', async () => {
    const { handler, erp, publisher, metrics } = erpHarness();
    const response = await handler(sqsEvent(sqsRecord(departed)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    const [call] = erp.callsOf('updateShipmentStatus');
    expect(call.args[0]).toBe('SHP-1001-01');
    expect(call.args[1]).toEqual({ status: 'in-transit', orderId: 'SO-1001', occurredAt: departed.metadata.occurredAt, eventId: departed.metadata.eventId });
    expect(call.args[2]).toMatch(/^lsync-[0-9a-f]{48}$/);
    const [synced] = expectValidCanonical(publisher.published);
    expect(synced).toMatchObject({
      metadata: { eventType: 'shipment.status-synced', causationId: departed.metadata.eventId, correlationId: 'SO-1001' },
      data: { targetSystem: 'erp', status: 'in-transit' },
    });
    expect(metrics.counts.SyncSucceeded).toBe(1);
  });

  test('the status guard item keeps each confirmation: rebuilt from it, the same events (ids, causation, status, previous status, time) as published', async () => {
    const { handler, guard, publisher } = erpHarness({}, 'business-central');
    for (const event of [example('shipment.dispatched'), departed, example('shipment.arrived'), delivered, pod]) await handler(sqsEvent(sqsRecord(event)), lambdaContext());
    const published = publisher.published.filter((e) => e.metadata.eventType === 'shipment.status-synced');
    expect(published.map((e) => (e.data as { status: string }).status)).toEqual(['dispatched', 'in-transit', 'arrived', 'delivered']);
    const rebuilt = statusConfirmationsOf(guard.items.get('SHP-1001-01'), 'SHP-1001-01');
    const essentials = (e: (typeof published)[number]) => ({ id: e.metadata.eventId, cause: e.metadata.causationId, corr: e.metadata.correlationId, at: e.metadata.occurredAt, vendor: e.metadata.source.vendor, data: e.data, shipment: e.refs.shipmentId, order: e.refs.orderId });
    expect(rebuilt.map(essentials)).toEqual(published.map(essentials));
    expect(statusConfirmationsOf(undefined, 'SHP-1001-01')).toEqual([]);
  });

  test('the confirmations name the ERP vendor the stage calls (generic-erp unless told)', async () => {
    const { handler, publisher } = erpHarness({}, 'business-central');
    await handler(sqsEvent(sqsRecord(delivered), sqsRecord(pod)), lambdaContext());
    const sources = expectValidCanonical(publisher.published).map((e) => `${e.metadata.eventType} ${e.metadata.source.system}/${e.metadata.source.vendor}`);
    expect(sources).toEqual(['shipment.status-synced erp/business-central', 'invoice.ready erp/business-central']);
  });

  test('a redelivered message (same event) causes no second ERP call and no second confirmation', async () => {
    const { handler, erp, publisher } = erpHarness();
    await handler(sqsEvent(sqsRecord(departed)), lambdaContext());
    const response = await handler(sqsEvent(sqsRecord(departed, { receiveCount: 2 })), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(erp.callsOf('updateShipmentStatus')).toHaveLength(1);
    expect(publisher.published).toHaveLength(1);
  });

  test('pod.captured: ERP delivered + billing-ready, confirmed by invoice.ready; delivered is not sent twice when the delivery was synced first', async () => {
    const { handler, erp, publisher, metrics } = erpHarness();
    await handler(sqsEvent(sqsRecord(delivered), sqsRecord(pod)), lambdaContext());
    expect(erp.callsOf('updateShipmentStatus').map((c) => (c.args[1] as { status: string }).status)).toEqual(['delivered']);
    expect(erp.callsOf('markBillingReady')).toHaveLength(1);
    expect(erp.callsOf('markBillingReady')[0].args.slice(0, 2)).toEqual(['SO-1001', { shipmentId: 'SHP-1001-01', podDocumentId: 'doc-5f0a7c21', deliveredAt: pod.metadata.occurredAt }]);
    const types = expectValidCanonical(publisher.published).map((e) => e.metadata.eventType);
    expect(types).toEqual(['shipment.status-synced', 'invoice.ready']);
    // The POD's "delivered" is the same side effect as the delivery's: the status guard finds it synced and skips it
    // instead of calling the ERP again.
    expect(metrics.counts.SyncSucceeded).toBe(2);
    expect(metrics.counts.SyncSkipped).toBe(1);
    expect(metrics.latencies.map((l) => l.name)).toEqual(['PodToBillingReadyLatency']);
  });

  test('"delivered" asked for by the delivery and by the POD at the same moment reaches the ERP once', async () => {
    const { handler, erp } = erpHarness();
    // Two invocations in parallel, as two pollers would run them.
    const responses = await Promise.all([handler(sqsEvent(sqsRecord(delivered)), lambdaContext()), handler(sqsEvent(sqsRecord(pod)), lambdaContext())]);
    // Neither waits for the other: the loser leaves "delivered" to the winner and goes on to billing-ready.
    expect(responses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(erp.callsOf('updateShipmentStatus').map((c) => (c.args[1] as { status: string }).status)).toEqual(['delivered']);
    expect(erp.callsOf('markBillingReady')).toHaveLength(1);
  });

  test('no Powertools record: the status guard runs a status once, the ERP marks billing-ready once', async () => {
    const { handler, erp, persistence, publisher } = erpHarness();
    await handler(sqsEvent(sqsRecord(departed)), lambdaContext());
    expect(persistence.calls.put + persistence.calls.update).toBe(0);
    // Redelivered, as SQS does after a lost delete, and again as a later receive: still one ERP call, one confirmation.
    await handler(sqsEvent(sqsRecord(departed, { receiveCount: 2 })), lambdaContext());
    await handler(sqsEvent(sqsRecord(departed, { receiveCount: 3 })), lambdaContext());
    expect(erp.callsOf('updateShipmentStatus')).toHaveLength(1);
    expect(publisher.published.map((e) => e.metadata.eventType)).toEqual(['shipment.status-synced']);
    await handler(sqsEvent(sqsRecord(pod)), lambdaContext());
    await handler(sqsEvent(sqsRecord(pod, { receiveCount: 2 })), lambdaContext());
    // The redelivery asks the ERP again with the same Idempotency-Key; the ERP answers the first mark.
    const marks = erp.callsOf('markBillingReady');
    expect(marks).toHaveLength(2);
    expect(new Set(marks.map((c) => c.args[2])).size).toBe(1);
    expect(erp.billingReady).toEqual(new Set(['SO-1001/SHP-1001-01']));
    expect(persistence.records.size).toBe(0);
    expect(persistence.calls.put + persistence.calls.update).toBe(0);
  });

  test('a status call whose environment died after calling the ERP is retried with the same Idempotency-Key', async () => {
    const { handler, erp, guard } = erpHarness();
    // The first attempt claimed the shipment and called the ERP, then died before recording: the lease is its own.
    const key = targetIdempotencyKey('erp', 'update-shipment-status', departed.metadata.eventId);
    expect((await guard.claim('SHP-1001-01', { rank: 3, owner: key, now: new Date() })).kind).toBe('claimed');
    await handler(sqsEvent(sqsRecord(departed, { receiveCount: 2 })), lambdaContext());
    await handler(sqsEvent(sqsRecord(departed, { receiveCount: 3 })), lambdaContext());
    // The redelivery takes its own lease back and repeats the call under the same key (the ERP answers it once).
    expect(erp.callsOf('updateShipmentStatus').map((c) => c.args[2])).toEqual([key]);
  });

  test('while another event holds the shipment for the same status, this one leaves that call to it', async () => {
    const { handler, erp, guard, metrics } = erpHarness();
    expect((await guard.claim('SHP-1001-01', { rank: 5, owner: 'lsync-the-delivery', now: new Date() })).kind).toBe('claimed');
    const response = await handler(sqsEvent(sqsRecord(pod)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(erp.callsOf('updateShipmentStatus')).toEqual([]);
    expect(erp.callsOf('markBillingReady')).toHaveLength(1);
    expect(metrics.counts.SyncSkipped).toBe(1);
  });

  test('a late departure after the delivery never moves the ERP status backwards', async () => {
    const { handler, erp } = erpHarness();
    await handler(sqsEvent(sqsRecord(delivered)), lambdaContext());
    const response = await handler(sqsEvent(sqsRecord(departed)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(erp.callsOf('updateShipmentStatus').map((c) => (c.args[1] as { status: string }).status)).toEqual(['delivered']);
  });

  test('429 holds only that message for Retry-After (re-sent with a fresh receive count), even on its second-to-last receive', async () => {
    const { handler, erp, messages, metrics } = erpHarness({ maxReceiveCount: 3 });
    erp.script.failNext('updateShipmentStatus', new RateLimitedError('ERP answered 429', 17));
    const ok = sqsRecord(example('shipment.arrived'));
    const throttled = sqsRecord(departed, { receiveCount: 2 });
    const response = await handler(sqsEvent(throttled, ok), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(messages.visibility).toEqual([]);
    expect(messages.requeued.map((r) => ({ messageId: r.messageId, delaySeconds: r.delaySeconds }))).toEqual([{ messageId: throttled.messageId, delaySeconds: 17 }]);
    expect(messages.deadLettered).toEqual([]);
    expect(metrics.counts.SyncRateLimited).toBe(1);
  });

  test('5xx backs off exponentially by receive count', async () => {
    const { handler, erp, messages } = erpHarness({ maxReceiveCount: 5 });
    erp.script.failNext('updateShipmentStatus', new UpstreamUnavailableError('ERP answered 500', 500), new UpstreamUnavailableError('ERP answered 500', 500));
    const first = sqsRecord(departed, { receiveCount: 1 });
    const third = sqsRecord(departed, { receiveCount: 3 });
    expect((await handler(sqsEvent(first), lambdaContext())).batchItemFailures).toHaveLength(1);
    expect((await handler(sqsEvent(third), lambdaContext())).batchItemFailures).toHaveLength(1);
    // Equal jitter with random 0.5: 3/4 of the ceiling (2 s, then 8 s).
    expect(messages.visibility.map((v) => v.seconds)).toEqual([2, 6]);
  });

  test('a 5xx on the last receive dead-letters the status and frees the shipment after 30 s instead of the 5-min uncertain lease', async () => {
    for (const receiveCount of [2, 3]) {
      const { handler, erp, guard, messages } = erpHarness({ maxReceiveCount: 3 });
      erp.script.failNext('updateShipmentStatus', new UpstreamUnavailableError('ERP answered 503', 503));
      const before = Date.now();
      await handler(sqsEvent(sqsRecord(departed, { receiveCount })), lambdaContext());
      expect(messages.deadLettered).toHaveLength(receiveCount === 3 ? 1 : 0);
      const lease = guard.leases.get(departed.refs.shipmentId!)!;
      expect(lease.uncertain).toBe(true);
      const seconds = Math.round((lease.until - before) / 1000);
      expect(seconds).toBe(receiveCount === 3 ? UNCERTAIN_SETTLE_SECONDS : UNCERTAIN_LEASE_SECONDS);
    }
  });

  test('on the last attempt the adapter dead-letters the message itself with the reason, and publishes sync.failed', async () => {
    const { handler, erp, messages, publisher, metrics } = erpHarness({ maxReceiveCount: 3 });
    erp.script.failNext('markBillingReady', new UpstreamUnavailableError('ERP answered 500 to POST /orders/SO-1001/billing-ready', 500));
    const record = sqsRecord(pod, { receiveCount: 3 });
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(messages.deadLettered).toHaveLength(1);
    const attributes = messages.deadLettered[0].attributes;
    expect(attributes[DLQ_ATTRIBUTES.errorClass].StringValue).toBe('UpstreamUnavailable');
    expect(attributes[DLQ_ATTRIBUTES.errorReason].StringValue).toMatch(/500 to POST \/orders\/SO-1001\/billing-ready/);
    expect(attributes[DLQ_ATTRIBUTES.receiveCount].StringValue).toBe('3');
    expect(attributes[DLQ_ATTRIBUTES.sourceQueueUrl].StringValue).toMatch(/erp-sync$/);
    expect(attributes[DLQ_ATTRIBUTES.redriveCount].StringValue).toBe('0');
    expect(messages.deadLettered[0].body).toBe(record.body);
    const failed = expectValidCanonical(publisher.published).find((e) => e.metadata.eventType === 'sync.failed');
    expect(failed).toMatchObject({
      metadata: { causationId: pod.metadata.eventId, source: { system: 'orchestrator' } },
      data: { targetSystem: 'erp', operation: 'mark-billing-ready', failedEventType: 'pod.captured', retryable: true, attempts: 3, httpStatus: 500, deadLettered: true },
    });
    expect(metrics.counts.SyncDeadLettered).toBe(1);
  });

  test('other 4xx: no retry, dead-lettered at once as not retryable', async () => {
    const { handler, erp, messages, publisher } = erpHarness();
    erp.script.failNext('updateShipmentStatus', new RejectedByTargetError('ERP answered 422 to PUT /shipments/SHP-1001-01/status', 422));
    const response = await handler(sqsEvent(sqsRecord(departed)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(messages.deadLettered[0].attributes[DLQ_ATTRIBUTES.errorClass].StringValue).toBe('RejectedByTarget');
    expect(publisher.published.find((e) => e.metadata.eventType === 'sync.failed')?.data).toMatchObject({ retryable: false, httpStatus: 422 });
  });

  test('a message that is not a canonical event is dead-lettered as a ValidationError', async () => {
    const { handler, messages, erp } = erpHarness();
    const response = await handler(sqsEvent(sqsRecord('{"not":"an event"}')), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(messages.deadLettered[0].attributes[DLQ_ATTRIBUTES.errorClass].StringValue).toBe('ValidationError');
    expect(erp.calls).toEqual([]);
  });

  test('in a maintenance window the backlog is held: re-sent with a delay, no call, no receive burned', async () => {
    const now = new Date('2026-03-15T02:10:00Z');
    const { handler, messages, erp } = erpHarness({ windows: [{ day: '*', startUtc: '02:00', durationMinutes: 15 }], now: () => now });
    const record = sqsRecord(departed, { receiveCount: 3 });
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(erp.calls).toEqual([]);
    expect(messages.requeued).toHaveLength(1);
    expect(messages.requeued[0]).toMatchObject({ delaySeconds: 300, body: record.body });
    expect(messages.requeued[0].attributes[HOLD_ATTRIBUTES.heldCount].StringValue).toBe('1');
    expect(messages.requeued[0].attributes[HOLD_ATTRIBUTES.heldReason].StringValue).toMatch(/maintenance window/);
  });

  test('announced maintenance (503 + Retry-After) holds the message for the announced time', async () => {
    const { handler, erp, messages, circuit } = erpHarness();
    erp.script.failNext('updateShipmentStatus', new HeldError('ERP in maintenance', 60, { context: { status: 503 } }));
    const record = sqsRecord(departed, { receiveCount: 3, attributes: { [HOLD_ATTRIBUTES.heldCount]: '2' } });
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([]);
    expect(messages.requeued[0]).toMatchObject({ delaySeconds: 60 });
    expect(messages.requeued[0].attributes[HOLD_ATTRIBUTES.heldCount].StringValue).toBe('3');
    expect(messages.deadLettered).toEqual([]);
    expect(circuit.state.consecutiveFailures).toBe(1);
  });

  test('after N consecutive failures the circuit opens and the rest of the backlog is held without calling the ERP', async () => {
    const { handler, erp, messages, metrics, circuit } = erpHarness({ maxReceiveCount: 5 });
    const down = () => new UpstreamUnavailableError('ERP answered 502', 502);
    erp.script.failNext('updateShipmentStatus', down(), down(), down(), down());
    // Five shipments: a failed call whose outcome is unknown keeps its own shipment's lease (status-guard.ts).
    const records = [departed, example('shipment.arrived'), delivered, example('shipment.dispatched'), departed].map((d, i) =>
      sqsRecord({ ...d, refs: { ...d.refs, shipmentId: `SHP-CIRCUIT-${i}` } }, { messageId: `m${i}` }),
    );
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(erp.callsOf('updateShipmentStatus')).toHaveLength(0);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m0', 'm1', 'm2']);
    expect(messages.requeued.map((r) => r.messageId)).toEqual(['m3', 'm4']);
    expect(messages.requeued[0].attributes[HOLD_ATTRIBUTES.heldReason].StringValue).toMatch(/circuit open/);
    expect(metrics.counts.CircuitOpened).toBe(1);
    expect(circuit.state.openUntil).toBeGreaterThan(Date.now());
  });

  test('when the cooldown is over one probe goes through, and its success closes the circuit', async () => {
    const { handler, erp, circuit } = erpHarness();
    circuit.state = { consecutiveFailures: 3, openCount: 1, openUntil: Date.now() - 1 };
    const response = await handler(sqsEvent(sqsRecord(departed), sqsRecord(delivered)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(erp.callsOf('updateShipmentStatus')).toHaveLength(2);
    expect(circuit.state).toEqual({ consecutiveFailures: 0, openCount: 0 });
  });

  test('a failed probe re-opens the circuit and holds the rest', async () => {
    const { handler, erp, circuit, messages } = erpHarness({ maxReceiveCount: 5 });
    circuit.state = { consecutiveFailures: 3, openCount: 1, openUntil: Date.now() - 1 };
    erp.script.failNext('updateShipmentStatus', new UpstreamUnavailableError('timed out'));
    const response = await handler(sqsEvent(sqsRecord(departed, { messageId: 'probe' }), sqsRecord(delivered, { messageId: 'next' })), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'probe' }]);
    expect(messages.requeued.map((r) => r.messageId)).toEqual(['next']);
    expect(circuit.state.openCount).toBe(2);
  });

  test('events the ERP does not need are acknowledged and counted as ignored', async () => {
    const { handler, erp, metrics } = erpHarness();
    expect((await handler(sqsEvent(sqsRecord(example('case.opened'))), lambdaContext())).batchItemFailures).toEqual([]);
    expect(erp.calls).toEqual([]);
    expect(metrics.counts.SyncIgnored).toBe(1);
  });

  test('a batch with no time left for another call holds the rest instead of timing out (the first message is always tried)', async () => {
    const { handler, erp, messages } = erpHarness();
    const response = await handler(sqsEvent(sqsRecord(departed, { messageId: 'first' }), sqsRecord(delivered, { messageId: 'second' })), lambdaContext(1_000));
    expect(response.batchItemFailures).toEqual([]);
    expect(erp.callsOf('updateShipmentStatus')).toHaveLength(1);
    expect(messages.requeued).toEqual([expect.objectContaining({ messageId: 'second', delaySeconds: 1 })]);
  });
});
