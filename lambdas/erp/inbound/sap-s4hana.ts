import { ValidationError } from '../../shared/errors';
import { sapOutboundDeliveryData, sapSalesOrderData, sapSalesOrderEntity } from '../../shared/webhook/generated/vendor-validators.js';
import { asShortText, compact } from '../../shared/webhook/mapping';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { assignment, type MappedResource } from './generic-erp';
import { canonicalLineQuantity, MAX_MEASURED_QUANTITY, measuredUnitOf } from './order-lines';

/**
 * SAP S/4HANA business events (CloudEvents, `sap.s4.beh.<object>.v1.<Object>.<Action>.v1`) and the sales
 * order read back from the OData service API_SALES_ORDER_SRV (contracts/sap-s4hana/openapi.json).
 *
 * - Sales order Created/Changed: SAP sends keys only (`{"SalesOrder":"1"}`). The webhook queues a read-back
 *   request (lambdas/erp/read-back); the read-back function reads `A_SalesOrder('<id>')` with its items and
 *   partners and, when the order is released for fulfilment ({@link releaseDecision}), publishes
 *   `order.released` ({@link mapSapSalesOrder}). Every change of a released order yields another
 *   `order.released` (with its own id): consumers key on the order id.
 * - Outbound delivery Created: a delivery enriched with API_OUTBOUND_DELIVERY_SRV fields (see
 *   schemas/vendors/sap-s4hana-outbounddelivery.schema.json) becomes `shipment.created`; a thin one is ignored.
 */

export const SAP_SALES_ORDER_TYPES = ['sap.s4.beh.salesorder.v1.SalesOrder.Created.v1', 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1'] as const;
export const SAP_OUTBOUND_DELIVERY_CREATED = 'sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1';

export interface SapSalesOrderData {
  SalesOrder: string;
  SalesOrderType?: string;
  SalesOrganization?: string;
  DistributionChannel?: string;
  OrganizationDivision?: string;
  SoldToParty?: string;
  EventRaisedDateTime?: string;
}

/** What the webhook hands to the read-back queue for a thin sales-order event (the SQS message body). */
export interface SapReadBackRequest {
  readonly kind: 'sap-sales-order-read-back';
  readonly salesOrder: string;
  /** The CloudEvent's attributes: its id is the canonical event's vendor event id. */
  readonly event: { readonly id: string; readonly source: string; readonly type: string; readonly time?: string };
  readonly receivedAt: string;
  /** For `lsync dlq` (cli/dlq-message.ts), which reads `metadata` and `refs`: the SAP event and its order. */
  readonly metadata: { readonly eventId: string; readonly eventType: string; readonly correlationId: string };
  readonly refs: { readonly orderId: string };
}

/** The read-back request for a thin sales-order event. Pure. */
export function readBackRequest(salesOrder: string, event: SapReadBackRequest['event'], receivedAt: string): SapReadBackRequest {
  return {
    kind: 'sap-sales-order-read-back',
    salesOrder,
    event,
    receivedAt,
    metadata: { eventId: event.id, eventType: event.type, correlationId: salesOrder },
    refs: { orderId: salesOrder },
  };
}

/** Port: queues a read-back (SQS in Lambda, in memory in tests). */
export interface SapReadBackQueue {
  enqueue(request: SapReadBackRequest): Promise<void>;
}

/** An A_SalesOrder entity with `to_Item` and `to_Partner` expanded (the `d` object of the OData answer). */
export interface SapSalesOrderEntity {
  SalesOrder: string;
  SalesOrderType?: string;
  SoldToParty?: string;
  LastChangeDateTime?: string | null;
  RequestedDeliveryDate?: string | null;
  DeliveryBlockReason?: string;
  OverallSDProcessStatus?: string;
  TotalCreditCheckStatus?: string;
  OverallSDDocumentRejectionSts?: string;
  YY1_TemperatureMin_SDH?: string | null;
  YY1_TemperatureMax_SDH?: string | null;
  YY1_DeliveryWindowStart_SDH?: string | null;
  YY1_DeliveryWindowEnd_SDH?: string | null;
  YY1_FleetVehicle_SDH?: string;
  YY1_FleetTrailer_SDH?: string;
  YY1_FleetDriver_SDH?: string;
  to_Item: {
    results: {
      SalesOrderItem: string;
      Material: string;
      SalesOrderItemText?: string;
      RequestedQuantity: string;
      RequestedQuantityUnit: string;
      RequestedQuantityISOUnit?: string;
      ItemGrossWeight?: string;
      ItemWeightUnit?: string;
      ProductionPlant?: string;
      ShippingPoint?: string;
    }[];
  };
  to_Partner?: { results: { PartnerFunction: string; Customer?: string }[] };
}

/** Reads a sales order from API_SALES_ORDER_SRV (lambdas/erp/sap-sales-order-client.ts). */
export interface SalesOrderReader {
  getSalesOrder(salesOrder: string): Promise<unknown>;
}

export interface SapOutboundDeliveryData {
  OutboundDelivery: string;
  ReferenceSDDocument?: string;
  SoldToParty?: string;
  ShipToParty?: string;
  ShipToPartyName?: string;
  ShippingPoint?: string;
  ShippingPointName?: string;
  PlannedGoodsIssueDate?: string;
  DeliveryDate?: string;
  HeaderGrossWeight?: string;
  HeaderWeightUnit?: string;
  TotalNumberOfPackage?: string;
  YY1_TemperatureMin_DLH?: number;
  YY1_TemperatureMax_DLH?: number;
  YY1_DeliveryWindowStart_DLH?: string;
  YY1_DeliveryWindowEnd_DLH?: string;
  _Item?: SapOutboundDeliveryItem[];
}

/** An item of an enriched outbound delivery (A_OutbDeliveryItemType's fields). */
interface SapOutboundDeliveryItem {
  OutboundDeliveryItem: string;
  ReferenceSDDocumentItem?: string;
  Material: string;
  ActualDeliveryQuantity?: string;
  DeliveryQuantityUnit?: string;
}

const validateSalesOrder = sapSalesOrderData as SchemaValidator<SapSalesOrderData>;
const validateDelivery = sapOutboundDeliveryData as SchemaValidator<SapOutboundDeliveryData>;
const validateEntity = sapSalesOrderEntity as SchemaValidator<SapSalesOrderEntity>;

export function decodeSapSalesOrder(data: unknown): SapSalesOrderData {
  return validateOrThrow(validateSalesOrder, data, 'invalid SAP sales order event', 'data');
}

export function decodeSapOutboundDelivery(data: unknown): SapOutboundDeliveryData {
  return validateOrThrow(validateDelivery, data, 'invalid SAP outbound delivery event', 'data');
}

/** Validates a sales order read back from API_SALES_ORDER_SRV; errors name the property (`salesOrder.to_Item.results[0].Material`). */
export function decodeSapSalesOrderEntity(value: unknown): SapSalesOrderEntity {
  return validateOrThrow(validateEntity, value, 'the sales order read back from API_SALES_ORDER_SRV is invalid', 'salesOrder');
}

/** OData V2 JSON dates (`/Date(1710230400000)/`, `/Date(1710230400000+0000)/`) → RFC 3339 UTC; undefined when absent. Pure. */
export function odataDate(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  if (!match) return undefined;
  // The milliseconds are UTC in both Edm.DateTime and Edm.DateTimeOffset; the offset only says where it was written.
  return new Date(Number(match[1])).toISOString();
}

/** RFC 3339 → OData V2 JSON `/Date(<ms>)/` (for Edm.DateTime) or `/Date(<ms>+0000)/` (Edm.DateTimeOffset). Pure. */
export function toODataDate(iso: string, offset = false): string {
  return `/Date(${Date.parse(iso)}${offset ? '+0000' : ''})/`;
}

/**
 * When a sales order is **released for fulfilment** (pure):
 * - not rejected: `OverallSDDocumentRejectionSts` is not `C` (fully rejected);
 * - no delivery block: `DeliveryBlockReason` is empty;
 * - credit check passed: `TotalCreditCheckStatus` is empty (not performed), `A` (executed, document OK) or
 *   `D` (released by the credit representative), not `B`/`C` (not OK / partially released);
 * - still to be fulfilled: `OverallSDProcessStatus` is not `C` (completely processed, i.e. already delivered).
 * An order blocked for any reason is not released; the `Changed` event that lifts the block releases it.
 */
export function releaseDecision(order: SapSalesOrderEntity): { released: true } | { released: false; reason: string } {
  const id = order.SalesOrder;
  if (order.OverallSDDocumentRejectionSts === 'C') return { released: false, reason: `sales order ${id} is rejected` };
  if (order.DeliveryBlockReason) return { released: false, reason: `sales order ${id} has delivery block ${order.DeliveryBlockReason}` };
  if (order.TotalCreditCheckStatus === 'B' || order.TotalCreditCheckStatus === 'C') {
    return { released: false, reason: `sales order ${id} is blocked by the credit check (TotalCreditCheckStatus ${order.TotalCreditCheckStatus})` };
  }
  if (order.OverallSDProcessStatus === 'C') return { released: false, reason: `sales order ${id} is completely processed` };
  return { released: true };
}

function decimalNumber(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Partner functions of the ship-to party: `WE` (internal key) or `SH` (its English external form). */
const SHIP_TO = new Set(['WE', 'SH']);

/**
 * A released sales order → `order.released` refs/data (pure). Ship-from is the first item's shipping point
 * (else plant), ship-to the ship-to partner's customer number (else the sold-to party): A_SalesOrder carries
 * no addresses or coordinates, so the fleet side resolves locations by id. Delivery window: the YY1 window
 * fields, else the whole requested delivery day (UTC). Temperature: the YY1 range fields, else ambient.
 * Assignment: the YY1 fleet fields. Throws ValidationError naming the property when something required is missing.
 */
export function mapSapSalesOrder(order: SapSalesOrderEntity): MappedResource {
  const items = order.to_Item.results;
  if (items.length === 0) throw new ValidationError(`sales order ${order.SalesOrder} has no items`, 'salesOrder.to_Item.results');
  if (!order.SoldToParty) throw new ValidationError(`sales order ${order.SalesOrder} has no sold-to party`, 'salesOrder.SoldToParty');
  const lines = items.map((item, i) => {
    const field = `salesOrder.to_Item.results[${i}]`;
    // An OData decimal ("40.000", "12.500"): a whole number of handling units, or a measure (order-lines.ts).
    const quantity = decimalNumber(item.RequestedQuantity) ?? Number.NaN;
    const weight = decimalNumber(item.ItemGrossWeight);
    return compact({
      lineNumber: Number(item.SalesOrderItem),
      sku: item.Material,
      description: asShortText(item.SalesOrderItemText, 200),
      // The internal unit first (ST, KAR, KG), then its ISO code (PCE, CT, KGM) when the internal one is a custom code.
      ...canonicalLineQuantity(quantity, [item.RequestedQuantityUnit, item.RequestedQuantityISOUnit], {
        quantity: `${field}.RequestedQuantity`,
        unit: `${field}.RequestedQuantityUnit`,
      }),
      grossWeightKg: weight !== undefined && (item.ItemWeightUnit ?? '').toUpperCase() === 'KG' ? weight : undefined,
    });
  });
  const from = odataDate(order.YY1_DeliveryWindowStart_SDH);
  const to = odataDate(order.YY1_DeliveryWindowEnd_SDH);
  const day = odataDate(order.RequestedDeliveryDate);
  const window = from && to ? { from, to } : day ? { from: day, to: new Date(Date.parse(day) + 86_400_000).toISOString() } : undefined;
  if (!window) throw new ValidationError(`sales order ${order.SalesOrder} has no requested delivery date`, 'salesOrder.RequestedDeliveryDate');
  const shipFrom = items.find((item) => item.ShippingPoint)?.ShippingPoint ?? items.find((item) => item.ProductionPlant)?.ProductionPlant;
  if (!shipFrom) throw new ValidationError(`sales order ${order.SalesOrder} has no shipping point or plant`, 'salesOrder.to_Item.results[0].ShippingPoint');
  const shipTo = order.to_Partner?.results.find((p) => SHIP_TO.has(p.PartnerFunction) && p.Customer)?.Customer ?? order.SoldToParty;
  const min = decimalNumber(order.YY1_TemperatureMin_SDH);
  const max = decimalNumber(order.YY1_TemperatureMax_SDH);
  const temperature = min !== undefined && max !== undefined ? { regime: max <= -15 ? 'frozen' : 'chilled', range: { minCelsius: min, maxCelsius: max } } : { regime: 'ambient' };
  return {
    refs: { orderId: order.SalesOrder, customerId: order.SoldToParty },
    occurredAt: odataDate(order.LastChangeDateTime),
    data: compact({
      lines,
      temperature,
      deliveryWindow: window,
      shipFrom: { locationId: shipFrom },
      shipTo: { locationId: shipTo },
      assignment: assignment({ vehicleId: order.YY1_FleetVehicle_SDH, trailerId: order.YY1_FleetTrailer_SDH, driverId: order.YY1_FleetDriver_SDH }),
    }),
  };
}

/** The most handling units a canonical line reference counts (schemas/canonical/common.schema.json, LineRef). */
const MAX_COUNTED_QUANTITY = 1_000_000;

/**
 * An OData decimal (e.g. `"40.000"`) as a whole number up to `max`; undefined when it is not one. Never rounded.
 */
function wholeNumber(value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 && n <= max ? n : undefined;
}

/**
 * A delivery item's quantity → its `shipment.created` line reference's (pure), never rounded. In a unit of mass, volume
 * or length (`DeliveryQuantityUnit` KG, L, M, …; order-lines.ts) it is a `measure` as delivered: `"12.500"` KG →
 * 12.5 KGM. Otherwise it counts handling units (ST, KAR, PAL, or no unit given): a whole `quantity`, or nothing when it
 * is not whole or out of the canonical range — a fraction of a case is an error in the ERP's data, and the delivery is
 * still published without it rather than refused.
 */
export function deliveredLineQuantity(item: Pick<SapOutboundDeliveryItem, 'ActualDeliveryQuantity' | 'DeliveryQuantityUnit'>): { quantity?: number; measure?: { quantity: number; unit: string } } {
  const unit = item.DeliveryQuantityUnit ? measuredUnitOf(item.DeliveryQuantityUnit) : undefined;
  if (unit) {
    const measured = decimalNumber(item.ActualDeliveryQuantity);
    return measured !== undefined && measured >= 0 && measured <= MAX_MEASURED_QUANTITY ? { measure: { quantity: measured, unit } } : {};
  }
  const counted = wholeNumber(item.ActualDeliveryQuantity, MAX_COUNTED_QUANTITY);
  return counted !== undefined ? { quantity: counted } : {};
}

/** An enriched outbound delivery → `shipment.created` refs/data; `undefined` for a thin event. */
export function mapSapOutboundDelivery(d: SapOutboundDeliveryData): MappedResource | undefined {
  const windowFrom = d.YY1_DeliveryWindowStart_DLH ?? (d.DeliveryDate ? `${d.DeliveryDate}T00:00:00Z` : undefined);
  const windowTo = d.YY1_DeliveryWindowEnd_DLH ?? (d.DeliveryDate ? new Date(Date.parse(`${d.DeliveryDate}T00:00:00Z`) + 86_400_000).toISOString() : undefined);
  if (!d.ReferenceSDDocument || !d.ShippingPoint || !d.ShipToParty || !windowFrom || !windowTo) return undefined;
  const min = d.YY1_TemperatureMin_DLH;
  const max = d.YY1_TemperatureMax_DLH;
  const temperature =
    min !== undefined && max !== undefined ? { regime: max <= -15 ? 'frozen' : 'chilled', range: { minCelsius: min, maxCelsius: max } } : { regime: 'ambient' };
  const lines = (d._Item ?? []).map((item) =>
    compact({ lineNumber: Number(item.ReferenceSDDocumentItem ?? item.OutboundDeliveryItem), sku: item.Material, ...deliveredLineQuantity(item) }),
  );
  return {
    refs: compact({ shipmentId: d.OutboundDelivery, orderId: d.ReferenceSDDocument, customerId: d.SoldToParty }),
    data: compact({
      shipFrom: compact({ locationId: d.ShippingPoint, name: asShortText(d.ShippingPointName, 200) }),
      shipTo: compact({ locationId: d.ShipToParty, name: asShortText(d.ShipToPartyName, 200) }),
      plannedPickupAt: d.PlannedGoodsIssueDate,
      deliveryWindow: { from: windowFrom, to: windowTo },
      temperature,
      lines: lines.length > 0 ? lines : undefined,
      packageCount: wholeNumber(d.TotalNumberOfPackage),
      grossWeightKg: d.HeaderGrossWeight !== undefined && (d.HeaderWeightUnit ?? 'KG').toUpperCase() === 'KG' ? Number(d.HeaderGrossWeight) : undefined,
    }),
  };
}
