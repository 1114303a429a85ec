import { describe, expect, test } from 'vitest';
import { CsOutbound, invoiceComment, planCsActions } from '../../lambdas/cs/outbound/cs-outbound';
import { LedgerBillingRecords } from '../../lambdas/cs/outbound/billing-records';
import { InMemoryPendingNotes, PENDING_NOTE_CLAIM_SECONDS, PENDING_NOTE_TTL_SECONDS } from '../../lambdas/cs/outbound/pending-notes';
import { FleetOutbound, formatAddress, planFleetActions, shipmentIdForOrder } from '../../lambdas/fleet/outbound/fleet-outbound';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import { RateLimitedError } from '../../lambdas/shared/errors';
import { parseCanonicalMessage } from '../../lambdas/shared/outbound/message';
import { example, expectValidCanonical, InMemoryCs, InMemoryFleet, lambdaContext, outboundHarness, scenarioEvent, sqsEvent, sqsRecord } from './support';

const released = example('order.released');
const message = (detail: ReturnType<typeof example>, source = `logistics-sync.${detail.metadata.source.system}`) =>
  parseCanonicalMessage(JSON.stringify({ detail, source, 'detail-type': detail.metadata.eventType }));

describe('fleet dispatch', () => {
  test('plans one route per released order the way Samsara accepts it: two stops with coordinates, the first scheduled to depart, assigned to the planned vehicle and driver', () => {
    expect(shipmentIdForOrder('SO-1001')).toBe('SHP-1001-01');
    expect(shipmentIdForOrder('4711')).toBe('SHP-4711-01');
    const [action] = planFleetActions(message(released));
    expect(action.route).toEqual({
      name: 'SO-1001 C-77 Utrecht receiving dock',
      orderId: 'SO-1001',
      shipmentId: 'SHP-1001-01',
      // A vehicle or a driver, never both (Samsara): the vehicle, which the alerts name.
      assignment: { vehicleId: 'erp.vehicle:TRK-17' },
      stops: [
        {
          name: 'Central DC Rotterdam',
          location: { kind: 'coordinates', latitude: 51.8856, longitude: 4.4236, address: 'Distributieweg 12, 3088 GA Rotterdam, NL' },
          // Samsara's default start condition departFirstStop needs a departure time on the first stop.
          scheduledDepartureTime: '2026-03-12T06:00:01.214Z',
        },
        {
          name: 'C-77 Utrecht receiving dock',
          location: { kind: 'coordinates', latitude: 52.1093, longitude: 5.0708, address: 'Koelhuisweg 4, 3542 AB Utrecht, NL' },
          scheduledArrivalTime: '2026-03-12T12:00:00.000Z',
        },
      ],
    });
    // Samsara routes carry no trailer: it travels with the temperature requirement on shipment.dispatched.
    expect(action).toMatchObject({ trailerId: 'erp.trailer:RF-204', temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } } });
    expect(formatAddress({})).toBeUndefined();
    expect(planFleetActions(message(example('shipment.departed')))).toEqual([]);
  });

  test('a location without coordinates is placed by the fleet address book when one is configured, else refused naming the field', () => {
    const data = structuredClone(released.data) as { shipTo: { coordinates?: unknown }; assignment?: unknown };
    delete data.shipTo.coordinates;
    delete data.assignment;
    const withoutCoordinates = message({ ...released, data });
    const [action] = planFleetActions(withoutCoordinates, { addressBookKey: 'erp.location' });
    expect(action.route.stops[1].location).toEqual({ kind: 'address-book', addressId: 'erp.location:C-77-DOCK-1' });
    // Unassigned: a dispatcher assigns the route in Samsara.
    expect(action.route.assignment).toBeUndefined();
    expect(() => planFleetActions(withoutCoordinates)).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'data.shipTo.coordinates' }));
  });

  test('a delivery window that has begun plans the arrival at its end; one that is over lets Samsara recompute the times', () => {
    const late = structuredClone(released);
    late.metadata.receivedAt = '2026-03-12T14:00:00.000Z';
    const [during] = planFleetActions(message(late));
    expect(during.route.stops[0].scheduledDepartureTime).toBe('2026-03-12T14:00:00.000Z');
    // arriveLastStop: the last stop needs an arrival time, never before the departure.
    expect(during.route.stops[1].scheduledArrivalTime).toBe('2026-03-12T16:00:00.000Z');
    expect(during.route.recomputeScheduledTimes).toBeUndefined();
    late.metadata.receivedAt = '2026-03-12T18:00:00.000Z';
    const [after] = planFleetActions(message(late));
    expect(after.route.stops[1].scheduledArrivalTime).toBe('2026-03-12T18:00:00.000Z');
    expect(after.route.recomputeScheduledTimes).toBe(true);
  });

  test('creates the route once and confirms it with shipment.dispatched linking order, shipment and route', async () => {
    const fleet = new InMemoryFleet();
    const { handler, publisher, metrics, persistence } = outboundHarness(new FleetOutbound(fleet));
    await handler(sqsEvent(sqsRecord(released)), lambdaContext());
    await handler(sqsEvent(sqsRecord(released, { receiveCount: 2 })), lambdaContext());
    // No idempotency record of ours: the redelivery asks again and the fleet system answers with the same route.
    expect(persistence.calls.put + persistence.calls.update).toBe(0);
    expect(fleet.createCalls).toBe(2);
    expect(fleet.routes).toHaveLength(1);
    expect(fleet.routes[0].idempotencyKey).toMatch(/^lsync-/);
    // The same confirmation both times (consumers dedupe on its id).
    expect(new Set(publisher.published.map((e) => e.metadata.eventId)).size).toBe(1);
    const [dispatched] = expectValidCanonical(publisher.published);
    expect(dispatched).toMatchObject({
      metadata: { eventType: 'shipment.dispatched', causationId: released.metadata.eventId, correlationId: 'SO-1001', source: { system: 'fleet' } },
      refs: { orderId: 'SO-1001', customerId: 'C-77', shipmentId: 'SHP-1001-01', routeId: 'RT-4421' },
      // What the alert correlation needs: the assets, and the range the load must stay in.
      data: {
        plannedDepartureAt: '2026-03-12T06:00:01.214Z',
        plannedArrivalAt: '2026-03-12T12:00:00.000Z',
        // Samsara's own ids, as its alerts and sensors name the assets: the vehicle from the created route, the
        // trailer read back by the ERP's external id.
        vehicleId: '212014918087523',
        trailerId: '281474977110204',
        temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
      },
    });
    expect(metrics.latencies.map((l) => l.name)).toEqual(['DispatchConfirmationLatency', 'DispatchConfirmationLatency']);
  });

  test('a released order without a ship-to location is dead-lettered, not retried', async () => {
    const { handler, messages } = outboundHarness(new FleetOutbound(new InMemoryFleet()));
    const { shipTo: _shipTo, ...data } = released.data as Record<string, unknown>;
    await handler(sqsEvent(sqsRecord({ ...released, data })), lambdaContext());
    expect(messages.deadLettered).toHaveLength(1);
  });
});

describe('the time an adapter waits for its rate limit', () => {
  test('is emitted once per invocation as RateLimitWait, what the container waited since the last one, a failed batch too', async () => {
    const waits = [1234, 0, 56];
    const taken: number[] = [];
    const { handler, metrics } = outboundHarness(new FleetOutbound(new InMemoryFleet()), {
      rateLimitWait: () => {
        const next = waits.shift()!;
        taken.push(next);
        return next;
      },
    });
    await handler(sqsEvent(sqsRecord(released), sqsRecord(released, { messageId: 'second' })), lambdaContext());
    await handler(sqsEvent(sqsRecord(released, { receiveCount: 2 })), lambdaContext());
    const { shipTo: _shipTo, ...invalid } = released.data as Record<string, unknown>;
    await handler(sqsEvent(sqsRecord({ ...released, data: invalid })), lambdaContext());
    expect(taken).toEqual([1234, 0, 56]);
    expect(metrics.latencies.filter((l) => l.name === 'RateLimitWait').map((l) => l.value)).toEqual([1234, 0, 56]);
  });
});

describe('CS ticket updates', () => {
  const invoice = example('invoice.posted');

  test('plans a ticket comment for a posted invoice, and ticket changes only for case events from other systems', () => {
    expect(planCsActions(message(invoice))).toEqual([
      { operation: 'comment-invoice-posted', guardedByTarget: true, shipmentId: 'SHP-1001-01', orderId: 'SO-1001', invoiceId: 'INV-90017', amount: '20110.50', currency: 'EUR' },
    ]);
    const resolved = scenarioEvent({ eventType: 'case.resolved', system: 'erp', vendorEventId: 'erp-1', occurredAt: '2026-03-12T15:00:00Z', refs: { caseId: '38211' }, data: { status: 'solved', resolutionCode: 'product-released' } });
    expect(planCsActions(message(resolved))).toEqual([
      { operation: 'update-case', caseId: '38211', update: { status: 'solved', comment: { body: 'Resolved by logistics-sync: product-released.', public: false } } },
    ]);
    // CS's own change must not echo back to CS; the workflows' case events record changes already made.
    expect(planCsActions(message(resolved, 'logistics-sync.cs'))).toEqual([]);
    expect(planCsActions(message(resolved, 'logistics-sync.orchestrator'))).toEqual([]);
    expect(planCsActions(message(example('case.opened')))).toEqual([]);
  });

  test('the comment names the invoice, the amount and the proof of delivery', () => {
    const [action] = planCsActions(message(invoice));
    if (action.operation !== 'comment-invoice-posted') throw new Error('unexpected action');
    expect(invoiceComment(action, { documentId: 'doc-5f0a7c21', capturedAt: '2026-03-12T13:31:00.000Z' })).toBe(
      'Invoice INV-90017 (EUR 20110.50) posted for order SO-1001, shipment SHP-1001-01.\nProof of delivery: doc-5f0a7c21 at 2026-03-12T13:31:00.000Z.',
    );
    expect(invoiceComment(action, undefined)).toMatch(/Proof of delivery: not yet recorded\./);
  });

  test('a credit memo is noted as one: its own words and tag, no proof of delivery read; left for a later case, it stays a credit memo', async () => {
    const creditMemo = { ...invoice, refs: { ...invoice.refs, invoiceId: 'CM-4410' }, data: { ...invoice.data, documentType: 'credit-memo', correctsInvoiceId: 'INV-90017', grossAmount: '20110.50' }, metadata: { ...invoice.metadata, eventId: 'c'.repeat(64) } };
    const [action] = planCsActions(message(creditMemo as typeof invoice));
    expect(action).toEqual({ operation: 'comment-invoice-posted', guardedByTarget: true, shipmentId: 'SHP-1001-01', orderId: 'SO-1001', invoiceId: 'CM-4410', amount: '20110.50', currency: 'EUR', documentType: 'credit-memo', correctsInvoiceId: 'INV-90017' });
    expect(invoiceComment(action as Parameters<typeof invoiceComment>[0], undefined)).toBe('Credit memo CM-4410 (EUR 20110.50) posted for order SO-1001, shipment SHP-1001-01, correcting invoice INV-90017.');
    // One that names no invoice it corrects says nothing of one.
    const [unlinked] = planCsActions(message({ ...creditMemo, data: { ...creditMemo.data, correctsInvoiceId: undefined } } as unknown as typeof invoice));
    expect(invoiceComment(unlinked as Parameters<typeof invoiceComment>[0], undefined)).toBe('Credit memo CM-4410 (EUR 20110.50) posted for order SO-1001, shipment SHP-1001-01.');

    let podReads = 0;
    const cs = new InMemoryCs();
    const pending = new InMemoryPendingNotes();
    const billing = { proofOfDelivery: async () => (podReads++, { documentId: 'doc-5f0a7c21', capturedAt: '2026-03-12T13:31:00.000Z' }) };
    let now = new Date();
    const { handler, publisher } = outboundHarness(new CsOutbound(cs, billing, pending), { now: () => now });
    // No ticket yet: the note is left, as a credit memo.
    await handler(sqsEvent(sqsRecord(creditMemo as typeof invoice)), lambdaContext());
    now = new Date(now.getTime() + (PENDING_NOTE_CLAIM_SECONDS + 1) * 1000);
    expect([...pending.items.values()].map((n) => (n as { note?: { documentType?: string } }).note?.documentType ?? (n as { documentType?: string }).documentType)).toEqual(['credit-memo']);
    // The excursion's case is opened later: it takes the left note.
    const { ticketId } = await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const caseOpened = scenarioEvent({
      eventType: 'case.opened',
      system: 'orchestrator',
      vendorEventId: `workflow:temperature-excursion:exc-${ticketId}:case.opened`,
      occurredAt: '2026-03-12T16:00:00Z',
      refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01', caseId: ticketId },
      correlationId: 'SO-1001',
      data: { caseType: 'incident', priority: 'high', status: 'new', trigger: 'temperature-excursion', subject: 'Temperature excursion', externalId: 'SHP-1001-01', tags: [] },
    });
    await handler(sqsEvent(sqsRecord(caseOpened)), lambdaContext());
    expect(cs.updates).toEqual([{ ticketId, update: { comment: { body: 'Credit memo CM-4410 (EUR 20110.50) posted for order SO-1001, shipment SHP-1001-01, correcting invoice INV-90017.', public: false }, additionalTags: ['credit-memo-posted'] } }]);
    expect(podReads).toBe(0);
    expect(publisher.published.map((e) => (e.data as { tagsAdded: string[] }).tagsAdded)).toEqual([['credit-memo-posted']]);
  });

  test('a credit memo is noted on the ticket of the shipment its corrected invoice was posted for, not the one the ERP named', async () => {
    // Two shipments of SO-1001, each with a ticket; INV-90017 billed the first. Business Central names the order's latest
    // billing-ready shipment on a credit memo: here the second.
    const cs = new InMemoryCs();
    const first = await cs.createTicket({ subject: 'Delivery', body: '…', priority: 'normal', externalId: 'SHP-1001-01' });
    await cs.createTicket({ subject: 'Delivery', body: '…', priority: 'normal', externalId: 'SHP-1001-02' });
    const ledger = new InMemoryCorrelationStore();
    await indexEvent(ledger, invoice, new Date(), 3600);
    const creditMemo = {
      ...invoice,
      refs: { ...invoice.refs, invoiceId: 'CM-4410', shipmentId: 'SHP-1001-02' },
      data: { ...invoice.data, documentType: 'credit-memo', correctsInvoiceId: 'INV-90017' },
      metadata: { ...invoice.metadata, eventId: 'd'.repeat(64) },
    } as typeof invoice;
    const pending = new InMemoryPendingNotes();
    const { handler, publisher } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(ledger), pending));
    await handler(sqsEvent(sqsRecord(creditMemo)), lambdaContext());
    expect(cs.updates.map((u) => [u.ticketId, u.update.comment?.body])).toEqual([
      [first.ticketId, 'Credit memo CM-4410 (EUR 20110.50) posted for order SO-1001, shipment SHP-1001-01, correcting invoice INV-90017.'],
    ]);
    expect(publisher.published.map((e) => e.refs.shipmentId)).toEqual(['SHP-1001-01']);
    expect([...pending.items.keys()].every((k) => k.includes('SHP-1001-01'))).toBe(true);
    // An invoice the index does not know: the shipment the ERP named.
    const unknown = { ...creditMemo, data: { ...creditMemo.data, correctsInvoiceId: 'INV-00001' }, metadata: { ...creditMemo.metadata, eventId: 'e'.repeat(64) } } as typeof invoice;
    await handler(sqsEvent(sqsRecord(unknown)), lambdaContext());
    expect(cs.updates.at(-1)?.update.comment?.body).toBe('Credit memo CM-4410 (EUR 20110.50) posted for order SO-1001, shipment SHP-1001-02, correcting invoice INV-00001.');
  });

  test('updates the shipment ticket with the invoice and the POD found in the ledger, once', async () => {
    const cs = new InMemoryCs();
    await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const ledger = new InMemoryCorrelationStore();
    await indexEvent(ledger, example('pod.captured'), new Date(), 3600);
    const { handler, publisher } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(ledger), new InMemoryPendingNotes()));
    await handler(sqsEvent(sqsRecord(invoice)), lambdaContext());
    await handler(sqsEvent(sqsRecord(invoice, { receiveCount: 2 })), lambdaContext());
    expect(cs.updates).toHaveLength(1);
    expect(cs.updates[0]).toMatchObject({ ticketId: '38211', update: { additionalTags: ['invoice-posted', 'pod-captured'] } });
    expect(cs.updates[0].update.comment?.body).toMatch(/Proof of delivery: doc-5f0a7c21/);
    // The CS hop is recorded once, as a case.updated from CS caused by the invoice.
    const [noted] = expectValidCanonical(publisher.published);
    expect(publisher.published).toHaveLength(1);
    expect(noted).toMatchObject({
      metadata: { eventType: 'case.updated', source: { system: 'cs', vendor: 'zendesk' }, causationId: invoice.metadata.eventId },
      refs: { caseId: '38211', invoiceId: 'INV-90017', shipmentId: 'SHP-1001-01' },
      data: { change: 'comment-added', comment: { relatesTo: 'invoice' } },
    });
  });

  test('a case the workflows open after the invoice was posted gets the invoice note once, whichever comes first', async () => {
    const pod = example('pod.captured');
    const opened = (caseId: string) =>
      scenarioEvent({
        eventType: 'case.opened',
        system: 'orchestrator',
        vendorEventId: `workflow:temperature-excursion:exc-${caseId}:case.opened`,
        occurredAt: '2026-03-12T16:00:00Z',
        refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01', caseId },
        correlationId: 'SO-1001',
        data: { caseType: 'incident', priority: 'high', status: 'new', trigger: 'temperature-excursion', subject: 'Temperature excursion', externalId: 'SHP-1001-01', tags: [] },
      });
    expect(planCsActions(message(opened('38211')))).toEqual([{ operation: 'comment-invoice-on-case', shipmentId: 'SHP-1001-01', caseId: '38211', guardedByTarget: true }]);
    // A case opened in CS itself is CS's own business.
    expect(planCsActions(message(opened('38211'), 'logistics-sync.cs'))).toEqual([]);

    // The invoice came first and found no ticket (its note is left); then the excursion's case was opened.
    const cs = new InMemoryCs();
    const ledger = new InMemoryCorrelationStore();
    await indexEvent(ledger, pod, new Date(), 3600);
    const pending = new InMemoryPendingNotes();
    const start = Date.now();
    let now = new Date(start);
    const { handler, publisher, metrics, persistence, messages } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(ledger), pending), { now: () => now });
    await handler(sqsEvent(sqsRecord(invoice)), lambdaContext());
    expect(metrics.counts.SyncSkipped).toBe(1);
    expect(pending.left).toBe(1);
    const { ticketId } = await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const caseOpened = opened(ticketId);
    // The invoice's claim is not released (a write saved per invoice without a ticket): it lapses. A case opened within
    // that minute waits for it (busy, retried shortly), adding nothing meanwhile.
    now = new Date(start + 10_000);
    const early = sqsRecord(caseOpened, { messageId: 'case-early' });
    const waited = await handler(sqsEvent(early), lambdaContext());
    expect([...waited.batchItemFailures.map((f) => f.itemIdentifier), ...messages.requeued.map((r) => r.messageId)]).toContain('case-early');
    expect(cs.updates).toEqual([]);
    expect(pending.left).toBe(1);
    now = new Date(start + (PENDING_NOTE_CLAIM_SECONDS + 1) * 1000);
    await handler(sqsEvent(sqsRecord(caseOpened, { messageId: 'case-early', receiveCount: 2 })), lambdaContext());
    expect(pending.left).toBe(0);
    expect(await pending.status('SHP-1001-01', 'INV-90017')).toBe('added');
    // Both actions are guarded by the note's own item (its claim, then its added mark): no idempotency record at all.
    expect(persistence.records.size).toBe(0);
    expect(cs.updates).toEqual([
      { ticketId, update: expect.objectContaining({ additionalTags: ['invoice-posted', 'pod-captured'], comment: expect.objectContaining({ body: expect.stringMatching(/^Invoice INV-90017 \(EUR 20110\.50\) posted for order SO-1001, shipment SHP-1001-01\.\nProof of delivery: doc-5f0a7c21/) }) }) },
    ]);
    // Recorded as the invoice's CS hop: caused by the invoice, with the id the invoice action would have given it.
    expect(publisher.published).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ eventType: 'case.updated', causationId: invoice.metadata.eventId }), refs: expect.objectContaining({ caseId: ticketId, invoiceId: 'INV-90017' }) }),
    ]);

    // The invoice's own message, redriven or late, and the case event again: the ticket has the note; none added.
    await handler(sqsEvent(sqsRecord(invoice, { messageId: 'redriven' })), lambdaContext());
    await handler(sqsEvent(sqsRecord(caseOpened, { messageId: 'again', receiveCount: 2 })), lambdaContext());
    expect(cs.updates).toHaveLength(1);
    expect(new Set(publisher.published.map((e) => e.metadata.eventId)).size).toBe(1);
  });

  test('a left note is added by one claimant: a retried invoice action waits (busy) while the case\'s action holds it', async () => {
    const cs = new InMemoryCs();
    const pending = new InMemoryPendingNotes();
    const adapter = () => new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), pending);
    // No ticket: the invoice's note is left for a case. (Its message then comes back as if its first attempt had
    // crashed after leaving the note.)
    await outboundHarness(adapter()).handler(sqsEvent(sqsRecord(invoice)), lambdaContext());
    const { handler, messages } = outboundHarness(adapter());
    expect(await pending.list('SHP-1001-01')).toEqual([expect.objectContaining({ invoiceId: 'INV-90017', orderId: 'SO-1001', amount: '20110.50', currency: 'EUR', eventId: invoice.metadata.eventId })]);
    await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    // The invoice's claim lapsed; the case's action has claimed the note (and is adding it); the invoice's message comes
    // back meanwhile.
    expect(await pending.claim('SHP-1001-01', 'INV-90017', 'the-case-action', new Date(Date.now() + (PENDING_NOTE_CLAIM_SECONDS + 1) * 1000))).toBe(true);
    const record = sqsRecord(invoice, { receiveCount: 2 });
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(cs.updates).toEqual([]);
    expect([...response.batchItemFailures.map((f) => f.itemIdentifier), ...messages.requeued.map((r) => r.messageId)]).toContain(record.messageId);
    // The claimant could not finish (released): the invoice's retry adds the note, and it is no longer left.
    await pending.release('SHP-1001-01', 'INV-90017', 'the-case-action');
    await handler(sqsEvent(sqsRecord(invoice, { messageId: record.messageId, receiveCount: 3 })), lambdaContext());
    expect(cs.updates).toHaveLength(1);
    expect(pending.left).toBe(0);
    // Redelivered once more: added already, nothing called.
    await handler(sqsEvent(sqsRecord(invoice, { messageId: 'late-copy', receiveCount: 1 })), lambdaContext());
    expect(cs.updates).toHaveLength(1);
  });

  test('two copies of one invoice event at once (a redelivery beside its original): one claims the note and comments, the other waits, then finds it added', async () => {
    const cs = new InMemoryCs();
    await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const pending = new InMemoryPendingNotes();
    const { handler, messages, persistence } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), pending));
    const [a, b] = [sqsRecord(invoice, { messageId: 'original' }), sqsRecord(invoice, { messageId: 'copy' })];
    const responses = await Promise.all([handler(sqsEvent(a), lambdaContext()), handler(sqsEvent(b), lambdaContext())]);
    expect(cs.updates).toHaveLength(1);
    // The copy came back to wait (busy), not failed for good.
    const waiting = [...new Set([...responses.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier)), ...messages.requeued.map((r) => r.messageId)])];
    expect(waiting).toHaveLength(1);
    await handler(sqsEvent(sqsRecord(invoice, { messageId: waiting[0], receiveCount: 2 })), lambdaContext());
    expect(cs.updates).toHaveLength(1);
    expect(await pending.status('SHP-1001-01', 'INV-90017')).toBe('added');
    expect(persistence.records.size).toBe(0);
  });

  test("an invoice's note item is kept as long as the stage keeps the correlation (not 90 days whatever the stage): a replay within it adds no second note", async () => {
    const cs = new InMemoryCs();
    await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const pending = new InMemoryPendingNotes();
    const now = new Date('2026-03-13T12:00:00Z');
    const twoYears = 730 * 86_400;
    const { handler } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), pending, 'zendesk', twoYears), { now: () => now });
    await handler(sqsEvent(sqsRecord(invoice)), lambdaContext());
    expect(cs.updates).toHaveLength(1);
    expect(pending.items.get('SHP-1001-01/INV-90017')).toMatchObject({ addedAt: expect.any(String), expiresAt: now.getTime() + twoYears * 1000 });
    // Without a stage TTL the default stands.
    const defaults = new InMemoryPendingNotes();
    const { handler: plain } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), defaults), { now: () => now });
    await plain(sqsEvent(sqsRecord(invoice, { messageId: 'other' })), lambdaContext());
    expect(defaults.items.get('SHP-1001-01/INV-90017')?.expiresAt).toBe(now.getTime() + PENDING_NOTE_TTL_SECONDS * 1000);
  });

  test('a case opened before any invoice is left to the invoice note', async () => {
    const cs = new InMemoryCs();
    await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const { handler, metrics } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), new InMemoryPendingNotes()));
    const caseOpened = scenarioEvent({
      eventType: 'case.opened',
      system: 'orchestrator',
      vendorEventId: 'workflow:temperature-excursion:exc-1:case.opened',
      occurredAt: '2026-03-12T11:00:00Z',
      refs: { orderId: 'SO-1001', shipmentId: 'SHP-1001-01', caseId: '38211' },
      correlationId: 'SO-1001',
      data: { caseType: 'incident', priority: 'high', status: 'new', trigger: 'temperature-excursion', subject: 'Temperature excursion', externalId: 'SHP-1001-01', tags: [] },
    });
    expect((await handler(sqsEvent(sqsRecord(caseOpened)), lambdaContext())).batchItemFailures).toEqual([]);
    expect(cs.updates).toEqual([]);
    expect(metrics.counts.SyncSkipped).toBe(1);
  });

  test('an invoice whose POD the index does not have yet waits for it (busy, 10 s) for up to 3 minutes, writing nothing; then notes it, or goes without', async () => {
    const cs = new InMemoryCs();
    await cs.createTicket({ subject: 'Temperature excursion', body: '…', priority: 'high', externalId: 'SHP-1001-01' });
    const ledger = new InMemoryCorrelationStore();
    const pending = new InMemoryPendingNotes();
    let now = new Date(Date.parse(invoice.metadata.receivedAt) + 20_000);
    const { handler, messages } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(ledger), pending), { now: () => now });
    const record = sqsRecord(invoice, { messageId: 'inv-1' });
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([{ itemIdentifier: 'inv-1' }]);
    expect(messages.visibility).toEqual([{ messageId: 'inv-1', seconds: 10 }]);
    expect(cs.updates).toEqual([]);
    expect(pending.left).toBe(0);
    // The ledger catches up: the next delivery notes the invoice with its POD.
    await indexEvent(ledger, example('pod.captured'), now, 3600);
    expect((await handler(sqsEvent(sqsRecord(invoice, { messageId: 'inv-1', receiveCount: 2 })), lambdaContext())).batchItemFailures).toEqual([]);
    expect(cs.updates.map((u) => u.update.comment?.body)).toEqual([expect.stringMatching(/Proof of delivery: doc-5f0a7c21/)]);

    // An invoice whose shipment's POD never reaches the index (posted without one of ours): noted without it after 3 min.
    const other = { ...invoice, metadata: { ...invoice.metadata, eventId: 'f'.repeat(64) }, refs: { ...invoice.refs, invoiceId: 'INV-90018', shipmentId: 'SHP-1002-01' } };
    await cs.createTicket({ subject: 'Delivery', body: '…', priority: 'normal', externalId: 'SHP-1002-01' });
    expect((await handler(sqsEvent(sqsRecord(other, { messageId: 'inv-2' })), lambdaContext())).batchItemFailures).toEqual([{ itemIdentifier: 'inv-2' }]);
    now = new Date(Date.parse(invoice.metadata.receivedAt) + 181_000);
    expect((await handler(sqsEvent(sqsRecord(other, { messageId: 'inv-2', receiveCount: 2 })), lambdaContext())).batchItemFailures).toEqual([]);
    expect(cs.updates.at(-1)?.update.comment?.body).toMatch(/Proof of delivery: not yet recorded\./);
  });

  test('a shipment without a ticket is skipped, not failed', async () => {
    const cs = new InMemoryCs();
    const { handler, metrics } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), new InMemoryPendingNotes()));
    expect((await handler(sqsEvent(sqsRecord(invoice)), lambdaContext())).batchItemFailures).toEqual([]);
    expect(cs.updates).toEqual([]);
    expect(metrics.counts.SyncSkipped).toBe(1);
  });

  test('Zendesk throttling (429) delays the message by Retry-After', async () => {
    const cs = new InMemoryCs();
    cs.script.failNext('updateTicketByExternalId', new RateLimitedError('Zendesk answered 429', 30));
    const { handler, messages } = outboundHarness(new CsOutbound(cs, new LedgerBillingRecords(new InMemoryCorrelationStore()), new InMemoryPendingNotes()));
    const record = sqsRecord(invoice);
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([]);
    expect(messages.requeued.map((r) => ({ messageId: r.messageId, delaySeconds: r.delaySeconds }))).toEqual([{ messageId: record.messageId, delaySeconds: 30 }]);
  });

  test('a failed note call releases its claim at once: the retry (another execution, at the same moment) adds the note', async () => {
    const cs = new InMemoryCs();
    await cs.createTicket({ subject: 'Delivery', body: '…', priority: 'normal', externalId: 'SHP-1001-01' });
    cs.script.failNext('updateTicketByExternalId', new RateLimitedError('Zendesk answered 429', 30));
    const pending = new InMemoryPendingNotes();
    const now = new Date();
    const { handler, messages } = outboundHarness(new CsOutbound(cs, { proofOfDelivery: async () => undefined }, pending), { now: () => now });
    const record = sqsRecord(invoice);
    await handler(sqsEvent(record), lambdaContext());
    expect(messages.requeued.map((r) => r.messageId)).toEqual([record.messageId]);
    expect([...pending.items.values()].map((item) => item.claimedBy)).toEqual([undefined]);
    // Not busy: the claim was released, not left to lapse, so the retry claims it and comments the ticket.
    const retried = await handler(sqsEvent(sqsRecord(invoice, { messageId: record.messageId, receiveCount: 2 })), lambdaContext());
    expect(retried.batchItemFailures).toEqual([]);
    expect(cs.updates).toHaveLength(1);
    expect(await pending.status('SHP-1001-01', 'INV-90017')).toBe('added');
  });
});
