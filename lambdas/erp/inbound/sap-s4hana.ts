import { RejectedByTargetError } from '../../shared/errors';
import { sapOutboundDeliveryData, sapSalesOrderData } from '../../shared/webhook/generated/vendor-validators.js';
import { asShortText, compact } from '../../shared/webhook/mapping';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { mapErpOrder, readBackOrder, type MappedResource } from './generic-erp';

/**
 * SAP S/4HANA business events (CloudEvents, `sap.s4.beh.<object>.v1.<Object>.<Action>.v1`).
 *
 * - Sales order Created/Changed: SAP sends keys only (`{"SalesOrder":"1"}`), so the order is read back
 *   through the ERP port and mapped like a generic-ERP order — when it is released (status `released`);
 *   otherwise the event is ignored. Every change of a released order yields another `order.released`
 *   (with its own id): consumers key on the order id.
 * - Outbound delivery Created: a delivery enriched with API_OUTBOUND_DELIVERY_SRV fields (see
 *   schemas/vendors/sap-s4hana-outbounddelivery.schema.json) becomes `shipment.created`; a thin one is ignored.
 */

export const SAP_SALES_ORDER_TYPES = ['sap.s4.beh.salesorder.v1.SalesOrder.Created.v1', 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1'] as const;
export const SAP_OUTBOUND_DELIVERY_CREATED = 'sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1';

/** Reads an order back from the ERP (the ERP port's getOrder). */
export interface OrderReader {
  getOrder(orderId: string): Promise<unknown>;
}

export interface SapSalesOrderData {
  SalesOrder: string;
  SoldToParty?: string;
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
  _Item?: { OutboundDeliveryItem: string; ReferenceSDDocumentItem?: string; Material: string; ActualDeliveryQuantity?: string }[];
}

const validateSalesOrder = sapSalesOrderData as SchemaValidator<SapSalesOrderData>;
const validateDelivery = sapOutboundDeliveryData as SchemaValidator<SapOutboundDeliveryData>;

export function decodeSapSalesOrder(data: unknown): SapSalesOrderData {
  return validateOrThrow(validateSalesOrder, data, 'invalid SAP sales order event', 'data');
}

export function decodeSapOutboundDelivery(data: unknown): SapOutboundDeliveryData {
  return validateOrThrow(validateDelivery, data, 'invalid SAP outbound delivery event', 'data');
}

/** Reads the order back and maps it when released; `{ ignored }` with the reason otherwise. */
export async function readReleasedOrder(reader: OrderReader, data: SapSalesOrderData): Promise<MappedResource | { ignored: string }> {
  let raw: unknown;
  try {
    raw = await reader.getOrder(data.SalesOrder);
  } catch (error) {
    if (error instanceof RejectedByTargetError && error.status === 404) return { ignored: `sales order ${data.SalesOrder} is not known to the ERP API` };
    throw error;
  }
  const order = readBackOrder(raw);
  if (order.status !== undefined && order.status !== 'released') return { ignored: `sales order ${data.SalesOrder} is ${order.status}, not released` };
  return mapErpOrder(order, 'order');
}

function wholeNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Math.round(Number(value));
  return Number.isSafeInteger(n) ? n : undefined;
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
    compact({ lineNumber: Number(item.ReferenceSDDocumentItem ?? item.OutboundDeliveryItem), sku: item.Material, quantity: wholeNumber(item.ActualDeliveryQuantity) }),
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
