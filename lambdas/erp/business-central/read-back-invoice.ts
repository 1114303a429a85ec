import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import { invoicePostedV1 } from '../../shared/generated/canonical-validators.js';
import { compact } from '../../shared/webhook/mapping';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import type { MappedResource } from '../inbound/generic-erp';
import { bcEnum, type BcBillingReadyRow, type BcInvoiceLineOrder, type BcSalesInvoice } from './bc-api';
import type { BcSalesInvoiceReadBackRequest } from './notifications';

/**
 * A Business Central sales invoice read back through API v2.0 → `invoice.posted` (pure), and the read-back of one
 * queued salesInvoices notification. Wire facts from the salesInvoice resource page
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoice;
 * contracts/business-central/sales-invoice.schema.json):
 *
 * - `status` is one of `" "`, `Draft`, `In Review`, `Open`, `Paid`, `Canceled`, `Corrective`. The resource page says no
 *   more; what they mean is in the base application's `Sales Invoice Aggregator` (codeunit 5477,
 *   `SetStatusOptionFromSalesInvoiceHeader`, first match wins: the posted invoice is cancelled → `Canceled`; it is
 *   corrective, i.e. posted to cancel a credit memo → `Corrective`; closed → `Paid`; else `Open`; the same for credit
 *   memos in `Sales Credit Memo Aggregator`), as Microsoft's API tests show
 *   (https://github.com/microsoft/ALAppExtensions/blob/1842876af47bc8e52ac483c2f84097773da34b00/Apps/W1/APIV2/test/src/APIV2SalesInvoicesE2E.Codeunit.al,
 *   `TestActionCancelInvoice`: Open → Canceled; APIV2SalesCreditMemosE2E.Codeunit.al, `TestActionCancelCorrectiveCreditMemo`:
 *   the credit memo that cancels an invoice reads Corrective). Announced: `Open`, `Paid` and `Corrective` (a posted
 *   invoice that bills again what a cancelled credit memo had credited). `Draft` and `In Review` are unposted
 *   documents; `Canceled` was announced while it stood, and its cancellation is the corrective credit memo's, announced
 *   itself. Those are ignored with the reason logged (docs/vendors.md).
 * - `orderNumber` (read-only) is the sales order the invoice was posted from → `refs.orderId` and the correlation.
 *   Codeunit 80 Sales-Post sets it for an Order, and for a Sales Header of type Invoice only when all its lines come
 *   from posted shipment lines of one order; it is blank on the invoices BC creates to bill an order again, whose
 *   copied lines name no shipment (docs/vendors.md, "Invoices that bill an order again"): the new invoice
 *   of the Correct action (codeunit 1303 Correct Posted Sales Invoice) and the corrective invoice posted when a
 *   corrective credit memo is cancelled (codeunit 1339 Cancel Posted Sales Cr. Memo). For those the extension records
 *   the order (its `salesInvoiceOrders` page: contracts/business-central/extension-pages.json), read by the invoice's
 *   number. Else the invoice's lines say (the extension's `salesInvoiceLineOrders`: Sales-Post gives each line the
 *   order it was posted from): lines of one order make the whole invoice that order's; lines of several orders (report
 *   295 Combine Shipments) make one event per order with that order's lines' amounts ("Invoices of several orders").
 *   An invoice with none was entered on its own, which no order of ours can own: ignored with the reason.
 * - `refs.shipmentId`: a BC invoice names its order, not our shipment. The logistics-sync extension's
 *   `billingReadyOrders` rows of the order (our own page, contracts/business-central/extension-pages.json) say which
 *   shipment was marked billing-ready: the latest one's `shipmentNo` (an invoice posted after several partial
 *   deliveries is noted on the last shipment's ticket). Without a row, no shipmentId: the event is still published,
 *   and the CS adapter, which notes invoices on a shipment's ticket, has nothing to note it on.
 * - `number` → `refs.invoiceId`; `customerNumber` → `refs.customerId`; `totalAmountExcludingTax`, `totalTaxAmount`,
 *   `totalAmountIncludingTax` (JSON numbers) → decimal strings; `currencyCode` → `currency`; `dueDate` → `dueDate`.
 * - One event per invoice (per order of an invoice of several orders: `…:posted:{order}`), whatever changes later: the
 *   id is the invoice's API `id` (which the docs say carries over from the unposted to the posted invoice) and
 *   `posted`, so a repeated notification, a collection overlapping it, and the later `Open` → `Paid` update all dedupe
 *   downstream.
 */

/** Statuses of a posted, not cancelled invoice or credit memo (NAV.invoiceEntityAggregateStatus; see above). */
export const BC_POSTED_INVOICE_STATUSES: readonly string[] = ['Open', 'Paid', 'Corrective'];

/** Why a sales invoice is not announced as `invoice.posted` for its status, or undefined when it is posted. Pure. */
export function bcInvoiceNotPostedReason(invoice: BcSalesInvoice): string | undefined {
  const status = bcEnum(invoice.status) ?? '';
  if (!BC_POSTED_INVOICE_STATUSES.includes(status)) {
    const why =
      status === 'Draft' || status === 'In Review'
        ? 'not posted yet'
        : status === 'Canceled'
          ? 'cancelled (announced while it stood; its corrective credit memo, announced itself, cancels it downstream)'
          : 'not a posted invoice';
    return `sales invoice ${invoice.number} has status ${status.trim() || '(blank)'}: ${why}`;
  }
  return undefined;
}

/**
 * The sales order a posted invoice bills: its `orderNumber`, else the one the extension recorded when BC created the
 * invoice to bill an order again (see above); undefined when neither names one.
 */
export async function bcInvoiceOrder(reader: Pick<BcSalesInvoiceReader, 'getInvoiceOrder'>, invoice: BcSalesInvoice): Promise<string | undefined> {
  return invoice.orderNumber || (invoice.number ? await reader.getInvoiceOrder(invoice.number) : undefined);
}

/** Why an invoice names no order of ours. */
export const noOrderReason = (invoice: BcSalesInvoice) =>
  `sales invoice ${invoice.number} was not posted from a sales order (no orderNumber) and the extension names no order it bills (salesInvoiceOrders, salesInvoiceLineOrders): no order of ours to note it on`;

/** A BC amount (a JSON number) → a canonical decimal string, 2 to 4 decimals. Throws ValidationError naming the field. Pure. */
export function bcDecimal(value: unknown, field: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) >= 1e15) throw new ValidationError(`${field} is ${JSON.stringify(value)}, not an amount`, field);
  return value.toFixed(4).replace(/(\.\d{2}\d*?)0+$/, '$1');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A BC date, or undefined for blank and BC's empty date `0001-01-01`. */
const dateOf = (value: string | undefined) => (value && DATE.test(value) && !value.startsWith('0001-') ? value : undefined);

/** The shipment of the order's latest billing-ready row (by deliveredAt), or undefined. Pure. */
export function billingReadyShipment(rows: readonly BcBillingReadyRow[]): string | undefined {
  const withShipment = rows.filter((r) => r.shipmentNo);
  const latest = withShipment.reduce<BcBillingReadyRow | undefined>((best, r) => (!best || (r.deliveredAt ?? '') >= (best.deliveredAt ?? '') ? r : best), undefined);
  return latest?.shipmentNo || undefined;
}

/**
 * A posted BC sales invoice (the order it bills, by default its `orderNumber`, and the shipment, when known) →
 * `invoice.posted` refs/data. Throws ValidationError naming the field. Pure.
 */
export function mapBcSalesInvoice(invoice: BcSalesInvoice, shipmentId?: string, orderNumber = invoice.orderNumber, share?: InvoiceShare): MappedResource {
  if (!invoice.number) throw new ValidationError(`sales invoice ${invoice.id} has no number`, 'salesInvoice.number');
  if (!orderNumber) throw new ValidationError(`sales invoice ${invoice.number} has no orderNumber`, 'salesInvoice.orderNumber');
  const currency = invoice.currencyCode ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) throw new ValidationError(`sales invoice ${invoice.number} has currencyCode ${JSON.stringify(currency)}, not an ISO 4217 code`, 'salesInvoice.currencyCode');
  return {
    refs: compact({ invoiceId: invoice.number, orderId: orderNumber, shipmentId, customerId: invoice.customerNumber || undefined }),
    occurredAt: invoice.lastModifiedDateTime,
    data: compact({
      documentType: 'invoice',
      currency,
      ...(share
        ? shareAmounts(share)
        : {
            netAmount: bcDecimal(invoice.totalAmountExcludingTax, 'salesInvoice.totalAmountExcludingTax'),
            taxAmount: invoice.totalTaxAmount === undefined ? undefined : bcDecimal(invoice.totalTaxAmount, 'salesInvoice.totalTaxAmount'),
            grossAmount: bcDecimal(invoice.totalAmountIncludingTax, 'salesInvoice.totalAmountIncludingTax'),
          }),
      dueDate: dateOf(invoice.dueDate),
    }),
  };
}

/** One order's part of an invoice of several orders: the sums of its lines, in cents. */
export interface InvoiceShare {
  readonly orderNumber: string;
  readonly netCents: number;
  readonly grossCents: number;
}

/** Whole cents → a canonical decimal string with 2 decimals. */
const centsDecimal = (cents: number) => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

/** An order's share of an invoice as the canonical amounts (net, tax = gross − net, gross). */
export const shareAmounts = (share: InvoiceShare) => ({ netAmount: centsDecimal(share.netCents), taxAmount: centsDecimal(share.grossCents - share.netCents), grossAmount: centsDecimal(share.grossCents) });

/**
 * The orders an invoice's lines bill (the extension's `salesInvoiceLineOrders`: a line's Order No., else the order a
 * Correct action's line bills again), in the order they first appear, each
 * with the sums of its lines (pure). Lines of no order (a freight charge, invoice rounding) are nobody's share: with
 * one order the caller announces the whole invoice for it, with several each order gets its own lines. A line without
 * its amounts is a ValidationError naming the field (the page serves them).
 */
export function bcInvoiceShares(lines: readonly BcInvoiceLineOrder[], page: 'salesInvoiceLineOrders' | 'salesCreditMemoLineOrders' = 'salesInvoiceLineOrders'): InvoiceShare[] {
  const shares = new Map<string, { netCents: number; grossCents: number }>();
  for (const line of lines) {
    const order = line.orderNo || line.sourceOrderNo;
    if (!order) continue;
    if (typeof line.amount !== 'number' || typeof line.amountIncludingVat !== 'number') {
      throw new ValidationError(`line ${line.lineNo} of sales ${page === 'salesInvoiceLineOrders' ? 'invoice' : 'credit memo'} ${line.documentNo} came without its amounts`, `${page}.amount`);
    }
    const share = shares.get(order) ?? { netCents: 0, grossCents: 0 };
    shares.set(order, { netCents: share.netCents + Math.round(line.amount * 100), grossCents: share.grossCents + Math.round(line.amountIncludingVat * 100) });
  }
  return [...shares].map(([orderNumber, sums]) => ({ orderNumber, ...sums }));
}

/** One `invoice.posted` to build: the order, and its share when the document bills several. */
export interface InvoicePart {
  readonly orderNumber: string;
  readonly share?: InvoiceShare;
}

/**
 * The orders a posted invoice bills (reads BC only when `orderNumber` is blank): its `orderNumber` or the order the
 * extension recorded for a re-billing invoice; else the orders its lines name (`salesInvoiceLineOrders`), with their
 * shares.
 */
export async function bcBilledOrders(reader: Pick<BcSalesInvoiceReader, 'getInvoiceOrder' | 'listInvoiceLineOrders'>, invoice: BcSalesInvoice): Promise<{ orderNumber?: string; shares: InvoiceShare[] }> {
  const orderNumber = await bcInvoiceOrder(reader, invoice);
  return orderNumber ? { orderNumber, shares: [] } : { shares: bcInvoiceShares(await reader.listInvoiceLineOrders(invoice.number)) };
}

/** The events of a document that bills what the invoice bills (pure): one order, whole; several, each its share. */
export function invoiceParts(billed: { orderNumber?: string; shares: readonly InvoiceShare[] }): InvoicePart[] {
  if (billed.orderNumber) return [{ orderNumber: billed.orderNumber }];
  if (billed.shares.length === 1) return [{ orderNumber: billed.shares[0]!.orderNumber }];
  return billed.shares.map((share) => ({ orderNumber: share.orderNumber, share }));
}

/**
 * The `invoice.posted` of one part of a BC invoice or credit memo, validated (throws naming the document when the
 * mapping breaks the schema). The id is the document's API id and `posted`, and the order when it has a share.
 */
export function bcInvoicePostedEvent(
  document: { readonly entitySet: 'salesInvoices' | 'salesCreditMemos'; readonly id: string; readonly what: string },
  part: InvoicePart,
  mapped: MappedResource,
  request: { readonly receivedAt: string; readonly notification: { readonly lastModifiedDateTime: string } },
): CanonicalDetail<object> {
  const event = buildCanonicalEvent({
    eventType: 'invoice.posted',
    system: 'erp',
    vendor: 'business-central',
    vendorEventId: `bc:${document.entitySet}:${document.id.toLowerCase()}:posted${part.share ? `:${part.orderNumber}` : ''}`,
    occurredAt: mapped.occurredAt ?? request.notification.lastModifiedDateTime,
    receivedAt: request.receivedAt,
    refs: mapped.refs,
    data: mapped.data,
  });
  validateOrThrow(invoicePostedV1 as SchemaValidator<unknown>, event, `the invoice.posted mapped from ${document.what} is invalid`);
  return event;
}

/** What the invoice read-back needs from BC (implemented by BcApi). */
export interface BcSalesInvoiceReader {
  getSalesInvoice(id: string, companyId?: string): Promise<BcSalesInvoice>;
  listSalesInvoices(filter: string, companyId?: string): Promise<BcSalesInvoice[]>;
  /** The extension's billing-ready rows of an order (empty without the page). */
  listBillingReady(orderNo: string): Promise<BcBillingReadyRow[]>;
  /** The order a posted invoice bills, from the extension's `salesInvoiceOrders` page (undefined without the page or a row). */
  getInvoiceOrder(invoiceNumber: string): Promise<string | undefined>;
  /** A posted invoice's lines with their orders, from the extension's `salesInvoiceLineOrders` page (empty without it). */
  listInvoiceLineOrders(invoiceNumber: string): Promise<BcInvoiceLineOrder[]>;
}

export interface BcInvoiceReadBackResult {
  readonly events: CanonicalDetail<object>[];
  /** Why each invoice read was not announced (status, no order). */
  readonly notPosted: string[];
}

/**
 * Reads the invoice (or the collection) a notification named and builds `invoice.posted` for each posted one. A 404
 * and an invoice that cannot be mapped throw (non-retryable: dead-lettered with the reason); transport errors and
 * 5xx throw retryable errors.
 */
export async function bcInvoiceReadBack(reader: BcSalesInvoiceReader, request: BcSalesInvoiceReadBackRequest): Promise<BcInvoiceReadBackResult> {
  const invoices = request.salesInvoice === '*' ? await reader.listSalesInvoices(request.filter ?? '', request.companyId) : [await reader.getSalesInvoice(request.salesInvoice, request.companyId)];
  const events: CanonicalDetail<object>[] = [];
  const notPosted: string[] = [];
  for (const invoice of invoices) {
    if (request.salesInvoice !== '*' && invoice.id?.toLowerCase() !== request.salesInvoice) {
      throw new ValidationError(`Business Central answered sales invoice ${invoice.id} when asked for ${request.salesInvoice}`, 'salesInvoice.id');
    }
    const reason = bcInvoiceNotPostedReason(invoice);
    if (reason) {
      notPosted.push(reason);
      continue;
    }
    const parts = invoiceParts(await bcBilledOrders(reader, invoice));
    if (parts.length === 0) {
      notPosted.push(noOrderReason(invoice));
      continue;
    }
    for (const part of parts) {
      const mapped = mapBcSalesInvoice(invoice, billingReadyShipment(await reader.listBillingReady(part.orderNumber)), part.orderNumber, part.share);
      events.push(bcInvoicePostedEvent({ entitySet: 'salesInvoices', id: invoice.id, what: `sales invoice ${invoice.number}` }, part, mapped, request));
    }
  }
  return { events, notPosted };
}
