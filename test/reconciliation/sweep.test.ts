/**
 * The reconciliation sweep, without AWS: the planning functions (pure), and one system's sweep (the fleet's, with
 * the real Samsara mapper) over the indexer's in-memory table. The proof that matters most is the first handler
 * test: the milestone a lost webhook carried comes back with the very id that webhook would have produced.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import { FleetRouteObserver } from '../../lambdas/fleet/reconciliation/route-observer';
import { ErpHoldObserver } from '../../lambdas/erp/reconciliation/hold-observer';
import { CaseObserver } from '../../lambdas/cs/reconciliation/case-observer';
import type { CaseHistory } from '../../lambdas/cs/cs-port';
import { mapZendesk } from '../../lambdas/cs/inbound/zendesk';
import { mapCloudEvent } from '../../lambdas/erp/inbound/cloudevents';
import { mapSamsara, type SamsaraWebhook } from '../../lambdas/fleet/inbound/samsara';
import type { RouteRead } from '../../lambdas/fleet/fleet-port';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { RateLimitedError } from '../../lambdas/shared/errors';
import { InMemoryPublisher } from '../../lambdas/shared/event-publisher';
import {
  continuation,
  cursorAfter,
  isBehind,
  isStale,
  missingEvents,
  NO_TOTALS,
  parseSweepMessage,
  timelineKeyOf,
  type SweepMessage,
} from '../../lambdas/shared/reconciliation/sweep-plan';
import { createSweepHandler, sweepPage, type SweepDependencies } from '../../lambdas/shared/reconciliation/sweep-runner';
import { InMemorySweepStore } from '../../lambdas/shared/reconciliation/sweep-store';
import { DLQ_ATTRIBUTES } from '../../registry/queue-attributes';
import { samsaraDeparture, samsaraRoute, zendeskEvent } from '../inbound/fixtures/payloads';
import { lambdaContext, memoryLogger, scenarioEvent, sqsEvent } from '../outbound/support';

const NOW = new Date('2026-03-12T08:20:00Z');
const first = (overrides: Partial<SweepMessage> = {}): SweepMessage => ({ system: 'fleet', startedAt: '2026-03-12T08:15:00.000Z', page: 1, totals: NO_TOTALS, ...overrides });

function dispatched(shipmentId: string, routeId: string): CanonicalDetail {
  return scenarioEvent({ eventType: 'shipment.dispatched', system: 'fleet', vendorEventId: `route-created-${shipmentId}-${routeId}`, occurredAt: '2026-03-12T07:00:00Z', refs: { orderId: 'SO-1001', shipmentId, routeId } });
}

/** The departure webhook as Samsara sends it, mapped by the real intake mapper. */
function webhookDeparture(): CanonicalDetail {
  const payload = samsaraDeparture() as unknown as SamsaraWebhook;
  const result = mapSamsara({ event: payload, vendorEventId: payload.eventId, vendorEventType: payload.eventType }, '2026-03-12T08:05:01.000Z');
  if (result.kind !== 'events') throw new Error(`the departure did not map: ${result.kind}`);
  return result.events[0] as CanonicalDetail;
}

/** A fleet system whose routes are these (keyed by id), read through the sweep's observer. */
function fleetSystem(routes: Record<string, RouteRead>, fail: (routeId: string) => Error | undefined = () => undefined) {
  const reads: string[] = [];
  const observer = new FleetRouteObserver({
    readRoute: async (routeId) => {
      reads.push(routeId);
      const error = fail(routeId);
      if (error) throw error;
      return routes[routeId];
    },
  });
  return { observer, reads };
}

function harness(routes: Record<string, RouteRead>, options: { pageSize?: number; fail?: (routeId: string) => Error | undefined; remainingMs?: () => number } = {}) {
  const table = new InMemoryCorrelationStore();
  const publisher = new InMemoryPublisher();
  const sent: { message: SweepMessage; delaySeconds: number }[] = [];
  const deadLettered: Record<string, string>[] = [];
  const counts: Record<string, number> = {};
  const logger = memoryLogger();
  const fleet = fleetSystem(routes, options.fail);
  const deps: SweepDependencies = {
    system: 'fleet',
    observer: fleet.observer,
    store: new InMemorySweepStore(table.items),
    publisher,
    queue: { send: async (message, delaySeconds = 0) => void sent.push({ message, delaySeconds }), deadLetter: async (_r, attributes) => void deadLettered.push({ ...attributes }) },
    logger,
    metrics: { count: (name, value) => void (counts[name] = (counts[name] ?? 0) + value) },
    settings: { pageSize: options.pageSize ?? 25, intervalSeconds: 900, reserveMs: 1000, queueUrl: 'https://sqs.local/fleet-reconciliation' },
    clock: () => NOW,
  };
  const index = (...events: CanonicalDetail[]) => Promise.all(events.map((e) => indexEvent(table, e, NOW, 86_400)));
  const run = (message = first()) => sweepPage(deps, message, options.remainingMs ?? (() => 60_000));
  return { table, publisher, sent, deadLettered, counts, logger, deps, index, run, reads: fleet.reads };
}

/** A route as the Routes API returns it, from the Samsara fixture (not departed unless the fixture says so). */
const routeRead = (route: object, id?: string): RouteRead => ({ ...(route as RouteRead), ...(id ? { id } : {}) });

describe('sweep planning (pure)', () => {
  test("the scheduler's message starts a sweep at its scheduled time; a continuation carries page, cursor and totals", () => {
    expect(parseSweepMessage('{"system":"fleet","scheduledAt":"2026-03-12T08:15:00Z"}', 'fleet', NOW)).toEqual(first());
    expect(parseSweepMessage('{"system":"fleet"}', 'fleet', NOW).startedAt).toBe(NOW.toISOString());
    const next = continuation(first(), cursorAfter({ shipmentId: 'SHP-2' }), { shipments: 2, found: 1, repaired: 1, unreadable: 0 });
    expect(parseSweepMessage(JSON.stringify(next), 'fleet', NOW)).toEqual(next);
    expect(next).toMatchObject({ page: 2, cursor: { inFlightPk: 'IN-FLIGHT', inFlightSk: 'SHP-2', pk: 'SHIPMENT#SHP-2', sk: 'STATE' } });
    // After a legacy entry (versions before 2026-12-06): the `Lists` index's keys.
    expect(cursorAfter({ shipmentId: 'SHP-2', legacy: true })).toEqual({ listPk: 'LIST#in-flight', listSk: 'SHP-2', pk: 'SHIPMENT#SHP-2', sk: 'INFLIGHT' });
  });

  test('a message for another system, or not JSON, is refused with the reason', () => {
    expect(() => parseSweepMessage('{"system":"erp"}', 'fleet', NOW)).toThrow(/for system "erp", this sweep is fleet's/);
    expect(() => parseSweepMessage('nope', 'fleet', NOW)).toThrow(/not JSON/);
  });

  test('missing events: those whose timeline entry is absent, each once', () => {
    const a = webhookDeparture();
    const b = dispatched('SHP-1001-01', 'RT-4421');
    const key = (e: CanonicalDetail) => `${timelineKeyOf(e).pk}\u0000${timelineKeyOf(e).sk}`;
    expect(missingEvents([a, b, a], new Set([key(b)]))).toEqual([a]);
    expect(missingEvents([a, b], new Set([key(a), key(b)]))).toEqual([]);
  });

  test('a delivered shipment is stale; a sweep running past its interval is behind', () => {
    expect(isStale({ rank: 5, cases: [], holds: [] })).toBe(true);
    expect(isStale({ rank: 4, cases: [], holds: [] })).toBe(false);
    expect(isStale(undefined)).toBe(false);
    expect(isBehind(first(), new Date('2026-03-12T08:29:59Z'), 900)).toBe(false);
    expect(isBehind(first(), new Date('2026-03-12T08:30:01Z'), 900)).toBe(true);
  });
});

describe('the fleet sweep over the correlation index', () => {
  const departedRoute = (): RouteRead => {
    const data = samsaraDeparture().data;
    return { ...routeRead(data.route), vehicle: data.vehicle };
  };

  test('a departure whose webhook never came is published with the id that webhook would have had, once; the next sweep finds nothing', async () => {
    const h = harness({ 'RT-4421': departedRoute() });
    await h.index(dispatched('SHP-1001-01', 'RT-4421'));
    await h.run();
    expect(h.publisher.published.map((e) => [e.metadata.eventType, e.metadata.eventId])).toEqual([['shipment.departed', webhookDeparture().metadata.eventId]]);
    expect(h.publisher.published[0]).toMatchObject({ refs: { shipmentId: 'SHP-1001-01', routeId: 'RT-4421', stopId: 'STP-4421-1' }, metadata: { occurredAt: '2026-03-12T08:05:00Z' } });
    expect(h.counts).toEqual({ ReconciliationDriftFound: 1, ReconciliationDriftRepaired: 1 });
    expect(h.sent).toEqual([]);

    await h.index(...(h.publisher.published as CanonicalDetail[]));
    await h.run();
    expect(h.publisher.published).toHaveLength(1);
    expect(h.counts).toEqual({ ReconciliationDriftFound: 1, ReconciliationDriftRepaired: 1 });
    // The late webhook is now a duplicate for the indexer: the same timeline entry.
    expect(await indexEvent(h.table, webhookDeparture(), NOW, 86_400)).toEqual({ outcome: 'duplicate', slis: [] });
  });

  test('nothing is published when the webhook did arrive; a route not departed yet shows nothing', async () => {
    const h = harness({ 'RT-4421': departedRoute(), 'RT-5': routeRead(samsaraRoute(), 'RT-5') });
    await h.index(dispatched('SHP-1001-01', 'RT-4421'), webhookDeparture(), dispatched('SHP-5', 'RT-5'));
    await h.run();
    expect(h.publisher.published).toEqual([]);
    expect(h.reads.sort()).toEqual(['RT-4421', 'RT-5']);
  });

  test('paged: a page of two sends a continuation after the second shipment, which covers the rest and ends the sweep', async () => {
    const routes = Object.fromEntries(['RT-1', 'RT-2', 'RT-3'].map((id) => [id, routeRead(samsaraRoute(), id)]));
    const h = harness(routes, { pageSize: 2 });
    await h.index(dispatched('SHP-1', 'RT-1'), dispatched('SHP-2', 'RT-2'), dispatched('SHP-3', 'RT-3'));
    await h.run();
    expect(h.reads).toEqual(['RT-1', 'RT-2']);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]).toMatchObject({ delaySeconds: 0, message: { page: 2, totals: { shipments: 2 } } });
    await h.run(h.sent[0]!.message);
    expect(h.reads).toEqual(['RT-1', 'RT-2', 'RT-3']);
    expect(h.sent).toHaveLength(1);
    expect(h.logger.lines.find((l) => l.message === 'reconciliation sweep complete')?.extra).toMatchObject({ pages: 2, shipments: 3, found: 0 });
  });

  test('the vendor asking to slow down pauses the sweep: it resumes after the last shipment done, after Retry-After', async () => {
    const routes = Object.fromEntries(['RT-1', 'RT-2', 'RT-3'].map((id) => [id, routeRead(samsaraRoute(), id)]));
    let limited = true;
    const h = harness(routes, { fail: (id) => (id === 'RT-2' && limited ? new RateLimitedError('429 to GET /fleet/routes/RT-2', 40) : undefined) });
    await h.index(dispatched('SHP-1', 'RT-1'), dispatched('SHP-2', 'RT-2'), dispatched('SHP-3', 'RT-3'));
    await h.run();
    expect(h.sent).toEqual([{ delaySeconds: 40, message: continuation(first(), cursorAfter({ shipmentId: 'SHP-1' }), { shipments: 1, found: 0, repaired: 0, unreadable: 0 }) }]);
    limited = false;
    await h.run(h.sent[0]!.message);
    expect(h.reads).toEqual(['RT-1', 'RT-2', 'RT-2', 'RT-3']);
  });

  test('time running short ends the page early with a continuation; a route the vendor does not know is counted unreadable and skipped', async () => {
    const routes = { 'RT-1': routeRead(samsaraRoute(), 'RT-1'), 'RT-3': routeRead(samsaraRoute(), 'RT-3') };
    let remaining = 60_000;
    const h = harness(routes, { remainingMs: () => (remaining -= 25_000) });
    await h.index(dispatched('SHP-1', 'RT-1'), dispatched('SHP-2', 'RT-2'), dispatched('SHP-3', 'RT-3'));
    await h.run();
    expect(h.reads).toEqual(['RT-1', 'RT-2']);
    expect(h.counts.ReconciliationUnreadable).toBe(1);
    expect(h.sent[0]!.message.cursor).toEqual(cursorAfter({ shipmentId: 'SHP-2' }));
  });

  test('a delivered shipment leaves the index with its delivery: the sweep does not read the vendor for it', async () => {
    const h = harness({});
    await h.index(dispatched('SHP-9', 'RT-9'));
    expect(h.table.state('SHP-9')).toMatchObject({ inFlightPk: 'IN-FLIGHT', inFlightSk: 'SHP-9', routeId: 'RT-9' });
    await h.table.applyMilestone({ shipmentId: 'SHP-9', milestone: 'delivered', rank: 5, eventId: 'delivered-9', occurredAt: '2026-03-12T13:00:00.000Z', correlationId: 'SO-1001' }, NOW, 0);
    await h.run();
    expect(h.reads).toEqual([]);
  });

  test('legacy entries (versions before 2026-12-06) are paged after the index: swept while their shipment is in flight outside the index, dropped once it is delivered or in the index', async () => {
    const routes = Object.fromEntries(['RT-1', 'RT-2', 'RT-3', 'RT-4'].map((id) => [id, routeRead(samsaraRoute(), id)]));
    const h = harness(routes, { pageSize: 2 });
    const legacy = (shipmentId: string, routeId: string) =>
      h.table.items.set(`SHIPMENT#${shipmentId}\u0000INFLIGHT`, { pk: `SHIPMENT#${shipmentId}`, sk: 'INFLIGHT', itemType: 'in-flight', listPk: 'LIST#in-flight', listSk: shipmentId, shipmentId, correlationId: 'SO-1001', orderId: 'SO-1001', routeId });
    // SHP-1: dispatched since the upgrade (in the index) and a legacy entry; SHP-2: only a legacy entry, its state written
    // by the earlier version (no index keys); SHP-3: legacy entry, delivered; SHP-4: in the index only.
    await h.index(dispatched('SHP-1', 'RT-1'), dispatched('SHP-4', 'RT-4'));
    legacy('SHP-1', 'RT-1');
    legacy('SHP-2', 'RT-2');
    h.table.items.set('SHIPMENT#SHP-2\u0000STATE', { pk: 'SHIPMENT#SHP-2', sk: 'STATE', rank: 1, milestone: 'dispatched', correlationId: 'SO-1001' });
    legacy('SHP-3', 'RT-3');
    h.table.items.set('SHIPMENT#SHP-3\u0000STATE', { pk: 'SHIPMENT#SHP-3', sk: 'STATE', rank: 5, milestone: 'delivered', correlationId: 'SO-1001' });
    await h.run();
    // Page 1: the index (SHP-1, SHP-4), full: the legacy entries come next.
    expect(h.sent.at(-1)!.message.cursor).toEqual({ phase: 'legacy' });
    await h.run(h.sent.at(-1)!.message);
    // Page 2: SHP-1's legacy entry dropped (in the index), SHP-2 swept from its entry; page 3: SHP-3's dropped (delivered).
    expect(h.sent.at(-1)!.message.cursor).toEqual(cursorAfter({ shipmentId: 'SHP-2', legacy: true }));
    await h.run(h.sent.at(-1)!.message);
    expect(h.reads).toEqual(['RT-1', 'RT-4', 'RT-2']);
    expect(h.table.items.has('SHIPMENT#SHP-1\u0000INFLIGHT')).toBe(false);
    expect(h.table.items.has('SHIPMENT#SHP-2\u0000INFLIGHT')).toBe(true);
    expect(h.table.items.has('SHIPMENT#SHP-3\u0000INFLIGHT')).toBe(false);
    expect(h.logger.lines.find((l) => l.message === 'reconciliation sweep complete')?.extra).toMatchObject({ pages: 3, shipments: 3 });
    // A sweep begun before the upgrade carries a `Lists` cursor: it goes on with the legacy entries after it.
    const before = harness(routes);
    before.table.items.set('SHIPMENT#SHP-5\u0000INFLIGHT', { pk: 'SHIPMENT#SHP-5', sk: 'INFLIGHT', listPk: 'LIST#in-flight', listSk: 'SHP-5', shipmentId: 'SHP-5', correlationId: 'SO-1001', routeId: 'RT-1' });
    before.table.items.set('SHIPMENT#SHP-0\u0000INFLIGHT', { pk: 'SHIPMENT#SHP-0', sk: 'INFLIGHT', listPk: 'LIST#in-flight', listSk: 'SHP-0', shipmentId: 'SHP-0', correlationId: 'SO-1001', routeId: 'RT-3' });
    await before.run(first({ page: 4, cursor: cursorAfter({ shipmentId: 'SHP-0', legacy: true }) }));
    expect(before.reads).toEqual(['RT-1']);
  });

  test('the handler dead-letters a message that is not a sweep message, with the reason', async () => {
    const h = harness({});
    const handler = createSweepHandler(h.deps);
    const record = { messageId: 'm-1', receiptHandle: 'r', body: '{"system":"cs"}', attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {} } as unknown as SQSRecord;
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(h.deadLettered).toEqual([expect.objectContaining({ [DLQ_ATTRIBUTES.errorClass]: 'BadSweepMessage', [DLQ_ATTRIBUTES.errorReason]: expect.stringMatching(/for system "cs"/) })]);
  });
});

/** One sweep page of `system` with `observer` over an in-memory correlation table; what it published and counted. */
function observerHarness(system: 'erp' | 'cs', observer: SweepDependencies['observer']) {
  const table = new InMemoryCorrelationStore();
  const publisher = new InMemoryPublisher();
  const counts: Record<string, number> = {};
  const deps: SweepDependencies = {
    system,
    observer,
    store: new InMemorySweepStore(table.items),
    publisher,
    queue: { send: async () => undefined, deadLetter: async () => undefined },
    logger: memoryLogger(),
    metrics: { count: (name, value) => void (counts[name] = (counts[name] ?? 0) + value) },
    settings: { pageSize: 25, intervalSeconds: 900, reserveMs: 1000, queueUrl: `https://sqs.local/${system}-reconciliation` },
    clock: () => NOW,
  };
  return { table, publisher, counts, run: () => sweepPage(deps, { ...first(), system }, () => 60_000) };
}

describe('the ERP sweep: quality holds still active in the view', () => {
  const released = { holdId: 'QH-7', orderId: 'SO-1001', shipmentId: 'SHP-7', reason: 'temperature excursion', severity: 'major', status: 'released', placedAt: '2026-03-12T09:00:00Z', releasedAt: '2026-03-12T11:30:00Z', releasedBy: 'erp-user' };

  /** The ERP's release CloudEvent, as the intake maps it (its data is the hold, as the ERP's API returns it). */
  function webhookRelease(): CanonicalDetail {
    const { severity: _s, status: _st, placedAt: _p, ...data } = released;
    const event = { specversion: '1.0' as const, type: 'com.example.erp.quality-hold.released.v1', source: '/erp/quality', id: 'a1b2c3', time: released.releasedAt, datacontenttype: 'application/json', data };
    const result = mapCloudEvent({ event, vendorEventId: event.id, vendorEventType: event.type }, '2026-03-12T11:30:01.000Z', { enqueue: async () => undefined });
    if (result.kind !== 'events') throw new Error(`the release did not map: ${result.kind}`);
    return result.events[0] as CanonicalDetail;
  }

  function erpHarness(holds: Record<string, unknown>) {
    const reads: string[] = [];
    return { reads, ...observerHarness('erp', new ErpHoldObserver({ readQualityHold: async (holdId) => (reads.push(holdId), holds[holdId]) })) };
  }

  /** The shipment in flight with a hold in its view, as the indexer and the view projection leave them. */
  async function inFlightWithHold(table: InMemoryCorrelationStore, holdStatus: 'active' | 'released') {
    await indexEvent(table, dispatched('SHP-7', 'RT-7'), NOW, 86_400);
    const state = table.items.get('SHIPMENT#SHP-7\u0000STATE')!;
    table.items.set('SHIPMENT#SHP-7\u0000STATE', { ...state, view: { shipmentId: 'SHP-7', exceptions: {}, cases: {}, holds: { 'QH-7': { status: holdStatus } } } });
  }

  test('a release whose CloudEvent never came is published with the id the CloudEvent would have had; a hold still active, or known released, publishes nothing', async () => {
    const h = erpHarness({ 'QH-7': released });
    await inFlightWithHold(h.table, 'active');
    await h.run();
    expect(h.publisher.published.map((e) => [e.metadata.eventType, e.metadata.eventId, e.metadata.occurredAt])).toEqual([['quality-hold.released', webhookRelease().metadata.eventId, released.releasedAt]]);
    expect(timelineKeyOf(h.publisher.published[0] as CanonicalDetail)).toEqual(timelineKeyOf(webhookRelease()));
    expect(h.counts.ReconciliationDriftFound).toBe(1);

    const active = erpHarness({ 'QH-7': { ...released, status: 'active', releasedAt: undefined } });
    await inFlightWithHold(active.table, 'active');
    await active.run();
    expect(active.publisher.published).toEqual([]);

    const known = erpHarness({ 'QH-7': released });
    await inFlightWithHold(known.table, 'released');
    await known.run();
    expect(known.reads).toEqual([]);
  });
});

describe('the CS sweep: cases still open in the view', () => {
  const SOLVED_AT = '2026-03-13T08:30:00Z';

  /** Zendesk's status_changed webhook for the solve, as the intake maps it (its event time a fraction after the update). */
  function webhookResolution(status: 'SOLVED' | 'CLOSED' = 'SOLVED', updatedAt = SOLVED_AT): CanonicalDetail {
    const webhook = zendeskEvent('ticket.status_changed', { current: status, previous: 'OPEN' }, { external_id: 'SHP-7', updated_at: updatedAt });
    const result = mapZendesk({ event: { ...webhook, time: `${updatedAt.slice(0, -1)}.512Z` }, vendorEventId: webhook.id, vendorEventType: 'ticket.status_changed' }, '2026-03-13T08:30:02.000Z');
    if (result.kind !== 'events') throw new Error(`the webhook did not map: ${result.kind}`);
    return result.events[0] as CanonicalDetail;
  }

  function csHarness(histories: Record<string, CaseHistory | undefined>) {
    const reads: string[] = [];
    return { reads, ...observerHarness('cs', new CaseObserver({ readCaseHistory: async (caseId) => (reads.push(caseId), histories[caseId]) })) };
  }

  /** The shipment in flight with a case in its view, as the indexer and the view projection leave them. */
  async function inFlightWithCase(table: InMemoryCorrelationStore, caseStatus: 'open' | 'resolved') {
    await indexEvent(table, dispatched('SHP-7', 'RT-7'), NOW, 86_400);
    const state = table.items.get('SHIPMENT#SHP-7\u0000STATE')!;
    table.items.set('SHIPMENT#SHP-7\u0000STATE', { ...state, view: { shipmentId: 'SHP-7', exceptions: {}, cases: { '38211': { status: caseStatus } }, holds: {} } });
  }

  const solved: CaseHistory = {
    vendor: 'zendesk',
    caseId: '38211',
    externalId: 'SHP-7',
    status: 'solved',
    createdAt: '2026-03-12T10:41:10Z',
    statusChanges: [
      { status: 'new', at: '2026-03-12T10:41:10Z' },
      { status: 'solved', at: SOLVED_AT },
    ],
  };

  test('a solve whose webhook never came is published with the id and timeline entry the webhook would have had; the late webhook is the same event', async () => {
    const h = csHarness({ '38211': solved });
    await inFlightWithCase(h.table, 'open');
    await h.run();
    const webhook = webhookResolution();
    expect(h.publisher.published.map((e) => [e.metadata.eventType, e.metadata.eventId, e.data])).toEqual([['case.resolved', webhook.metadata.eventId, webhook.data]]);
    expect(timelineKeyOf(h.publisher.published[0] as CanonicalDetail)).toEqual(timelineKeyOf(webhook));
    expect(h.publisher.published[0]!.refs).toEqual(webhook.refs);
    expect(h.counts.ReconciliationDriftFound).toBe(1);

    // Indexed (as the webhook's copy would be): the next sweep finds nothing missing.
    await indexEvent(h.table, webhook, NOW, 86_400);
    h.publisher.published.length = 0;
    await h.run();
    expect(h.publisher.published).toEqual([]);
  });

  test('solved, then closed by Zendesk: two facts, as they are two webhooks; solved again after a reopen is another fact', async () => {
    const history: CaseHistory = {
      ...solved,
      status: 'closed',
      statusChanges: [...solved.statusChanges, { status: 'open', at: '2026-03-13T09:00:00Z' }, { status: 'solved', at: '2026-03-13T10:00:00Z' }, { status: 'closed', at: '2026-03-17T10:00:00Z' }],
    };
    const h = csHarness({ '38211': history });
    await inFlightWithCase(h.table, 'open');
    await h.run();
    expect(h.publisher.published.map((e) => e.metadata.eventId)).toEqual([
      webhookResolution('SOLVED').metadata.eventId,
      webhookResolution('SOLVED', '2026-03-13T10:00:00Z').metadata.eventId,
      webhookResolution('CLOSED', '2026-03-17T10:00:00Z').metadata.eventId,
    ]);
    expect(new Set(h.publisher.published.map((e) => e.metadata.eventId)).size).toBe(3);
  });

  test('an open ticket, a ticket of another shipment, or a case the view knows resolved publish nothing; a ticket the platform does not have is unreadable', async () => {
    const open = csHarness({ '38211': { ...solved, status: 'open', statusChanges: [] } });
    await inFlightWithCase(open.table, 'open');
    await open.run();
    expect(open.publisher.published).toEqual([]);

    const other = csHarness({ '38211': { ...solved, externalId: 'SHP-8' } });
    await inFlightWithCase(other.table, 'open');
    await other.run();
    expect(other.publisher.published).toEqual([]);

    const known = csHarness({ '38211': solved });
    await inFlightWithCase(known.table, 'resolved');
    await known.run();
    expect(known.reads).toEqual([]);

    const gone = csHarness({});
    await inFlightWithCase(gone.table, 'open');
    const totals = await gone.run();
    expect(totals).toMatchObject({ shipments: 1, unreadable: 1, found: 0 });
    expect(gone.publisher.published).toEqual([]);
  });
});
