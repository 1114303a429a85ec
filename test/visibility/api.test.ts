import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { beforeEach, describe, expect, test } from 'vitest';
import { InMemoryCorrelationStore } from '../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../lambdas/indexer/indexer';
import type { Trace } from '../../lambdas/trace/trace-model';
import { createVisibilityApi, monthsBack, type PageConfig, type WebAssets } from '../../lambdas/visibility/api';
import type { BusinessImpact } from '../../lambdas/visibility/impact';
import { InMemoryVisibilityReader } from '../../lambdas/visibility/reader';
import type { CaseRow, DeliveryRow, Summary } from '../../lambdas/visibility/rows';
import { InMemoryShipmentViewStore } from '../../lambdas/visibility/view-store';
import { scenarioEvent } from '../outbound/support';
import { story } from './story';

const root = path.resolve(import.meta.dirname, '..', '..');
const assets: WebAssets = Object.fromEntries((['index.html', 'app.js', 'app.css'] as const).map((f) => [f, readFileSync(path.join(root, 'web', f), 'utf8')])) as unknown as WebAssets;
const config: PageConfig = { refreshSeconds: 30, auth: { kind: 'cognito', domainUrl: 'https://lsync-dev-123.auth.eu-west-1.amazoncognito.com', clientId: 'client-1', scopes: ['openid', 'email'] } };
/** Four hours after the reference story's excursion. */
const now = new Date('2026-03-12T14:40:00Z');
const TTL = 86_400;

const so1001: BusinessImpact = {
  orderId: 'SO-1001',
  customerId: 'C-77',
  contractId: 'CT-C77-COLD',
  currency: 'EUR',
  orderValue: '18450.00',
  penaltyTerms: { percentOfOrderValue: { 'temperature-excursion': 20, delay: 5 }, capPercentOfOrderValue: 25 },
};

function request(resource: string, query: Record<string, string> = {}, pathParameters: Record<string, string> | null = null, requestPath = '/v1/'): APIGatewayProxyEvent {
  return { httpMethod: 'GET', resource, queryStringParameters: Object.keys(query).length ? query : null, pathParameters, requestContext: { path: requestPath } } as unknown as APIGatewayProxyEvent;
}

interface World {
  correlation: InMemoryCorrelationStore;
  views: InMemoryShipmentViewStore;
  reader: InMemoryVisibilityReader;
  api: ReturnType<typeof createVisibilityApi>;
  errors: unknown[];
}

async function world(traces: (id: string) => Trace | undefined = () => undefined): Promise<World> {
  const correlation = new InMemoryCorrelationStore();
  const views = new InMemoryShipmentViewStore(correlation.items);
  const reader = new InMemoryVisibilityReader(correlation.items, traces);
  const errors: unknown[] = [];
  const api = createVisibilityApi({ reader, assets, config, clock: () => now, onError: (e) => errors.push(e) });
  return { correlation, views, reader, api, errors };
}

async function index(w: World, events: readonly Parameters<typeof indexEvent>[1][]): Promise<void> {
  for (const event of events) await indexEvent(w.correlation, event, now, TTL, w.views);
}

async function body<T>(w: World, event: APIGatewayProxyEvent): Promise<{ status: number; body: T; headers: Record<string, unknown> }> {
  const result = await w.api(event);
  return { status: result.statusCode, body: (result.body ? JSON.parse(result.body) : undefined) as T, headers: result.headers ?? {} };
}

describe('the page and its files', () => {
  test('the page, its script, style and config are served with a policy that allows only them and the sign-in domain', async () => {
    const w = await world();
    const page = await w.api(request('/'));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    expect(page.headers?.['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https://lsync-dev-123.auth.eu-west-1.amazoncognito.com; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect((await w.api(request('/{asset}', {}, { asset: 'app.js' }))).headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await w.api(request('/{asset}', {}, { asset: 'app.css' }))).body).toBe(assets['app.css']);
    expect((await body<PageConfig>(w, request('/{asset}', {}, { asset: 'config.json' }))).body).toEqual(config);
    expect((await w.api(request('/{asset}', {}, { asset: 'secrets.txt' }))).statusCode).toBe(404);
  });

  test('the stage path without its slash is redirected, so the page’s relative paths resolve under the stage', async () => {
    const w = await world();
    expect(await w.api(request('/', {}, null, '/v1'))).toMatchObject({ statusCode: 301, headers: { location: '/v1/' } });
  });
});

describe('GET /api/deliveries/trouble', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.views.record('SHP-1001-01', so1001, now, 0);
    await index(w, story('SHP-1001-01').events);
  });

  test('the reference story: SO-1001’s shipment, its excursion decided major, its case, its active hold, its invoice, and 22,140.00 EUR at risk', async () => {
    const { status, body: page } = await body<{ items: DeliveryRow[]; cursor?: string }>(w, request('/api/deliveries/trouble'));
    expect(status).toBe(200);
    expect(page.cursor).toBeUndefined();
    expect(page.items).toHaveLength(1);
    const [row] = page.items;
    expect(row).toMatchObject({
      shipmentId: 'SHP-1001-01',
      orderId: 'SO-1001',
      customerId: 'C-77',
      routeId: 'RT-4421',
      milestone: 'delivered',
      inTrouble: true,
      severity: 'major',
      since: '2026-03-12T10:40:00.000Z',
      ageMinutes: 240,
      holds: [{ holdId: 'QH-7', status: 'active' }],
      invoice: { invoiceId: 'INV-9001', grossAmount: '20110.50' },
      money: { currency: 'EUR', orderValue: '18450.00', penalty: '3690.00', atRisk: '22140.00', basis: ['temperature-excursion 20 %'] },
    });
    expect(row!.exceptions).toEqual([expect.objectContaining({ kind: 'temperature-excursion', severity: 'major', status: 'resolved', active: true, caseId: '38211', holdId: 'QH-7' })]);
    expect(row!.cases).toEqual([expect.objectContaining({ caseId: '38211', status: 'resolved', priority: 'high', source: 'workflow' })]);
  });

  test('filters: at least critical hides it, at least major shows it; another customer hides it; so does a longer age', async () => {
    const shipments = async (query: Record<string, string>) => (await body<{ items: DeliveryRow[] }>(w, request('/api/deliveries/trouble', query))).body.items.map((r) => r.shipmentId);
    expect(await shipments({ severity: 'critical' })).toEqual([]);
    expect(await shipments({ severity: 'major' })).toEqual(['SHP-1001-01']);
    expect(await shipments({ customer: 'C-12' })).toEqual([]);
    expect(await shipments({ customer: 'C-77' })).toEqual(['SHP-1001-01']);
    expect(await shipments({ minAgeMinutes: '241' })).toEqual([]);
    expect(await shipments({ minAgeMinutes: '240' })).toEqual(['SHP-1001-01']);
  });

  test('most severe first, then oldest; pages of `limit` with an opaque cursor bound to the filters', async () => {
    const critical = scenarioEvent({
      eventType: 'shipment.exception-raised',
      system: 'fleet',
      vendorEventId: 'crit',
      occurredAt: '2026-03-12T12:00:00Z',
      refs: { shipmentId: 'SHP-1003-01', orderId: 'SO-1003' },
      data: { kind: 'temperature-excursion', reportedSeverity: 'critical' },
    });
    const older = scenarioEvent({ eventType: 'shipment.exception-raised', system: 'fleet', vendorEventId: 'old', occurredAt: '2026-03-12T09:00:00Z', refs: { shipmentId: 'SHP-1002-01' }, data: { kind: 'delay', reportedSeverity: 'high' } });
    await index(w, [critical, older]);
    const first = await body<{ items: DeliveryRow[]; cursor: string }>(w, request('/api/deliveries/trouble', { limit: '2' }));
    expect(first.body.items.map((r) => `${r.severity} ${r.shipmentId}`)).toEqual(['critical SHP-1003-01', 'major SHP-1002-01']);
    const second = await body<{ items: DeliveryRow[]; cursor?: string }>(w, request('/api/deliveries/trouble', { limit: '2', cursor: first.body.cursor }));
    expect(second.body.items.map((r) => r.shipmentId)).toEqual(['SHP-1001-01']);
    expect(second.body.cursor).toBeUndefined();

    const elsewhere = await body<{ field: string }>(w, request('/api/deliveries/trouble', { limit: '2', severity: 'major', cursor: first.body.cursor }));
    expect(elsewhere).toMatchObject({ status: 400, body: { field: 'cursor' } });
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(first.body.cursor, 'base64url').toString()), k: { listPk: 'LIST#unbilled', listSk: 'x', pk: 'x', sk: 'x' } })).toString('base64url');
    expect((await body(w, request('/api/deliveries/trouble', { limit: '2', cursor: forged }))).status).toBe(400);
    expect((await body(w, request('/api/deliveries/trouble', { cursor: 'not a cursor' }))).status).toBe(400);
  });

  test('an entry left behind by a concurrent update is not shown: the view on the state item decides', async () => {
    await index(w, [story('SHP-1001-01').holdReleased]);
    const [stale] = w.views.entries('disrupted');
    // Put the trouble entry back as a late, out-of-order write would.
    w.correlation.items.set(`${stale!.pk}\u0000LIST#trouble`, { ...stale, sk: 'LIST#trouble', list: 'trouble', listPk: 'LIST#trouble', listSk: '3#2026-03-12T10:40:00.000Z#SHP-1001-01', viewVersion: 1 });
    expect((await body<{ items: DeliveryRow[] }>(w, request('/api/deliveries/trouble'))).body.items).toEqual([]);
  });

  test('bad parameters are answered 400 naming the parameter', async () => {
    for (const [query, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ severity: 'bad' }, 'severity'],
      [{ minAgeMinutes: '-5' }, 'minAgeMinutes'],
      [{ customer: 'C 77 <script>' }, 'customer'],
    ] as const) {
      expect(await body(w, request('/api/deliveries/trouble', query))).toMatchObject({ status: 400, body: { field } });
    }
  });
});

describe('GET /api/deliveries/unbilled, /api/cases, /api/summary, /api/shipments/{id}/timeline', () => {
  test('delivered and not invoiced, oldest delivery first', async () => {
    const w = await world();
    const a = story('SHP-2001-01');
    const b = story('SHP-2002-01');
    await index(w, [a.delivered, a.ready, b.delivered, b.ready, b.posted]);
    const { body: page } = await body<{ items: DeliveryRow[] }>(w, request('/api/deliveries/unbilled'));
    expect(page.items.map((r) => [r.shipmentId, r.billingReadyAt, r.inTrouble])).toEqual([['SHP-2001-01', '2026-03-12T13:33:00.000Z', false]]);
  });

  test('unbilled reads the state items in the Unbilled GSI, then the entries an older version wrote, each shipment once, across pages', async () => {
    const w = await world();
    const [a, b, c, d] = ['SHP-2001-01', 'SHP-2002-01', 'SHP-2003-01', 'SHP-2004-01'].map((id) => story(id));
    await index(w, [a!.delivered, b!.delivered, c!.delivered, d!.delivered]);
    // As an older version left them: c listed only by its entry, d by both (moved, its entry not yet removed).
    const legacyEntry = (shipmentId: string) => {
      const state = w.correlation.items.get(`SHIPMENT#${shipmentId}\u0000STATE`)!;
      w.correlation.items.set(`SHIPMENT#${shipmentId}\u0000LIST#unbilled`, { pk: `SHIPMENT#${shipmentId}`, sk: 'LIST#unbilled', itemType: 'list-entry', list: 'unbilled', listPk: 'LIST#unbilled', listSk: String(state.unbilledSk), shipmentId, viewVersion: state.viewVersion, expiresAt: 0 });
      return state;
    };
    const c3 = legacyEntry('SHP-2003-01');
    delete c3.unbilledPk;
    delete c3.unbilledSk;
    legacyEntry('SHP-2004-01');
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await body<{ items: DeliveryRow[]; cursor?: string }>(w, request('/api/deliveries/unbilled', { limit: '1', ...(cursor ? { cursor } : {}) }));
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((r) => r.shipmentId));
      cursor = page.body.cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(['SHP-2001-01', 'SHP-2002-01', 'SHP-2004-01', 'SHP-2003-01']);
    // A cursor's key must be the key of the index its partition is read from.
    const first = await body<{ cursor: string }>(w, request('/api/deliveries/unbilled', { limit: '1' }));
    const decoded = JSON.parse(Buffer.from(first.body.cursor, 'base64url').toString()) as { p: number; k: Record<string, string> };
    expect(decoded).toMatchObject({ p: 0, k: { unbilledPk: 'UNBILLED' } });
    const forged = Buffer.from(JSON.stringify({ ...decoded, k: { listPk: 'UNBILLED', listSk: 'x', pk: 'x', sk: 'x' } })).toString('base64url');
    expect((await body(w, request('/api/deliveries/unbilled', { cursor: forged }))).status).toBe(400);
  });

  test('cases linked to disruptions, each with its disruption; `status=open` keeps the open ones', async () => {
    const w = await world();
    const s = story('SHP-1001-01');
    const complaint = scenarioEvent({ eventType: 'case.updated', system: 'cs', vendorEventId: 'complaint', occurredAt: '2026-03-12T14:00:00Z', refs: { caseId: '40000', shipmentId: 'SHP-1001-01' }, data: { change: 'status-changed', status: 'open' } });
    await index(w, [...s.events, complaint]);
    const all = (await body<{ items: CaseRow[] }>(w, request('/api/cases'))).body.items;
    expect(all.map((c) => [c.caseId, c.status, c.source, c.disruption.kinds.join(), c.disruption.active])).toEqual([
      ['38211', 'resolved', 'workflow', 'temperature-excursion', true],
      ['40000', 'open', 'cs', 'temperature-excursion', true],
    ]);
    expect((await body<{ items: CaseRow[] }>(w, request('/api/cases', { status: 'open' }))).body.items.map((c) => c.caseId)).toEqual(['40000']);
    expect((await body<{ items: CaseRow[] }>(w, request('/api/cases', { days: '1' }))).body.items).toHaveLength(2);
  });

  test('the summary counts by severity and sums revenue at risk per order and currency, an order’s value once', async () => {
    const w = await world();
    for (const shipment of ['SHP-1001-01', 'SHP-1001-02']) {
      await w.views.record(shipment, so1001, now, 0);
      const s = story(shipment);
      await index(w, [s.exception, s.caseOpened, s.holdPlaced]);
    }
    const usd = scenarioEvent({ eventType: 'shipment.exception-raised', system: 'fleet', vendorEventId: 'usd', occurredAt: '2026-03-12T12:00:00Z', refs: { shipmentId: 'SHP-7-01' }, data: { kind: 'delay', reportedSeverity: 'low' } });
    await w.views.record('SHP-7-01', { ...so1001, orderId: 'SO-7', currency: 'USD', orderValue: '1000.00' }, now, 0);
    const unknownValue = scenarioEvent({ eventType: 'shipment.exception-raised', system: 'fleet', vendorEventId: 'nov', occurredAt: '2026-03-12T12:00:00Z', refs: { shipmentId: 'SHP-8-01' }, data: { kind: 'damage' } });
    await index(w, [usd, unknownValue]);
    const { body: summary } = await body<Summary & { truncated: boolean }>(w, request('/api/summary'));
    expect(summary).toMatchObject({
      shipmentsInTrouble: 4,
      bySeverity: { critical: 0, major: 2, minor: 1, unknown: 1 },
      withoutOrderValue: 1,
      truncated: false,
      revenueAtRisk: [
        { currency: 'EUR', orders: 1, orderValue: '18450.00', penalty: '3690.00', atRisk: '22140.00' },
        { currency: 'USD', orders: 1, orderValue: '1000.00', penalty: '50.00', atRisk: '1050.00' },
      ],
    });
    expect((await body<Summary>(w, request('/api/summary', { severity: 'major' }))).body.shipmentsInTrouble).toBe(2);
  });

  test('shipments of one order with different impacts: the summary takes the latest recorded, whatever the list order', async () => {
    // SO-1001 amended between two exceptions: the first shipment's impact was recorded without penalty terms, the
    // second's an hour later with C-77's. Either way round, the later record is the order's (the list order is not).
    const withoutTerms: BusinessImpact = { ...so1001, penaltyTerms: null, orderValue: '17000.00' };
    const atRisk = async (first: BusinessImpact, second: BusinessImpact) => {
      const w = await world();
      await w.views.record('SHP-1001-01', first, new Date(now.getTime() - 3_600_000), 0);
      await w.views.record('SHP-1001-02', second, now, 0);
      for (const shipment of ['SHP-1001-01', 'SHP-1001-02']) {
        const s = story(shipment);
        await index(w, [s.exception, s.caseOpened, s.holdPlaced]);
      }
      return (await body<Summary>(w, request('/api/summary'))).body.revenueAtRisk;
    };
    expect(await atRisk(withoutTerms, so1001)).toEqual([{ currency: 'EUR', orders: 1, orderValue: '18450.00', penalty: '3690.00', atRisk: '22140.00' }]);
    expect(await atRisk(so1001, withoutTerms)).toEqual([{ currency: 'EUR', orders: 1, orderValue: '17000.00', penalty: '0.00', atRisk: '17000.00' }]);
  });

  test('the timeline is the trace of any id; 404 for an unknown one, 400 for one that cannot be ours', async () => {
    const trace = { query: 'SO-1001', timeline: [] } as unknown as Trace;
    const w = await world((id) => (id === 'SO-1001' ? trace : undefined));
    expect(await body(w, request('/api/shipments/{id}/timeline', {}, { id: 'SO-1001' }))).toMatchObject({ status: 200, body: trace });
    expect((await body(w, request('/api/shipments/{id}/timeline', {}, { id: 'SO-9999' }))).status).toBe(404);
    expect((await body(w, request('/api/shipments/{id}/timeline', {}, { id: '../etc' }))).status).toBe(400);
  });

  test('a failing read is a 500 that tells nothing about the failure; the function logs it', async () => {
    const w = await world(() => {
      throw new Error('AccessDeniedException: arn:aws:dynamodb:…');
    });
    const { status, body: answer } = await body<{ message: string }>(w, request('/api/shipments/{id}/timeline', {}, { id: 'SO-1001' }));
    expect(status).toBe(500);
    expect(answer.message).not.toMatch(/AccessDenied|arn:/);
    expect(w.errors).toHaveLength(1);
  });
});

describe('monthsBack (pure)', () => {
  test('the months a period touches, newest first, across a year', () => {
    expect(monthsBack(new Date('2026-01-10T00:00:00Z'), 30)).toEqual(['2026-01', '2025-12']);
    expect(monthsBack(new Date('2026-03-31T00:00:00Z'), 1)).toEqual(['2026-03']);
  });
});
