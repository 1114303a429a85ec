import type { CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import { compact } from '../../shared/webhook/mapping';
import type { MappedResource } from '../inbound/generic-erp';
import { bcEnum, type BcCreditMemoLineOrder, type BcSalesCreditMemo, type BcSalesInvoice } from './bc-api';
import type { BcSalesCreditMemoReadBackRequest } from './notifications';
import { bcBilledOrders, bcDecimal, bcInvoicePostedEvent, bcInvoiceShares, billingReadyShipment, BC_POSTED_INVOICE_STATUSES, invoiceParts, shareAmounts, type BcSalesInvoiceReader, type InvoicePart, type InvoiceShare } from './read-back-invoice';

/**
 * A Business Central sales credit memo read back through API v2.0 → `invoice.posted` with `documentType: credit-memo`
 * (pure), and the read-back of one queued salesCreditMemos notification. Wire facts from the salesCreditMemo resource
 * page (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salescreditmemo;
 * contracts/business-central/sales-credit-memo.schema.json):
 *
 * - `status` is one of `Draft`, `In Review`, `Open`, `Canceled`, `Corrective`, `Paid`: announced as for invoices,
 *   `Open`, `Paid` and `Corrective` — the credit memo BC posts when a user cancels an invoice reads `Corrective`
 *   (read-back-invoice.ts has the sources); `Canceled` is a corrective credit memo since cancelled by a corrective
 *   invoice, which is announced itself; the others are unposted. Ignored ones are logged with the reason.
 * - A credit memo names no order: `invoiceId`/`invoiceNumber` link it to the sales invoice it corrects (cancelling a
 *   posted invoice posts such a corrective credit memo:
 *   https://learn.microsoft.com/en-us/dynamics365/business-central/sales-how-correct-cancel-sales-invoice). The
 *   invoice's order (`refs.orderId`, the correlation) is its `orderNumber`, read with the invoice, or for an invoice BC
 *   created to bill an order again (a corrected or corrective one) the order the extension recorded; its shipment is the
 *   order's latest billing-ready row, as for the invoice. A credit memo linked to no invoice (zero GUID: its lines
 *   were fetched with Get Posted Document Lines to Reverse, which applies it to nothing) is told by its own lines: the
 *   extension's `salesCreditMemoLineOrders` names the order and the invoice each line was copied from. One whose lines
 *   name no order, or linked to an invoice from no order, belongs to no order of ours: ignored with the reason.
 * - `number` → `refs.invoiceId` (the document's number, as the generic ERP's credit memos); the amounts as posted (BC's
 *   credit memo totals are positive numbers); the corrected invoice's `number` → `data.correctsInvoiceId`. Downstream a
 *   credit memo bills nothing (docs/outbound.md); credit memos adding up to their invoice's total cancel it, and its
 *   shipment is unbilled again (lambdas/visibility/shipment-view.ts): BC's cancellation reverts the sales order's
 *   invoiced quantities, so the order is invoiced anew.
 * - One event per credit memo: the id is its API `id` and `posted`, so a repeated notification and `Open` → `Paid`
 *   dedupe downstream.
 */

const ZERO_GUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

/** Why a credit memo is not announced, or undefined when it is (its linked invoice still to read). Pure. */
export function bcCreditMemoNotPostedReason(memo: BcSalesCreditMemo): string | undefined {
  const status = bcEnum(memo.status) ?? '';
  if (!BC_POSTED_INVOICE_STATUSES.includes(status)) {
    const why = status === 'Draft' || status === 'In Review' ? 'not posted yet' : status === 'Canceled' ? 'cancelled (the corrective invoice that cancelled it is announced itself)' : 'not a posted credit memo';
    return `sales credit memo ${memo.number} has status ${status.trim() || '(blank)'}: ${why}`;
  }
  return undefined;
}

/** Whether BC links the credit memo to an invoice (API v2.0 `invoiceId`, the zero GUID when none). Pure. */
const linkedInvoiceId = (memo: BcSalesCreditMemo) => (memo.invoiceId && !ZERO_GUID.test(memo.invoiceId) ? memo.invoiceId.toLowerCase() : undefined);

/**
 * A credit memo applied to no invoice (Get Posted Document Lines to Reverse copies lines only; a credit memo of a paid
 * invoice has no open entry to apply to), told by its own lines (pure): the orders they credit, each its share when
 * several, and the invoice they were copied from when they all name one. A string says why none.
 */
export function unlinkedCreditMemoParts(memo: BcSalesCreditMemo, lines: readonly BcCreditMemoLineOrder[]): { parts: InvoicePart[]; invoiceNumber: string } | string {
  const shares = bcInvoiceShares(lines, 'salesCreditMemoLineOrders');
  if (shares.length === 0) return `sales credit memo ${memo.number} is linked to no sales invoice and its lines name no order (salesCreditMemoLineOrders: lines typed by hand, or posted before the extension stamped them): no order of ours to note it on`;
  const invoices = new Set(lines.filter((l) => l.sourceOrderNo).map((l) => l.sourceInvoiceNo ?? ''));
  return { parts: invoiceParts({ shares }), invoiceNumber: invoices.size === 1 ? [...invoices][0]! : '' };
}

/**
 * A posted credit memo, the invoice it corrects (its `number`, our invoice id, and the order it was posted from) and
 * that order's shipment → `invoice.posted` refs/data, `correctsInvoiceId` naming the invoice. Throws ValidationError
 * naming the field. Pure.
 */
export function mapBcSalesCreditMemo(memo: BcSalesCreditMemo, corrects: { readonly invoiceNumber: string; readonly orderNumber: string }, shipmentId?: string, share?: InvoiceShare): MappedResource {
  const { invoiceNumber, orderNumber } = corrects;
  if (!memo.number) throw new ValidationError(`sales credit memo ${memo.id} has no number`, 'salesCreditMemo.number');
  const currency = memo.currencyCode ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) throw new ValidationError(`sales credit memo ${memo.number} has currencyCode ${JSON.stringify(currency)}, not an ISO 4217 code`, 'salesCreditMemo.currencyCode');
  return {
    refs: compact({ invoiceId: memo.number, orderId: orderNumber, shipmentId, customerId: memo.customerNumber || undefined }),
    occurredAt: memo.lastModifiedDateTime,
    data: compact({
      documentType: 'credit-memo',
      correctsInvoiceId: invoiceNumber || undefined,
      currency,
      ...(share
        ? shareAmounts(share)
        : {
            netAmount: bcDecimal(memo.totalAmountExcludingTax, 'salesCreditMemo.totalAmountExcludingTax'),
            taxAmount: memo.totalTaxAmount === undefined ? undefined : bcDecimal(memo.totalTaxAmount, 'salesCreditMemo.totalTaxAmount'),
            grossAmount: bcDecimal(memo.totalAmountIncludingTax, 'salesCreditMemo.totalAmountIncludingTax'),
          }),
    }),
  };
}

/**
 * Which orders a credit memo credits (pure): the order its invoice bills; for an invoice of several orders, each
 * order's share of the invoice when the credit memo credits the whole invoice (as BC's Cancel and Correct do), else
 * the orders its own lines credit (`memoShares`, from the extension's `salesCreditMemoLineOrders`: a credit memo names
 * no order, but the extension stamps each line copied from an invoice line with that line's order). A string says why
 * none.
 */
export function creditMemoParts(memo: BcSalesCreditMemo, invoice: BcSalesInvoice, orderNumber: string | undefined, shares: readonly InvoiceShare[], memoShares: readonly InvoiceShare[] = []): InvoicePart[] | string {
  if (orderNumber || shares.length === 1) return invoiceParts({ orderNumber, shares });
  if (shares.length === 0) return `sales credit memo ${memo.number} corrects sales invoice ${invoice.number}, which bills no sales order (no orderNumber, none named by the extension): no order of ours to note it on`;
  if (creditsWholeInvoice(memo, invoice)) return invoiceParts({ shares });
  if (memoShares.length > 0) return invoiceParts({ shares: memoShares });
  return `sales credit memo ${memo.number} credits part of sales invoice ${invoice.number}, which bills ${shares.length} orders, and its lines name no order (salesCreditMemoLineOrders: lines typed by hand, or posted before the extension stamped them): noted on none`;
}

/** Whether a credit memo's gross total is its invoice's (to the cent): what BC's Cancel and Correct post. Pure. */
const creditsWholeInvoice = (memo: BcSalesCreditMemo, invoice: BcSalesInvoice) =>
  typeof memo.totalAmountIncludingTax === 'number' && typeof invoice.totalAmountIncludingTax === 'number' && Math.round(Math.abs(memo.totalAmountIncludingTax) * 100) === Math.round(Math.abs(invoice.totalAmountIncludingTax) * 100);

/**
 * A credit memo applied to an invoice: the orders that invoice bills (its own lines read only when the invoice bills
 * several orders and the credit memo credits part of it).
 */
async function linkedCreditMemoParts(reader: BcSalesCreditMemoReader, memo: BcSalesCreditMemo, invoice: BcSalesInvoice): Promise<{ parts: InvoicePart[]; invoiceNumber: string } | string> {
  const { orderNumber, shares } = await bcBilledOrders(reader, invoice);
  const ownLines = !orderNumber && shares.length > 1 && !creditsWholeInvoice(memo, invoice) ? await reader.listCreditMemoLineOrders(memo.number) : [];
  const parts = creditMemoParts(memo, invoice, orderNumber, shares, bcInvoiceShares(ownLines, 'salesCreditMemoLineOrders'));
  return typeof parts === 'string' ? parts : { parts, invoiceNumber: invoice.number };
}

/** What the credit memo read-back needs from BC (implemented by BcApi). */
export interface BcSalesCreditMemoReader extends Pick<BcSalesInvoiceReader, 'getSalesInvoice' | 'listBillingReady' | 'getInvoiceOrder' | 'listInvoiceLineOrders'> {
  getSalesCreditMemo(id: string, companyId?: string): Promise<BcSalesCreditMemo>;
  listSalesCreditMemos(filter: string, companyId?: string): Promise<BcSalesCreditMemo[]>;
  /** A posted credit memo's lines with the orders and invoices they credit, from the extension's `salesCreditMemoLineOrders` page (empty without it). */
  listCreditMemoLineOrders(creditMemoNumber: string): Promise<BcCreditMemoLineOrder[]>;
}

/**
 * Reads the credit memo (or the collection) a notification named, then the invoice each posted one corrects, and builds
 * `invoice.posted` (credit memo) for those whose invoice came from a sales order. A 404 and a credit memo that cannot
 * be mapped throw (non-retryable: dead-lettered with the reason); transport errors and 5xx throw retryable errors.
 */
export async function bcCreditMemoReadBack(reader: BcSalesCreditMemoReader, request: BcSalesCreditMemoReadBackRequest): Promise<{ events: CanonicalDetail<object>[]; notPosted: string[] }> {
  const memos = request.salesCreditMemo === '*' ? await reader.listSalesCreditMemos(request.filter ?? '', request.companyId) : [await reader.getSalesCreditMemo(request.salesCreditMemo, request.companyId)];
  const events: CanonicalDetail<object>[] = [];
  const notPosted: string[] = [];
  for (const memo of memos) {
    if (request.salesCreditMemo !== '*' && memo.id?.toLowerCase() !== request.salesCreditMemo) {
      throw new ValidationError(`Business Central answered sales credit memo ${memo.id} when asked for ${request.salesCreditMemo}`, 'salesCreditMemo.id');
    }
    const reason = bcCreditMemoNotPostedReason(memo);
    if (reason) {
      notPosted.push(reason);
      continue;
    }
    const invoiceId = linkedInvoiceId(memo);
    const credited = invoiceId ? await linkedCreditMemoParts(reader, memo, await reader.getSalesInvoice(invoiceId, request.companyId)) : unlinkedCreditMemoParts(memo, await reader.listCreditMemoLineOrders(memo.number));
    if (typeof credited === 'string') {
      notPosted.push(credited);
      continue;
    }
    for (const part of credited.parts) {
      const mapped = mapBcSalesCreditMemo(memo, { invoiceNumber: credited.invoiceNumber, orderNumber: part.orderNumber }, billingReadyShipment(await reader.listBillingReady(part.orderNumber)), part.share);
      events.push(bcInvoicePostedEvent({ entitySet: 'salesCreditMemos', id: memo.id, what: `sales credit memo ${memo.number}` }, part, mapped, request));
    }
  }
  return { events, notPosted };
}
