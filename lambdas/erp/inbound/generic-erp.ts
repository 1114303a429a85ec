import type { CanonicalRefs } from '../../shared/canonical-event';
import { genericErpInvoice, genericErpOrder, genericErpQualityHold } from '../../shared/webhook/generated/vendor-validators.js';
import { asShortText, compact, minutesBetween } from '../../shared/webhook/mapping';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { canonicalLineQuantity } from './order-lines';

/**
 * The generic ERP's resources (orders, invoices, quality holds as its REST API returns them) → canonical
 * `refs` + `data`. Pure. Used for generic-ERP CloudEvents, whose `data` is the resource, and for thin SAP
 * sales-order events after the order is read back.
 */

export interface ErpLocation {
  locationId: string;
  name?: string;
  address?: { line1: string; line2?: string; city: string; postalCode?: string; region?: string; countryCode: string };
  coordinates?: { latitude: number; longitude: number };
}

/** Fleet assets the ERP/TMS planned: ids as the fleet system accepts them (its id, or an external id `key:value`). */
export interface ErpAssignment {
  vehicleId?: string;
  trailerId?: string;
  driverId?: string;
}

export interface GenericErpOrder {
  orderId: string;
  customerId: string;
  contractId?: string;
  status?: string;
  refrigerated?: boolean;
  temperatureRange?: { minCelsius: number; maxCelsius: number } | null;
  requestedDeliveryWindow: { from: string; to: string };
  shipFrom: ErpLocation;
  shipTo: ErpLocation;
  serviceLevel?: 'standard' | 'express' | 'same-day';
  deliverySlaHours?: number;
  lines: { lineNumber: number; product: { sku: string; description?: string }; quantity: number; unit: string; grossWeightKg?: number }[];
  assignment?: ErpAssignment;
  releasedAt?: string;
}

export interface GenericErpInvoice {
  invoiceId: string;
  orderId: string;
  shipmentId?: string;
  customerId?: string;
  documentType?: 'invoice' | 'credit-memo';
  /** For a credit memo: the invoice it corrects. */
  correctsInvoiceId?: string;
  currency: string;
  netAmount: string;
  taxAmount?: string;
  grossAmount: string;
  dueDate?: string;
  paymentTermsCode?: string;
  postedAt?: string;
}

export interface GenericErpQualityHold {
  holdId: string;
  shipmentId: string;
  orderId?: string;
  customerId?: string;
  disposition?: 'release-to-customer' | 'return-to-stock' | 'rework' | 'scrap';
  placedAt?: string;
  releasedAt?: string;
  note?: string;
}

export const validateErpOrder = genericErpOrder as SchemaValidator<GenericErpOrder>;
export const validateErpInvoice = genericErpInvoice as SchemaValidator<GenericErpInvoice>;
export const validateErpQualityHold = genericErpQualityHold as SchemaValidator<GenericErpQualityHold>;

/** A mapped resource: what becomes the canonical event's refs, data and occurrence time. */
export interface MappedResource {
  refs: CanonicalRefs;
  data: Record<string, unknown>;
  occurredAt?: string;
}

function location(l: ErpLocation): Record<string, unknown> {
  return compact({
    locationId: l.locationId,
    name: asShortText(l.name, 200),
    address: l.address
      ? compact({ line1: l.address.line1, line2: l.address.line2 || undefined, city: l.address.city, postalCode: l.address.postalCode, region: l.address.region || undefined, countryCode: l.address.countryCode })
      : undefined,
    coordinates: l.coordinates ? { latitude: l.coordinates.latitude, longitude: l.coordinates.longitude } : undefined,
  });
}

/** Temperature regime from the order's transport range: at or below −15 °C is frozen. */
function temperature(order: GenericErpOrder): Record<string, unknown> {
  const range = order.temperatureRange ?? undefined;
  if (range) return { regime: range.maxCelsius <= -15 ? 'frozen' : 'chilled', range: { minCelsius: range.minCelsius, maxCelsius: range.maxCelsius } };
  return { regime: order.refrigerated ? 'chilled' : 'ambient' };
}

/** A released order → `order.released`. `prefix` names where the order sat in the request, for 400s. */
export function mapErpOrder(order: GenericErpOrder, prefix = 'data'): MappedResource {
  return {
    refs: { orderId: order.orderId, customerId: order.customerId },
    occurredAt: order.releasedAt,
    data: compact({
      lines: order.lines.map((line, i) =>
        compact({
          lineNumber: line.lineNumber,
          sku: line.product.sku,
          description: asShortText(line.product.description, 200),
          ...canonicalLineQuantity(line.quantity, [line.unit], { quantity: `${prefix}.lines[${i}].quantity`, unit: `${prefix}.lines[${i}].unit` }),
          grossWeightKg: line.grossWeightKg,
        }),
      ),
      temperature: temperature(order),
      deliveryWindow: { from: order.requestedDeliveryWindow.from, to: order.requestedDeliveryWindow.to },
      shipFrom: location(order.shipFrom),
      shipTo: location(order.shipTo),
      contractId: order.contractId,
      serviceLevel: order.serviceLevel,
      deliverySlaHours: order.deliverySlaHours,
      assignment: assignment(order.assignment),
    }),
  };
}

/** The planned fleet assets, or undefined when none is named. Pure. */
export function assignment(a: ErpAssignment | undefined): Record<string, string> | undefined {
  const out = compact({ vehicleId: a?.vehicleId || undefined, trailerId: a?.trailerId || undefined, driverId: a?.driverId || undefined }) as Record<string, string>;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A posted invoice → `invoice.posted`. */
export function mapErpInvoice(invoice: GenericErpInvoice): MappedResource {
  return {
    refs: compact({ invoiceId: invoice.invoiceId, orderId: invoice.orderId, shipmentId: invoice.shipmentId, customerId: invoice.customerId }),
    occurredAt: invoice.postedAt,
    data: compact({
      documentType: invoice.documentType ?? 'invoice',
      // Only a credit memo corrects an invoice; on an invoice the field means nothing and is dropped.
      correctsInvoiceId: invoice.documentType === 'credit-memo' ? invoice.correctsInvoiceId : undefined,
      currency: invoice.currency,
      netAmount: invoice.netAmount,
      taxAmount: invoice.taxAmount,
      grossAmount: invoice.grossAmount,
      dueDate: invoice.dueDate,
      paymentTermsCode: invoice.paymentTermsCode,
    }),
  };
}

/** `data.heldMinutes` maximum of quality-hold.released v1. */
const MAX_HELD_MINUTES = 1_000_000;

/** A released quality hold → `quality-hold.released` (a release without a disposition releases to the customer). */
export function mapErpQualityHold(hold: GenericErpQualityHold): MappedResource {
  // A span beyond the canonical bound (about 694 days) means one of the timestamps is wrong: the release is still
  // the fact, so it travels without the derived duration rather than being refused for a field the ERP never sent.
  const minutes = minutesBetween(hold.placedAt, hold.releasedAt);
  const held = minutes !== undefined && minutes <= MAX_HELD_MINUTES ? minutes : undefined;
  return {
    refs: compact({ holdId: hold.holdId, shipmentId: hold.shipmentId, orderId: hold.orderId, customerId: hold.customerId }),
    occurredAt: hold.releasedAt,
    data: compact({ disposition: hold.disposition ?? 'release-to-customer', heldMinutes: held === undefined ? undefined : Math.max(0, held), note: asShortText(hold.note) }),
  };
}

/** Validates an order read back from the ERP API; a malformed one is refused like a malformed event (400, field `order.*`). */
export function readBackOrder(value: unknown): GenericErpOrder {
  return validateOrThrow(validateErpOrder, value, 'the order read back from the ERP is invalid', 'order');
}
