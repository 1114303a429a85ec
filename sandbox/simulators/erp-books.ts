import { SimHttpError, SimValidationError, asObject, notFound, oneOf, optionalString, requiredString, requiredTimestamp } from './common';
import { invoiceAmounts, orderLike, seedContracts, seedOrders, type CustomerContract, type ErpOrder, type NewOrderInput } from './erp-data';

/**
 * The generic ERP's books behind its REST API: orders and customer contracts (seeded, erp-data.ts), shipment
 * statuses, quality holds, billing and invoices, with the rules the simulated ERP applies (README.md).
 */

const DAY_MS = 86_400_000;

export const SHIPMENT_STATUSES = ['dispatched', 'in-transit', 'arrived', 'delivered', 'exception'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface ErpShipmentStatusUpdate {
  status: ShipmentStatus;
  orderId: string;
  occurredAt: string;
  eventId: string;
  receivedAt: string;
  /** Free text sent with an `exception` status, if any. */
  reason?: string;
}

export interface ErpShipment {
  shipmentId: string;
  orderId: string;
  status: ShipmentStatus;
  occurredAt: string;
  eventId: string;
  updatedAt: string;
  version: number;
  history: ErpShipmentStatusUpdate[];
}

export interface ErpQualityHold {
  holdId: string;
  orderId: string;
  /** Absent when the hold covers the whole order. */
  shipmentId?: string;
  reason: string;
  /** Free text as the caller classifies it (e.g. critical, major); a generic ERP has no fixed list we know of. */
  severity: string;
  status: 'active' | 'released';
  placedAt: string;
  releasedAt?: string;
  releasedBy?: 'api' | 'erp-user';
}

export interface ErpBilling {
  orderId: string;
  shipmentId?: string;
  podDocumentId?: string;
  deliveredAt: string;
  readyAt: string;
  status: 'billing-ready' | 'invoiced';
  invoiceId?: string;
}

export interface ErpInvoice {
  invoiceId: string;
  orderId: string;
  shipmentId?: string;
  customerId: string;
  /** A credit memo cancels the invoice it names in `correctsInvoiceId` (contracts/generic-erp/openapi.json, Invoice). */
  documentType: 'invoice' | 'credit-memo';
  correctsInvoiceId?: string;
  currency: string;
  netAmount: string;
  taxAmount: string;
  grossAmount: string;
  /** Same as grossAmount: the amount due. */
  amount: string;
  dueDate: string;
  paymentTermsCode: string;
  postedAt: string;
}

function billingKey(orderId: string, shipmentId: string | undefined): string {
  return `${orderId}/${shipmentId ?? ''}`;
}

function daysAfter(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString().slice(0, 10);
}

export class ErpBooks {
  private orderBook = new Map<string, ErpOrder>();
  private contracts = new Map<string, CustomerContract>();
  private readonly shipments = new Map<string, ErpShipment>();
  private readonly holds = new Map<string, ErpQualityHold>();
  private readonly billing = new Map<string, ErpBilling>();
  private readonly invoices = new Map<string, ErpInvoice>();
  private holdSeq = 0;
  private invoiceSeq = 0;
  private seedTime = new Date(0);
  private seedIds = new Set<string>();

  constructor(private readonly now: () => Date) {}

  /** Back to the seed: the seed orders (delivery windows relative to `seedTime`) and contracts, nothing else. */
  reset(seedTime: Date): void {
    this.seedTime = seedTime;
    this.orderBook = new Map(seedOrders(seedTime).map((o) => [o.orderId, o]));
    this.seedIds = new Set(this.orderBook.keys());
    this.contracts = new Map(seedContracts().map((c) => [c.customerId, c]));
    this.shipments.clear();
    this.holds.clear();
    this.billing.clear();
    this.invoices.clear();
    this.holdSeq = 0;
    this.invoiceSeq = 0;
  }

  /** Every order, by id. */
  get orders(): ReadonlyMap<string, ErpOrder> {
    return this.orderBook;
  }

  order(orderId: string): ErpOrder {
    const order = this.orderBook.get(orderId);
    if (!order) throw notFound(`Order ${orderId} not found`);
    return order;
  }

  /** Enters a new open order modelled on a seed order (erp-data.ts `orderLike`); an id already in the books is refused. */
  createOrder(input: NewOrderInput): ErpOrder {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(input.orderId)) throw new SimValidationError(`orderId must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(input.orderId)}`);
    if (this.orderBook.has(input.orderId)) throw new SimHttpError(409, 'order_exists', `order ${input.orderId} already exists`);
    const seed = this.seedIds.has(input.likeOrderId) ? this.orderBook.get(input.likeOrderId) : undefined;
    if (!seed) throw new SimValidationError(`likeOrderId must be one of ${[...this.seedIds].join(', ')}, got ${JSON.stringify(input.likeOrderId)}`);
    const order = orderLike(seed, input, this.seedTime, this.now());
    this.orderBook.set(order.orderId, order);
    return order;
  }

  contract(customerId: string): CustomerContract {
    const contract = this.contracts.get(customerId);
    if (!contract) throw notFound(`No contract for customer ${customerId}`);
    return contract;
  }

  shipment(shipmentId: string): ErpShipment {
    const shipment = this.shipments.get(shipmentId);
    if (!shipment) throw notFound(`Shipment ${shipmentId} not found`);
    return shipment;
  }

  hold(holdId: string): ErpQualityHold {
    const hold = this.holds.get(holdId);
    if (!hold) throw notFound(`Quality hold ${holdId} not found`);
    return hold;
  }

  /** Quality holds, of one order or all. */
  holdsOf(orderId: string | null): ErpQualityHold[] {
    return [...this.holds.values()].filter((h) => !orderId || h.orderId === orderId);
  }

  invoice(invoiceId: string): ErpInvoice {
    const invoice = this.invoices.get(invoiceId);
    if (!invoice) throw notFound(`Invoice ${invoiceId} not found`);
    return invoice;
  }

  private knownOrder(orderId: string): ErpOrder {
    const order = this.orderBook.get(orderId);
    if (!order) throw new SimHttpError(422, 'unknown_order', `orderId ${orderId} is not a known order`);
    return order;
  }

  /** `PUT /shipments/{shipmentId}/status`. The ERP accepts any transition: keeping milestones monotonic is the integration's job. */
  updateShipmentStatus(shipmentId: string, input: unknown): Omit<ErpShipment, 'history'> {
    const body = asObject(input, 'body');
    const status = oneOf(body, 'status', SHIPMENT_STATUSES);
    const occurredAt = requiredTimestamp(body, 'occurredAt');
    const eventId = requiredString(body, 'eventId');
    const reason = optionalString(body, 'reason');
    const existing = this.shipments.get(shipmentId);
    // orderId may be left out for a shipment the ERP already knows.
    const orderId = optionalString(body, 'orderId') ?? existing?.orderId;
    if (!orderId) throw new SimHttpError(422, 'unknown_order', `orderId is required for shipment ${shipmentId}, which the ERP does not know yet`);
    this.knownOrder(orderId);
    if (existing && existing.orderId !== orderId) {
      throw new SimHttpError(409, 'order_mismatch', `shipment ${existing.shipmentId} belongs to order ${existing.orderId}, not ${orderId}`);
    }
    const receivedAt = this.now().toISOString();
    const shipment: ErpShipment = existing ?? { shipmentId, orderId, status, occurredAt, eventId, updatedAt: receivedAt, version: 0, history: [] };
    Object.assign(shipment, { status, occurredAt, eventId, updatedAt: receivedAt, version: shipment.version + 1 });
    shipment.history.push({ status, orderId, occurredAt, eventId, receivedAt, ...(reason ? { reason } : {}) });
    this.shipments.set(shipment.shipmentId, shipment);
    const { history: _history, ...view } = shipment;
    return view;
  }

  /** `POST /quality-holds`: severity is free text (at most 32 characters); without `shipmentId` the hold covers the order. */
  placeHold(input: unknown): ErpQualityHold {
    const body = asObject(input, 'body');
    const orderId = requiredString(body, 'orderId');
    const shipmentId = optionalString(body, 'shipmentId');
    const reason = requiredString(body, 'reason');
    const severity = requiredString(body, 'severity');
    if (severity.length > 32) throw new SimValidationError(`severity must be at most 32 characters, got ${severity.length}`);
    this.knownOrder(orderId);
    const hold: ErpQualityHold = {
      holdId: `QH-${String(++this.holdSeq).padStart(6, '0')}`,
      orderId,
      ...(shipmentId ? { shipmentId } : {}),
      reason,
      severity,
      status: 'active',
      placedAt: this.now().toISOString(),
    };
    this.holds.set(hold.holdId, hold);
    return hold;
  }

  /** Releasing a released hold answers with its current state (naturally idempotent). */
  releaseHold(holdId: string, by: 'api' | 'erp-user'): ErpQualityHold {
    const hold = this.hold(holdId);
    if (hold.status === 'active') Object.assign(hold, { status: 'released', releasedAt: this.now().toISOString(), releasedBy: by });
    return hold;
  }

  /**
   * `POST /orders/{orderId}/billing-ready`: marks a delivered shipment billing-ready. A repeat for the same order
   * and shipment finds the existing billing record (`repeated`): no second invoice.
   */
  markBillingReady(orderId: string, input: unknown): { billing: ErpBilling; repeated: boolean } {
    const order = this.order(orderId);
    const body = asObject(input, 'body');
    const shipmentId = optionalString(body, 'shipmentId');
    const podDocumentId = optionalString(body, 'podDocumentId');
    const deliveredAt = requiredTimestamp(body, 'deliveredAt');
    const key = billingKey(order.orderId, shipmentId);
    const existing = this.billing.get(key);
    if (existing) return { billing: existing, repeated: true };
    const billing: ErpBilling = {
      orderId: order.orderId,
      ...(shipmentId ? { shipmentId } : {}),
      ...(podDocumentId ? { podDocumentId } : {}),
      deliveredAt,
      readyAt: this.now().toISOString(),
      status: 'billing-ready',
    };
    this.billing.set(key, billing);
    order.status = 'billing-ready';
    return { billing, repeated: false };
  }

  /** The invoice of a billing-ready shipment, posted now unless it already was (net, VAT from the customer's contract, gross due in 30 days). */
  postInvoice(orderId: string, shipmentId?: string): ErpInvoice {
    const billing = this.billing.get(billingKey(orderId, shipmentId));
    if (!billing) throw notFound(`order ${orderId}${shipmentId ? ` shipment ${shipmentId}` : ''} is not billing-ready`);
    const order = this.order(orderId);
    const existing = billing.invoiceId ? this.invoices.get(billing.invoiceId) : undefined;
    if (existing) return existing;
    const contract = this.contracts.get(order.customerId);
    const postedAt = this.now().toISOString();
    const amounts = invoiceAmounts(order, contract?.taxRatePercent ?? 0);
    const invoice: ErpInvoice = {
      invoiceId: `INV-${90000 + ++this.invoiceSeq}`,
      orderId,
      ...(shipmentId ? { shipmentId } : {}),
      customerId: order.customerId,
      documentType: 'invoice',
      currency: order.currency,
      ...amounts,
      amount: amounts.grossAmount,
      dueDate: daysAfter(postedAt, 30),
      paymentTermsCode: contract?.paymentTermsCode ?? 'NT30',
      postedAt,
    };
    this.invoices.set(invoice.invoiceId, invoice);
    billing.status = 'invoiced';
    billing.invoiceId = invoice.invoiceId;
    order.status = 'invoiced';
    return invoice;
  }

  /**
   * A user cancels a posted invoice: the ERP posts a credit memo for its whole amount naming it
   * (`correctsInvoiceId`), and the shipment is billing-ready again, to be invoiced anew.
   */
  cancelInvoice(invoiceId: string): ErpInvoice {
    const invoice = this.invoice(invoiceId);
    if (invoice.documentType !== 'invoice') throw new SimValidationError(`${invoiceId} is a credit memo, not an invoice`);
    const billing = this.billing.get(billingKey(invoice.orderId, invoice.shipmentId));
    const memo: ErpInvoice = { ...invoice, invoiceId: `CM-${90000 + ++this.invoiceSeq}`, documentType: 'credit-memo', correctsInvoiceId: invoiceId, postedAt: this.now().toISOString() };
    this.invoices.set(memo.invoiceId, memo);
    if (billing?.invoiceId === invoiceId) {
      billing.status = 'billing-ready';
      delete billing.invoiceId;
    }
    return memo;
  }

  snapshot(): unknown {
    return {
      orders: [...this.orderBook.values()],
      contracts: [...this.contracts.values()],
      shipments: [...this.shipments.values()],
      qualityHolds: [...this.holds.values()],
      billing: [...this.billing.values()],
      invoices: [...this.invoices.values()],
    };
  }
}
