import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { HeldError, RejectedByTargetError, ValidationError } from '../../shared/errors';
import { orderReleasedV2 } from '../../shared/generated/canonical-validators.js';
import { asShortText, compact } from '../../shared/webhook/mapping';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import type { MappedResource } from '../inbound/generic-erp';
import { canonicalLineQuantity } from '../inbound/order-lines';
import { bcEnum, type BcSalesOrder } from './bc-api';
import type { BcSalesOrderReadBackRequest } from './notifications';

/**
 * A Business Central sales order read back through API v2.0 → `order.released` (pure), and the read-back of one
 * queued notification.
 *
 * Released: the API's `status` is `Open` (the salesOrder resource documents "Draft", "In Review" or "Open"; the base
 * application's `Graph Mgt - Sales Order Buffer` sets `Open` for an order Released or Pending Prepayment, `In Review`
 * for Pending Approval, `Draft` otherwise: docs/vendors.md has the source), not `fullyShipped`, and at least one item
 * line left to ship.
 *
 * What API v2.0's salesOrder carries and what it does not (contracts/business-central/README.md):
 * - ship-to: name and address (`shipToAddressLine1`, `shipToCity`, `shipToPostCode`, `shipToCountry`), no ship-to
 *   code: the location id is `<customerNumber>` (the customer's default address);
 * - ship-from: no location code on the v2.0 page: the stage's configured location ({@link BcMappingOptions});
 * - delivery window: `requestedDeliveryDate` (a date) → that whole day in UTC; BC's blank date `0001-01-01` fails;
 * - temperature, fleet assignment, contract and a ship-to location id: no fields; the logistics-sync extension's
 *   `salesOrderLogistics` page carries them ({@link BcOrderLogistics}); without it: ambient, unassigned, the
 *   customer number as the ship-to location.
 */

/**
 * What the logistics-sync extension's `salesOrderLogistics('{orderNo}')` custom API page adds to a sales order
 * (docs/vendors.md, "Business Central"; contracts/business-central/extension-pages.json): the fields API v2.0 does
 * not have. Every field is optional; a stage whose extension lacks the page maps the standard fields only.
 */
export interface BcOrderLogistics {
  orderNo: string;
  /** `ambient`, `chilled` or `frozen`. */
  temperatureRegime?: string;
  minCelsius?: number;
  maxCelsius?: number;
  /** Our location id of the ship-to address (e.g. the customer's receiving dock), when it has one. */
  shipToLocation?: string;
  /** Fleet assets the planner chose, as ids the fleet system accepts (its id, or `key:value` external ids). */
  vehicleId?: string;
  trailerId?: string;
  driverId?: string;
  contractNo?: string;
  /**
   * The order's own status (Sales Header Status: Open, Released, Pending Approval, Pending Prepayment), which API
   * v2.0 folds into `Open` for both Released and Pending Prepayment. Absent from extensions before it.
   */
  documentStatus?: string;
}

export interface BcMappingOptions {
  /** The stage's warehouse location id (the standard API exposes no location code per order). */
  readonly shipFromLocationId: string;
}

/** Why a sales order is not released for fulfilment, or undefined when it is. Pure. */
export function bcNotReleasedReason(order: BcSalesOrder): string | undefined {
  if (bcEnum(order.status) !== 'Open') return `sales order ${order.number} has status ${bcEnum(order.status) ?? '(none)'}, not Open (released)`;
  if (order.fullyShipped) return `sales order ${order.number} is fully shipped`;
  const open = (order.salesOrderLines ?? []).filter((l) => l.lineType === 'Item' && l.quantity > (l.shippedQuantity ?? 0));
  if (open.length === 0) return `sales order ${order.number} has no item line left to ship`;
  return undefined;
}

const REGIMES = ['ambient', 'chilled', 'frozen'] as const;

/** The extension page's temperature → canonical (ambient when the page or its regime is absent). Throws ValidationError. Pure. */
function temperatureOf(logistics: BcOrderLogistics | undefined): { regime: (typeof REGIMES)[number]; range?: { minCelsius: number; maxCelsius: number } } {
  const regime = logistics?.temperatureRegime || 'ambient';
  if (!(REGIMES as readonly string[]).includes(regime)) throw new ValidationError(`salesOrderLogistics of ${logistics!.orderNo} has temperatureRegime ${regime}, not ambient, chilled or frozen`, 'salesOrderLogistics.temperatureRegime');
  // Ambient goods have no range (an API page answers 0 for an empty decimal field: it means nothing here).
  if (regime === 'ambient') return { regime: 'ambient' };
  const { minCelsius, maxCelsius } = logistics!;
  if (typeof minCelsius !== 'number' || typeof maxCelsius !== 'number' || minCelsius > maxCelsius) {
    throw new ValidationError(`salesOrderLogistics of ${logistics!.orderNo} has a ${regime} regime without a valid minCelsius..maxCelsius range`, 'salesOrderLogistics.minCelsius');
  }
  return { regime: regime as (typeof REGIMES)[number], range: { minCelsius, maxCelsius } };
}

/**
 * A released BC sales order (and its extension page, when there is one) → `order.released` refs/data. Throws
 * ValidationError naming the field. Pure.
 */
export function mapBcSalesOrder(order: BcSalesOrder, options: BcMappingOptions, logistics?: BcOrderLogistics, units?: ReadonlyMap<string, string>): MappedResource {
  if (!order.customerNumber) throw new ValidationError(`sales order ${order.number} has no customer number`, 'salesOrder.customerNumber');
  const items = (order.salesOrderLines ?? []).filter((l) => l.lineType === 'Item');
  const lines = items.map((line, i) => {
    const field = `salesOrder.salesOrderLines[${i}]`;
    if (!line.lineObjectNumber) throw new ValidationError(`line ${line.sequence} has no item number`, `${field}.lineObjectNumber`);
    // A decimal in the line's unit of measure, a code the company defines (PCS, BOX, KG, …): its UNECE Rec 20 code
    // from the company's units (`units`) decides, else the code itself; a whole number of handling units, or a measure
    // (order-lines.ts). BC numbers lines 10000, 20000, …: the canonical line number is the position.
    const code = line.unitOfMeasureCode ?? '';
    const { quantity, unit } = canonicalLineQuantity(line.quantity, [units?.get(code.toUpperCase()), code], { quantity: `${field}.quantity`, unit: `${field}.unitOfMeasureCode` });
    return compact({ lineNumber: i + 1, sku: line.lineObjectNumber, description: asShortText(line.description, 200), quantity, unit });
  });
  if (lines.length === 0) throw new ValidationError(`sales order ${order.number} has no item lines`, 'salesOrder.salesOrderLines');
  const day = order.requestedDeliveryDate;
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || day.startsWith('0001-')) throw new ValidationError(`sales order ${order.number} has no requested delivery date`, 'salesOrder.requestedDeliveryDate');
  const from = `${day}T00:00:00.000Z`;
  const address =
    order.shipToAddressLine1 && order.shipToCity && order.shipToCountry
      ? compact({ line1: order.shipToAddressLine1, line2: order.shipToAddressLine2 || undefined, city: order.shipToCity, postalCode: order.shipToPostCode || undefined, region: order.shipToState || undefined, countryCode: order.shipToCountry })
      : undefined;
  return {
    refs: { orderId: order.number, customerId: order.customerNumber },
    occurredAt: order.lastModifiedDateTime,
    data: compact({
      lines,
      temperature: temperatureOf(logistics),
      deliveryWindow: { from, to: new Date(Date.parse(from) + 86_400_000).toISOString() },
      shipFrom: { locationId: options.shipFromLocationId },
      shipTo: compact({ locationId: logistics?.shipToLocation || order.customerNumber, name: asShortText(order.shipToName, 200), address }),
      contractId: logistics?.contractNo || undefined,
      assignment: logistics && (logistics.vehicleId || logistics.trailerId || logistics.driverId) ? compact({ vehicleId: logistics.vehicleId || undefined, trailerId: logistics.trailerId || undefined, driverId: logistics.driverId || undefined }) : undefined,
    }),
  };
}

/** What the read-back needs from BC (implemented by {@link BcApi}). */
export interface BcSalesOrderReader {
  getSalesOrder(id: string, companyId?: string): Promise<BcSalesOrder>;
  listSalesOrders(filter: string, companyId?: string): Promise<BcSalesOrder[]>;
  /** The extension's `salesOrderLogistics` row of the order, or undefined when the extension has none. */
  getOrderLogistics(orderNo: string): Promise<BcOrderLogistics | undefined>;
  /** The company's unit codes → their UNECE Rec 20 codes (BcApi.internationalCodes); without it lines map by their codes. */
  internationalCodes?(needed: readonly string[], companyId?: string): Promise<ReadonlyMap<string, string>>;
}

export interface BcReadBackResult {
  readonly events: CanonicalDetail<object>[];
  readonly notReleased: string[];
}

/** How often an order pending its prepayment is read again (SQS's longest delay), and for how long at most. */
export const BC_PREPAYMENT_RECHECK_SECONDS = 900;
export const BC_PREPAYMENT_MAX_HOLD_DAYS = 7;

/**
 * Reads the order (or the collection) a notification named and builds `order.released` for each released one.
 * An order that cannot be mapped throws (non-retryable: dead-lettered with the reason); an order gone (404) is not
 * released, with the reason; an order pending its prepayment throws HeldError (read again in 15 min, no attempt spent)
 * for up to {@link BC_PREPAYMENT_MAX_HOLD_DAYS} days; transport errors and 5xx throw retryable errors.
 */
export async function bcReadBack(reader: BcSalesOrderReader, request: BcSalesOrderReadBackRequest, options: BcMappingOptions, now: Date = new Date()): Promise<BcReadBackResult> {
  const events: CanonicalDetail<object>[] = [];
  const notReleased: string[] = [];
  let orders: BcSalesOrder[];
  try {
    orders = request.salesOrder === '*' ? await reader.listSalesOrders(request.filter ?? '', request.companyId) : [await reader.getSalesOrder(request.salesOrder, request.companyId)];
  } catch (error) {
    // BC deletes a sales order once it is fully shipped and invoiced (Microsoft's API test TestActionShipAndInvoice:
    // "Order is deleted"), often within the 30 s BC waits before notifying: the order's last update is then read after
    // it is gone. Nothing to announce (its release, if any, was announced before); a deleted order's own notification is
    // ignored (notifications.ts).
    if (!(error instanceof RejectedByTargetError && error.status === 404 && request.salesOrder !== '*')) throw error;
    notReleased.push(`sales order ${request.salesOrder} no longer exists in Business Central (404): deleted since it was notified (BC deletes an order once fully shipped and invoiced); nothing to announce`);
    return { events, notReleased };
  }
  for (const order of orders) {
    const reason = bcNotReleasedReason(order);
    if (reason) {
      notReleased.push(reason);
      continue;
    }
    const logistics = await reader.getOrderLogistics(order.number);
    // API v2.0 says Open for an order Released and for one Pending Prepayment (docs/vendors.md): the extension's page
    // names which. Goods wait for the prepayment (BC does not let the warehouse ship before it). Its release leaves the
    // API's status at Open, so whether BC notifies it is not known: the read-back holds the request and reads the order
    // again every 15 minutes, for up to a week (then, or in a collection read, it waits for BC's next notification).
    if (bcEnum(logistics?.documentStatus) === 'Pending Prepayment') {
      const heldMs = now.getTime() - Date.parse(request.receivedAt);
      if (request.salesOrder !== '*' && heldMs < BC_PREPAYMENT_MAX_HOLD_DAYS * 86_400_000) {
        throw new HeldError(`sales order ${order.number} is pending prepayment: read again in ${BC_PREPAYMENT_RECHECK_SECONDS / 60} min`, BC_PREPAYMENT_RECHECK_SECONDS);
      }
      const since = request.salesOrder === '*' ? 'read in a collection' : `still so ${BC_PREPAYMENT_MAX_HOLD_DAYS} days after it was notified`;
      notReleased.push(`sales order ${order.number} is pending prepayment (${since}): released for transport when BC next notifies it released`);
      continue;
    }
    const codes = [...new Set((order.salesOrderLines ?? []).filter((l) => l.lineType === 'Item' && l.unitOfMeasureCode).map((l) => l.unitOfMeasureCode!))];
    const units = reader.internationalCodes && codes.length > 0 ? await reader.internationalCodes(codes, request.companyId) : undefined;
    const mapped = mapBcSalesOrder(order, options, logistics, units);
    const event = buildCanonicalEvent({
      eventType: 'order.released',
      system: 'erp',
      vendor: 'business-central',
      // One id per order and modification: a redelivered notification, or a collection overlapping it, dedupes.
      vendorEventId: `bc:${order.id}:${order.lastModifiedDateTime ?? request.notification.lastModifiedDateTime}`,
      occurredAt: mapped.occurredAt ?? request.notification.lastModifiedDateTime,
      receivedAt: request.receivedAt,
      refs: mapped.refs,
      data: mapped.data,
    });
    validateOrThrow(orderReleasedV2 as SchemaValidator<unknown>, event, `the order.released mapped from sales order ${order.number} is invalid`);
    events.push(event);
  }
  return { events, notReleased };
}
