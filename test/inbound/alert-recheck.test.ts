/**
 * Temperature alerts go through the alert check queue: the intake answers 202 queued without a read (Samsara gives a
 * webhook 5 s, and the reads take longer when the index is behind), the check consumer reads at once and, while the
 * index cannot place the alert yet (the indexer's batch came back only after its visibility timeout, a backlog),
 * again later; it publishes the excursion the in-request mapping would have published, with the same id.
 */
import { describe, expect, test } from 'vitest';
import { InMemoryAlertRecheckQueue } from '../../lambdas/fleet/alert-recheck/queue';
import { createAlertRecheckHandler, delayBeforeNextCheck, MAX_ALERT_CHECKS, waitAfterFailedCheck } from '../../lambdas/fleet/alert-recheck/recheck';
import { RateLimitedError } from '../../lambdas/shared/errors';
import { InMemoryAssetAssignments } from '../../lambdas/fleet/inbound/asset-assignments';
import { fleetDialects, FLEET_CANONICAL_VALIDATORS } from '../../lambdas/fleet/inbound/routes';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import { InMemoryMessageOps } from '../../lambdas/shared/outbound/queue-ops';
import { ALERT_CHECKS_SPAN_SECONDS, InMemoryParkedAlerts, releaseParkedAlerts, type AlertCheckSender, type ParkedAlertStore } from '../../lambdas/shared/parked-alerts';
import { example, lambdaContext, sqsEvent, sqsRecord } from '../outbound/support';
import { InMemoryTelemetry, reeferAlert, TRAILER } from './fixtures/samsara-alerts';
import { apiEvent, harness, json, RecordingLogger, samsaraHeaders } from './support';

/** Truck 17 / RF-204 about to carry SO-1001, an index that does not know it yet, and the recheck consumer. */
function world(options: { queue?: boolean } = {}) {
  const store = new InMemoryCorrelationStore();
  const telemetry = new InMemoryTelemetry();
  telemetry.reefers.set(TRAILER.id, { celsius: 11.5, at: '2026-03-12T10:39:30Z' });
  const assignments = new InMemoryAssetAssignments(() => store.items.values());
  const recheck = new InMemoryAlertRecheckQueue();
  const intake = harness('fleet', fleetDialects({ telemetry, assignments, recheck: options.queue === false ? undefined : recheck }), FLEET_CANONICAL_VALIDATORS);
  const post = async (payload: unknown) => {
    const body = JSON.stringify(payload);
    return intake.handler(apiEvent('/webhooks/fleet/samsara', body, samsaraHeaders(body)));
  };
  const publisher = new InMemoryPublisher();
  const messages = new InMemoryMessageOps();
  const logger = new RecordingLogger();
  const counted: string[] = [];
  const parked = new InMemoryParkedAlerts();
  const consumer = createAlertRecheckHandler({
    ports: { telemetry, assignments },
    publisher,
    queue: recheck,
    parked,
    messages,
    queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/fleet-alert-recheck',
    logger,
    metrics: { count: (name) => counted.push(name) },
  });
  /** Delivers the latest queued request to the consumer, as SQS would after its delay. */
  const deliverNext = async () => {
    const next = recheck.requests.at(-1)!;
    return consumer(sqsEvent(sqsRecord(JSON.stringify(next.request))), lambdaContext());
  };
  const dispatch = () => indexEvent(store, example('shipment.dispatched') as CanonicalDetail, new Date('2026-03-12T06:30:02Z'), 86_400);
  return { store, telemetry, intake, post, recheck, publisher, messages, counted, deliverNext, dispatch, consumer, parked, logger };
}

describe('temperature alerts the index cannot place yet', () => {
  test('the intake reads nothing: it answers 202 queued and sends the alert to be checked at once, publishing nothing', async () => {
    const w = world();
    await w.dispatch();
    const response = await w.post(reeferAlert());
    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ status: 'queued' });
    expect(json(response).reason).toMatch(/read by the alert check/);
    expect(w.telemetry.reads).toEqual([]);
    expect(w.intake.publisher.published).toHaveLength(0);
    expect(w.recheck.requests).toHaveLength(1);
    expect(w.recheck.requests[0]).toMatchObject({ delaySeconds: 0, request: { checks: 0, decoded: { vendorEventType: 'AlertIncident' } } });
    // A vendor retry of the same alert is answered from the idempotency record: not queued twice.
    await w.post(reeferAlert());
    expect(w.recheck.requests).toHaveLength(1);
  });

  test('the first check publishes the excursion the in-request mapping publishes, with the same id', async () => {
    const w = world();
    await w.dispatch();
    await w.post(reeferAlert());
    expect((await w.deliverNext()).batchItemFailures).toEqual([]);
    const [event] = w.publisher.published as CanonicalDetail<Record<string, unknown>>[];
    expect(event.metadata).toMatchObject({ eventType: 'shipment.exception-raised', correlationId: 'SO-1001' });
    expect(event.data).toMatchObject({ kind: 'temperature-excursion', readingCelsius: 11.5 });
    expect(w.counted).toEqual(['AlertMatched']);
    expect(w.recheck.requests).toHaveLength(1);
    // The intake without the queue (reads in the request) gives the same event.
    const direct = world({ queue: false });
    await direct.dispatch();
    await direct.post(reeferAlert());
    expect(direct.intake.publisher.published.map((e) => e.metadata.eventId)).toEqual([event.metadata.eventId]);
    expect(direct.recheck.requests).toHaveLength(0);
  });

  test('once the index knows the dispatch, a recheck publishes the excursion with the same id', async () => {
    const w = world();
    await w.post(reeferAlert());
    await w.deliverNext();
    expect(w.publisher.published).toHaveLength(0);
    expect(w.recheck.requests.map((r) => r.delaySeconds)).toEqual([0, 30]);
    await w.dispatch();
    expect((await w.deliverNext()).batchItemFailures).toEqual([]);
    expect(w.counted).toEqual(['AlertMatchedOnRecheck']);
    const direct = world({ queue: false });
    await direct.dispatch();
    await direct.post(reeferAlert());
    expect(w.publisher.published.map((e) => e.metadata.eventId)).toEqual(direct.intake.publisher.published.map((e) => e.metadata.eventId));
  });

  test('still unmatched: checked again with doubling waits capped at 2 min, then ignored for good after the last check (an empty truck), counted', async () => {
    const w = world();
    await w.post(reeferAlert());
    for (let check = 1; check <= MAX_ALERT_CHECKS; check++) {
      const result = await w.deliverNext();
      expect(result.batchItemFailures).toEqual([]);
    }
    expect(w.recheck.requests.map((r) => r.delaySeconds)).toEqual([0, 30, 60, 120, 120, 120, 120, 120, 120, 120]);
    // About 15 minutes in all, as the docs promise: an index behind the dispatch for up to 15 minutes is waited for.
    expect(w.recheck.requests.map((r) => r.delaySeconds).reduce((a, b) => a + b)).toBe(15.5 * 60);
    expect(w.recheck.requests.at(-1)!.request.checks).toBe(MAX_ALERT_CHECKS - 1);
    expect(w.publisher.published).toHaveLength(0);
    expect(w.counted).toEqual(['AlertUnmatched']);
    expect(delayBeforeNextCheck(1)).toBe(30);
  });

  test('unplaced after its last check, an alert is parked on every id of its assets; a dispatch the index learns after the checks (a redriven route creation) sends it for one more check, which publishes the excursion', async () => {
    const w = world();
    await w.post(reeferAlert());
    for (let check = 1; check <= MAX_ALERT_CHECKS; check++) await w.deliverNext();
    expect(w.publisher.published).toHaveLength(0);
    expect([...w.parked.items.values()].map((i) => [i.pk, i.sk]).sort()).toEqual(
      [
        ['PARKED-ALERT#trailer#281474977110204', `2026-03-12T10:15:00.000Z#${w.recheck.requests[0]!.request.decoded.vendorEventId}`],
        ['PARKED-ALERT#trailer#erp.trailer:RF-204', `2026-03-12T10:15:00.000Z#${w.recheck.requests[0]!.request.decoded.vendorEventId}`],
        ['PARKED-ALERT#vehicle#212014918087523', `2026-03-12T10:15:00.000Z#${w.recheck.requests[0]!.request.decoded.vendorEventId}`],
        ['PARKED-ALERT#vehicle#erp.vehicle:TRK-17', `2026-03-12T10:15:00.000Z#${w.recheck.requests[0]!.request.decoded.vendorEventId}`],
      ].sort(),
    );
    expect(w.logger.lines).toContainEqual(expect.objectContaining({ message: 'alert ignored after its rechecks', extra: [expect.objectContaining({ parkedOn: expect.arrayContaining(['trailer 281474977110204', 'vehicle 212014918087523']) })] }));
    // The route creation, redriven hours later, dates the dispatch from the trip's start (06:30): the indexer finds the
    // alert parked on the truck since then and sends it, once, for the last check.
    const sent: string[] = [];
    const sender: AlertCheckSender = { send: async (alert) => void sent.push(alert.message) };
    await indexEvent(w.store, example('shipment.dispatched') as CanonicalDetail, new Date('2026-03-12T11:00:00Z'), 86_400, undefined, undefined, { store: w.parked, sender });
    expect(sent).toHaveLength(1);
    expect(w.parked.items.size).toBe(0);
    expect((await w.consumer(sqsEvent(sqsRecord(sent[0]!)), lambdaContext())).batchItemFailures).toEqual([]);
    const [event] = w.publisher.published;
    expect(event?.metadata).toMatchObject({ eventType: 'shipment.exception-raised', correlationId: 'SO-1001' });
    // The id the in-request mapping gives it: consumers dedupe, whichever path published it.
    const direct = world({ queue: false });
    await direct.dispatch();
    await direct.post(reeferAlert());
    expect(w.publisher.published.map((e) => e.metadata.eventId)).toEqual(direct.intake.publisher.published.map((e) => e.metadata.eventId));
  });

  test('parked alerts: a dispatch learned in time reads nothing; a late one sends only what happened since it began; a failed send keeps the alert parked', async () => {
    const parked = new InMemoryParkedAlerts();
    let reads = 0;
    const counting: ParkedAlertStore = { park: (a, b, c) => parked.park(a, b, c), since: (...args) => (reads++, parked.since(...args)), remove: (a) => parked.remove(a) };
    const now = new Date('2026-03-12T11:00:00Z');
    await parked.park([{ kind: 'trailer', ids: ['T1'] }], { vendorEventId: 'before', happenedAt: '2026-03-12T05:00:00Z', message: 'm-before' }, now);
    await parked.park([{ kind: 'trailer', ids: ['T1'] }], { vendorEventId: 'after', happenedAt: '2026-03-12T10:00:00Z', message: 'm-after' }, now);
    const sent: string[] = [];
    const sender: AlertCheckSender = { send: async (alert) => void sent.push(alert.message) };
    const inTime = new Date(Date.parse('2026-03-12T06:30:00Z') + (ALERT_CHECKS_SPAN_SECONDS - 60) * 1000);
    expect(await releaseParkedAlerts(counting, sender, [{ assetKind: 'trailer', assetId: 'T1', assignedAt: '2026-03-12T06:30:00Z' }], inTime)).toEqual([]);
    expect(reads).toBe(0);
    const failing: AlertCheckSender = { send: async () => Promise.reject(new Error('SQS down')) };
    await expect(releaseParkedAlerts(counting, failing, [{ assetKind: 'trailer', assetId: 'T1', assignedAt: '2026-03-12T06:30:00Z' }], now)).rejects.toThrow('SQS down');
    expect(parked.items.size).toBe(2);
    expect(await releaseParkedAlerts(counting, sender, [{ assetKind: 'trailer', assetId: 'T1', assignedAt: '2026-03-12T06:30:00Z' }], now)).toEqual(['after']);
    expect(sent).toEqual(['m-after']);
    expect([...parked.items.values()].map((i) => i.vendorEventId)).toEqual(['before']);
  });

  test('without the queue, the intake reads in the request: an asset with none of our shipments is ignored at once', async () => {
    const w = world({ queue: false });
    const response = await w.post(reeferAlert());
    expect(json(response)).toMatchObject({ status: 'ignored' });
    expect(json(response).reason).toMatch(/no logistics-sync shipment was on the alerting trailer or vehicle/);
    expect(w.recheck.requests).toHaveLength(0);
  });

  test('a failed re-queue of an alert still unmatched is a failed check: the message comes back after 30 s, and its retry queues the next check', async () => {
    const w = world();
    await w.post(reeferAlert());
    const logger = new RecordingLogger();
    let sends = 0;
    const flaky = createAlertRecheckHandler({
      ports: { telemetry: w.telemetry, assignments: new InMemoryAssetAssignments(() => w.store.items.values()) },
      publisher: w.publisher,
      queue: { later: async (request, delay) => (++sends === 1 ? Promise.reject(new Error('SQS SendMessage timed out')) : w.recheck.later(request, delay)) },
      messages: w.messages,
      queueUrl: 'q',
      logger,
      metrics: { count: () => undefined },
    });
    const record = sqsRecord(JSON.stringify(w.recheck.requests[0].request), { messageId: 'm-3' });
    expect((await flaky(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([{ itemIdentifier: 'm-3' }]);
    expect(w.messages.visibility).toEqual([{ messageId: 'm-3', seconds: 30 }]);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'alert check failed: tried again later', extra: [expect.objectContaining({ reason: 'SQS SendMessage timed out', checks: 1 })] }));
    expect(w.recheck.requests).toHaveLength(1);
    // SQS delivers the same message again: the check runs again and this time the next one is queued.
    expect((await flaky(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([]);
    expect(w.recheck.requests.map((r) => [r.delaySeconds, r.request.checks])).toEqual([
      [0, 0],
      [30, 1],
    ]);
  });

  test('a failed read is logged and left to SQS, visible again after 30 s (not the 3-min visibility timeout), then the DLQ; a message that is not a request goes to the DLQ with the reason', async () => {
    const w = world();
    await w.post(reeferAlert());
    await w.dispatch();
    const failingLogger = new RecordingLogger();
    const failing = createAlertRecheckHandler({
      ports: {
        telemetry: { sensorTemperature: async () => undefined, reeferTemperature: async () => { throw new Error('fleet API timed out'); } },
        assignments: new InMemoryAssetAssignments(() => w.store.items.values()),
      },
      publisher: w.publisher,
      queue: w.recheck,
      messages: w.messages,
      queueUrl: 'q',
      logger: failingLogger,
      metrics: { count: () => undefined },
    });
    const record = sqsRecord(JSON.stringify(w.recheck.requests[0].request), { messageId: 'm-1' });
    expect((await failing(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(w.publisher.published).toHaveLength(0);
    expect(w.messages.visibility).toEqual([{ messageId: 'm-1', seconds: 30 }]);
    expect(failingLogger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'alert check failed: tried again later', extra: [expect.objectContaining({ reason: 'fleet API timed out', receiveCount: 1, retryInSeconds: 30 })] }));
    // Later receives wait longer (the queue's five receives span 6.5 min before its DLQ); a 429 waits its Retry-After.
    expect([1, 2, 3, 4, 5].map((n) => waitAfterFailedCheck(new Error('down'), n))).toEqual([30, 60, 120, 180, 180]);
    expect(waitAfterFailedCheck(new RateLimitedError('429 to GET /fleet/trailers/…', 7), 1)).toBe(7);

    const bad = await w.consumer(sqsEvent(sqsRecord('{"not":"a request"}', { messageId: 'm-2' })), lambdaContext());
    expect(bad.batchItemFailures).toEqual([]);
    expect(w.messages.deadLettered).toHaveLength(1);
    expect(w.messages.deadLettered[0].attributes['lsync-error-reason']?.StringValue).toBe('not an alert recheck request');
  });
});
