import { describe, expect, test } from 'vitest';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { linksToWrite, planIndex, type LinkItem } from '../../lambdas/indexer/index-plan';
import { indexEvent } from '../../lambdas/indexer/indexer';
import { KnownLinks } from '../../lambdas/indexer/known-links';
import { keys, type LinkKind } from '../../registry/correlation-keys';
import { example } from '../outbound/support';
import { referenceScenario } from './scenario';

const now = new Date('2026-03-12T16:00:00Z');
const TTL = 90 * 86_400;

/** The in-memory store, counting the link items written and the link reads. */
class CountingStore extends InMemoryCorrelationStore {
  written: LinkItem[] = [];
  linkReads = 0;
  override async putLinks(items: readonly LinkItem[]): Promise<void> {
    this.written.push(...items);
    await super.putLinks(items);
  }
  override async linksKnown(correlationId: string, links: readonly { kind: LinkKind; externalId: string }[]) {
    this.linkReads++;
    return super.linksKnown(correlationId, links);
  }
}

describe('linksToWrite (pure)', () => {
  const planned = planIndex(example('shipment.departed'), now, TTL).links;
  const nowSeconds = Math.floor(now.getTime() / 1000);

  test('an id new to the correlation is written; one it holds with more than half the TTL left is not', () => {
    expect(planned.every((l) => l.itemType === 'link')).toBe(true);
    expect(linksToWrite(planned, new Map(), now, TTL)).toEqual(planned);
    const known = new Map(planned.map((l) => [keys.memberSk(l.kind, l.externalId), { expiresAt: nowSeconds + TTL - 60, firstEventId: 'e0', firstSeenAt: '2026-03-12T06:00:00.000Z' }]));
    expect(linksToWrite(planned, known, now, TTL)).toEqual([]);
  });

  test('a link near its expiry is written again, keeping the event and time that first named it', () => {
    const [link] = planned;
    const known = new Map([[keys.memberSk(link!.kind, link!.externalId), { expiresAt: nowSeconds + TTL / 2 - 1, firstEventId: 'first-event', firstSeenAt: '2026-01-02T00:00:00.000Z' }]]);
    const rewritten = linksToWrite([link!], known, now, TTL);
    expect(rewritten.map((l) => [l.pk, l.sk, l.firstEventId, l.firstSeenAt, l.expiresAt])).toEqual([[link!.pk, link!.sk, 'first-event', '2026-01-02T00:00:00.000Z', nowSeconds + TTL]]);
  });
});

describe('indexEvent writes each link once per correlation', () => {
  test('the reference scenario writes one link per business id (no mirror), whatever the number of events naming it', async () => {
    const store = new CountingStore();
    const { events } = referenceScenario();
    for (const event of events) await indexEvent(store, event, now, TTL);
    const ids = new Set(store.written.map((l) => `${l.correlationId} ${l.kind} ${l.externalId}`));
    const perEvent = events.reduce((n, e) => n + planIndex(e, now, TTL).links.length, 0);
    expect(store.written).toHaveLength(ids.size);
    expect(store.written.every((l) => l.itemType === 'link')).toBe(true);
    expect(store.written.length).toBeLessThan(perEvent / 2);
    // Every link the events name is there, with the first event that named it.
    for (const event of events) {
      for (const link of planIndex(event, now, TTL).links) {
        const item = store.items.get(`${link.pk}\u0000${link.sk}`);
        expect(item, `${link.pk} ${link.sk}`).toBeDefined();
      }
    }
    const shipment = store.items.get(`${keys.linkPk('shipment', 'SHP-1001-01')}\u0000${keys.linkSk('SO-1001')}`);
    expect(shipment?.firstEventId).toBe(events.find((e) => e.refs.shipmentId === 'SHP-1001-01')!.metadata.eventId);
    // The order's id names the correlation: no link (the trace reads CORR#SO-1001 by that id).
    expect(store.items.has(`${keys.linkPk('order', 'SO-1001')}\u0000${keys.linkSk('SO-1001')}`)).toBe(false);
  });

  test('with the per-container cache, events naming only known ids neither read nor write links; a new id costs one batch read and one write', async () => {
    const store = new CountingStore();
    const known = new KnownLinks();
    const departed = example('shipment.departed');
    await indexEvent(store, departed, now, TTL, undefined, known);
    expect(store.linkReads).toBe(1);
    const first = store.written.length;

    const arrived = example('shipment.arrived');
    expect(arrived.metadata.correlationId).toBe(departed.metadata.correlationId);
    const before = { reads: store.linkReads, written: store.written.length };
    const arrivedLinks = planIndex(arrived, now, TTL).links;
    const newIds = arrivedLinks.filter((l) => !store.items.has(`${l.pk}\u0000${l.sk}`)).length;
    await indexEvent(store, arrived, now, TTL, undefined, known);
    expect(store.written.length - before.written).toBe(newIds);
    expect(store.linkReads - before.reads).toBe(newIds === 0 ? 0 : 1);
    expect(first).toBe(planIndex(departed, now, TTL).links.length);
  });

  test('without a cache entry, a second container reads the links once and writes nothing it finds', async () => {
    const store = new CountingStore();
    const departed = example('shipment.departed');
    await indexEvent(store, departed, now, TTL, undefined, new KnownLinks());
    const written = store.written.length;
    const again = { ...departed, metadata: { ...departed.metadata, eventId: `${departed.metadata.eventId}-other` } };
    await indexEvent(store, again, now, TTL, undefined, new KnownLinks());
    expect(store.written.length).toBe(written);
    expect(store.linkReads).toBe(2);
  });
});

describe('KnownLinks', () => {
  test('keeps at most its capacity, dropping the oldest', () => {
    const known = new KnownLinks(2);
    const member = { expiresAt: 2e9, firstEventId: 'e', firstSeenAt: 't' };
    known.remember('c1', new Map([['LINK#order#1', member], ['LINK#order#2', member]]));
    known.remember('c2', new Map([['LINK#order#3', member]]));
    expect(known.size).toBe(2);
    const link = (id: string) => planIndex({ ...example('order.released'), refs: { orderId: id } }, now, TTL).links;
    expect(known.coversAll('c1', link('1'), now, TTL)).toBe(false);
    expect(known.coversAll('c1', link('2'), now, TTL)).toBe(true);
    expect(known.coversAll('c2', link('3'), now, TTL)).toBe(true);
  });
});
