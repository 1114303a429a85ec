import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BcApi, EntraClientCredentials } from '../../lambdas/erp/business-central/bc-api';
import { BusinessCentralClient } from '../../lambdas/erp/business-central/bc-client';
import { bcReadBack, mapBcSalesOrder, type BcOrderLogistics } from '../../lambdas/erp/business-central/read-back';
import { RejectedByTargetError, ValidationError } from '../../lambdas/shared/errors';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { BusinessCentralSimulator, type BcSimSalesOrder } from '../../sandbox/simulators/business-central';
import { EXTENSION_PAGES } from '../../sandbox/simulators/business-central-pages';

/**
 * The logistics-sync extension's custom API pages (our own contract: contracts/business-central/extension-pages.json)
 * as the simulator serves them, and what the client and the read-back do with them.
 */
const CREDENTIALS = { clientId: 'bc-client', clientSecret: 'bc-secret' };

function world() {
  const sim = new BusinessCentralSimulator(CREDENTIALS, async () => ({ status: 200, text: '' }));
  const http = new HttpJsonClient({ target: 'Business Central', baseUrl: sim.baseUrl, fetch: sim.fetch as typeof fetch });
  const api = new BcApi(http, new EntraClientCredentials(http, sim.tokenUrl, async () => CREDENTIALS), sim.companyId);
  return { sim, api, client: new BusinessCentralClient(api) };
}

const order = (): BcSimSalesOrder => ({
  id: randomUUID(),
  number: 'SO-1001',
  customerNumber: 'C-77',
  requestedDeliveryDate: '2026-03-12',
  shipToName: 'C-77 Utrecht receiving dock',
  shipToAddressLine1: 'Koelhuisweg 4',
  shipToCity: 'Utrecht',
  shipToPostCode: '3542 AB',
  shipToCountry: 'NL',
  status: 'Open',
  currencyCode: 'EUR',
  fullyShipped: false,
  lastModifiedDateTime: '2026-03-12T06:00:00.000Z',
  salesOrderLines: [{ id: randomUUID(), sequence: 10000, lineType: 'Item', lineObjectNumber: 'VAC-FLU-25', description: 'Influenza vaccine', unitOfMeasureCode: 'BOX', quantity: 40, shippedQuantity: 0, unitPrice: 412.5 }],
});

const LOGISTICS: BcOrderLogistics = { orderNo: 'SO-1001', temperatureRegime: 'chilled', minCelsius: 2, maxCelsius: 8, shipToLocation: 'C-77-DOCK-1', vehicleId: 'erp.vehicle:TRK-17', trailerId: 'erp.trailer:RF-204', contractNo: 'CT-C77-COLD' };

describe('the extension pages', () => {
  test('a write outside the page contract is refused with BC\'s 400 error naming the field; the client surfaces it as rejected', async () => {
    const { client, sim } = world();
    await expect(client.updateShipmentStatus('SHP-1', { status: 'teleported' as never, orderId: 'SO-1001', occurredAt: '2026-03-12T09:00:00Z', eventId: 'ev-1' }, 'key-1')).rejects.toBeInstanceOf(RejectedByTargetError);
    const refused = sim.calls.find((c) => c.path.endsWith('/shipmentStatuses'))!;
    expect(refused.status).toBe(400);
    expect(sim.custom.get('shipmentStatuses')).toBeUndefined();
  });

  test('a repeated idempotencyKey is answered with the first row: one row per key', async () => {
    const { client, sim } = world();
    for (let i = 0; i < 2; i++) await client.markBillingReady('SO-1001', { shipmentId: 'SHP-1', deliveredAt: '2026-03-12T15:00:00Z' }, 'same-key');
    expect(sim.custom.get('billingReadyOrders')).toHaveLength(1);
    expect(sim.calls.filter((c) => c.path.endsWith('/billingReadyOrders')).map((c) => c.status)).toEqual([201, 200]);
  });

  test('a quality hold gets an id, and the bound action Microsoft.NAV.release releases it (204)', async () => {
    const { client, sim } = world();
    const { holdId } = await client.placeQualityHold({ orderId: 'SO-1001', shipmentId: 'SHP-1', reason: 'temperature excursion', severity: 'major' }, 'hold-1');
    expect(sim.custom.get('qualityHolds')).toEqual([expect.objectContaining({ id: holdId, status: 'active', orderNo: 'SO-1001', shipmentNo: 'SHP-1' })]);
    await client.releaseQualityHold(holdId, 'release-1');
    expect(sim.custom.get('qualityHolds')).toEqual([expect.objectContaining({ id: holdId, status: 'released' })]);
    await expect(client.releaseQualityHold(randomUUID(), 'release-2')).rejects.toBeInstanceOf(RejectedByTargetError);
  });

  test('customerContracts and salesOrderLogistics answer the seeded rows; a seed outside the contract is refused', async () => {
    const { client, api, sim } = world();
    sim.pages.seed('customerContracts', 'C-77', { customerNo: 'C-77', contractNo: 'CT-C77-COLD', hasTemperatureRange: true, minCelsius: 2, maxCelsius: 8, deliveryWindowHours: 4, exceptionResponseMinutes: 0, excursionPenaltyPercent: 20, delayPenaltyPercent: 0, penaltyCapPercent: 25 });
    sim.pages.seed('salesOrderLogistics', 'SO-1001', LOGISTICS);
    // Flat page fields → the ERP port's contract; BC's zero (unset) numbers are absent.
    expect(await client.getCustomerContract('C-77')).toEqual({
      customerId: 'C-77',
      contractId: 'CT-C77-COLD',
      temperatureRange: { minCelsius: 2, maxCelsius: 8 },
      sla: { deliveryWindowHours: 4 },
      penaltyTerms: { percentOfOrderValue: { 'temperature-excursion': 20 }, capPercentOfOrderValue: 25 },
    });
    expect(() => sim.pages.seed('customerContracts', 'C-12', { customerNo: 'C-12', sla: { deliveryWindowHours: 4 } })).toThrow(/does not match/);
    expect(await api.getOrderLogistics('SO-1001')).toMatchObject(LOGISTICS);
    expect(await api.getOrderLogistics('SO-9999')).toBeUndefined();
    expect(() => sim.pages.seed('salesOrderLogistics', 'SO-2', { orderNo: 'SO-2', temperatureRegime: 'warm' })).toThrow(/does not match contracts\/business-central\/extension-pages\.json/);
  });
});

describe('the read-back and the client with the extension', () => {
  test('order.released carries the page\'s temperature range, fleet assignment, contract and ship-to location', async () => {
    const { api, sim } = world();
    const o = order();
    sim.orders.set(o.id, o);
    sim.pages.seed('salesOrderLogistics', 'SO-1001', LOGISTICS);
    const request = { kind: 'bc-sales-order-read-back', companyId: sim.companyId, salesOrder: o.id, changeType: 'updated', notification: { subscriptionId: 's', lastModifiedDateTime: o.lastModifiedDateTime, resource: 'r' }, receivedAt: '2026-03-12T06:00:31Z', metadata: { eventId: 'e', eventType: 't', correlationId: 'c' }, refs: { orderId: o.id } } as const;
    const { events } = await bcReadBack(api, request, { shipFromLocationId: 'DC-01' });
    expect(events[0]!.data).toMatchObject({
      temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
      shipFrom: { locationId: 'DC-01' },
      shipTo: { locationId: 'C-77-DOCK-1', name: 'C-77 Utrecht receiving dock' },
      contractId: 'CT-C77-COLD',
      assignment: { vehicleId: 'erp.vehicle:TRK-17', trailerId: 'erp.trailer:RF-204' },
    });
  });

  test('a chilled regime without a range is a ValidationError naming the page field; without a page the order is ambient and unassigned', () => {
    const o = order();
    expect(() => mapBcSalesOrder(o, { shipFromLocationId: 'DC-01' }, { orderNo: 'SO-1001', temperatureRegime: 'chilled' })).toThrow(ValidationError);
    const plain = mapBcSalesOrder(o, { shipFromLocationId: 'DC-01' }).data as Record<string, unknown>;
    expect(plain.temperature).toEqual({ regime: 'ambient' });
    expect(plain.assignment).toBeUndefined();
    expect(plain.shipTo).toMatchObject({ locationId: 'C-77' });
    // An API page answers blank text and 0 for empty fields: a blank regime is ambient without a range, blank ids are absent.
    const blank = mapBcSalesOrder(o, { shipFromLocationId: 'DC-01' }, { orderNo: 'SO-1001', temperatureRegime: '', minCelsius: 0, maxCelsius: 0, shipToLocation: '', vehicleId: '', trailerId: '', driverId: '', contractNo: '' }).data as Record<string, unknown>;
    expect(blank).toMatchObject({ temperature: { regime: 'ambient' }, shipTo: { locationId: 'C-77' } });
    expect((blank.temperature as object)).toEqual({ regime: 'ambient' });
    expect(blank.assignment).toBeUndefined();
    expect(blank.contractId).toBeUndefined();
  });

  test('getOrder carries the currency and the unit prices (what the visibility API values an order by)', async () => {
    const { client, sim } = world();
    const o = order();
    sim.orders.set(o.id, o);
    expect(await client.getOrder('SO-1001')).toMatchObject({ currency: 'EUR', lines: [{ sku: 'VAC-FLU-25', quantity: 40, unitPrice: '412.50' }] });
  });

  test('billingReadyOrders is read back by order (GET ?$filter=orderNo eq …): the rows posted for it, other filters refused', async () => {
    const { api, client, sim } = world();
    await client.markBillingReady('SO-1001', { shipmentId: 'SHP-1001-01', deliveredAt: '2026-03-12T15:00:00Z' }, 'k1');
    await client.markBillingReady('SO-1002', { shipmentId: 'SHP-1002-01', deliveredAt: '2026-03-12T16:00:00Z' }, 'k2');
    expect(await api.listBillingReady('SO-1001')).toEqual([expect.objectContaining({ orderNo: 'SO-1001', shipmentNo: 'SHP-1001-01', deliveredAt: '2026-03-12T15:00:00Z' })]);
    expect(await api.listBillingReady("O'NO")).toEqual([]);
    expect(sim.pages.handle('GET', 'billingReadyOrders', undefined, new URLSearchParams({ $filter: "shipmentNo eq 'x'" })).status).toBe(400);
  });

  test('the AL extension implements the contract: an API page per entity set, under the contract\'s API path, with every field the contract names', () => {
    // Not compiled here (extensions/business-central/README.md); this keeps the AL and our own contract from drifting apart.
    const dir = new URL('../../extensions/business-central/src/', import.meta.url);
    const pages = readdirSync(dir)
      .filter((f) => f.endsWith('.Page.al'))
      .map((f) => readFileSync(new URL(f, dir), 'utf8'))
      .map((al) => ({
        entitySet: /EntitySetName = '(\w+)'/.exec(al)?.[1],
        path: ['APIPublisher', 'APIGroup', 'APIVersion'].map((p) => new RegExp(`${p} = '([^']+)'`).exec(al)?.[1]).join('/'),
        fields: new Set([...al.matchAll(/field\((\w+);/g)].map((m) => m[1])),
      }));
    for (const [name, page] of Object.entries(EXTENSION_PAGES.pages)) {
      const al = pages.find((p) => p.entitySet === name);
      expect(al, `an AL API page with EntitySetName '${name}'`).toBeDefined();
      expect(al!.path).toBe(EXTENSION_PAGES.apiPath);
      const named = [page.request, page.response].flatMap((schema) => Object.keys((schema as { properties?: object } | undefined)?.properties ?? {})).filter((f) => !f.startsWith('@'));
      expect(named.filter((f) => !al!.fields.has(f)), `fields of ${name} missing from its AL page`).toEqual([]);
    }
  });
});
