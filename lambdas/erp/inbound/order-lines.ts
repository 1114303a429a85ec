import { ValidationError } from '../../shared/errors';

/**
 * An ERP order line's quantity and unit of measure → the canonical line's (`order.released` version 2, pure).
 *
 * A line is either **counted** — a whole number of handling units: EA (each), CS (case), PAL (pallet) — or
 * **measured** — a positive quantity, fractions allowed, in a unit of mass, volume or length, as UN/ECE
 * Recommendation 20 codes them (KGM kilogram, LTR litre, …; the code list: https://unece.org/trade/uncefact/cl-recommendations, summary
 * http://tfig.unece.org/contents/recommendation-20.htm, retrieved 2026-12-07). ERPs state both: Business Central's sales order line
 * has a decimal `quantity` in the item's unit of measure (PCS, BOX, KG, …), SAP's `RequestedQuantity` is a decimal in
 * `RequestedQuantityUnit` (ST, KAR, KG, …). Version 1 knew counted lines only, and an order with a line sold by
 * weight was refused whole.
 *
 * Never rounded: 2.5 cases is an error in the ERP's data (ValidationError naming the field), not 3 cases; a unit
 * that is neither (HR, an hour of a service line that reached the lines) is refused the same way.
 */

export type CountedUnit = 'EA' | 'CS' | 'PAL';
export type MeasuredUnit = 'KGM' | 'GRM' | 'TNE' | 'LBR' | 'ONZ' | 'LTR' | 'MLT' | 'GLL' | 'MTR' | 'MTK' | 'MTQ';

/** ERP unit codes → the canonical handling units (SAP's internal and ISO codes, UNECE Rec 20 codes, common ERP spellings). */
const COUNTED: Readonly<Record<string, CountedUnit>> = {
  // Rec 20 has H87 (piece) and C62 (one) for a count of items.
  EA: 'EA', PC: 'EA', PCE: 'EA', PCS: 'EA', PIECE: 'EA', ST: 'EA', UN: 'EA', H87: 'EA', C62: 'EA',
  CS: 'CS', CA: 'CS', CT: 'CS', CAR: 'CS', BX: 'CS', BOX: 'CS', KAR: 'CS',
  PAL: 'PAL', PALLET: 'PAL', PL: 'PAL', PF: 'PAL', PX: 'PAL',
};

/**
 * ERP unit codes → UN/ECE Recommendation 20 units of measure. The Rec 20 codes themselves (SAP's
 * `RequestedQuantityISOUnit`, Business Central's `internationalStandardCode`), SAP's internal codes (KG, G, TO, L,
 * ML, M, M2, M3, LB, OZ, GAL) and the usual spellings of Business Central's user-defined codes (KG, L, …).
 * TON and T are left out on purpose: a short, long or metric ton cannot be told apart.
 */
const MEASURED: Readonly<Record<string, MeasuredUnit>> = {
  KGM: 'KGM', KG: 'KGM', KGS: 'KGM',
  GRM: 'GRM', G: 'GRM', GR: 'GRM',
  TNE: 'TNE', TO: 'TNE',
  LBR: 'LBR', LB: 'LBR', LBS: 'LBR',
  ONZ: 'ONZ', OZ: 'ONZ',
  LTR: 'LTR', L: 'LTR', LT: 'LTR',
  MLT: 'MLT', ML: 'MLT',
  GLL: 'GLL', GAL: 'GLL',
  MTR: 'MTR', M: 'MTR',
  MTK: 'MTK', M2: 'MTK',
  MTQ: 'MTQ', M3: 'MTQ',
};

const COUNTED_UNITS: ReadonlySet<string> = new Set<CountedUnit>(['EA', 'CS', 'PAL']);

/** The bounds the canonical schema sets: counted 1 to 1,000,000; measured 0.00001 (Business Central's finest quantity, five decimals) to 1,000,000,000. */
const MAX_COUNTED = 1_000_000;
const MIN_MEASURED = 0.00001;
const MAX_MEASURED = 1_000_000_000;

/** The largest measure a canonical line (order.released v2, a line reference) states. */
export const MAX_MEASURED_QUANTITY = MAX_MEASURED;

export interface LineQuantity {
  readonly quantity: number;
  readonly unit: CountedUnit | MeasuredUnit;
}

/** Where the quantity and the unit sat in the vendor's payload, for the ValidationError. */
export interface LineFields {
  readonly quantity: string;
  readonly unit: string;
}

/** A canonical unit for an ERP unit code, or undefined when the code is neither counted nor measured. */
export function canonicalUnitOf(code: string): CountedUnit | MeasuredUnit | undefined {
  const upper = code.trim().toUpperCase();
  if (Object.hasOwn(COUNTED, upper)) return COUNTED[upper];
  if (Object.hasOwn(MEASURED, upper)) return MEASURED[upper];
  return undefined;
}

/** The canonical unit of mass, volume or length for an ERP unit code; undefined for a handling unit or an unknown code. */
export function measuredUnitOf(code: string): MeasuredUnit | undefined {
  const upper = code.trim().toUpperCase();
  return Object.hasOwn(MEASURED, upper) ? MEASURED[upper] : undefined;
}

/**
 * The canonical quantity and unit of an ERP line. `units` are unit codes to try in order (e.g. SAP's internal code,
 * then its ISO code): the first one known decides. Throws ValidationError naming the field.
 */
export function canonicalLineQuantity(quantity: number, units: readonly (string | undefined)[], fields: LineFields): LineQuantity {
  const given = units.filter((u): u is string => typeof u === 'string' && u.trim() !== '');
  const unit = given.map(canonicalUnitOf).find((u) => u !== undefined);
  if (!unit) {
    const named = given.length > 0 ? given.map((u) => `"${u.slice(0, 8)}"`).join(' / ') : '(none)';
    throw new ValidationError(`unit ${named} is neither a handling unit (EA, CS, PAL) nor a unit of mass, volume or length`, fields.unit);
  }
  if (COUNTED_UNITS.has(unit)) {
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_COUNTED) {
      throw new ValidationError(`quantity ${quantity} ${unit} is not a whole number of handling units from 1 to ${MAX_COUNTED}`, fields.quantity);
    }
  } else if (!Number.isFinite(quantity) || quantity < MIN_MEASURED || quantity > MAX_MEASURED) {
    throw new ValidationError(`quantity ${quantity} ${unit} is not a measure from ${MIN_MEASURED} to ${MAX_MEASURED}`, fields.quantity);
  }
  return { quantity, unit };
}
