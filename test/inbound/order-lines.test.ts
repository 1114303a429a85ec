/**
 * ERP order lines → the canonical line's quantity and unit (`order.released` version 2): counted in handling units or
 * measured, never rounded, and the catalog's latest version is the one the producers write.
 */
import { describe, expect, test } from 'vitest';
import { canonicalLineQuantity, canonicalUnitOf } from '../../lambdas/erp/inbound/order-lines';
import { currentSchemaVersion } from '../../lambdas/shared/canonical-event';
import { ValidationError } from '../../lambdas/shared/errors';
import { canonicalEventTypes, loadCanonicalSchemas } from '../../schemas/catalog';

const FIELDS = { quantity: 'lines[0].quantity', unit: 'lines[0].unit' };

function refusal(run: () => unknown): { message: string; field?: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return { message: error.message, field: error.field };
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('canonicalLineQuantity', () => {
  test.each([
    ['PCS', 3, 'EA'],
    ['st', 3, 'EA'],
    ['KAR', 40, 'CS'],
    ['PALLET', 2, 'PAL'],
    ['KG', 182.35, 'KGM'],
    ['KGM', 0.5, 'KGM'],
    ['L', 12.75, 'LTR'],
    ['TO', 1.2, 'TNE'],
    ['LB', 40, 'LBR'],
    ['M3', 2.5, 'MTQ'],
    ['H87', 5, 'EA'],
    ['PX', 1, 'PAL'],
  ])('%s %d → %s', (code, quantity, unit) => {
    expect(canonicalLineQuantity(quantity, [code], FIELDS)).toEqual({ quantity, unit });
  });

  test('a fraction of a handling unit is refused naming the quantity, not rounded to 3', () => {
    expect(refusal(() => canonicalLineQuantity(2.5, ['BOX'], FIELDS))).toEqual({ message: 'quantity 2.5 CS is not a whole number of handling units from 1 to 1000000', field: FIELDS.quantity });
    expect(refusal(() => canonicalLineQuantity(0, ['EA'], FIELDS)).field).toBe(FIELDS.quantity);
  });

  test('a measure must be positive (at least 0.00001) and finite', () => {
    expect(canonicalLineQuantity(0.00001, ['KG'], FIELDS)).toEqual({ quantity: 0.00001, unit: 'KGM' });
    expect(refusal(() => canonicalLineQuantity(0.000001, ['KG'], FIELDS)).field).toBe(FIELDS.quantity);
    expect(refusal(() => canonicalLineQuantity(0, ['KG'], FIELDS)).message).toBe('quantity 0 KGM is not a measure from 0.00001 to 1000000000');
    expect(refusal(() => canonicalLineQuantity(-1.5, ['L'], FIELDS)).field).toBe(FIELDS.quantity);
    expect(refusal(() => canonicalLineQuantity(Number.NaN, ['L'], FIELDS)).field).toBe(FIELDS.quantity);
  });

  test('the first known unit decides (an internal code, then its ISO code); a unit that is neither is refused naming the unit', () => {
    expect(canonicalLineQuantity(24, ['ZKR', 'CT'], FIELDS)).toEqual({ quantity: 24, unit: 'CS' });
    expect(canonicalLineQuantity(24, [undefined, ' ', 'PCE'], FIELDS)).toEqual({ quantity: 24, unit: 'EA' });
    expect(refusal(() => canonicalLineQuantity(1, ['H', 'HUR'], FIELDS))).toEqual({ message: 'unit "H" / "HUR" is neither a handling unit (EA, CS, PAL) nor a unit of mass, volume or length', field: FIELDS.unit });
    expect(refusal(() => canonicalLineQuantity(1, [], FIELDS)).message).toMatch(/^unit \(none\) is neither/);
  });

  test('ambiguous tons are not guessed', () => {
    expect(canonicalUnitOf('TON')).toBeUndefined();
    expect(canonicalUnitOf('T')).toBeUndefined();
  });
});

describe('the schema version producers write', () => {
  test('is the latest version of each type in the catalog', () => {
    const schemas = loadCanonicalSchemas();
    for (const type of canonicalEventTypes) {
      const latest = Math.max(...schemas.filter((s) => s.eventType === type).map((s) => Number(s.version)));
      expect({ type, version: currentSchemaVersion(type) }).toEqual({ type, version: String(latest) });
    }
    expect(currentSchemaVersion('order.released')).toBe('2');
  });
});
