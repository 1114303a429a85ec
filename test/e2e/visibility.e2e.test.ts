/**
 * Issue 16 in a real browser: the visibility page, served by the sandbox from the product's template, read by the
 * Debian Chromium through playwright-core (test/e2e/browser.ts).
 *
 * The story is SO-1001's excursion on a shipment of its own (SHP-1001-08), so no other test's shipment, truck or
 * ticket is touched: the ERP releases it through its canonical webhook and the product dispatches it; the fleet
 * system reports the reefer at 11.5 °C for 25 minutes (canonical fleet webhook: no truck or trailer to share); the
 * temperature-excursion workflow enriches it from the ERP (which records SO-1001's value and C-77's penalty terms),
 * opens a high-priority ticket and places a quality hold; an agent solves the ticket. The page then shows the
 * delivery in trouble — its hold is still active — with its case, its hold and its revenue at risk; the timeline has
 * the ERP's, the fleet's and customer service's hops; the filters narrow the list; and when the ERP releases the
 * hold, the page drops the delivery on its own. A screenshot of every view is kept in .test-artifacts/visibility/.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, type Browser } from './browser';
import { chilledOrderOfC77, control, eventually, sandbox, sim } from './support';

const ORDER_ID = 'SO-1001';
const SHIPMENT_ID = 'SHP-1001-08';
const ARTIFACTS = 'visibility';
/** What the page waits for comes from the sandbox's APIs: expect.poll's default second is too short on a loaded machine (a
 * fresh-clone CI run beside a chaos run saw the timeline still empty after it). */
const PAGE_WAIT = { timeout: 15_000 };

interface TroubleRow {
  shipmentId: string;
  severity: string;
  cases: { status: string }[];
  exceptions: { kind: string; active: boolean; caseId: string | null; holdId: string | null }[];
}

interface BusEvent {
  'detail-type': string;
  detail: { metadata: { eventId: string }; refs: Record<string, string> };
}

function pageUrl(): string {
  const url = sandbox().outputs[sandbox().stackName]?.VisibilityPageUrl;
  if (!url) throw new Error('the product has no VisibilityPageUrl output');
  return url;
}

async function busEvents(type: string): Promise<BusEvent[]> {
  return (await control<BusEvent[]>(`/bus-events?type=${encodeURIComponent(type)}`)).filter((e) => e.detail.refs.shipmentId === SHIPMENT_ID);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  return eventually(async () => (await probe()) || undefined, timeoutMs, what) as Promise<T>;
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(new URL(path, pageUrl()));
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** As `api`, but undefined while the index knows nothing of it yet (404: its ledger batch is not indexed). */
async function apiOnceKnown<T>(path: string): Promise<T | undefined> {
  const response = await fetch(new URL(path, pageUrl()));
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

let browser: Browser;
let holdId: string;
let ticketId: number;

beforeAll(async () => {
  // Another test may hold the whole ERP in maintenance for a minute: start when it answers again.
  await waitFor('an ERP without a global fault', async () => (await sim<{ faults: { path?: string }[] }>('erp', 'GET', '/__sim/faults')).faults.every((f) => f.path !== undefined), 120_000);
  const now = Date.now();
  await sim('erp', 'POST', '/__sim/actions/sendCanonical', {
    event: {
      eventId: `release-${SHIPMENT_ID}-${now}`,
      eventType: 'order.released',
      occurredAt: new Date(now).toISOString(),
      correlationId: ORDER_ID,
      refs: { orderId: ORDER_ID, shipmentId: SHIPMENT_ID, customerId: 'C-77' },
      data: chilledOrderOfC77(now),
    },
  });
  await waitFor('shipment.dispatched', async () => (await busEvents('shipment.dispatched')).length > 0);
  await sim('fleet', 'POST', '/__sim/actions/sendCanonical', {
    event: {
      eventId: `excursion-${SHIPMENT_ID}-${now}`,
      eventType: 'shipment.exception-raised',
      occurredAt: new Date(now - 25 * 60_000).toISOString(),
      correlationId: ORDER_ID,
      refs: { orderId: ORDER_ID, shipmentId: SHIPMENT_ID },
      data: { kind: 'temperature-excursion', reportedSeverity: 'high', readingCelsius: 11.5, peakCelsius: 11.5, limits: { maxCelsius: 8 }, durationMinutes: 25 },
    },
  });
  const [hold] = await waitFor('quality-hold.placed', async () => {
    const found = await busEvents('quality-hold.placed');
    return found.length > 0 && found;
  });
  holdId = hold!.detail.refs.holdId!;
  const ticket = await waitFor('the ticket', async () => (await sim<{ tickets: { id: number; external_id: string }[] }>('cs', 'GET', '/__sim/state')).tickets.find((t) => t.external_id === SHIPMENT_ID));
  ticketId = ticket.id;
  await sim('cs', 'POST', '/__sim/actions/solveTicket', { ticketId, comment: 'QA is testing the load; the customer is informed.' });
  await waitFor('case.resolved', async () => (await busEvents('case.resolved')).length > 0);
  // The indexer has folded the solved case, the excursion and its hold into the view once the API says so. The solved
  // case alone is not enough: a view holding the hold and the solved case but not yet the excursion (its ledger
  // message indexed after theirs, as a batch that failed is retried) lists the delivery in trouble through the hold,
  // with no active exception to give it a severity.
  await waitFor('the view with the solved case and the held excursion', async () => {
    const { items } = await api<{ items: TroubleRow[] }>('api/deliveries/trouble?customer=C-77&limit=100');
    const row = items.find((r) => r.shipmentId === SHIPMENT_ID);
    return row?.cases.some((c) => c.status === 'resolved') && row.exceptions.some((e) => e.kind === 'temperature-excursion' && e.active && e.holdId === holdId && e.caseId !== null);
  });
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

describe('the visibility page in Chromium (issue 16)', () => {
  test('deliveries in trouble: SO-1001’s excursion with its case, its hold and the revenue at risk', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.goto(`${pageUrl()}#trouble`);
    await page.waitForSelector('body[data-loaded="true"]');
    const row = page.locator(`#trouble-table tr[data-shipment="${SHIPMENT_ID}"]`);
    await expect.poll(() => row.count(), PAGE_WAIT).toBe(1);
    const severity = await row.getAttribute('data-severity');
    if (severity !== 'major') {
      // What the API says now, to tell a page fault from a view that changed since beforeAll.
      const { items } = await api<{ items: TroubleRow[] }>('api/deliveries/trouble?customer=C-77&limit=100');
      expect(severity, JSON.stringify(items.find((r) => r.shipmentId === SHIPMENT_ID))).toBe('major');
    }
    expect(await row.locator('[data-column=exceptions]').innerText()).toMatch(/temperature excursion/);
    expect(await row.locator(`[data-column=cases] [data-case="${ticketId}"]`).innerText()).toMatch(/resolved\s+high · opened by the workflow/);
    expect(await row.locator(`[data-column=holds] [data-hold="${holdId}"]`).innerText()).toMatch(/active/);
    // SO-1001: 40 × 412.50 + 12 × 162.50 = 18,450.00 EUR, plus C-77's 20 % for an excursion = 22,140.00 EUR.
    expect(await row.locator('[data-testid=row-at-risk]').innerText()).toMatch(/€22,140\.00[\s\S]*€18,450\.00 \+ penalty €3,690\.00/);
    const eur = page.locator('[data-testid=revenue-at-risk][data-currency=EUR] strong');
    expect(Number((await eur.innerText()).replace(/[^0-9.]/g, ''))).toBeGreaterThanOrEqual(22_140);
    expect(await page.locator('#refresh-status').innerText()).toMatch(/^Updated .*, refreshes every 30 s$/);
    await screenshot(page, ARTIFACTS, '1-in-trouble');
    expect(browser.problems).toEqual([]);
  });

  test('the filters narrow the list: another customer, or at least critical, hides it; C-77 and at least major show it', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.goto(`${pageUrl()}#trouble`);
    await page.waitForSelector('body[data-loaded="true"]');
    const row = page.locator(`#trouble-table tr[data-shipment="${SHIPMENT_ID}"]`);
    const apply = async (change: () => Promise<void>) => {
      await change();
      await page.locator('#trouble-filters button[type=submit]').click();
      await page.waitForSelector('body[data-loaded="true"]');
    };
    await apply(() => page.locator('#trouble-filters input[name=customer]').fill('C-12'));
    await expect.poll(() => row.count(), PAGE_WAIT).toBe(0);
    await screenshot(page, ARTIFACTS, '2-filtered-customer-C-12');
    await apply(() => page.locator('#trouble-filters input[name=customer]').fill('C-77'));
    await expect.poll(() => row.count(), PAGE_WAIT).toBe(1);
    await apply(async () => void (await page.locator('#trouble-filters select[name=severity]').selectOption('critical')));
    await expect.poll(() => row.count(), PAGE_WAIT).toBe(0);
    await apply(async () => void (await page.locator('#trouble-filters select[name=severity]').selectOption('major')));
    await expect.poll(() => row.count(), PAGE_WAIT).toBe(1);
    expect(await page.locator('#trouble-table tr[data-shipment]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-severity')))).not.toContain('minor');
    expect(browser.problems).toEqual([]);
  });

  test('the timeline of the shipment has the ERP’s, the fleet’s and customer service’s hops, as lsync trace does', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.goto(`${pageUrl()}#trouble`);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.locator(`#trouble-table tr[data-shipment="${SHIPMENT_ID}"] a[data-timeline="${SHIPMENT_ID}"]`).click();
    await page.waitForURL(/#timeline\//);
    const hops = page.locator('[data-testid=timeline] li');
    await expect.poll(async () => new Set(await hops.evaluateAll((items) => items.map((i) => i.getAttribute('data-system')))).size, PAGE_WAIT).toBeGreaterThanOrEqual(4);
    const systems = new Set(await hops.evaluateAll((items) => items.map((i) => i.getAttribute('data-system'))));
    expect([...systems].sort()).toEqual(expect.arrayContaining(['cs', 'erp', 'fleet', 'orchestrator']));
    const types = await hops.evaluateAll((items) => items.map((i) => i.getAttribute('data-event-type')));
    expect(types).toEqual(expect.arrayContaining(['order.released', 'shipment.dispatched', 'shipment.exception-raised', 'case.opened', 'quality-hold.placed', 'case.resolved']));
    // The same data as the trace API and `lsync trace`.
    const trace = await api<{ timeline: unknown[] }>(`api/shipments/${SHIPMENT_ID}/timeline`);
    expect(await hops.count()).toBe(trace.timeline.length);
    await screenshot(page, ARTIFACTS, '3-timeline');
    expect(browser.problems).toEqual([]);
  });

  test('delivered-not-invoiced and cases linked to disruptions have their views; the case of the excursion is listed', { timeout: 60_000 }, async () => {
    const { page } = browser;
    await page.goto(`${pageUrl()}#unbilled`);
    await page.waitForSelector('body[data-loaded="true"]');
    await expect.poll(() => page.locator('#unbilled-table table, #unbilled-table [data-testid=empty]').count(), PAGE_WAIT).toBe(1);
    await screenshot(page, ARTIFACTS, '4-delivered-not-invoiced');
    await page.goto(`${pageUrl()}#cases`);
    await page.waitForSelector('body[data-loaded="true"]');
    const caseRow = page.locator(`#cases-table tr[data-case="${ticketId}"][data-shipment="${SHIPMENT_ID}"]`);
    await expect.poll(() => caseRow.count(), PAGE_WAIT).toBe(1);
    expect(await caseRow.locator('[data-column=disruption]').innerText()).toMatch(/major[\s\S]*temperature excursion[\s\S]*still active/);
    await screenshot(page, ARTIFACTS, '5-cases');
    expect(browser.problems).toEqual([]);
  });

  test('an invoice the ERP cancels with a credit memo puts its delivery back on the unbilled list, which says so', { timeout: 120_000 }, async () => {
    // A shipment of its own (SHP-1001-09): released, dispatched, delivered with a POD, invoiced by the ERP. (Its
    // billing-ready call is SO-1001's too: the outbound e2e counts only its own shipment's.)
    const shipmentId = 'SHP-1001-09';
    const now = Date.now();
    await sim('erp', 'POST', '/__sim/actions/sendCanonical', {
      event: { eventId: `release-${shipmentId}-${now}`, eventType: 'order.released', occurredAt: new Date(now).toISOString(), correlationId: ORDER_ID, refs: { orderId: ORDER_ID, shipmentId, customerId: 'C-77' }, data: chilledOrderOfC77(now) },
    });
    const ofShipment = async (type: string) => (await control<BusEvent[]>(`/bus-events?type=${encodeURIComponent(type)}`)).filter((e) => e.detail.refs.shipmentId === shipmentId);
    await waitFor('its dispatch', async () => (await ofShipment('shipment.dispatched')).length > 0);
    await sim('fleet', 'POST', '/__sim/actions/sendCanonical', {
      event: {
        eventId: `pod-${shipmentId}-${now}`,
        eventType: 'pod.captured',
        occurredAt: new Date().toISOString(),
        correlationId: ORDER_ID,
        refs: { orderId: ORDER_ID, customerId: 'C-77', shipmentId },
        data: { documentId: `doc-${now}`, documentType: 'proof-of-delivery', signatureCaptured: true, photoCount: 1, exceptionsNoted: false },
      },
    });
    const [posted] = await waitFor('its invoice', async () => {
      const found = await ofShipment('invoice.posted');
      return found.length > 0 && found;
    });
    const invoiceId = posted!.detail.refs.invoiceId!;
    const unbilled = async () => (await api<{ items: { shipmentId: string; invoice: unknown; cancelledInvoices: { invoiceId: string; creditMemoIds: string[] }[] }[] }>('api/deliveries/unbilled?limit=100')).items.find((r) => r.shipmentId === shipmentId);
    // Indexed as delivered and invoiced: its timeline has this POD and this invoice (the indexer projects the view before
    // it writes an event's timeline entry), and the unbilled list does not have it. The trace is the order's, which holds
    // other shipments' invoices: the hops are matched by event id. The bus has the invoice before the ledger's batch is
    // indexed: the timeline is a 404 until then.
    const [pod] = await ofShipment('pod.captured');
    const indexed = new Set([pod!.detail.metadata.eventId, posted!.detail.metadata.eventId]);
    await waitFor('its POD and invoice in its timeline', async () => {
      const hops = (await apiOnceKnown<{ timeline: { eventId: string }[] }>(`api/shipments/${shipmentId}/timeline`))?.timeline ?? [];
      return [...indexed].every((id) => hops.some((h) => h.eventId === id));
    });
    await waitFor('the invoiced delivery off the unbilled list', async () => (await unbilled()) === undefined);
    // A user cancels the invoice in the ERP: a credit memo for its whole amount, naming it.
    await sim('erp', 'POST', '/__sim/actions/cancelInvoice', { invoiceId });
    const row = await waitFor('the delivery back on the unbilled list', unbilled);
    expect(row.invoice).toBeNull();
    expect(row.cancelledInvoices).toEqual([expect.objectContaining({ invoiceId, creditMemoIds: [expect.stringMatching(/^CM-/)] })]);
    const { page } = browser;
    await page.goto(`${pageUrl()}#unbilled`);
    await page.waitForSelector('body[data-loaded="true"]');
    const cancelled = page.locator(`#unbilled-table tr[data-shipment="${shipmentId}"] [data-cancelled-invoice="${invoiceId}"]`);
    await expect.poll(() => cancelled.count(), PAGE_WAIT).toBe(1);
    expect(await cancelled.innerText()).toBe(`invoice ${invoiceId} cancelled by credit memo ${row.cancelledInvoices[0]!.creditMemoIds[0]}`);
    await screenshot(page, ARTIFACTS, '7-unbilled-after-a-cancelled-invoice');
    expect(browser.problems).toEqual([]);
  });

  test('the page refreshes on its own: when the ERP releases the hold, the delivery leaves the list without a reload', { timeout: 90_000 }, async () => {
    const { page } = browser;
    await page.goto(`${pageUrl()}?refresh=5#trouble`);
    await page.waitForSelector('body[data-loaded="true"]');
    const row = page.locator(`#trouble-table tr[data-shipment="${SHIPMENT_ID}"]`);
    await expect.poll(() => row.count(), PAGE_WAIT).toBe(1);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await sim('erp', 'POST', '/__sim/actions/releaseQualityHold', { holdId });
    await expect.poll(() => row.count(), { timeout: 45_000, interval: 500 }).toBe(0);
    expect(navigations).toEqual([]);
    await screenshot(page, ARTIFACTS, '6-after-the-hold-is-released');
    expect(browser.problems).toEqual([]);
  });
});
