/** Seed data of the simulated ERP: the reference scenario's order SO-1001 and two more. */

export interface TemperatureRange {
  minCelsius: number;
  maxCelsius: number;
}

export interface ErpLocation {
  locationId: string;
  name: string;
  address: { line1: string; city: string; postalCode: string; countryCode: string };
  coordinates: { latitude: number; longitude: number };
}

export interface ErpOrderLine {
  lineNumber: number;
  product: { sku: string; description: string };
  quantity: number;
  unit: string;
  /** Net unit price, decimal string in the order currency. */
  unitPrice: string;
  refrigerated: boolean;
  grossWeightKg: number;
}

/** Fleet assets the ERP/TMS planned, as ids the fleet system accepts (Samsara: its id, or an external id `key:value`). */
export interface ErpAssignment {
  vehicleId?: string;
  trailerId?: string;
  driverId?: string;
}

export type ErpOrderStatus = 'open' | 'released' | 'billing-ready' | 'invoiced';

export interface ErpOrder {
  orderId: string;
  customerId: string;
  contractId: string;
  status: ErpOrderStatus;
  currency: string;
  refrigerated: boolean;
  /** Required transport temperature; null for ambient goods without a range. */
  temperatureRange: TemperatureRange | null;
  requestedDeliveryWindow: { from: string; to: string };
  /** Same as requestedDeliveryWindow; both names exist because our consumers read either. */
  deliveryWindow: { from: string; to: string };
  shipFrom: ErpLocation;
  shipTo: ErpLocation;
  lines: ErpOrderLine[];
  /** Planned vehicle, trailer and driver, when the ERP/TMS planned them. */
  assignment?: ErpAssignment;
  createdAt: string;
  releasedAt?: string;
}

export interface CustomerContract {
  customerId: string;
  contractId: string;
  productCategory: string;
  temperatureRange: TemperatureRange | null;
  sla: {
    /** Width of the agreed delivery window. */
    deliveryWindowHours: number;
    /** How fast the customer must hear about an exception. */
    exceptionResponseMinutes: number;
  };
  accountTeam: { name: string; email: string };
  /** Same as accountTeam.email. */
  accountTeamEmail: string;
  paymentTermsCode: string;
  /** VAT rate applied on invoices, percent. */
  taxRatePercent: number;
  /** Penalties as percentages of the order's net value per exception kind, their sum capped per order. */
  penaltyTerms?: { percentOfOrderValue: Record<string, number>; capPercentOfOrderValue?: number };
}

const DC_ROTTERDAM: ErpLocation = {
  locationId: 'DC-01',
  name: 'Central DC Rotterdam',
  address: { line1: 'Distributieweg 12', city: 'Rotterdam', postalCode: '3088 GA', countryCode: 'NL' },
  coordinates: { latitude: 51.8856, longitude: 4.4236 },
};

function hoursAfter(base: Date, hours: number): string {
  return new Date(base.getTime() + hours * 3_600_000).toISOString();
}

/**
 * Orders with delivery windows relative to `base` (the simulator's start), so SLA checks in a running
 * sandbox see a window in the near future rather than a fixed date long past.
 */
export function seedOrders(base: Date): ErpOrder[] {
  const createdAt = hoursAfter(base, -2);
  return [
    {
      orderId: 'SO-1001',
      customerId: 'C-77',
      contractId: 'CT-C77-COLD',
      status: 'open',
      currency: 'EUR',
      refrigerated: true,
      temperatureRange: { minCelsius: 2, maxCelsius: 8 },
      requestedDeliveryWindow: { from: hoursAfter(base, 4), to: hoursAfter(base, 8) },
      deliveryWindow: { from: hoursAfter(base, 4), to: hoursAfter(base, 8) },
      shipFrom: DC_ROTTERDAM,
      shipTo: {
        locationId: 'C-77-DOCK-1',
        name: 'C-77 Utrecht receiving dock',
        address: { line1: 'Koelhuisweg 4', city: 'Utrecht', postalCode: '3542 AB', countryCode: 'NL' },
        coordinates: { latitude: 52.1093, longitude: 5.0708 },
      },
      lines: [
        { lineNumber: 10, product: { sku: 'VAC-FLU-25', description: 'Influenza vaccine, 10 x 0.5 ml' }, quantity: 40, unit: 'CS', unitPrice: '412.50', refrigerated: true, grossWeightKg: 96 },
        { lineNumber: 20, product: { sku: 'INS-GLA-100', description: 'Insulin glargine pens, 5 x 3 ml' }, quantity: 12, unit: 'CS', unitPrice: '162.50', refrigerated: true, grossWeightKg: 18.5 },
      ],
      // The TMS planned tractor TRK-17 with reefer trailer RF-204, as fleet external ids (`key:value`).
      assignment: { vehicleId: 'erp.vehicle:TRK-17', trailerId: 'erp.trailer:RF-204' },
      createdAt,
    },
    {
      orderId: 'SO-1002',
      customerId: 'C-12',
      contractId: 'CT-C12-AMB',
      status: 'open',
      currency: 'EUR',
      refrigerated: false,
      temperatureRange: { minCelsius: 15, maxCelsius: 25 },
      requestedDeliveryWindow: { from: hoursAfter(base, 6), to: hoursAfter(base, 10) },
      deliveryWindow: { from: hoursAfter(base, 6), to: hoursAfter(base, 10) },
      shipFrom: DC_ROTTERDAM,
      shipTo: {
        locationId: 'C-12-STORE',
        name: 'C-12 Amsterdam pharmacy',
        address: { line1: 'Prinsengracht 301', city: 'Amsterdam', postalCode: '1016 GW', countryCode: 'NL' },
        coordinates: { latitude: 52.3731, longitude: 4.8838 },
      },
      lines: [
        { lineNumber: 10, product: { sku: 'MED-GLV-100', description: 'Nitrile gloves, box of 100' }, quantity: 200, unit: 'BX', unitPrice: '9.80', refrigerated: false, grossWeightKg: 140 },
      ],
      // Ambient load: a truck and its driver, no trailer.
      assignment: { vehicleId: 'erp.vehicle:TRK-18', driverId: 'erp.driver:D-5002' },
      createdAt,
    },
    {
      orderId: 'SO-1003',
      customerId: 'C-31',
      contractId: 'CT-C31-FROZEN',
      status: 'open',
      currency: 'EUR',
      refrigerated: true,
      temperatureRange: { minCelsius: -25, maxCelsius: -15 },
      requestedDeliveryWindow: { from: hoursAfter(base, 5), to: hoursAfter(base, 7) },
      deliveryWindow: { from: hoursAfter(base, 5), to: hoursAfter(base, 7) },
      shipFrom: DC_ROTTERDAM,
      shipTo: {
        locationId: 'C-31-LAB',
        name: 'C-31 Leiden plasma lab',
        address: { line1: 'Bioscienceweg 18', city: 'Leiden', postalCode: '2333 BE', countryCode: 'NL' },
        coordinates: { latitude: 52.1665, longitude: 4.4793 },
      },
      lines: [
        { lineNumber: 10, product: { sku: 'PLS-FRZ-500', description: 'Frozen plasma units, 500 ml' }, quantity: 60, unit: 'EA', unitPrice: '85.00', refrigerated: true, grossWeightKg: 42 },
      ],
      // Frozen load: tractor TRK-19 with the reefer RF-205 it pulls (set to −19.5 °C).
      assignment: { vehicleId: 'erp.vehicle:TRK-19', trailerId: 'erp.trailer:RF-205' },
      createdAt,
    },
  ];
}

export function seedContracts(): CustomerContract[] {
  return [
    {
      customerId: 'C-77',
      contractId: 'CT-C77-COLD',
      productCategory: 'pharma-cold-chain',
      temperatureRange: { minCelsius: 2, maxCelsius: 8 },
      sla: { deliveryWindowHours: 4, exceptionResponseMinutes: 30 },
      accountTeam: { name: 'C-77 account team', email: 'c77-account-team@example.com' },
      accountTeamEmail: 'c77-account-team@example.com',
      paymentTermsCode: 'NT30',
      taxRatePercent: 9,
      // Spoiled vaccines cost the customer a recall: the cold-chain contract charges most for an excursion.
      penaltyTerms: { percentOfOrderValue: { 'temperature-excursion': 20, delay: 5, 'failed-delivery': 10, damage: 15 }, capPercentOfOrderValue: 25 },
    },
    {
      customerId: 'C-12',
      contractId: 'CT-C12-AMB',
      productCategory: 'medical-supplies',
      temperatureRange: { minCelsius: 15, maxCelsius: 25 },
      sla: { deliveryWindowHours: 4, exceptionResponseMinutes: 120 },
      accountTeam: { name: 'C-12 account team', email: 'c12-account-team@example.com' },
      accountTeamEmail: 'c12-account-team@example.com',
      paymentTermsCode: 'NT14',
      taxRatePercent: 21,
      penaltyTerms: { percentOfOrderValue: { delay: 2, 'failed-delivery': 5, damage: 10 }, capPercentOfOrderValue: 10 },
    },
    {
      customerId: 'C-31',
      contractId: 'CT-C31-FROZEN',
      productCategory: 'blood-products-frozen',
      temperatureRange: { minCelsius: -25, maxCelsius: -15 },
      sla: { deliveryWindowHours: 2, exceptionResponseMinutes: 15 },
      accountTeam: { name: 'C-31 account team', email: 'c31-account-team@example.com' },
      accountTeamEmail: 'c31-account-team@example.com',
      paymentTermsCode: 'NT30',
      taxRatePercent: 9,
    },
  ];
}

/** Amounts in cents to avoid binary floating point; rendered as decimal strings. */
function cents(decimal: string): number {
  const [whole, fraction = ''] = decimal.split('.');
  return Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
}

function decimal(centsValue: number): string {
  return `${Math.floor(centsValue / 100)}.${String(centsValue % 100).padStart(2, '0')}`;
}

/** Net, tax and gross amounts of an order's invoice (tax rounded half up to the cent). */
export function invoiceAmounts(order: ErpOrder, taxRatePercent: number): { netAmount: string; taxAmount: string; grossAmount: string } {
  const net = order.lines.reduce((sum, line) => sum + cents(line.unitPrice) * line.quantity, 0);
  const tax = Math.round((net * taxRatePercent) / 100);
  return { netAmount: decimal(net), taxAmount: decimal(tax), grossAmount: decimal(net + tax) };
}

/** What a new order may differ in from the seed order it is modelled on (see {@link orderLike}). */
export interface NewOrderInput {
  orderId: string;
  /** A seed order (SO-1001 cold chain, SO-1002 ambient, SO-1003 frozen) whose customer, lines and sites it copies. */
  likeOrderId: string;
  /** Planned vehicle, trailer and driver as fleet external ids. @default - the seed order's */
  assignment?: ErpAssignment;
}

/**
 * A new open order, entered in the ERP as a sales clerk would: the customer, contract, lines and sites of a seed
 * order, its own id and planned assets, and a delivery window as far from `now` as the seed's is from its base.
 * Creating orders is not part of the ERP's API that we call (contracts/generic-erp); it is a vendor-side action,
 * used by volume runs that need more orders than the seed has.
 */
export function orderLike(seed: ErpOrder, input: NewOrderInput, seedTime: Date, now: Date): ErpOrder {
  const shift = (iso: string) => new Date(Date.parse(iso) - seedTime.getTime() + now.getTime()).toISOString();
  const window = { from: shift(seed.deliveryWindow.from), to: shift(seed.deliveryWindow.to) };
  const { releasedAt: _releasedAt, ...rest } = structuredClone(seed);
  return {
    ...rest,
    orderId: input.orderId,
    status: 'open',
    requestedDeliveryWindow: window,
    deliveryWindow: { ...window },
    ...(input.assignment ? { assignment: { ...input.assignment } } : {}),
    createdAt: now.toISOString(),
  };
}
