import { numberEnv, optionalEnv, requireEnv } from '../../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError } from '../../shared/errors';
import { HttpJsonClient } from '../../shared/outbound/http-client';
import { secretFieldsFromSecretsManager } from '../../shared/outbound/secrets';
import type { ErpCustomerContract, ErpOrder, ErpPort, ErpShipmentStatus } from '../erp-port';
import { BcApi, BC_DEFAULT_CUSTOM_API, EntraClientCredentials, type BcSalesInvoice, type BcSalesInvoiceLine, type BcSalesOrderLine } from './bc-api';

/**
 * The ERP port over Business Central (contracts/business-central/README.md, docs/vendors.md "Business Central").
 *
 * - Reads: `getOrder` through the standard API v2.0 (`salesOrders?$filter=number eq '…'&$expand=salesOrderLines`);
 *   an order BC no longer has — it deletes a sales order once fully shipped and invoiced — is read from the invoices
 *   posted from it (`salesInvoices?$filter=orderNumber eq '…'&$expand=salesInvoiceLines`), so an exception reported
 *   after invoicing (a late alert, a claim) is still enriched.
 * - What the standard API cannot do goes to the custom API pages of the logistics-sync BC extension
 *   (`/api/logisticsSync/shipping/v1.0/companies({id})/…`, configurable): `shipmentStatuses` (POST, one row per
 *   status change), `billingReadyOrders` (POST), `qualityHolds` (POST, and `qualityHolds({id})/Microsoft.NAV.release`),
 *   `customerContracts('{customerNo}')` (GET). API v2.0 salesShipments is read-only and salesOrders has no status
 *   or billing-block field, so no standard request can carry these; without the extension BC answers 404 and
 *   the adapter dead-letters the message naming the page.
 */
export class BusinessCentralClient implements ErpPort {
  constructor(private readonly api: BcApi) {}

  async getOrder(orderId: string): Promise<ErpOrder> {
    const order = await this.api.findSalesOrderByNumber(orderId);
    if (!order) {
      const alsoBilling = uniqueInvoices([...(await this.api.listSalesInvoicesReBillingOrder(orderId)), ...(await this.api.listSalesInvoicesBillingOrderInPart(orderId))]);
      const invoiced = orderFromPostedInvoices(orderId, await this.api.listSalesInvoicesOfOrder(orderId), alsoBilling);
      if (invoiced) return invoiced;
      throw new RejectedByTargetError(`sales order ${orderId} was not found in Business Central, nor any invoice posted from it`, 404);
    }
    if (!order.customerNumber) throw new UpstreamUnavailableError(`sales order ${orderId} came without customerNumber`);
    return {
      orderId: order.number,
      customerId: order.customerNumber,
      status: order.status,
      // API v2.0 names the local currency for an order whose currency is blank; a blank one (older versions) names none.
      ...(order.currencyCode ? { currency: order.currencyCode } : {}),
      lines: itemLines(order.salesOrderLines ?? []),
      shipTo: { name: order.shipToName, city: order.shipToCity, countryCode: order.shipToCountry },
    };
  }

  async getCustomerContract(customerId: string): Promise<ErpCustomerContract> {
    const row = await this.api.getCustom<BcCustomerContractRow>(`customerContracts('${customerId.replaceAll("'", "''")}')`, `customer contract of ${customerId} (custom API page customerContracts)`);
    return contractFromRow(customerId, row);
  }

  async updateShipmentStatus(
    shipmentId: string,
    update: { status: ErpShipmentStatus; orderId?: string; occurredAt: string; eventId: string; reason?: string },
    idempotencyKey: string,
  ): Promise<void> {
    await this.api.postCustom('shipmentStatuses', { shipmentNo: shipmentId, orderNo: update.orderId ?? '', status: update.status, occurredAt: update.occurredAt, eventId: update.eventId, reason: update.reason ?? '', idempotencyKey }, idempotencyKey);
  }

  async placeQualityHold(hold: { orderId: string; shipmentId?: string; reason: string; severity: string }, idempotencyKey: string): Promise<{ holdId: string }> {
    const body = await this.api.postCustom<{ id?: unknown }>('qualityHolds', { orderNo: hold.orderId, shipmentNo: hold.shipmentId ?? '', reason: hold.reason, severity: hold.severity, idempotencyKey }, idempotencyKey);
    if (typeof body?.id !== 'string') throw new UpstreamUnavailableError('Business Central accepted the quality hold but returned no id');
    return { holdId: body.id };
  }

  async releaseQualityHold(holdId: string, idempotencyKey: string): Promise<void> {
    await this.api.postCustom(`qualityHolds(${holdId})/Microsoft.NAV.release`, undefined, idempotencyKey);
  }

  async markBillingReady(orderId: string, body: { shipmentId?: string; podDocumentId?: string; deliveredAt: string }, idempotencyKey: string): Promise<void> {
    await this.api.postCustom('billingReadyOrders', { orderNo: orderId, shipmentNo: body.shipmentId ?? '', podDocumentId: body.podDocumentId ?? '', deliveredAt: body.deliveredAt, idempotencyKey }, idempotencyKey);
  }
}

/** The goods of an order's or an invoice's lines: its `Item` lines, prices as decimal strings. */
function itemLines(lines: readonly (BcSalesOrderLine | BcSalesInvoiceLine)[]): ErpOrder['lines'] {
  return lines
    .filter((l) => l.lineType === 'Item' && l.lineObjectNumber)
    .map((l) => ({ sku: l.lineObjectNumber!, description: l.description, quantity: l.quantity, ...(typeof l.unitPrice === 'number' && Number.isFinite(l.unitPrice) ? { unitPrice: l.unitPrice.toFixed(2) } : {}) }));
}

/**
 * Each invoice once, by id: the Correct action's invoice of a one-order invoice is named both by its header
 * (`salesInvoiceOrders`) and by its lines (`salesInvoiceLineOrders.sourceOrderNo`); the header's read, with all its
 * lines, is kept.
 */
function uniqueInvoices(invoices: readonly BcSalesInvoice[]): BcSalesInvoice[] {
  const first = new Map<string, BcSalesInvoice>();
  for (const invoice of invoices) if (!first.has(invoice.id)) first.set(invoice.id, invoice);
  return [...first.values()];
}

/** The statuses of an invoice posted from an order (a cancelled one was posted too); drafts have no order number. */
const POSTED = new Set(['Open', 'Paid', 'Corrective', 'Canceled']);

/**
 * A sales order BC deleted after it was fully shipped and invoiced, as the invoices posted from it tell it (pure):
 * customer, currency and the Item lines of every posted invoice that is not cancelled (of the cancelled ones when all
 * are: the order had those lines all the same), status `Invoiced`. `reBilling`: invoices that bill the order without
 * naming it (their `orderNumber` is blank) — an invoice of several orders, with only this order's lines, and a Correct
 * action's invoice, which may correct the lines, count as the order's; a `Corrective` one does not — BC posts it when
 * a corrective credit memo is cancelled, and the invoice that credit memo had cancelled is then no longer cancelled:
 * its lines stand again. Undefined when no posted invoice names the order.
 */
export function orderFromPostedInvoices(orderId: string, invoices: readonly BcSalesInvoice[], reBilling: readonly BcSalesInvoice[] = []): ErpOrder | undefined {
  const posted = [...invoices.filter((i) => i.orderNumber === orderId), ...reBilling.filter((i) => i.status !== 'Corrective')].filter((i) => POSTED.has(i.status ?? ''));
  const live = posted.filter((i) => i.status !== 'Canceled');
  const used = live.length > 0 ? live : posted;
  const first = used[0];
  if (!first?.customerNumber) return undefined;
  return {
    orderId,
    customerId: first.customerNumber,
    status: 'Invoiced',
    ...(first.currencyCode ? { currency: first.currencyCode } : {}),
    lines: itemLines(used.flatMap((i) => i.salesInvoiceLines ?? [])),
  };
}

/** A row of the extension's customerContracts page: flat, as an API page exposes a table (contracts/business-central/extension-pages.json). */
export interface BcCustomerContractRow {
  customerNo?: string;
  contractNo?: string;
  productCategory?: string;
  hasTemperatureRange?: boolean;
  minCelsius?: number;
  maxCelsius?: number;
  deliveryWindowHours?: number;
  exceptionResponseMinutes?: number;
  accountTeamEmail?: string;
  excursionPenaltyPercent?: number;
  delayPenaltyPercent?: number;
  failedDeliveryPenaltyPercent?: number;
  damagePenaltyPercent?: number;
  penaltyCapPercent?: number;
}

const positive = (n: unknown): number | undefined => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined);

/** The page's flat row → the ERP port's contract (pure): BC's blank/zero fields are absent, not zero. */
export function contractFromRow(customerId: string, row: BcCustomerContractRow): ErpCustomerContract {
  const penalties: Record<string, number> = {};
  for (const [kind, value] of [['temperature-excursion', row.excursionPenaltyPercent], ['delay', row.delayPenaltyPercent], ['failed-delivery', row.failedDeliveryPenaltyPercent], ['damage', row.damagePenaltyPercent]] as const) {
    const percent = positive(value);
    if (percent !== undefined) penalties[kind] = percent;
  }
  return {
    customerId: row.customerNo || customerId,
    ...(row.contractNo ? { contractId: row.contractNo } : {}),
    ...(row.productCategory ? { productCategory: row.productCategory } : {}),
    ...(row.hasTemperatureRange && typeof row.minCelsius === 'number' && typeof row.maxCelsius === 'number' ? { temperatureRange: { minCelsius: row.minCelsius, maxCelsius: row.maxCelsius } } : {}),
    sla: { ...(positive(row.deliveryWindowHours) ? { deliveryWindowHours: row.deliveryWindowHours } : {}), ...(positive(row.exceptionResponseMinutes) ? { exceptionResponseMinutes: row.exceptionResponseMinutes } : {}) },
    ...(row.accountTeamEmail ? { accountTeamEmail: row.accountTeamEmail } : {}),
    ...(Object.keys(penalties).length > 0 ? { penaltyTerms: { percentOfOrderValue: penalties, ...(positive(row.penaltyCapPercent) ? { capPercentOfOrderValue: row.penaltyCapPercent } : {}) } } : {}),
  };
}

/**
 * The BC API for a Lambda: `API_BASE_URL` (`https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}`),
 * `TOKEN_URL` (`https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`), `BC_COMPANY_ID`, `BC_CUSTOM_API`
 * (default `logisticsSync/shipping/v1.0`), credentials `clientId`/`clientSecret`/`scope?` from the secret `SECRET_NAME`.
 */
export function createBcApiFromEnv(): BcApi {
  const http = new HttpJsonClient({ target: 'Business Central', baseUrl: requireEnv('API_BASE_URL'), timeoutMs: numberEnv('HTTP_TIMEOUT_MS'), minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS') });
  const token = new EntraClientCredentials(http, requireEnv('TOKEN_URL'), secretFieldsFromSecretsManager(requireEnv('SECRET_NAME'), ['clientId', 'clientSecret'], ['scope']));
  return new BcApi(http, token, requireEnv('BC_COMPANY_ID'), optionalEnv('BC_CUSTOM_API') ?? BC_DEFAULT_CUSTOM_API);
}

export function createBusinessCentralClientFromEnv(): BusinessCentralClient {
  return new BusinessCentralClient(createBcApiFromEnv());
}
