/**
 * Port to the ERP's REST API (generic ERP: OAuth2 client credentials, JSON). The outbound ERP adapter and
 * the exception workflows' tasks depend on this interface; `erp-client.ts` implements it over HTTP.
 * Every write takes an idempotency key, sent as the `Idempotency-Key` header.
 */
export interface ErpOrderLine {
  sku: string;
  description?: string;
  quantity: number;
  /** Net unit price, decimal string in the order's currency (optional in the ERP contract). */
  unitPrice?: string;
  refrigerated?: boolean;
}

export interface ErpOrder {
  orderId: string;
  customerId: string;
  contractId?: string;
  status?: string;
  /** ISO 4217 code of the order's prices. */
  currency?: string;
  lines: ErpOrderLine[];
  temperatureRange?: { minCelsius: number; maxCelsius: number };
  deliveryWindow?: { from: string; to: string };
  shipTo?: Record<string, unknown>;
}

export interface ErpCustomerContract {
  customerId: string;
  contractId?: string;
  temperatureRange?: { minCelsius: number; maxCelsius: number };
  productCategory?: string;
  sla: { deliveryWindowHours?: number; exceptionResponseMinutes?: number };
  accountTeamEmail?: string;
  /** Penalties as percentages of the order's net value per exception kind, their sum capped per order. */
  penaltyTerms?: { percentOfOrderValue?: Record<string, number>; capPercentOfOrderValue?: number };
}

export type ErpShipmentStatus = 'dispatched' | 'in-transit' | 'arrived' | 'delivered' | 'exception';

export interface ErpPort {
  getOrder(orderId: string): Promise<ErpOrder>;
  getCustomerContract(customerId: string): Promise<ErpCustomerContract>;
  updateShipmentStatus(
    shipmentId: string,
    update: { status: ErpShipmentStatus; orderId?: string; occurredAt: string; eventId: string; reason?: string },
    idempotencyKey: string,
  ): Promise<void>;
  placeQualityHold(
    hold: { orderId: string; shipmentId?: string; reason: string; severity: string },
    idempotencyKey: string,
  ): Promise<{ holdId: string }>;
  releaseQualityHold(holdId: string, idempotencyKey: string): Promise<void>;
  /**
   * Marks a delivered shipment of the order billing-ready, once: a repeat answers the first mark (the generic ERP: 200
   * "already billing-ready for this order and shipment", and the Idempotency-Key's stored result; Business Central: the
   * extension answers a repeated idempotencyKey with its first row). The outbound adapter relies on it and keeps no
   * idempotency record of its own for this call.
   */
  markBillingReady(
    orderId: string,
    body: { shipmentId?: string; podDocumentId?: string; deliveredAt: string },
    idempotencyKey: string,
  ): Promise<void>;
}

/** Port: reads a quality hold's current state (the reconciliation sweep). `erp-client.ts` implements it. */
export interface ErpHoldSource {
  /** The hold as the ERP's API returns it (validated by the caller), or undefined when the ERP does not know it (404). */
  readQualityHold(holdId: string): Promise<unknown>;
}
