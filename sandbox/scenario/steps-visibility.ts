import { fleetRouteOfOrder, ORDER_ID } from './helpers';
import type { ScenarioContext, ScenarioStep } from './runner';

/**
 * The reference scenario seen from the visibility page (`npm start -- --once`; docs/visibility.md): after the
 * excursion, the solved ticket, the delivery and the invoice, SO-1001's shipment is still in trouble — its quality
 * hold is active — with its case, its hold and its revenue at risk, and its timeline spans the ERP, the fleet and
 * customer service. Read through the page's own API, as the page does.
 */

function pageUrl(ctx: ScenarioContext): string | undefined {
  return ctx.sandbox.endpoints.outputs[ctx.sandbox.endpoints.stackName]?.VisibilityPageUrl;
}

async function get<T>(ctx: ScenarioContext, path: string): Promise<T> {
  const response = await fetch(new URL(path, pageUrl(ctx)));
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

interface Row {
  shipmentId: string;
  orderId: string | null;
  severity: string;
  exceptions: { kind: string }[];
  cases: { caseId: string; source: string }[];
  holds: { holdId: string; status: string }[];
  invoice: { invoiceId: string } | null;
  money: { currency: string | null; atRisk: string | null } | null;
}

export const VISIBILITY_STEPS: readonly ScenarioStep[] = [
  {
    name: `9. the visibility page shows ${ORDER_ID}'s excursion with its case, its hold, the revenue at risk and the timeline across ERP, fleet and CS`,
    skipUnless: (ctx) => {
      if (!pageUrl(ctx)) return 'the product has no visibility page';
      try {
        fleetRouteOfOrder(ctx, ORDER_ID);
        return ctx.state.has('temperatureAlert') ? undefined : 'the excursion step did not run';
      } catch {
        return `the fleet has no route for ${ORDER_ID}`;
      }
    },
    expectations: (ctx) => {
      const shipmentId = fleetRouteOfOrder(ctx, ORDER_ID).shipmentId;
      // An ERP that posts no invoice back (postsInvoices false, sandbox/simulators/erp-port.ts) leaves the row without one.
      const invoiced = ctx.sandbox.simulators?.erpPort.postsInvoices !== false;
      return [
        {
          name: 'the page is served',
          check: async () => {
            const response = await fetch(pageUrl(ctx)!);
            const type = response.headers.get('content-type') ?? '';
            return response.ok && type.startsWith('text/html') ? undefined : `HTTP ${response.status} ${type}`;
          },
        },
        {
          name: `${shipmentId} is in trouble (hold active) with the workflow's case, its quality hold, ${invoiced ? 'its invoice' : 'no invoice (the ERP posts none)'} and the revenue at risk`,
          withinMs: 20_000,
          check: async () => {
            const { items } = await get<{ items: Row[] }>(ctx, 'api/deliveries/trouble?customer=C-77&limit=100');
            const row = items.find((r) => r.shipmentId === shipmentId);
            if (!row) return `not among ${items.length} deliveries in trouble`;
            if (!row.exceptions.some((e) => e.kind === 'temperature-excursion')) return 'no temperature excursion';
            if (!row.cases.some((c) => c.source === 'workflow')) return 'no case opened by the workflow';
            if (!row.holds.some((h) => h.status === 'active')) return 'no active quality hold';
            if (invoiced !== Boolean(row.invoice)) return invoiced ? 'no invoice' : `an invoice: ${JSON.stringify(row.invoice)}`;
            return row.money?.atRisk ? undefined : 'no revenue at risk';
          },
        },
        {
          name: 'the summary sums the revenue at risk',
          check: async () => {
            const summary = await get<{ revenueAtRisk: { currency: string; atRisk: string }[] }>(ctx, 'api/summary');
            return summary.revenueAtRisk.some((r) => r.currency === 'EUR' && Number(r.atRisk) > 0) ? undefined : JSON.stringify(summary.revenueAtRisk);
          },
        },
        {
          name: 'its timeline has hops from the ERP, the fleet and customer service',
          check: async () => {
            const trace = await get<{ timeline: { system: string }[] }>(ctx, `api/shipments/${encodeURIComponent(ORDER_ID)}/timeline`);
            const systems = new Set(trace.timeline.map((h) => h.system));
            const missing = ['erp', 'fleet', 'cs'].filter((s) => !systems.has(s));
            return missing.length === 0 ? undefined : `nothing from ${missing.join(', ')}`;
          },
        },
      ];
    },
  },
];
