import type { BusinessCentralSimulator, BcSimSalesOrder } from './business-central';
import type { CallRecord } from './common';
import type { ErpSimulator } from './erp';
import type { ErpOrder } from './erp-data';

/**
 * The ERP as the reference scenario drives and reads it, whichever vendor the stage calls (`systems.erp.vendor`):
 * releasing the order the vendor's way, and what our clients wrote to it in the product's words. One adapter per
 * ERP vendor (erp-vendors.ts); the scenario's steps use only this port, so the same story runs against the generic
 * ERP and Business Central.
 */
export interface ErpScenarioPort {
  /** The vendor (registry/api-vendors.ts), e.g. `generic-erp`. */
  readonly vendor: string;
  /** How the vendor tells us an order is released, for step names (e.g. "the CloudEvents webhook"). */
  readonly releasedBy: string;
  /** The webhook route it sends that to (registry/vendors.ts), e.g. `cloudevents`. */
  readonly webhookRoute: string;
  /**
   * Schedules of the product (logical id fragments) that must run before the vendor can notify us, e.g. Business
   * Central's subscription renewal, which subscribes our webhook; fired before the release.
   */
  readonly setupSchedules: readonly string[];
  /** Undefined when the vendor can notify us now, else why not (e.g. no subscription yet). */
  notReady(): string | undefined;
  /** The vendor releases the order; the answer our webhook gave to what it sent. */
  releaseOrder(orderId: string): Promise<{ status: number | null }>;
  /** The shipment statuses our client wrote for the shipment, accepted and not replays, oldest first. */
  shipmentStatuses(shipmentId: string): string[];
  /** How many billing-ready writes for the order the vendor accepted (replays not counted). */
  billingReadyWrites(orderId: string): number;
  /** The quality holds placed on the order's shipment. */
  qualityHolds(orderId: string, shipmentId: string): { holdId: string; status?: string }[];
  /** Whether the vendor posts the invoice back as `invoice.posted` after billing-ready (and the steps that need it can run). */
  readonly postsInvoices: boolean;
  /** Every request the simulator received, with the contract verdict where it has a published contract. */
  readonly calls: readonly { method: string; path: string; contract?: CallRecord['contract'] }[];
}

const answered = (c: CallRecord) => c.status !== null && c.status < 300 && !c.replayed;

/** The generic ERP (and SAP's CloudEvents): releases by a signed CloudEvent, writes are REST calls of its contract. */
export function genericErpScenarioPort(erp: ErpSimulator): ErpScenarioPort {
  return {
    vendor: 'generic-erp',
    releasedBy: 'the CloudEvents webhook',
    webhookRoute: 'cloudevents',
    setupSchedules: [],
    notReady: () => undefined,
    releaseOrder: (orderId) => erp.releaseOrder(orderId),
    shipmentStatuses: (shipmentId) => erp.calls.filter((c) => answered(c) && c.method === 'PUT' && c.path === `/shipments/${shipmentId}/status`).map((c) => (c.body as { status: string }).status),
    billingReadyWrites: (orderId) => erp.calls.filter((c) => answered(c) && c.method === 'POST' && c.path === `/orders/${orderId}/billing-ready`).length,
    qualityHolds: (orderId, shipmentId) => (erp.snapshot() as { qualityHolds: { holdId: string; orderId: string; shipmentId?: string; status?: string }[] }).qualityHolds.filter((h) => h.orderId === orderId && h.shipmentId === shipmentId),
    postsInvoices: true,
    get calls() {
      return erp.calls;
    },
  };
}

/**
 * Business Central: the order is seeded from the generic ERP's data (the same SO-1001) as a BC sales order with its
 * extension rows (salesOrderLogistics, customerContracts), then changed to status Open, which makes BC send its thin
 * notification to our subscription; writes are the extension pages' rows (a repeated idempotencyKey makes none).
 * After billing-ready BC posts the order's invoice (status Open, the customer's VAT) and notifies our salesInvoices
 * subscription, which the read-back turns into `invoice.posted` (business-central.ts, docs/vendors.md).
 */
export function businessCentralScenarioPort(bc: BusinessCentralSimulator, seed: (orderId: string) => { order: BcSimSalesOrder; contract?: object; logistics?: object; vatPercent?: number }): ErpScenarioPort {
  const rows = (set: string) => bc.custom.get(set) ?? [];
  return {
    vendor: 'business-central',
    releasedBy: "Business Central's sales order notification",
    webhookRoute: 'business-central',
    setupSchedules: ['ErpBcSubscriptions'],
    notReady: () => {
      const subscribed = (set: string) => [...bc.subscriptions.values()].some((s) => s.resource.endsWith(`companies(${bc.companyId})/${set}`));
      if (!subscribed('salesOrders')) return 'no sales order subscription in Business Central yet';
      return subscribed('salesInvoices') ? undefined : 'no sales invoice subscription in Business Central yet';
    },
    async releaseOrder(orderId) {
      const { order, contract, logistics, vatPercent } = seed(orderId);
      if (vatPercent !== undefined) bc.vatPercent.set(order.customerNumber, vatPercent);
      if (contract) bc.pages.seed('customerContracts', order.customerNumber, contract);
      // The extension's row names the order's own status: released (API v2.0 says Open for it, and for Pending Prepayment).
      if (logistics) bc.pages.seed('salesOrderLogistics', order.number, { ...logistics, documentStatus: 'Released' });
      const statuses = await bc.changeSalesOrder({ ...order, status: 'Open' }, 'updated');
      return { status: statuses.length === 1 ? statuses[0]! : null };
    },
    shipmentStatuses: (shipmentId) => rows('shipmentStatuses').filter((r) => r.shipmentNo === shipmentId).map((r) => String(r.status)),
    billingReadyWrites: (orderId) => rows('billingReadyOrders').filter((r) => r.orderNo === orderId).length,
    qualityHolds: (orderId, shipmentId) => rows('qualityHolds').filter((r) => r.orderNo === orderId && r.shipmentNo === shipmentId).map((r) => ({ holdId: r.id, status: String(r.status) })),
    postsInvoices: true,
    get calls() {
      return bc.calls;
    },
  };
}

/** The generic ERP's seed order as Business Central would hold it (pure): a sales order, its contract and logistics rows. */
export function bcSeedFromErpOrder(order: ErpOrder, contract: object | undefined, newId: () => string): { order: BcSimSalesOrder; contract?: object; logistics: object } {
  const range = order.temperatureRange;
  return {
    order: {
      id: newId(),
      number: order.orderId,
      customerNumber: order.customerId,
      requestedDeliveryDate: order.deliveryWindow.from.slice(0, 10),
      shipToName: order.shipTo.name,
      shipToAddressLine1: order.shipTo.address.line1,
      shipToCity: order.shipTo.address.city,
      shipToPostCode: order.shipTo.address.postalCode,
      shipToCountry: order.shipTo.address.countryCode,
      status: 'Draft',
      currencyCode: order.currency,
      fullyShipped: false,
      lastModifiedDateTime: '',
      salesOrderLines: order.lines.map((line, i) => ({ id: newId(), sequence: (i + 1) * 10000, lineType: 'Item' as const, lineObjectNumber: line.product.sku, description: line.product.description, unitOfMeasureCode: line.unit === 'CS' ? 'BOX' : line.unit, quantity: line.quantity, shippedQuantity: 0, unitPrice: Number(line.unitPrice) })),
    },
    ...(contract ? { contract } : {}),
    logistics: {
      orderNo: order.orderId,
      temperatureRegime: range ? (range.maxCelsius <= 0 ? 'frozen' : 'chilled') : 'ambient',
      ...(range ? { minCelsius: range.minCelsius, maxCelsius: range.maxCelsius } : {}),
      shipToLocation: order.shipTo.locationId,
      ...(order.assignment?.vehicleId ? { vehicleId: order.assignment.vehicleId } : {}),
      ...(order.assignment?.trailerId ? { trailerId: order.assignment.trailerId } : {}),
      ...(order.assignment?.driverId ? { driverId: order.assignment.driverId } : {}),
      ...(order.contractId ? { contractNo: order.contractId } : {}),
    },
  };
}
