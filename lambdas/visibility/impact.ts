/**
 * Business impact of a shipment: what its order is worth and what its customer's contract charges when it goes
 * wrong, as the ERP states them. Recorded by the exception workflows' Enrich task (which reads the order and the
 * contract anyway) on the shipment's state; summed by the visibility API into "revenue at risk". Pure.
 *
 * Money is held in integer hundredths (cents) and written as decimal strings, so sums are exact.
 */
import type { ErpCustomerContract, ErpOrder } from '../erp/erp-port';

/** Exception kinds a contract can price (the canonical `shipment.exception-raised` kinds and the delay workflow's ETA breach). */
export const PENALTY_KINDS = ['temperature-excursion', 'delay', 'failed-delivery', 'damage'] as const;
export type PenaltyKind = (typeof PENALTY_KINDS)[number];

/** The contract's penalties: percentages of the order's net value per exception kind, their sum capped per order. */
export interface PenaltyTerms {
  readonly percentOfOrderValue: Partial<Record<PenaltyKind, number>>;
  /** @default - no cap */
  readonly capPercentOfOrderValue?: number;
}

/** What the ERP says a shipment's order is worth and what its contract charges (stored on `SHIPMENT#<id>` / `STATE` as `impact`). */
export interface BusinessImpact {
  readonly orderId: string;
  readonly customerId: string | null;
  readonly contractId: string | null;
  /** ISO 4217; null when the ERP gave none. */
  readonly currency: string | null;
  /** Net order value (Σ quantity × unit price, each line rounded to the cent), decimal string with two decimals; null when a line has no price. */
  readonly orderValue: string | null;
  readonly penaltyTerms: PenaltyTerms | null;
}

/** A decimal string (`"412.50"`, `"-3"`) in cents, rounded half away from zero; undefined when it is not a decimal. */
export function toCents(decimal: string): number | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const padded = (fraction + '000').slice(0, 3);
  const thousandths = Number(whole) * 1000 + Number(padded);
  const cents = Math.floor(thousandths / 10) + (thousandths % 10 >= 5 ? 1 : 0);
  return sign === '-' && cents !== 0 ? -cents : cents;
}

/**
 * A line's net amount in cents, quantity × unit price rounded half away from zero as an ERP rounds an amount. Exact
 * for a decimal quantity (182.35 kg at 42.50 is 7749.875, so 7749.88): the quantity's decimal digits are multiplied as
 * integers. Undefined for a quantity that is negative or not a finite decimal.
 */
export function lineCents(unitCents: number, quantity: number): number | undefined {
  if (Number.isSafeInteger(quantity) && quantity >= 0) return unitCents * quantity;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(String(quantity));
  if (!match) return undefined;
  const [, whole, fraction = ''] = match;
  const scale = 10n ** BigInt(fraction.length);
  const product = BigInt(unitCents) * BigInt(whole + fraction);
  const magnitude = product < 0n ? -product : product;
  const rounded = (magnitude * 2n + scale) / (2n * scale);
  return Number(product < 0n ? -rounded : rounded);
}

/** Cents as a decimal string with two decimals (`1845000` → `"18450.00"`). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function isPenaltyKind(kind: string): kind is PenaltyKind {
  return (PENALTY_KINDS as readonly string[]).includes(kind);
}

/** A percentage the contract may state (0–100), or undefined. */
function percent(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100 ? value : undefined;
}

/** The penalty terms of a contract, keeping only well-formed percentages of known kinds; null when there are none. */
export function penaltyTermsOf(contract: ErpCustomerContract | null): PenaltyTerms | null {
  const raw = contract?.penaltyTerms;
  if (!raw || typeof raw !== 'object') return null;
  const percentOfOrderValue: Partial<Record<PenaltyKind, number>> = {};
  for (const [kind, value] of Object.entries(raw.percentOfOrderValue ?? {})) {
    const p = percent(value);
    if (isPenaltyKind(kind) && p !== undefined) percentOfOrderValue[kind] = p;
  }
  const cap = percent(raw.capPercentOfOrderValue);
  if (Object.keys(percentOfOrderValue).length === 0 && cap === undefined) return null;
  return { percentOfOrderValue, ...(cap !== undefined ? { capPercentOfOrderValue: cap } : {}) };
}

/**
 * The business impact of an order (pure): its net value from the lines' unit prices, its currency, its
 * contract's penalty terms. The value is null when any line has no (valid) price: a partial sum would be a guess.
 */
export function businessImpactOf(order: ErpOrder | null, contract: ErpCustomerContract | null): BusinessImpact | null {
  if (!order) return null;
  let cents: number | null = order.lines.length > 0 ? 0 : null;
  for (const line of order.lines) {
    const unit = typeof line.unitPrice === 'string' ? toCents(line.unitPrice) : undefined;
    const amount = unit === undefined ? undefined : lineCents(unit, line.quantity);
    if (amount === undefined || cents === null) {
      cents = null;
      break;
    }
    cents += amount;
  }
  return {
    orderId: order.orderId,
    customerId: order.customerId ?? contract?.customerId ?? null,
    contractId: order.contractId ?? contract?.contractId ?? null,
    currency: typeof order.currency === 'string' && /^[A-Z]{3}$/.test(order.currency) ? order.currency : null,
    orderValue: cents === null ? null : formatCents(cents),
    penaltyTerms: penaltyTermsOf(contract),
  };
}

/** Revenue at risk of one order given the kinds of its active exceptions. */
export interface RiskAmount {
  readonly currency: string | null;
  readonly orderValueCents: number | null;
  readonly penaltyCents: number | null;
  /** Order value + penalty; null when the order value is unknown. */
  readonly atRiskCents: number | null;
  /** How the penalty was computed, one line per kind (e.g. `temperature-excursion 20 %`), and the cap when it applied. */
  readonly basis: readonly string[];
}

/**
 * Revenue at risk of an order in trouble (pure): its net value (revenue whose billing or collection is in doubt)
 * plus the contract's penalty for each distinct kind of its active exceptions, the penalties' sum capped by the
 * contract. Without penalty terms the penalty is 0 and says so; without an order value nothing is summed.
 */
export function revenueAtRisk(impact: BusinessImpact | null | undefined, activeKinds: Iterable<string>): RiskAmount {
  const value = impact?.orderValue ? (toCents(impact.orderValue) ?? null) : null;
  const kinds = [...new Set(activeKinds)].filter(isPenaltyKind).sort();
  const terms = impact?.penaltyTerms ?? null;
  const basis: string[] = [];
  let percentSum = 0;
  for (const kind of kinds) {
    const p = terms?.percentOfOrderValue[kind];
    if (p === undefined) continue;
    percentSum += p;
    basis.push(`${kind} ${p} %`);
  }
  if (terms?.capPercentOfOrderValue !== undefined && percentSum > terms.capPercentOfOrderValue) {
    percentSum = terms.capPercentOfOrderValue;
    basis.push(`capped at ${terms.capPercentOfOrderValue} %`);
  }
  if (!terms) basis.push('no penalty terms in the contract');
  const penalty = value === null ? null : Math.round((value * percentSum) / 100);
  return {
    currency: impact?.currency ?? null,
    orderValueCents: value,
    penaltyCents: penalty,
    atRiskCents: value === null ? null : value + (penalty ?? 0),
    basis,
  };
}
