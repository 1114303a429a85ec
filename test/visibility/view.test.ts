import { describe, expect, test } from 'vitest';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { viewOfItem } from '../../lambdas/visibility/view-codec';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { assembleTrace } from '../../lambdas/trace/trace-model';
import { entriesOf, listKeys, planEntries, unbilledAttributes, unbilledKeys } from '../../lambdas/visibility/lists';
import { projectView } from '../../lambdas/visibility/project';
import { activeExceptions, cancelledInvoices, foldView, statusOf, type ShipmentView } from '../../lambdas/visibility/shipment-view';
import { InMemoryShipmentViewStore, stableJson } from '../../lambdas/visibility/view-store';
import { scenarioEvent } from '../outbound/support';
import { SHIPMENT, story } from './story';

const now = new Date('2026-03-12T16:00:00Z');
const TTL = 86_400;

function fold(events: readonly CanonicalDetail[], shipmentId = SHIPMENT): ShipmentView {
  return events.reduce<ShipmentView | undefined>((view, event) => foldView(view, shipmentId, event), undefined)!;
}

function upTo(name: keyof ReturnType<typeof story>): CanonicalDetail[] {
  const s = story();
  return s.events.slice(0, s.events.indexOf(s[name] as CanonicalDetail) + 1);
}

describe('foldView: the operational view of a shipment from its events (pure)', () => {
  test('the excursion is reported, then decided major by the workflow through the case it opened, and held', () => {
    const s = story();
    expect(fold(upTo('exception')).exceptions).toEqual({
      [s.exception.metadata.eventId]: { kind: 'temperature-excursion', severity: 'minor', severityBasis: 'reported', status: 'reported', raisedAt: '2026-03-12T10:40:00.000Z' },
    });
    const view = fold(upTo('notified'));
    expect(view).toMatchObject({ shipmentId: SHIPMENT, orderId: 'SO-1001', routeId: 'RT-4421', customerId: 'C-77' });
    expect(view.exceptions[s.exception.metadata.eventId]).toEqual({
      kind: 'temperature-excursion',
      severity: 'major',
      severityBasis: 'decided',
      status: 'open',
      raisedAt: '2026-03-12T10:40:00.000Z',
      caseId: '38211',
      holdId: 'QH-7',
    });
    expect(view.cases['38211']).toMatchObject({ status: 'open', priority: 'high', source: 'workflow', trigger: 'temperature-excursion', exceptionEventId: s.exception.metadata.eventId });
    expect(view.holds['QH-7']).toMatchObject({ status: 'active', placedAt: '2026-03-12T10:40:12.000Z', exceptionEventId: s.exception.metadata.eventId });
    expect(statusOf(view)).toMatchObject({ inTrouble: true, severity: 'major', since: '2026-03-12T10:40:00.000Z', unbilled: false });
  });

  test('solving the case resolves the exception, but the active hold keeps the shipment in trouble, through delivery and invoice', () => {
    const s = story();
    const view = fold(s.events);
    expect(view.exceptions[s.exception.metadata.eventId]).toMatchObject({ status: 'resolved', resolvedBy: 'case.resolved', resolvedAt: '2026-03-12T11:30:00.000Z' });
    expect(view.cases['38211']).toMatchObject({ status: 'resolved', resolvedAt: '2026-03-12T11:30:00.000Z' });
    expect(view).toMatchObject({ deliveredAt: '2026-03-12T13:30:00.000Z', billingReadyAt: '2026-03-12T13:33:00.000Z', invoice: { invoiceId: 'INV-9001', grossAmount: '20110.50', currency: 'EUR' } });
    expect(activeExceptions(view).map((a) => a.exception.kind)).toEqual(['temperature-excursion']);
    expect(statusOf(view)).toMatchObject({ inTrouble: true, severity: 'major', unbilled: false, firstDisruptionAt: '2026-03-12T10:40:00.000Z' });

    const released = foldView(view, SHIPMENT, s.holdReleased);
    expect(statusOf(released)).toMatchObject({ inTrouble: false, severity: 'unknown' });
    expect(released.holds['QH-7']).toMatchObject({ status: 'released', disposition: 'release-to-customer' });
  });

  test('delivered and not invoiced until the invoice is posted', () => {
    expect(statusOf(fold(upTo('ready'))).unbilled).toBe(true);
    expect(statusOf(fold(upTo('posted'))).unbilled).toBe(false);
  });

  test('a credit memo naming no invoice it corrects bills nothing: a delivered shipment stays unbilled, and an invoiced one keeps its invoice', async () => {
    const creditMemo = scenarioEvent({
      eventType: 'invoice.posted',
      system: 'erp',
      vendorEventId: `cm-${SHIPMENT}`,
      occurredAt: '2026-03-12T13:50:00Z',
      refs: { orderId: 'SO-1001', invoiceId: 'CM-4410', shipmentId: SHIPMENT },
      data: { documentType: 'credit-memo', currency: 'EUR', netAmount: '18450.00', grossAmount: '20110.50' },
    });
    const delivered = fold([...upTo('ready'), creditMemo]);
    expect(delivered.invoice).toBeUndefined();
    expect(statusOf(delivered).unbilled).toBe(true);
    // Earlier than the invoice, yet not the invoice.
    expect(fold([...upTo('posted'), creditMemo]).invoice).toMatchObject({ invoiceId: 'INV-9001' });
    // The projection reads nothing for it.
    const store = new InMemoryShipmentViewStore();
    expect(await projectView(store, creditMemo, now, TTL)).toEqual({ shipments: [], milestoneApplied: false });
  });

  describe('credit memos that name the invoice they correct', () => {
    const memo = (id: string, grossAmount: string, options: { corrects?: string; currency?: string; at?: string } = {}) =>
      scenarioEvent({
        eventType: 'invoice.posted',
        system: 'erp',
        vendorEventId: `cm-${id}`,
        occurredAt: options.at ?? '2026-03-12T15:00:00Z',
        refs: { orderId: 'SO-1001', invoiceId: id, shipmentId: SHIPMENT },
        data: { documentType: 'credit-memo', correctsInvoiceId: options.corrects ?? 'INV-9001', currency: options.currency ?? 'EUR', netAmount: grossAmount, grossAmount },
      });
    const invoice = (id: string, at: string, grossAmount = '20110.50') =>
      scenarioEvent({
        eventType: 'invoice.posted',
        system: 'erp',
        vendorEventId: `inv-${id}`,
        occurredAt: at,
        refs: { orderId: 'SO-1001', invoiceId: id, shipmentId: SHIPMENT },
        data: { documentType: 'invoice', currency: 'EUR', netAmount: grossAmount, grossAmount },
      });

    test('one for the whole invoice (a cancellation) puts the shipment back among the unbilled, in either order; the next invoice bills it again', () => {
      const cancelled = fold([...upTo('posted'), memo('CM-1', '20110.50')]);
      expect(cancelled.invoice).toBeUndefined();
      expect(statusOf(cancelled).unbilled).toBe(true);
      expect(cancelled.creditMemos).toEqual({ 'CM-1': { correctsInvoiceId: 'INV-9001', postedAt: '2026-03-12T15:00:00.000Z', currency: 'EUR', grossAmount: '20110.50' } });
      // The credit memo indexed before its invoice: the same view.
      const s = upTo('posted');
      const reordered = fold([...s.slice(0, -1), memo('CM-1', '20110.50'), s[s.length - 1]!]);
      expect(stableJson(reordered)).toBe(stableJson(cancelled));
      // Negative totals (the ERP's sign convention) cancel as well; repeated, nothing changes.
      expect(statusOf(fold([...upTo('posted'), memo('CM-1', '-20110.50'), memo('CM-1', '-20110.50')])).unbilled).toBe(true);
      // The order invoiced anew: billed by the new invoice, the cancelled one kept beside it.
      const reinvoiced = foldView(cancelled, SHIPMENT, invoice('INV-9002', '2026-03-12T16:00:00Z'));
      expect(reinvoiced.invoice).toMatchObject({ invoiceId: 'INV-9002', postedAt: '2026-03-12T16:00:00.000Z' });
      expect(Object.keys(reinvoiced.invoices ?? {}).sort()).toEqual(['INV-9001', 'INV-9002']);
      expect(statusOf(reinvoiced).unbilled).toBe(false);
      // The API's rows say which invoice was cancelled, and by what.
      const posted = upTo('posted').at(-1)!.metadata.occurredAt;
      expect(cancelledInvoices(reinvoiced)).toEqual([{ invoiceId: 'INV-9001', postedAt: new Date(posted).toISOString(), creditMemoIds: ['CM-1'] }]);
    });

    test('partial ones leave the invoice standing until they add up to it; another currency or another invoice does not count', () => {
      const partial = fold([...upTo('posted'), memo('CM-1', '110.50')]);
      expect(partial.invoice).toMatchObject({ invoiceId: 'INV-9001' });
      expect(statusOf(partial).unbilled).toBe(false);
      expect(cancelledInvoices(partial)).toEqual([]);
      const twoMemos = foldView(partial, SHIPMENT, memo('CM-2', '20000.00'));
      expect(statusOf(twoMemos).unbilled).toBe(true);
      expect(cancelledInvoices(twoMemos).map((c) => c.creditMemoIds)).toEqual([['CM-1', 'CM-2']]);
      expect(statusOf(fold([...upTo('posted'), memo('CM-1', '20110.50', { currency: 'USD' })])).unbilled).toBe(false);
      expect(statusOf(fold([...upTo('posted'), memo('CM-1', '20110.50', { corrects: 'INV-0001' })])).unbilled).toBe(false);
    });

    test('with two invoices, cancelling the earlier one leaves the later one as the invoice', () => {
      const two = fold([...upTo('posted'), invoice('INV-9002', '2026-03-12T14:30:00Z', '100.00')]);
      expect(two.invoice).toMatchObject({ invoiceId: 'INV-9001' });
      expect(two.creditMemos).toBeUndefined();
      expect(foldView(two, SHIPMENT, memo('CM-1', '20110.50')).invoice).toMatchObject({ invoiceId: 'INV-9002', grossAmount: '100.00' });
    });

    test('a view saved with its invoice alone (before `invoices` existed) is cancelled the same way; the common case stores `invoice` alone', () => {
      const one = fold(upTo('posted'));
      expect(one.invoices).toBeUndefined();
      expect(one.creditMemos).toBeUndefined();
      expect(foldView({ ...one }, SHIPMENT, memo('CM-1', '20110.50')).invoice).toBeUndefined();
    });

    test('a credit memo that names another shipment of the order than its invoice\'s still cancels that invoice (the order\'s shipments are read)', async () => {
      const store = new InMemoryCorrelationStore();
      const views = new InMemoryShipmentViewStore(store.items);
      const other = 'SHP-1001-02';
      // Both shipments delivered; the invoice is the first one's.
      for (const event of [...upTo('posted'), ...story(other).events.slice(0, upTo('ready').length)]) await indexEvent(store, event, now, TTL, views);
      const billing = (id: string) => statusOf(viewOfItem(store.items.get(`SHIPMENT#${id}\u0000STATE`))!).unbilled;
      expect([billing(SHIPMENT), billing(other)]).toEqual([false, true]);
      // The ERP's credit memo names the order's other shipment (Business Central: its latest billing-ready row).
      const misattributed = scenarioEvent({
        eventType: 'invoice.posted',
        system: 'erp',
        vendorEventId: 'cm-elsewhere',
        occurredAt: '2026-03-12T15:00:00Z',
        refs: { orderId: 'SO-1001', invoiceId: 'CM-7', shipmentId: other },
        data: { documentType: 'credit-memo', correctsInvoiceId: 'INV-9001', currency: 'EUR', netAmount: '20110.50', grossAmount: '20110.50' },
      });
      await indexEvent(store, misattributed, now, TTL, views);
      expect([billing(SHIPMENT), billing(other)]).toEqual([true, true]);
      expect(viewOfItem(store.items.get(`SHIPMENT#${SHIPMENT}\u0000STATE`))!.invoice).toBeUndefined();
    });

    test('the projection writes it: the state item enters the unbilled index again', async () => {
      const store = new InMemoryShipmentViewStore();
      for (const event of upTo('posted')) await projectView(store, event, now, TTL);
      const item = () => store.items.get(`SHIPMENT#${SHIPMENT}\u0000STATE`) as Record<string, unknown>;
      expect(item()[unbilledKeys.pkAttribute]).toBeUndefined();
      expect(await projectView(store, memo('CM-1', '20110.50'), now, TTL)).toMatchObject({ shipments: [{ shipmentId: SHIPMENT, outcome: 'updated' }] });
      expect(item()).toMatchObject({ [unbilledKeys.pkAttribute]: unbilledKeys.pk });
    });
  });

  test('the delivery resolves exceptions raised before it, not a damage found after it', () => {
    const s = story();
    const damage = scenarioEvent({
      eventType: 'shipment.exception-raised',
      system: 'fleet',
      vendorEventId: 'damage-1',
      occurredAt: '2026-03-12T13:45:00Z',
      refs: { shipmentId: SHIPMENT },
      data: { kind: 'damage', reportedSeverity: 'high' },
    });
    const view = fold([s.exception, s.delivered, damage]);
    expect(view.exceptions[s.exception.metadata.eventId]).toMatchObject({ status: 'resolved', resolvedBy: 'delivery' });
    expect(view.exceptions[damage.metadata.eventId]).toMatchObject({ status: 'reported', severity: 'major' });
  });

  test('idempotent and independent of the order the events arrive in', () => {
    const s = story();
    const inOrder = fold(s.events);
    expect(stableJson(fold([...s.events, ...s.events]))).toBe(stableJson(inOrder));
    expect(stableJson(fold([...s.events].reverse()))).toBe(stableJson(inOrder));
    // The case's own opening after its resolution still leaves it resolved, and the exception with it.
    const lateOpening = fold([s.exception, s.solved, s.caseOpened]);
    expect(lateOpening.cases['38211']?.status).toBe('resolved');
    expect(lateOpening.exceptions[s.exception.metadata.eventId]?.status).toBe('resolved');
  });

  test('an ETA breach has no exception event: the delay workflow’s case stands for it', () => {
    const breach = scenarioEvent({ eventType: 'shipment.eta-updated', system: 'fleet', vendorEventId: 'eta-1', occurredAt: '2026-03-12T12:00:00Z', refs: { shipmentId: SHIPMENT }, data: { etaAt: '2026-03-12T20:00:00Z' } });
    const caseOpened = scenarioEvent({
      eventType: 'case.opened',
      system: 'orchestrator',
      vendorEventId: 'workflow:delay:x:case.opened',
      occurredAt: '2026-03-12T12:00:05Z',
      refs: { shipmentId: SHIPMENT, caseId: '500' },
      data: { caseType: 'incident', priority: 'normal', status: 'new', trigger: 'delay' },
      causationId: breach.metadata.eventId,
    });
    const view = fold([breach, caseOpened]);
    expect(Object.values(view.exceptions)).toEqual([{ kind: 'delay', severity: 'minor', severityBasis: 'decided', status: 'open', raisedAt: '2026-03-12T12:00:05.000Z', caseId: '500' }]);
  });

  test('events of other types change nothing', () => {
    const s = story();
    const view = fold(upTo('exception'));
    expect(foldView(view, SHIPMENT, s.dispatched)).toBe(view);
  });
});

describe('list entries (pure)', () => {
  test('in trouble sorts most severe first, then oldest; disrupted by month of the first exception; unbilled by delivery, on the state item', () => {
    const entries = entriesOf(fold(upTo('ready')));
    expect(entries.map((e) => [e.list, e.listPk, e.listSk])).toEqual([
      ['trouble', 'LIST#trouble', `3#2026-03-12T10:40:00.000Z#${SHIPMENT}`],
      ['disrupted', 'LIST#disrupted#2026-03', `2026-03-12T10:40:00.000Z#${SHIPMENT}`],
    ]);
    expect(entries[0]).toMatchObject({ pk: `SHIPMENT#${SHIPMENT}`, sk: 'LIST#trouble', customerId: 'C-77', severity: 'major', since: '2026-03-12T10:40:00.000Z' });
    // Unbilled: the `Unbilled` GSI's keys on the state item the view's save writes, from delivery until the invoice.
    expect(unbilledAttributes(fold(upTo('exception')))).toEqual({ set: {}, remove: ['unbilledPk', 'unbilledSk'] });
    expect(unbilledAttributes(fold(upTo('ready')))).toEqual({ set: { unbilledPk: 'UNBILLED', unbilledSk: `2026-03-12T13:30:00.000Z#${SHIPMENT}`, customerId: 'C-77' }, remove: [] });
    expect(unbilledAttributes(fold(story().events))).toEqual({ set: {}, remove: ['unbilledPk', 'unbilledSk'] });
  });

  test('planEntries writes only what changed: a new severity, a membership, a customer learned', () => {
    const reported = fold(upTo('exception'));
    const decided = fold(upTo('caseOpened'));
    expect(planEntries(reported, decided).put.map((e) => e.list)).toEqual(['trouble']);
    const same = fold(upTo('holdPlaced'));
    expect(planEntries(decided, same)).toEqual({ put: [], remove: [] });
    const invoiced = fold(story().events);
    expect(planEntries(fold(upTo('ready')), invoiced)).toEqual({ put: [], remove: [] });
  });
});

describe('projectView: what the indexer writes', () => {
  test('the reference story writes the view only when it changes, and the list entries only when they do', async () => {
    const views = new InMemoryShipmentViewStore();
    const outcomes: string[] = [];
    for (const event of story().events) {
      const result = await projectView(views, event, now, TTL);
      outcomes.push(`${event.metadata.eventType}:${result.shipments.map((r) => r.outcome).join(',') || '-'}`);
    }
    expect(outcomes).toEqual([
      'order.released:-',
      'shipment.dispatched:-',
      'shipment.exception-raised:updated',
      'case.opened:updated',
      'quality-hold.placed:updated',
      'customer.notified:updated',
      'case.resolved:updated',
      'case.resolved:unchanged',
      'case.updated:unchanged',
      'shipment.delivered:updated',
      'pod.captured:unchanged',
      'invoice.ready:updated',
      'invoice.posted:updated',
    ]);
    // Entries: trouble and disrupted on the excursion, trouble again when the case makes it major, both again when
    // the customer becomes known. Unbilled rides on the view's own writes (delivery in, invoice out).
    expect(views.writes).toEqual({ view: 8, entry: 5, impact: 0 });
    expect(views.entries().map((e) => e.list).sort()).toEqual(['disrupted', 'trouble']);
  });

  test('a shipment without trouble costs three view writes and no entry write over its life: unbilled is on its state item', async () => {
    const views = new InMemoryShipmentViewStore();
    const s = story('SHP-2000-01');
    const unbilledKeysOf = () => {
      const item = views.items.get(`SHIPMENT#SHP-2000-01\u0000STATE`);
      return [item?.unbilledPk, item?.unbilledSk];
    };
    for (const event of [s.released, s.dispatched]) await projectView(views, event, now, TTL);
    expect(unbilledKeysOf()).toEqual([undefined, undefined]);
    await projectView(views, s.delivered, now, TTL);
    expect(unbilledKeysOf()).toEqual(['UNBILLED', '2026-03-12T13:30:00.000Z#SHP-2000-01']);
    for (const event of [s.pod, s.ready]) await projectView(views, event, now, TTL);
    expect(unbilledKeysOf()).toEqual(['UNBILLED', '2026-03-12T13:30:00.000Z#SHP-2000-01']);
    await projectView(views, s.posted, now, TTL);
    expect(unbilledKeysOf()).toEqual([undefined, undefined]);
    expect(views.writes).toEqual({ view: 3, entry: 0, impact: 0 });
    expect(views.entries()).toEqual([]);
  });

  test('upgrading: a shipment an older version listed as unbilled by an entry moves to its state item at its next save, and the entry goes', async () => {
    const views = new InMemoryShipmentViewStore();
    const s = story('SHP-2000-01');
    for (const event of [s.released, s.dispatched, s.delivered]) await projectView(views, event, now, TTL);
    // As an older version left it: the view unbilled, no index keys, an entry `LIST#unbilled`.
    const state = views.items.get('SHIPMENT#SHP-2000-01\u0000STATE')!;
    delete state.unbilledPk;
    delete state.unbilledSk;
    const legacy = { pk: 'SHIPMENT#SHP-2000-01', sk: 'LIST#unbilled', itemType: 'list-entry', list: 'unbilled', listPk: listKeys.unbilledPk, listSk: `2026-03-12T13:30:00.000Z#SHP-2000-01`, shipmentId: 'SHP-2000-01', viewVersion: state.viewVersion, expiresAt: 0 };
    views.items.set('SHIPMENT#SHP-2000-01\u0000LIST#unbilled', legacy);
    expect((await views.load('SHP-2000-01')).unbilledIndexed).toBe(false);
    await projectView(views, s.ready, now, TTL);
    const stateOf = () => views.items.get('SHIPMENT#SHP-2000-01\u0000STATE')!;
    expect(stateOf()).toMatchObject({ unbilledPk: 'UNBILLED', unbilledSk: '2026-03-12T13:30:00.000Z#SHP-2000-01' });
    expect(views.items.has('SHIPMENT#SHP-2000-01\u0000LIST#unbilled')).toBe(false);
    // Once moved, later saves touch no entry.
    const entryWrites = views.writes.entry;
    await projectView(views, s.posted, now, TTL);
    expect(views.writes.entry).toBe(entryWrites);
    expect(stateOf().unbilledPk).toBeUndefined();
  });

  test('an invoice naming only its order updates the order’s shipments', async () => {
    const correlation = new InMemoryCorrelationStore();
    const views = new InMemoryShipmentViewStore(correlation.items);
    const s = story();
    for (const event of [s.released, s.dispatched, s.delivered]) await indexEvent(correlation, event, now, TTL, views);
    const { shipmentId: _omitted, ...refs } = s.posted.refs;
    await indexEvent(correlation, { ...s.posted, refs }, now, TTL, views);
    expect((await views.load(SHIPMENT)).view?.invoice?.invoiceId).toBe('INV-9001');
    expect(views.entries('unbilled')).toEqual([]);
  });

  test('the indexer keeps the view on the shipment’s state item, beside the guarded milestone; a redelivery changes nothing', async () => {
    const correlation = new InMemoryCorrelationStore();
    const views = new InMemoryShipmentViewStore(correlation.items);
    await views.record(SHIPMENT, { orderId: 'SO-1001', customerId: 'C-77', contractId: null, currency: 'EUR', orderValue: '18450.00', penaltyTerms: null }, now, 0);
    for (const event of story().events) await indexEvent(correlation, event, now, TTL, views);
    const before = { ...views.writes };
    for (const event of story().events) expect((await indexEvent(correlation, event, now, TTL, views)).outcome).toBe('duplicate');
    expect(views.writes).toEqual(before);
    const state = correlation.state(SHIPMENT) as unknown as Record<string, unknown>;
    // The customer came with the recorded impact, so telling the account team changed nothing: 7 versions, not 8.
    expect(state).toMatchObject({ milestone: 'delivered', impact: { orderValue: '18450.00' }, viewVersion: 7 });
    expect(viewOfItem(state)).toMatchObject({ customerId: 'C-77' });
  });

  test('a concurrent writer between read and write makes the projection read again, not overwrite', async () => {
    const views = new InMemoryShipmentViewStore();
    const s = story();
    await projectView(views, s.exception, now, TTL);
    let raced = false;
    const racing: typeof views = Object.assign(Object.create(views) as typeof views, {
      async save(...args: Parameters<typeof views.save>) {
        if (!raced) {
          raced = true;
          // Another container indexes the case first.
          await projectView(views, s.caseOpened, now, TTL);
        }
        return views.save(...args);
      },
    });
    await projectView(racing, s.holdPlaced, now, TTL);
    const { view, version } = await views.load(SHIPMENT);
    expect(version).toBe(3);
    expect(view?.cases['38211']).toBeDefined();
    expect(view?.holds['QH-7']).toBeDefined();
  });
});

describe('the trace beside the views', () => {
  test('a state item that holds only a view or an impact (no milestone yet) is no shipment state in the trace', async () => {
    const correlation = new InMemoryCorrelationStore();
    const views = new InMemoryShipmentViewStore(correlation.items);
    const s = story('SHP-3000-01');
    await indexEvent(correlation, s.exception, now, TTL, views);
    const state = correlation.state('SHP-3000-01')!;
    const trace = assembleTrace({ query: 'SHP-3000-01', matchedAs: [], correlationIds: [], truncated: false, timeline: [], links: [], states: [state] }, now);
    expect(trace.shipments).toEqual([]);
  });
});
