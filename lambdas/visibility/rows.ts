/**
 * The JSON the visibility API answers with, built from shipment state items (pure). Amounts are decimal strings
 * in the order's currency; revenue at risk is summed per currency, never converted.
 */
import { formatCents, revenueAtRisk, type RiskAmount } from './impact';
import type { ShipmentState } from './reader';
import { activeExceptions, cancelledInvoices, emptyView, SEVERITIES, statusOf, type ViewSeverity } from './shipment-view';

export interface MoneyAtRisk {
  readonly currency: string | null;
  readonly orderValue: string | null;
  /** Only while the shipment is in trouble. */
  readonly penalty: string | null;
  readonly atRisk: string | null;
  readonly basis: readonly string[];
}

export interface DeliveryRow {
  readonly shipmentId: string;
  readonly orderId: string | null;
  readonly customerId: string | null;
  readonly routeId: string | null;
  readonly milestone: string | null;
  readonly milestoneAt: string | null;
  readonly inTrouble: boolean;
  readonly severity: ViewSeverity;
  readonly since: string | null;
  readonly ageMinutes: number | null;
  readonly exceptions: readonly {
    readonly id: string;
    readonly kind: string;
    readonly severity: ViewSeverity;
    readonly severityBasis: string;
    readonly status: string;
    readonly active: boolean;
    readonly raisedAt: string;
    readonly caseId: string | null;
    readonly holdId: string | null;
    readonly resolvedAt: string | null;
    readonly resolvedBy: string | null;
  }[];
  readonly cases: readonly CaseSummary[];
  readonly holds: readonly { readonly holdId: string; readonly status: string; readonly placedAt: string | null; readonly releasedAt: string | null; readonly reason: string | null; readonly disposition: string | null }[];
  readonly deliveredAt: string | null;
  readonly billingReadyAt: string | null;
  readonly invoice: { readonly invoiceId: string; readonly postedAt: string; readonly currency: string | null; readonly grossAmount: string | null } | null;
  /** Invoices credit memos cancelled (a cancelled invoice bills nothing: the shipment is unbilled unless another stands). */
  readonly cancelledInvoices: readonly { readonly invoiceId: string; readonly postedAt: string; readonly creditMemoIds: readonly string[] }[];
  /** null when the ERP's order value was never recorded (no exception workflow enriched this shipment). */
  readonly money: MoneyAtRisk | null;
}

export interface CaseSummary {
  readonly caseId: string;
  readonly status: string;
  readonly priority: string | null;
  readonly source: string;
  readonly trigger: string | null;
  readonly openedAt: string | null;
  readonly resolvedAt: string | null;
  /** The exception the case was opened for, when a workflow opened it. */
  readonly exceptionId: string | null;
}

export interface CaseRow extends CaseSummary {
  readonly shipmentId: string;
  readonly orderId: string | null;
  readonly customerId: string | null;
  readonly routeId: string | null;
  /** The shipment's disruption: its exceptions' kinds, worst severity, and whether any is still active. */
  readonly disruption: { readonly kinds: readonly string[]; readonly severity: ViewSeverity; readonly active: boolean; readonly firstAt: string | null };
}

/** Code-point order (ISO times, ids): not the locale's, which may sort symbols before digits. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const money = (cents: number | null) => (cents === null ? null : formatCents(cents));

function risk(state: ShipmentState): RiskAmount {
  const view = state.view ?? emptyView(state.shipmentId);
  return revenueAtRisk(state.impact, activeExceptions(view).map((a) => a.exception.kind));
}

/** One delivery, as the page's tables show it. */
export function deliveryRow(state: ShipmentState, now: Date): DeliveryRow {
  const view = state.view ?? emptyView(state.shipmentId);
  const status = statusOf(view);
  const active = new Set(activeExceptions(view).map((a) => a.id));
  const r = risk(state);
  return {
    shipmentId: state.shipmentId,
    orderId: view.orderId ?? state.impact?.orderId ?? null,
    customerId: view.customerId ?? state.impact?.customerId ?? null,
    routeId: view.routeId ?? null,
    milestone: state.milestone ?? null,
    milestoneAt: state.milestoneAt ?? null,
    inTrouble: status.inTrouble,
    severity: status.severity,
    since: status.since ?? null,
    ageMinutes: status.since ? Math.max(0, Math.floor((now.getTime() - Date.parse(status.since)) / 60_000)) : null,
    exceptions: Object.entries(view.exceptions)
      .sort(([, a], [, b]) => a.raisedAt.localeCompare(b.raisedAt))
      .map(([id, e]) => ({
        id,
        kind: e.kind,
        severity: e.severity,
        severityBasis: e.severityBasis,
        status: e.status,
        active: active.has(id),
        raisedAt: e.raisedAt,
        caseId: e.caseId ?? null,
        holdId: e.holdId ?? null,
        resolvedAt: e.resolvedAt ?? null,
        resolvedBy: e.resolvedBy ?? null,
      })),
    cases: caseSummaries(state),
    holds: Object.entries(view.holds)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([holdId, h]) => ({ holdId, status: h.status, placedAt: h.placedAt ?? null, releasedAt: h.releasedAt ?? null, reason: h.reason ?? null, disposition: h.disposition ?? null })),
    deliveredAt: view.deliveredAt ?? null,
    billingReadyAt: view.billingReadyAt ?? null,
    invoice: view.invoice ? { invoiceId: view.invoice.invoiceId, postedAt: view.invoice.postedAt, currency: view.invoice.currency ?? null, grossAmount: view.invoice.grossAmount ?? null } : null,
    cancelledInvoices: cancelledInvoices(view),
    money: state.impact
      ? {
          currency: r.currency,
          orderValue: money(r.orderValueCents),
          penalty: status.inTrouble ? money(r.penaltyCents) : null,
          atRisk: status.inTrouble ? money(r.atRiskCents) : null,
          basis: status.inTrouble ? r.basis : [],
        }
      : null,
  };
}

function caseSummaries(state: ShipmentState): CaseSummary[] {
  const view = state.view ?? emptyView(state.shipmentId);
  return Object.entries(view.cases)
    // By opening time; cases known only from an update (no opening seen) after them.
    .sort(([ida, a], [idb, b]) => compare(a.openedAt ?? '~', b.openedAt ?? '~') || compare(ida, idb))
    .map(([caseId, c]) => ({
      caseId,
      status: c.status,
      priority: c.priority ?? null,
      source: c.source,
      trigger: c.trigger ?? null,
      openedAt: c.openedAt ?? null,
      resolvedAt: c.resolvedAt ?? null,
      exceptionId: c.exceptionEventId ?? null,
    }));
}

/** The cases of a disrupted shipment, each with the disruption it is linked to. */
export function caseRows(state: ShipmentState): CaseRow[] {
  const view = state.view ?? emptyView(state.shipmentId);
  const exceptions = Object.values(view.exceptions);
  const status = statusOf(view);
  const disruption = {
    kinds: [...new Set(exceptions.map((e) => e.kind))].sort(),
    severity: exceptions.reduce<ViewSeverity>((s, e) => (SEVERITIES.indexOf(e.severity) > SEVERITIES.indexOf(s) ? e.severity : s), 'unknown'),
    active: status.inTrouble,
    firstAt: status.firstDisruptionAt ?? null,
  };
  return caseSummaries(state).map((c) => ({
    ...c,
    shipmentId: state.shipmentId,
    orderId: view.orderId ?? state.impact?.orderId ?? null,
    customerId: view.customerId ?? state.impact?.customerId ?? null,
    routeId: view.routeId ?? null,
    disruption,
  }));
}

export interface RevenueAtRisk {
  readonly currency: string | null;
  /** Orders summed (an order's value counts once, however many of its shipments are in trouble). */
  readonly orders: number;
  readonly orderValue: string;
  readonly penalty: string;
  readonly atRisk: string;
}

export interface Summary {
  readonly shipmentsInTrouble: number;
  readonly bySeverity: Readonly<Record<ViewSeverity, number>>;
  /** Per currency, largest first. */
  readonly revenueAtRisk: readonly RevenueAtRisk[];
  /** Shipments in trouble whose order value the ERP never gave us: counted here, not summed. */
  readonly withoutOrderValue: number;
}

/**
 * Whether `a`'s impact was recorded after `b`'s (pure): the later record is the ERP's later word on the order (an
 * amended order, a new contract); a record without a time is the older, and equal times fall to the shipment id, so
 * the answer never depends on the order the shipments were listed in.
 */
function recordedLater(a: ShipmentState, b: ShipmentState): boolean {
  const at = a.impactRecordedAt ?? '';
  const bt = b.impactRecordedAt ?? '';
  return at !== bt ? at > bt : a.shipmentId > b.shipmentId;
}

/**
 * Totals over shipments in trouble (pure). Revenue at risk is summed per order — its value once, plus the
 * penalties for the distinct kinds of all its shipments' active exceptions, capped as its contract says —
 * then per currency: the ERP does not say which lines travel on which shipment, so splitting an order's value
 * across its shipments would be a guess. When the shipments of one order carry different impacts (recorded by
 * exceptions at different times), the latest recorded one is the order's.
 */
export function summarize(states: readonly ShipmentState[]): Summary {
  const inTrouble = states.filter((s) => statusOf(s.view ?? emptyView(s.shipmentId)).inTrouble);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<ViewSeverity, number>;
  for (const s of inTrouble) bySeverity[statusOf(s.view!).severity]++;
  const orders = new Map<string, { latest: ShipmentState; kinds: Set<string> }>();
  let withoutOrderValue = 0;
  for (const s of inTrouble) {
    if (!s.impact?.orderValue) {
      withoutOrderValue++;
      continue;
    }
    const key = s.impact.orderId;
    const group = orders.get(key) ?? { latest: s, kinds: new Set<string>() };
    if (recordedLater(s, group.latest)) group.latest = s;
    for (const a of activeExceptions(s.view!)) group.kinds.add(a.exception.kind);
    orders.set(key, group);
  }
  const byCurrency = new Map<string | null, { orders: number; value: number; penalty: number }>();
  for (const { latest, kinds } of orders.values()) {
    const r = revenueAtRisk(latest.impact, kinds);
    if (r.orderValueCents === null) continue;
    const total = byCurrency.get(r.currency) ?? { orders: 0, value: 0, penalty: 0 };
    total.orders++;
    total.value += r.orderValueCents;
    total.penalty += r.penaltyCents ?? 0;
    byCurrency.set(r.currency, total);
  }
  return {
    shipmentsInTrouble: inTrouble.length,
    bySeverity,
    revenueAtRisk: [...byCurrency.entries()]
      .map(([currency, t]) => ({ currency, orders: t.orders, orderValue: formatCents(t.value), penalty: formatCents(t.penalty), atRisk: formatCents(t.value + t.penalty), cents: t.value + t.penalty }))
      .sort((a, b) => b.cents - a.cents)
      .map(({ cents: _cents, ...rest }) => rest),
    withoutOrderValue,
  };
}
