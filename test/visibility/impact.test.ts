import { describe, expect, test } from 'vitest';
import type { ErpCustomerContract, ErpOrder } from '../../lambdas/erp/erp-port';
import { businessImpactOf, formatCents, lineCents, penaltyTermsOf, revenueAtRisk, toCents } from '../../lambdas/visibility/impact';
import { InMemoryShipmentViewStore } from '../../lambdas/visibility/view-store';
import { erpActions } from '../../lambdas/workflows/erp-actions';
import { seedContracts, seedOrders } from '../../sandbox/simulators/erp-data';
import { example as workflowExample, FakeErp } from '../workflows/harness';

/** SO-1001 and C-77's contract as the simulated ERP serves them (GET /orders/{id}, GET /customers/{id}/contract). */
function so1001(): { order: ErpOrder; contract: ErpCustomerContract } {
  const seeded = seedOrders(new Date('2026-03-12T06:00:00Z')).find((o) => o.orderId === 'SO-1001')!;
  // The seed's JSON, as the client receives it.
  const order = JSON.parse(JSON.stringify({ ...seeded, lines: seeded.lines.map((l) => ({ sku: l.product.sku, quantity: l.quantity, unitPrice: l.unitPrice })) })) as ErpOrder;
  const contract = JSON.parse(JSON.stringify(seedContracts().find((c) => c.customerId === 'C-77'))) as ErpCustomerContract;
  return { order, contract };
}

describe('money in cents', () => {
  test('decimal strings become exact cents, rounded half away from zero at the third decimal', () => {
    expect(toCents('412.50')).toBe(41_250);
    expect(toCents('9.8')).toBe(980);
    expect(toCents('0.005')).toBe(1);
    expect(toCents('0.004')).toBe(0);
    expect(toCents('-3.125')).toBe(-313);
    expect(toCents('12')).toBe(1200);
    expect(toCents('1e3')).toBeUndefined();
    expect(toCents('')).toBeUndefined();
    expect(formatCents(1_845_000)).toBe('18450.00');
    expect(formatCents(-5)).toBe('-0.05');
  });
});

describe('businessImpactOf: what the ERP says the order is worth and what its contract charges', () => {
  test('SO-1001: 40 × 412.50 + 12 × 162.50 = 18,450.00 EUR, with C-77’s cold-chain penalty terms', () => {
    const { order, contract } = so1001();
    expect(businessImpactOf(order, contract)).toEqual({
      orderId: 'SO-1001',
      customerId: 'C-77',
      contractId: 'CT-C77-COLD',
      currency: 'EUR',
      orderValue: '18450.00',
      penaltyTerms: { percentOfOrderValue: { 'temperature-excursion': 20, delay: 5, 'failed-delivery': 10, damage: 15 }, capPercentOfOrderValue: 25 },
    });
  });

  test('a line without a price makes the value unknown rather than a partial sum', () => {
    const { order, contract } = so1001();
    const impact = businessImpactOf({ ...order, lines: [...order.lines, { sku: 'FREE-SAMPLE', quantity: 1 }] }, contract);
    expect(impact?.orderValue).toBeNull();
    expect(revenueAtRisk(impact, ['temperature-excursion'])).toMatchObject({ orderValueCents: null, atRiskCents: null });
  });

  test('a line sold by weight counts quantity × price rounded to the cent, exactly (182.35 kg × 42.50 = 7,749.875 → 7,749.88)', () => {
    const { order, contract } = so1001();
    const impact = businessImpactOf({ ...order, lines: [...order.lines, { sku: 'BEEF-TL', quantity: 182.35, unitPrice: '42.50' }] }, contract);
    expect(impact?.orderValue).toBe('26199.88');
    expect(lineCents(4250, 182.35)).toBe(774_988);
    // Binary floating point would give 0.1 × 3 = 0.30000000000000004 and 0.285 × 100 = 28.499999999999996.
    expect(lineCents(10, 0.3)).toBe(3);
    expect(lineCents(100, 0.285)).toBe(29);
    expect(lineCents(-250, 1.5)).toBe(-375);
    expect(lineCents(100, -1)).toBeUndefined();
    expect(lineCents(100, Number.NaN)).toBeUndefined();
  });

  test('no order, no impact; a contract without penalty terms gives none; malformed terms are dropped', () => {
    expect(businessImpactOf(null, null)).toBeNull();
    const { order } = so1001();
    expect(businessImpactOf(order, { customerId: 'C-77', sla: {} })?.penaltyTerms).toBeNull();
    expect(penaltyTermsOf({ customerId: 'C', sla: {}, penaltyTerms: { percentOfOrderValue: { delay: 150, 'made-up': 5, damage: 3 } } })).toEqual({ percentOfOrderValue: { damage: 3 } });
  });
});

describe('revenueAtRisk: the order value plus the contract penalties its active exceptions trigger', () => {
  const impact = businessImpactOf(so1001().order, so1001().contract);

  test('a temperature excursion on SO-1001: 18,450.00 + 20 % = 22,140.00 EUR', () => {
    expect(revenueAtRisk(impact, ['temperature-excursion'])).toEqual({
      currency: 'EUR',
      orderValueCents: 1_845_000,
      penaltyCents: 369_000,
      atRiskCents: 2_214_000,
      basis: ['temperature-excursion 20 %'],
    });
  });

  test('each kind counts once, and the contract caps the sum', () => {
    const risk = revenueAtRisk(impact, ['temperature-excursion', 'temperature-excursion', 'failed-delivery']);
    expect(risk.penaltyCents).toBe(461_250);
    expect(risk.basis).toEqual(['failed-delivery 10 %', 'temperature-excursion 20 %', 'capped at 25 %']);
  });

  test('kinds the contract does not price cost nothing; without terms the penalty is 0 and says why', () => {
    expect(revenueAtRisk(impact, ['eta-breach'])).toMatchObject({ penaltyCents: 0, atRiskCents: 1_845_000 });
    expect(revenueAtRisk({ ...impact!, penaltyTerms: null }, ['delay'])).toMatchObject({ penaltyCents: 0, basis: ['no penalty terms in the contract'] });
    expect(revenueAtRisk(undefined, ['delay'])).toMatchObject({ currency: null, atRiskCents: null });
  });
});

describe('the workflows’ Enrich task records the business impact on the shipment’s state', () => {
  const exception = workflowExample('shipment.exception-raised');

  function erpWith(order: ErpOrder, contract: ErpCustomerContract): FakeErp {
    const erp = new FakeErp();
    erp.orders.set(order.orderId, order);
    erp.contracts.set(contract.customerId, contract);
    return erp;
  }

  test('from the order and contract it reads anyway: no further ERP call, one write, none when enriched again', async () => {
    const { order, contract } = so1001();
    const erp = erpWith(order, contract);
    const store = new InMemoryShipmentViewStore();
    const run = erpActions(erp, () => new Date('2026-03-12T10:41:00Z'), { recorder: store, ttlSeconds: 3600, onError: (e) => { throw e; } });
    const enrichment = await run({ action: 'enrich', event: exception });
    expect(enrichment).toMatchObject({ orderId: 'SO-1001', customerId: 'C-77' });
    expect(erp.calls.map((c) => c.operation)).toEqual(['getOrder', 'getCustomerContract']);
    expect((await store.load(exception.refs.shipmentId)).impact).toMatchObject({ orderValue: '18450.00', currency: 'EUR', penaltyTerms: { capPercentOfOrderValue: 25 } });
    await run({ action: 'enrich', event: exception });
    expect(store.writes.impact).toBe(1);
  });

  test('a failure to record is reported and does not fail the enrichment', async () => {
    const { order, contract } = so1001();
    const failures: unknown[] = [];
    const broken = { record: () => Promise.reject(new Error('DynamoDB unavailable')) };
    const run = erpActions(erpWith(order, contract), undefined, { recorder: broken, ttlSeconds: 3600, onError: (e) => failures.push(e) });
    await expect(run({ action: 'enrich', event: exception })).resolves.toMatchObject({ orderId: 'SO-1001' });
    expect(failures).toHaveLength(1);
  });
});
