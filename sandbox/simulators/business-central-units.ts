import { randomUUID } from 'node:crypto';
import { bcContractAssertion } from './business-central-invoices';

/**
 * The simulated company's units of measure (`GET …/companies({id})/unitsOfMeasure`), checked against
 * contracts/business-central/unit-of-measure.schema.json. A company defines its own codes, each with an optional UNECE
 * Rec 20 code (`internationalStandardCode`). The seeds: the docs' examples (PCS → EA, BOX → BX), the codes the
 * sandbox's orders use (EA), units of mass and volume (KG → KGM, L → LTR) and one without a Rec 20 code (PALLET).
 */
export interface BcSimUnitOfMeasure {
  id: string;
  code: string;
  displayName: string;
  internationalStandardCode: string;
  symbol: string;
  lastModifiedDateTime: string;
}

const assertUnitOfMeasure = bcContractAssertion('unit-of-measure.schema.json', 'unit of measure');

const SEEDS: readonly [code: string, displayName: string, iso: string][] = [
  ['PCS', 'Piece', 'EA'],
  ['BOX', 'Box', 'BX'],
  ['EA', 'Each', 'EA'],
  ['KG', 'Kilogram', 'KGM'],
  ['L', 'Liter', 'LTR'],
  ['PALLET', 'Pallet', ''],
];

export class BcUnitsOfMeasure {
  private readonly units = new Map<string, BcSimUnitOfMeasure>();

  constructor(private readonly now: () => Date) {
    this.reset();
  }

  reset(): void {
    this.units.clear();
    for (const [code, displayName, iso] of SEEDS) this.add(code, displayName, iso);
  }

  /** Defines a unit (a user adding one on the Units of Measure page); throws when the contract would not allow it. */
  add(code: string, displayName: string, internationalStandardCode: string): BcSimUnitOfMeasure {
    const unit: BcSimUnitOfMeasure = { id: randomUUID(), code, displayName, internationalStandardCode, symbol: '', lastModifiedDateTime: this.now().toISOString() };
    assertUnitOfMeasure(unit);
    this.units.set(code.toUpperCase(), unit);
    return unit;
  }

  json(unit: BcSimUnitOfMeasure): Record<string, unknown> {
    return { '@odata.etag': `W/"${unit.id}"`, ...unit };
  }

  list(): BcSimUnitOfMeasure[] {
    return [...this.units.values()];
  }

  byId(id: string): BcSimUnitOfMeasure | undefined {
    return this.list().find((u) => u.id === id);
  }
}
