import { describe, expect, test } from 'vitest';
import { parseFleetExternalIds, routeExternalIds, routeExternalRef, stopExternalIds } from '../../lambdas/shared/fleet-external-ids';
import { fleetRefs } from '../../lambdas/shared/webhook/mapping';

describe('our ids in fleet externalIds (one unique value per route and per stop)', () => {
  test('route and stops of one shipment get distinct values, and so do two shipments of one order', () => {
    const values = [
      ...Object.values(routeExternalIds('SO-1001', 'SHP-1001-01')),
      ...[0, 1].flatMap((i) => Object.values(stopExternalIds('SO-1001', 'SHP-1001-01', i))),
      ...Object.values(routeExternalIds('SO-1001', 'SHP-1001-02')),
    ];
    expect(values).toEqual(['SO-1001~SHP-1001-01', 'SO-1001~SHP-1001-01~1', 'SO-1001~SHP-1001-01~2', 'SO-1001~SHP-1001-02']);
    expect(new Set(values).size).toBe(values.length);
    expect(routeExternalRef('SO-1001', 'SHP-1001-01')).toBe('logisticsSync.shipment:SO-1001~SHP-1001-01');
  });

  test('each value leads back to the order and the shipment', () => {
    expect(parseFleetExternalIds(routeExternalIds('SO-1001', 'SHP-1001-01'))).toEqual({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01' });
    expect(parseFleetExternalIds(stopExternalIds('SO-1001', 'SHP-1001-01', 1))).toEqual({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01' });
    expect(parseFleetExternalIds({ payrollId: 'NL-5001' })).toEqual({});
    expect(parseFleetExternalIds(undefined)).toEqual({});
  });

  test('a value that does not split as ours keeps its ~, so canonical validation refuses it instead of losing the shipment', () => {
    expect(parseFleetExternalIds({ 'logisticsSync.shipment': 'SO-1~SHP-1~extra' })).toEqual({ shipmentId: 'SO-1~SHP-1~extra' });
    expect(parseFleetExternalIds({ 'logisticsSync.stop': 'SO-1~SHP-1' })).toEqual({ shipmentId: 'SO-1~SHP-1' });
    expect(parseFleetExternalIds({ 'logisticsSync.shipment': '~SHP-1' })).toEqual({ shipmentId: '~SHP-1' });
  });

  test('fleetRefs: the stop wins over the route, each id from the first source that has it', () => {
    expect(fleetRefs(stopExternalIds('SO-1', 'SHP-A', 0), routeExternalIds('SO-2', 'SHP-B'))).toEqual({ orderId: 'SO-1', shipmentId: 'SHP-A' });
    expect(fleetRefs(undefined, {}, routeExternalIds('SO-2', 'SHP-B'))).toEqual({ orderId: 'SO-2', shipmentId: 'SHP-B' });
  });
});
