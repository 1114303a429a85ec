import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { BcSimSalesOrder } from './business-central';

/**
 * Business Central's sales invoices as API v2.0 serves them, written from Microsoft's salesInvoice resource page
 * (contracts/business-central/sales-invoice.schema.json, from
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoice),
 * never from our client. Every invoice the simulator holds is checked against that schema (Ajv) when it is created or
 * changed, so a GET never answers what the contract does not allow.
 *
 * Posting an order's invoice ({@link BcSalesInvoices.postForOrder}) is what a BC user does after billing-ready
 * (Post → Ship and Invoice on the sales order): a posted invoice with the order's number, status `Open`, the order's
 * lines (checked against contracts/business-central/sales-invoice-line.schema.json, served with
 * `$expand=salesInvoiceLines`), amounts from them and the customer's VAT, due in 30 days. A second posting for the
 * same order finds the first invoice.
 */

export type BcSimInvoiceStatus = ' ' | 'Draft' | 'In Review' | 'Open' | 'Paid' | 'Canceled' | 'Corrective';

export interface BcSimSalesInvoice {
  id: string;
  number: string;
  externalDocumentNumber: string;
  invoiceDate: string;
  postingDate: string;
  dueDate: string;
  customerNumber: string;
  orderId: string;
  orderNumber: string;
  currencyId: string;
  currencyCode: string;
  pricesIncludeTax: boolean;
  totalAmountExcludingTax: number;
  totalTaxAmount: number;
  totalAmountIncludingTax: number;
  remainingAmount: number;
  status: BcSimInvoiceStatus;
  lastModifiedDateTime: string;
}

// ajv-formats is published as CommonJS: under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

/**
 * An assertion that a value matches `contracts/business-central/<file>`: it throws, naming `what` and the contract,
 * instead of letting the simulator keep or serve what Microsoft's contract does not allow.
 */
export function bcContractAssertion(file: string, what: string): (value: unknown) => void {
  const validate = ajv.compile(JSON.parse(readFileSync(new URL(`../../contracts/business-central/${file}`, import.meta.url), 'utf8')) as object);
  return (value) => {
    if (!validate(value)) throw new Error(`${what} does not match contracts/business-central/${file}: ${ajv.errorsText(validate.errors)}`);
  };
}

/** Throws when `invoice` is not a salesInvoice the contract allows (the simulator never serves one). */
export const assertBcSalesInvoice = bcContractAssertion('sales-invoice.schema.json', 'sales invoice');

/** A salesInvoiceLine as the simulated company keeps it (contracts/business-central/sales-invoice-line.schema.json). */
export interface BcSimSalesInvoiceLine {
  id: string;
  documentId: string;
  sequence: number;
  lineType: 'Item' | 'Comment';
  lineObjectNumber: string;
  description: string;
  unitOfMeasureCode: string;
  quantity: number;
  unitPrice: number;
  amountExcludingTax: number;
}

/** Throws when `line` is not a salesInvoiceLine the contract allows. */
export const assertBcSalesInvoiceLine = bcContractAssertion('sales-invoice-line.schema.json', 'sales invoice line');

const assertBcSalesCreditMemo = bcContractAssertion('sales-credit-memo.schema.json', 'sales credit memo');

/** A salesCreditMemo as the simulated company keeps it (contracts/business-central/sales-credit-memo.schema.json). */
export interface BcSimSalesCreditMemo {
  id: string;
  number: string;
  creditMemoDate: string;
  postingDate: string;
  dueDate: string;
  customerNumber: string;
  currencyId: string;
  currencyCode: string;
  totalAmountExcludingTax: number;
  totalTaxAmount: number;
  totalAmountIncludingTax: number;
  status: 'Draft' | 'In Review' | 'Open' | 'Canceled' | 'Corrective' | 'Paid';
  lastModifiedDateTime: string;
  invoiceId: string;
  invoiceNumber: string;
}

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const round2 = (n: number) => Math.round(n * 100) / 100;

export class BcSalesInvoices {
  readonly byId = new Map<string, BcSimSalesInvoice>();
  /** The lines of each invoice (by its id), as `$expand=salesInvoiceLines` answers them. */
  readonly lines = new Map<string, BcSimSalesInvoiceLine[]>();
  private seq = 0;

  constructor(
    private readonly now: () => Date,
    /** The company's local currency (General Ledger Setup), which the API names on an invoice in it. */
    private readonly localCurrency: string,
  ) {}

  /** Adds or replaces an invoice (as a user or a posting would), after checking it against the contract. */
  put(invoice: BcSimSalesInvoice): BcSimSalesInvoice {
    assertBcSalesInvoice(invoice);
    this.byId.set(invoice.id, invoice);
    return invoice;
  }

  /** The invoice posted from the order, if any. */
  ofOrder(orderNumber: string): BcSimSalesInvoice | undefined {
    return [...this.byId.values()].find((i) => i.orderNumber === orderNumber);
  }

  /** Posts the order's invoice now (status Open), or answers the one already posted (`created: false`). */
  postForOrder(order: BcSimSalesOrder, vatPercent: number): { invoice: BcSimSalesInvoice; created: boolean } {
    const existing = this.ofOrder(order.number);
    if (existing) return { invoice: existing, created: false };
    const at = this.now();
    const net = round2(order.salesOrderLines.filter((l) => l.lineType === 'Item').reduce((sum, l) => sum + (l.unitPrice ?? 0) * l.quantity, 0));
    const tax = round2((net * vatPercent) / 100);
    const id = randomUUID();
    const lines = order.salesOrderLines.map((l) => {
      const unitPrice = l.lineType === 'Item' ? (l.unitPrice ?? 0) : 0;
      const line: BcSimSalesInvoiceLine = { id: randomUUID(), documentId: id, sequence: l.sequence, lineType: l.lineType, lineObjectNumber: l.lineObjectNumber, description: l.description, unitOfMeasureCode: l.unitOfMeasureCode, quantity: l.quantity, unitPrice, amountExcludingTax: round2(unitPrice * l.quantity) };
      assertBcSalesInvoiceLine(line);
      return line;
    });
    this.lines.set(id, lines);
    this.lineOrders.set(id, lines.map((l) => ({ lineNo: l.sequence, orderNo: order.number, amount: l.amountExcludingTax, amountIncludingVat: round2(l.amountExcludingTax * (1 + vatPercent / 100)) })));
    const invoice = this.postedInvoice(id, at, order.customerNumber, order, order.currencyCode, net, round2(net + tax));
    return { invoice, created: true };
  }

  /**
   * What each posted invoice line keeps that API v2.0 does not serve (the Sales Invoice Line's Order No., Amount and
   * Amount Including VAT), by invoice id: the extension's `salesInvoiceLineOrders` page.
   */
  readonly lineOrders = new Map<string, { lineNo: number; orderNo: string; sourceOrderNo?: string; amount: number; amountIncludingVat: number }[]>();

  /**
   * Report 295 Combine Shipments, posting: one invoice for the shipped lines of several orders of one customer and
   * currency, each line keeping its order (Sales-Post `SetInvoiceOrderNo`); the header's Order No. is set only when
   * every line comes from one order (`PostUpdateOrderNo`), so API `orderNumber` is blank for several
   * (docs/vendors.md, "Invoices of several orders"). The orders stay (a batch job deletes invoiced orders later).
   */
  postCombined(orders: readonly BcSimSalesOrder[], vatPercent: number): BcSimSalesInvoice {
    const [first] = orders;
    if (!first || orders.some((o) => o.customerNumber !== first.customerNumber || (o.currencyCode ?? '') !== (first.currencyCode ?? ''))) throw new Error('Combine Shipments invoices the shipments of one customer and currency');
    const at = this.now();
    const id = randomUUID();
    const items = orders.flatMap((o) => o.salesOrderLines.filter((l) => l.lineType === 'Item').map((l) => ({ order: o, line: l })));
    const lines = items.map(({ line: l }, i) => {
      const unitPrice = l.unitPrice ?? 0;
      const line: BcSimSalesInvoiceLine = { id: randomUUID(), documentId: id, sequence: (i + 1) * 10000, lineType: 'Item', lineObjectNumber: l.lineObjectNumber, description: l.description, unitOfMeasureCode: l.unitOfMeasureCode, quantity: l.quantity, unitPrice, amountExcludingTax: round2(unitPrice * l.quantity) };
      assertBcSalesInvoiceLine(line);
      return line;
    });
    this.lines.set(id, lines);
    const lineOrders = lines.map((l, i) => ({ lineNo: l.sequence, orderNo: items[i]!.order.number, amount: l.amountExcludingTax, amountIncludingVat: round2(l.amountExcludingTax * (1 + vatPercent / 100)) }));
    this.lineOrders.set(id, lineOrders);
    const net = round2(lineOrders.reduce((sum, l) => sum + l.amount, 0));
    const gross = round2(lineOrders.reduce((sum, l) => sum + l.amountIncludingVat, 0));
    const single = new Set(orders.map((o) => o.number)).size === 1;
    return this.postedInvoice(id, at, first.customerNumber, single ? first : undefined, first.currencyCode, net, gross);
  }

  /** A posted invoice (status Open, due in 30 days) with its totals; `order`: the order its header names, if one. */
  private postedInvoice(id: string, at: Date, customerNumber: string, order: { id: string; number: string } | undefined, currencyCode: string | undefined, net: number, gross: number): BcSimSalesInvoice {
    const day = at.toISOString().slice(0, 10);
    return this.put({
      id,
      number: `PS-INV${103000 + ++this.seq}`,
      externalDocumentNumber: '',
      invoiceDate: day,
      postingDate: day,
      dueDate: new Date(at.getTime() + 30 * 86_400_000).toISOString().slice(0, 10),
      customerNumber,
      orderId: order?.id ?? ZERO_GUID,
      orderNumber: order?.number ?? '',
      currencyId: ZERO_GUID,
      currencyCode: currencyCode || this.localCurrency,
      pricesIncludeTax: false,
      totalAmountExcludingTax: net,
      totalTaxAmount: round2(gross - net),
      totalAmountIncludingTax: gross,
      remainingAmount: gross,
      status: 'Open',
      lastModifiedDateTime: at.toISOString(),
    });
  }

  /** A status change (e.g. Paid, Canceled), as BC records it; throws when the invoice is unknown. */
  setStatus(id: string, status: BcSimInvoiceStatus): BcSimSalesInvoice {
    const invoice = this.byId.get(id);
    if (!invoice) throw new Error(`no sales invoice ${id}`);
    // Paid and cancelled invoices have nothing left to pay (APIV2SalesInvoices.Page.al sets remainingAmount 0 when Canceled).
    return this.put({ ...invoice, status, ...(status === 'Paid' || status === 'Canceled' ? { remainingAmount: 0 } : {}), lastModifiedDateTime: this.now().toISOString() });
  }

  /** Sales credit memos by id. */
  readonly creditMemos = new Map<string, BcSimSalesCreditMemo>();
  private creditMemoSeq = 0;

  /**
   * A user cancels a posted invoice: BC posts a corrective credit memo for it, linked to the invoice, with its
   * amounts (https://learn.microsoft.com/en-us/dynamics365/business-central/sales-how-correct-cancel-sales-invoice);
   * the invoice reads Canceled and the credit memo Corrective (Microsoft's API tests,
   * https://github.com/microsoft/ALAppExtensions/blob/1842876af47bc8e52ac483c2f84097773da34b00/Apps/W1/APIV2/test/src/APIV2SalesInvoicesE2E.Codeunit.al
   * `TestActionCancelInvoice` and APIV2SalesCreditMemosE2E.Codeunit.al `TestActionCancelCorrectiveCreditMemo`).
   * Both checked against their contracts.
   */
  cancel(id: string): { invoice: BcSimSalesInvoice; creditMemo: BcSimSalesCreditMemo } {
    const original = this.byId.get(id);
    // Codeunit 1303 refuses an invoice whose remaining amount is not its whole amount (TestIfInvoiceIsPaid: paid in
    // part, or a credit memo applied to it;
    // https://github.com/microsoft/BCApps/blob/c3414ede3ec7bab5a928f312c1208dbd0f8e39a7/src/Layers/W1/BaseApp/Sales/History/CorrectPostedSalesInvoice.Codeunit.al).
    if (original && Math.round(original.remainingAmount * 100) !== Math.round(original.totalAmountIncludingTax * 100)) throw new Error(`sales invoice ${original.number} is paid or credited in part: BC cannot cancel or correct it`);
    const invoice = this.setStatus(id, 'Canceled');
    const creditMemo = this.postCreditMemo(invoice, 'Corrective', { net: invoice.totalAmountExcludingTax, tax: invoice.totalTaxAmount, gross: invoice.totalAmountIncludingTax }, this.lineOrders.get(id) ?? []);
    return { invoice, creditMemo };
  }

  /**
   * A user credits part of a posted invoice: a credit memo applied to it (`invoiceId`; `applied: false`, the zero
   * GUID: Get Posted Document Lines to Reverse applies the credit memo to nothing unless the user does), whose lines are the given
   * lines of the invoice (by Line No.) fetched with Get Posted Document Lines to Reverse, each with its amount lowered
   * to `amount` (VAT at the line's own rate), posted: status `Open` (a credit memo posted on its own, not a
   * cancellation: contracts/business-central/sales-credit-memo.schema.json, `status`). The invoice stays posted, its
   * remaining amount lowered by the credit memo's (so BC no longer lets a user cancel or correct it).
   */
  creditLines(id: string, lines: readonly { readonly lineNo: number; readonly amount: number }[], options: { readonly applied?: boolean } = {}): BcSimSalesCreditMemo {
    const invoice = this.byId.get(id);
    if (!invoice || !['Open', 'Paid'].includes(invoice.status)) throw new Error(`no posted sales invoice ${id} to credit`);
    const credited = lines.map(({ lineNo, amount }) => {
      const line = (this.lineOrders.get(id) ?? []).find((l) => l.lineNo === lineNo);
      if (!line || amount <= 0 || amount > line.amount) throw new Error(`sales invoice ${invoice.number} has no line ${lineNo} of at least ${amount}`);
      return { ...line, amount, amountIncludingVat: round2((amount * line.amountIncludingVat) / line.amount) };
    });
    const net = round2(credited.reduce((sum, l) => sum + l.amount, 0));
    const gross = round2(credited.reduce((sum, l) => sum + l.amountIncludingVat, 0));
    const applied = options.applied ?? true;
    const creditMemo = this.postCreditMemo(invoice, 'Open', { net, tax: round2(gross - net), gross }, credited, applied);
    // Applied to the invoice: what is left to pay drops by the credit memo's amount.
    if (applied) this.put({ ...invoice, remainingAmount: round2(invoice.remainingAmount - gross) });
    return creditMemo;
  }

  /**
   * A posted credit memo linked to the invoice it credits, checked against its contract. Copy Document copies each
   * invoice line into a credit memo line; the extension stamps it with the order the invoice line billed (field 50105
   * on the Sales Line, carried to the Sales Cr.Memo Line by posting).
   */
  private postCreditMemo(invoice: BcSimSalesInvoice, status: 'Open' | 'Corrective', totals: { net: number; tax: number; gross: number }, fromLines: readonly { lineNo: number; orderNo: string; sourceOrderNo?: string; amount: number; amountIncludingVat: number }[], applied = true): BcSimSalesCreditMemo {
    const at = this.now().toISOString();
    const creditMemo: BcSimSalesCreditMemo = {
      id: randomUUID(),
      number: `PS-CR${104000 + ++this.creditMemoSeq}`,
      creditMemoDate: at.slice(0, 10),
      postingDate: at.slice(0, 10),
      dueDate: at.slice(0, 10),
      customerNumber: invoice.customerNumber,
      currencyId: invoice.currencyId,
      currencyCode: invoice.currencyCode,
      totalAmountExcludingTax: totals.net,
      totalTaxAmount: totals.tax,
      totalAmountIncludingTax: totals.gross,
      status,
      lastModifiedDateTime: at,
      invoiceId: applied ? invoice.id : ZERO_GUID,
      invoiceNumber: applied ? invoice.number : '',
    };
    assertBcSalesCreditMemo(creditMemo);
    this.creditMemos.set(creditMemo.id, creditMemo);
    this.creditMemoLineOrders.set(
      creditMemo.id,
      fromLines.map((l) => {
        const order = l.orderNo || l.sourceOrderNo || '';
        return { lineNo: l.lineNo, sourceOrderNo: order, sourceInvoiceNo: order ? invoice.number : '', amount: l.amount, amountIncludingVat: l.amountIncludingVat };
      }),
    );
    return creditMemo;
  }

  /**
   * What each posted credit memo line keeps that API v2.0 does not serve, by credit memo id: the order the invoice
   * line it was copied from billed and that invoice (the extension's fields 50105 and 50106 on the Sales Cr.Memo Line,
   * stamped when Copy Document copies an invoice line into a credit memo), and its amounts: the extension's
   * `salesCreditMemoLineOrders` page.
   */
  readonly creditMemoLineOrders = new Map<string, { lineNo: number; sourceOrderNo: string; sourceInvoiceNo: string; amount: number; amountIncludingVat: number }[]>();

  /**
   * The sales order each invoice re-bills, by invoice id, for invoices BC creates as Sales Headers of type Invoice
   * (blank `orderNumber`): the logistics-sync extension's `LSYNC Source Order No.` (contracts/business-central/
   * extension-pages.json, `salesInvoiceOrders`), which is not a field of API v2.0's salesInvoice.
   */
  readonly sourceOrders = new Map<string, string>();
  private draftSeq = 0;

  /** The order an invoice bills: its `orderNumber`, else the one the extension recorded for it ('' when neither). */
  orderOf(invoice: BcSimSalesInvoice): string {
    return invoice.orderNumber || (this.sourceOrders.get(invoice.id) ?? '');
  }

  /**
   * The Correct action on a posted invoice (codeunit 1303 Correct Posted Sales Invoice): BC cancels it as
   * {@link cancel} does and creates a new, unposted sales invoice (status `Draft`) copied from it, header and lines,
   * for the user to correct and post
   * (https://learn.microsoft.com/en-us/dynamics365/business-central/sales-how-correct-cancel-sales-invoice). The copy is
   * a Sales Header of type Invoice whose lines name no shipment: Sales-Post gives the posted invoice a blank Order No. (API `orderNumber` ''); the
   * extension records the order it re-bills.
   */
  correct(id: string): { invoice: BcSimSalesInvoice; creditMemo: BcSimSalesCreditMemo; draft: BcSimSalesInvoice } {
    const original = this.byId.get(id);
    if (!original) throw new Error(`no sales invoice ${id}`);
    const sourceOrder = this.orderOf(original);
    const { invoice, creditMemo } = this.cancel(id);
    const at = invoice.lastModifiedDateTime;
    const draftId = randomUUID();
    this.lines.set(draftId, (this.lines.get(id) ?? []).map((l) => ({ ...l, id: randomUUID(), documentId: draftId })));
    const draft = this.put({ ...original, id: draftId, number: `S-INV${105000 + ++this.draftSeq}`, orderId: ZERO_GUID, orderNumber: '', invoiceDate: at.slice(0, 10), postingDate: at.slice(0, 10), remainingAmount: original.totalAmountIncludingTax, status: 'Draft', lastModifiedDateTime: at });
    if (sourceOrder) this.sourceOrders.set(draftId, sourceOrder);
    // The extension stamps each copied line with the order its original line billed (Copy Document clears the lines'
    // Shipment No., so posting gives them no Order No.): what an invoice of several orders needs.
    const originalLines = this.lineOrders.get(id);
    if (originalLines) this.lineOrders.set(draftId, originalLines.map((l) => ({ lineNo: l.lineNo, orderNo: '', sourceOrderNo: l.orderNo || l.sourceOrderNo || '', amount: l.amount, amountIncludingVat: l.amountIncludingVat })));
    return { invoice, creditMemo, draft };
  }

  /** The user posts an unposted invoice (e.g. the Correct action's copy): status Open, a posted number; the API id stays. */
  post(id: string): BcSimSalesInvoice {
    const draft = this.byId.get(id);
    if (!draft) throw new Error(`no sales invoice ${id}`);
    if (draft.status !== 'Draft') throw new Error(`sales invoice ${draft.number} is ${draft.status}, not an unposted invoice`);
    const at = this.now().toISOString();
    return this.put({ ...draft, number: `PS-INV${103000 + ++this.seq}`, postingDate: at.slice(0, 10), status: 'Open', lastModifiedDateTime: at });
  }

  /**
   * A user cancels a corrective credit memo (codeunit 1339 Cancel Posted Sales Cr. Memo): BC copies it into a new
   * Sales Header of type Invoice and posts it — a posted invoice with the credit memo's customer and amounts, blank
   * `orderNumber`, reading `Corrective` (it cancels a document) — and the credit memo reads `Canceled`; the invoice the
   * credit memo had cancelled is no longer cancelled (its Cancelled Document entry is removed) and reads `Open` again.
   */
  cancelCreditMemo(memoId: string): { creditMemo: BcSimSalesCreditMemo; corrective: BcSimSalesInvoice; reopened: BcSimSalesInvoice } {
    const memo = this.creditMemos.get(memoId);
    if (!memo) throw new Error(`no sales credit memo ${memoId}`);
    if (memo.status !== 'Corrective') throw new Error(`sales credit memo ${memo.number} is ${memo.status}: only a corrective credit memo can be cancelled`);
    const original = this.byId.get(memo.invoiceId);
    if (!original) throw new Error(`sales credit memo ${memo.number} corrects no invoice the simulator holds`);
    const at = this.now().toISOString();
    const cancelled: BcSimSalesCreditMemo = { ...memo, status: 'Canceled', lastModifiedDateTime: at };
    assertBcSalesCreditMemo(cancelled);
    this.creditMemos.set(memoId, cancelled);
    const reopened = this.put({ ...original, status: 'Open', remainingAmount: original.totalAmountIncludingTax, lastModifiedDateTime: at });
    const id = randomUUID();
    this.lines.set(id, (this.lines.get(original.id) ?? []).map((l) => ({ ...l, id: randomUUID(), documentId: id })));
    const corrective = this.put({
      ...original,
      id,
      number: `PS-INV${103000 + ++this.seq}`,
      invoiceDate: at.slice(0, 10),
      postingDate: at.slice(0, 10),
      orderId: ZERO_GUID,
      orderNumber: '',
      totalAmountExcludingTax: memo.totalAmountExcludingTax,
      totalTaxAmount: memo.totalTaxAmount,
      totalAmountIncludingTax: memo.totalAmountIncludingTax,
      remainingAmount: memo.totalAmountIncludingTax,
      status: 'Corrective',
      lastModifiedDateTime: at,
    });
    const sourceOrder = this.orderOf(original);
    if (sourceOrder) this.sourceOrders.set(id, sourceOrder);
    // Codeunit 1339 copies the credit memo's lines; the extension stamps each copied line with the order the credit
    // memo line carries, so an invoice of several orders is billed again order by order.
    const memoLines = this.creditMemoLineOrders.get(memoId);
    if (memoLines) this.lineOrders.set(id, memoLines.map((l) => ({ lineNo: l.lineNo, orderNo: '', sourceOrderNo: l.sourceOrderNo, amount: l.amount, amountIncludingVat: l.amountIncludingVat })));
    return { creditMemo: cancelled, corrective, reopened };
  }

  /** The credit memo entity as GET answers it. */
  creditMemoJson(memo: BcSimSalesCreditMemo): Record<string, unknown> {
    return { '@odata.etag': `W/"${memo.lastModifiedDateTime}"`, ...memo };
  }

  /** The entity as GET answers it. */
  json(invoice: BcSimSalesInvoice, expandLines = false): Record<string, unknown> {
    const lines = expandLines ? { salesInvoiceLines: (this.lines.get(invoice.id) ?? []).map((l) => ({ '@odata.etag': `W/"${invoice.lastModifiedDateTime}"`, ...l })) } : {};
    return { '@odata.etag': `W/"${invoice.lastModifiedDateTime}"`, ...invoice, ...lines };
  }

  reset(): void {
    this.byId.clear();
    this.lines.clear();
    this.seq = 0;
    this.creditMemos.clear();
    this.creditMemoSeq = 0;
    this.sourceOrders.clear();
    this.draftSeq = 0;
    this.lineOrders.clear();
    this.creditMemoLineOrders.clear();
  }
}
