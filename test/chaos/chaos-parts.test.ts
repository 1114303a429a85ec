import { describe, expect, test } from 'vitest';
import { DeadLetterWatch, deadLetterQueueUrls, orderIdsIn } from '../../bench/chaos/dead-letters';
import { countEffects, supersededExcursion } from '../../bench/chaos/count';
import { newRun } from '../../bench/chaos/driver';
import { planOrders } from '../../bench/chaos/plan';
import { percentile } from '../../bench/chaos/report';
import { World, type OrderInSystems } from '../../bench/chaos/world';
import { routeExternalIds } from '../../lambdas/shared/fleet-external-ids';
import type { Simulators } from '../../sandbox/simulators/index';

describe('chaos run parts', () => {
  test("the vendors' index: a partial refresh builds only the orders asked for; a full request rebuilds it whole", () => {
    const order = (n: number) => ({ orderId: `O-${n}`, shipmentId: `S-${n}` });
    const state = { orders: [order(1), order(2)] };
    const sims = {
      fleet: { snapshot: () => ({ routes: state.orders.map((o, i) => ({ id: `R-${i}`, externalIds: routeExternalIds(o.orderId, o.shipmentId) })) }) },
      erp: { snapshot: () => ({ shipments: state.orders.map((o) => ({ ...o, status: 'delivered', history: [{ status: 'delivered', receivedAt: 't' }] })), qualityHolds: [], billing: [], invoices: [{ orderId: 'O-2', postedAt: 't' }] }) },
      cs: { snapshot: () => ({ tickets: [{ id: 7, external_id: 'S-2', created_at: 't', comments: [] }] }) },
    } as unknown as Simulators;
    const world = new World(sims);
    world.refresh(0, new Set(['O-2']));
    expect(world.order('O-2')).toMatchObject({ routes: [{ id: 'R-1', shipmentId: 'S-2' }], shipment: { status: 'delivered' }, invoices: [{ postedAt: 't' }], tickets: [{ id: 7 }] });
    expect(world.order('O-1').routes).toEqual([]);
    // Fresh, but partial: a full request rebuilds; a partial one is then served by the whole index.
    world.refresh(60_000);
    expect(world.order('O-1').routes).toEqual([{ id: 'R-0', shipmentId: 'S-1' }]);
    state.orders.push(order(3));
    world.refresh(60_000, new Set(['O-3']));
    expect(world.order('O-1').routes).toHaveLength(1);
    expect(world.order('O-3').routes).toEqual([]);
    world.refresh(0, new Set(['O-3']));
    expect(world.order('O-3').routes).toEqual([{ id: 'R-2', shipmentId: 'S-3' }]);
  });

  test('the plan is the same for the same seed, and shares are near their targets', () => {
    const a = planOrders(2000, 5);
    expect(planOrders(2000, 5)).toEqual(a);
    expect(planOrders(2000, 6)).not.toEqual(a);
    const share = (f: (p: (typeof a)[number]) => boolean) => a.filter(f).length / a.length;
    expect(share((p) => p.exception === 'temperature')).toBeCloseTo(0.12, 1);
    expect(share((p) => p.exception === 'delay')).toBeCloseTo(0.12, 1);
    expect(share((p) => p.triplicate)).toBeCloseTo(0.1, 1);
    // A temperature alert needs a reefer: every temperature order is a cold-chain order with a trailer of its own.
    expect(a.filter((p) => p.exception === 'temperature').every((p) => p.likeOrderId === 'SO-1001' && p.trailer === `RF-${p.orderId}`)).toBe(true);
    expect(new Set(a.map((p) => p.vehicle)).size).toBe(a.length);
  });

  test('percentiles by nearest rank', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([...Array(100).keys()].map((i) => i + 1), 95)).toBe(95);
  });

  test('effects are counted from the vendors’ records: twice is twice, none is missing', () => {
    const plan = planOrders(40, 1).find((p) => p.exception === 'temperature')!;
    const state: OrderInSystems = {
      routes: [{ id: 'r1', shipmentId: 's1' }],
      shipment: { shipmentId: 's1', status: 'delivered', history: ['dispatched', 'in-transit', 'exception', 'arrived', 'delivered'].map((status) => ({ status, receivedAt: '2026-12-04T10:00:00Z' })) },
      holds: 1,
      billing: [{ readyAt: '2026-12-04T10:00:00Z' }],
      invoices: [],
      tickets: [{ id: 1, createdAt: '2026-12-04T10:00:00Z', comments: [1, 2].map(() => ({ body: 'Invoice INV-1 posted.\nProof of delivery: d at t.', createdAt: '2026-12-04T10:00:00Z' })) }],
    };
    const world = { order: () => state } as unknown as World;
    const counts = Object.fromEntries(countEffects(newRun(plan), world).map((e) => [e.effect, e.count]));
    expect(counts).toEqual({ 'fleet route': 1, 'ERP delivered': 1, 'ERP billing-ready': 1, 'ERP invoice': 0, 'ERP quality hold': 1, 'ERP exception status': 1, 'CS ticket': 1, 'CS invoice + POD note': 2 });
  });

  test('an excursion handled after the delivery needs no exception status when its hold is there, and still needs it otherwise', () => {
    const plan = planOrders(40, 1).find((p) => p.exception === 'temperature')!;
    const state = (history: string[], holds: number): OrderInSystems => ({
      routes: [{ id: 'r1', shipmentId: 's1' }],
      shipment: { shipmentId: 's1', status: history.at(-1)!, history: history.map((status) => ({ status, receivedAt: '2026-12-04T10:00:00Z' })) },
      holds,
      billing: [],
      invoices: [],
      tickets: [],
    });
    const effects = (s: OrderInSystems) => countEffects(newRun(plan), { order: () => s } as unknown as World).map((e) => e.effect);
    const late = state(['dispatched', 'in-transit', 'arrived', 'delivered'], 1);
    expect(supersededExcursion(newRun(plan), { order: () => late } as unknown as World)).toBe(true);
    expect(effects(late)).not.toContain('ERP exception status');
    // No hold: the workflow did not get past its status step; the missing status counts.
    expect(effects(state(['dispatched', 'in-transit', 'arrived', 'delivered'], 0))).toContain('ERP exception status');
    // Not delivered: nothing could supersede it.
    expect(effects(state(['dispatched', 'in-transit'], 1))).toContain('ERP exception status');
  });
});

describe('the dead-letter watch (the driver stops waiting for a dispatch only the redrive brings)', () => {
  const body = (orderId: string) => JSON.stringify({ 'detail-type': 'order.released', detail: { refs: { orderId, customerId: 'C-77' } } });

  test('the DLQs of the matching queues, from the discovery outputs', () => {
    const outputs = {
      LsyncQueueFleetSync: JSON.stringify({ name: 'fleet-sync', url: 'q1', arn: 'a1', dlqUrl: 'dlq-fleet', dlqArn: 'd1', maxReceiveCount: 5 }),
      LsyncQueueErpSync: JSON.stringify({ name: 'erp-sync', url: 'q2', arn: 'a2', dlqUrl: 'dlq-erp', dlqArn: 'd2', maxReceiveCount: 5 }),
      LsyncQueueCorrelationIndexerLedger: JSON.stringify({ name: 'correlation-indexer-ledger', url: 'q3', arn: 'a3', dlqUrl: 'dlq-ledger', dlqArn: 'd3', maxReceiveCount: 5 }),
      WebhookBaseUrl: 'http://127.0.0.1:1/v1/',
    };
    expect(deadLetterQueueUrls(outputs, /fleet|ledger/)).toEqual(['dlq-fleet', 'dlq-ledger']);
  });

  test('an order is dead-lettered once a message naming it is in one of the queues; the queues are read at most once per interval', async () => {
    const queue = [body('CH-1'), body('CH-2'), 'not json'];
    let receives = 0;
    let now = 0;
    const sqs = {
      send: async () => {
        receives++;
        // Each page hides what it returned: two messages, then one, then none.
        const page = queue.splice(0, 2);
        return { Messages: page.map((Body) => ({ Body })) };
      },
    };
    const watch = new DeadLetterWatch(sqs as never, ['dlq'], 10_000, () => now);
    expect(await watch.has('CH-2')).toBe(true);
    expect(await watch.has('CH-3')).toBe(false);
    const afterFirst = receives;
    queue.push(body('CH-3'));
    now = 5_000;
    expect(await watch.has('CH-3')).toBe(false); // not read again within the interval
    expect(receives).toBe(afterFirst);
    now = 10_000;
    expect(await watch.has('CH-3')).toBe(true);
    expect(await watch.has('CH-1')).toBe(true); // seen stays seen
    expect(orderIdsIn('{"refs":{"orderId":"A"}} {"orderId" : "B"}')).toEqual(['A', 'B']);
  });
});
