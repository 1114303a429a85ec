import { randomBytes, randomUUID } from 'node:crypto';
import { encodeCloudEvent, STRUCTURED_CONTENT_TYPE, type CloudEvent, type CloudEventMode } from './cloudevents';
import {
  SimHttpError,
  SimValidationError,
  VendorSimulator,
  asObject,
  json,
  notFound,
  oneOf,
  optionalString,
  signedAtOption,
  requiredString,
  requiredTimestamp,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
  type OutgoingWebhook,
  type WebhookDelivery,
  safeEqual,
} from './common';
import { parseJson } from './common/http';
import { seedContracts, seedOrders, invoiceAmounts, type CustomerContract, type ErpOrder } from './erp-data';
import type { ContractCheck } from '../../contracts/contract';
import { canonicalHeaders } from './signing';

export interface ErpCredentials {
  clientId: string;
  clientSecret: string;
}

export const DEFAULT_ERP_CREDENTIALS: ErpCredentials = { clientId: 'lsync-sandbox', clientSecret: 'lsync-sandbox-erp-client-secret' };

/** CloudEvent `type` values the ERP emits. Configurable because real ERPs name them their own way. */
export interface ErpEventTypes {
  orderReleased: string;
  invoicePosted: string;
  qualityHoldReleased: string;
  /** SAP S/4HANA-shaped sales order event, used by `releaseOrder(id, { flavor: 'sap' })`. */
  sapSalesOrderChanged: string;
}

export const DEFAULT_ERP_EVENT_TYPES: ErpEventTypes = {
  orderReleased: 'com.example.erp.order.released.v1',
  invoicePosted: 'com.example.erp.invoice.posted.v1',
  qualityHoldReleased: 'com.example.erp.quality-hold.released.v1',
  sapSalesOrderChanged: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
};

export interface ErpSimulatorOptions extends SimulatorOptions {
  /** Key of X-Lsync-Signature on the ERP's CloudEvents webhooks (the "cloudevents" secret). */
  cloudEventsSecret: string;
  /** OAuth2 client credentials the token endpoint accepts. @default DEFAULT_ERP_CREDENTIALS */
  credentials?: Partial<ErpCredentials>;
  /** Lifetime of access tokens. @default 3600 */
  tokenTtlSeconds?: number;
  /** Where CloudEvents go (our `/webhooks/erp/cloudevents`). @default - unset until setWebhookTarget */
  webhookUrl?: string;
  /** Delay between billing-ready and the `invoice.posted` CloudEvent. @default 500 */
  invoiceDelayMs?: number;
  /** Post the invoice automatically after billing-ready. @default true - otherwise call postInvoice() */
  autoPostInvoice?: boolean;
  eventTypes?: Partial<ErpEventTypes>;
  /** `source` of SAP-shaped events. @default '/default/sap.s4.beh/S4HCLNT100' */
  sapSource?: string;
  /** Idempotency keys are remembered this long. @default 24 h */
  idempotencyTtlMs?: number;
  /** Delivery windows of the seed orders are relative to this time. @default - the simulator's creation */
  seedTime?: Date;
}

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
  documentType: 'invoice';
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

export interface ReleaseOrderOptions {
  /** `generic` (fat event with the order) or `sap` (thin SAP S/4HANA SalesOrder.Changed event). @default 'generic' */
  flavor?: 'generic' | 'sap';
  /** CloudEvents HTTP binding mode. @default 'structured' */
  mode?: CloudEventMode;
  /** Sign with this time (e.g. in the past, to test stale signatures). @default - the send time */
  signedAt?: Date;
}

const DAY_MS = 86_400_000;

/** Service root of SAP's sales order OData V2 API (API_SALES_ORDER_SRV) on the simulated S/4HANA host. */
export const SAP_SALES_ORDER_SERVICE = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';
/** The simulated SAP BTP authorization server (XSUAA): a service key's `url` is `<simulator>/xsuaa`. */
export const XSUAA_PATH = '/xsuaa';
/** Delivery block the simulated SAP sets on an order until it is released (a customer-defined reason code). */
export const SAP_RELEASE_BLOCK = 'ZR';

/** OData V2 JSON date: `/Date(<ms>)/` (Edm.DateTime) or `/Date(<ms>+0000)/` (Edm.DateTimeOffset). */
function odataDate(iso: string, offset = false): string {
  return `/Date(${Date.parse(iso)}${offset ? '+0000' : ''})/`;
}

/** Midnight UTC of the day of `iso`, as Edm.DateTime. */
function odataDay(iso: string): string {
  return `/Date(${Date.parse(`${iso.slice(0, 10)}T00:00:00Z`)})/`;
}

/** An OData V2 string key literal `'…'` (a quote inside doubled) → its value; undefined when malformed. */
function odataStringKey(literal: string): string | undefined {
  const match = /^'((?:[^']|'')*)'$/.exec(literal);
  return match ? match[1].replaceAll("''", "'") : undefined;
}

/** SAP codes are short: a plant or shipping point has at most 4 characters. */
function sapCode(id: string, length: number): string {
  return id.replace(/[^A-Za-z0-9]/g, '').slice(0, length).toUpperCase();
}

function billingKey(orderId: string, shipmentId: string | undefined): string {
  return `${orderId}/${shipmentId ?? ''}`;
}

/** application/x-www-form-urlencoded decoding of one value (`+` is a space); undefined when malformed. */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

function daysAfter(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A generic ERP REST API (orders, customer contracts, shipment status, quality holds, billing) behind
 * OAuth2 client credentials, which posts CloudEvents back: order released, invoice posted, quality hold
 * released. See README.md for the wire details.
 */
export class ErpSimulator extends VendorSimulator {
  readonly credentials: ErpCredentials;
  readonly eventTypes: ErpEventTypes;
  private readonly tokenTtlSeconds: number;
  private readonly invoiceDelayMs: number;
  private readonly autoPostInvoice: boolean;
  private readonly seedTime: Date;
  private readonly tokens = new Map<string, number>();
  private orders = new Map<string, ErpOrder>();
  private contracts = new Map<string, CustomerContract>();
  private shipments = new Map<string, ErpShipment>();
  private holds = new Map<string, ErpQualityHold>();
  private billing = new Map<string, ErpBilling>();
  private invoices = new Map<string, ErpInvoice>();
  private holdSeq = 0;
  private invoiceSeq = 0;

  constructor(private readonly erpOptions: ErpSimulatorOptions) {
    super('erp', erpOptions);
    this.credentials = { ...DEFAULT_ERP_CREDENTIALS, ...erpOptions.credentials };
    this.eventTypes = { ...DEFAULT_ERP_EVENT_TYPES, ...erpOptions.eventTypes };
    this.tokenTtlSeconds = erpOptions.tokenTtlSeconds ?? 3600;
    this.invoiceDelayMs = erpOptions.invoiceDelayMs ?? 500;
    this.autoPostInvoice = erpOptions.autoPostInvoice ?? true;
    this.seedTime = erpOptions.seedTime ?? this.now();
    this.declareWebhookDialects({ cloudevents: erpOptions.webhookUrl });
    this.useIdempotency({
      ttlMs: erpOptions.idempotencyTtlMs ?? DAY_MS,
      hitHeaders: { 'idempotent-replayed': 'true' },
      mismatch: () => this.errorResponse(422, 'idempotency_key_reused', 'Idempotency-Key was already used with a different request'),
      inFlight: () => this.errorResponse(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed'),
    });
    this.resetState();
    // Held to the vendor contracts: our generic ERP API (contracts/generic-erp), SAP's OData service and its
    // XSUAA token endpoint (contracts/sap-s4hana), and every CloudEvent it sends (contracts/cloudevents).
    this.enforceContract('generic-erp');
    this.enforceContract('sap-s4hana', { pathPrefix: SAP_SALES_ORDER_SERVICE });
    this.enforceContract('sap-s4hana', { pathPrefix: XSUAA_PATH });
    this.enforceContract('cloudevents', { requests: false, everyWebhookAs: 'CloudEvent', dialect: 'cloudevents' });

    this.route('POST', '/oauth/token', (req) => this.issueToken(req), { auth: false });
    this.route('POST', `${XSUAA_PATH}/oauth/token`, (req) => this.issueToken(req, 'xsuaa'), { auth: false });
    this.route('GET', `${SAP_SALES_ORDER_SERVICE}/A_SalesOrder(:key)`, (req) => this.sapSalesOrder(req));
    this.route('GET', '/orders/:orderId', (req) => json(200, this.order(req.params.orderId)));
    this.route('GET', '/customers/:customerId/contract', (req) => json(200, this.contract(req.params.customerId)));
    this.route('PUT', '/shipments/:shipmentId/status', (req) => this.updateShipmentStatus(req), { idempotent: true });
    this.route('GET', '/shipments/:shipmentId', (req) => json(200, this.shipment(req.params.shipmentId)));
    this.route('POST', '/quality-holds', (req) => this.placeHold(req), { idempotent: true });
    this.route('GET', '/quality-holds', (req) => json(200, { holds: [...this.holds.values()].filter((h) => !req.query.get('orderId') || h.orderId === req.query.get('orderId')) }));
    this.route('GET', '/quality-holds/:holdId', (req) => json(200, this.hold(req.params.holdId)));
    this.route('DELETE', '/quality-holds/:holdId', (req) => json(200, this.releaseHold(req.params.holdId, 'api')), { idempotent: true });
    this.route('POST', '/quality-holds/:holdId/release', (req) => json(200, this.releaseHold(req.params.holdId, 'api')), { idempotent: true });
    this.route('DELETE', '/quality-holds/:holdId/release', (req) => json(200, this.releaseHold(req.params.holdId, 'api')), { idempotent: true });
    this.route('POST', '/orders/:orderId/billing-ready', (req) => this.markBillingReady(req), { idempotent: true });
    this.route('GET', '/invoices/:invoiceId', (req) => json(200, this.invoice(req.params.invoiceId)));

    this.action('releaseOrder', (args) =>
      this.releaseOrder(requiredString(args, 'orderId'), {
        ...(args.flavor !== undefined ? { flavor: oneOf(args, 'flavor', ['generic', 'sap'] as const) } : {}),
        ...(args.mode !== undefined ? { mode: oneOf(args, 'mode', ['structured', 'binary'] as const) } : {}),
        ...signedAtOption(args),
      }),
    );
    this.action('releaseQualityHold', (args) => this.releaseQualityHold(requiredString(args, 'holdId'), signedAtOption(args)));
    this.action('postInvoice', (args) => this.postInvoice(requiredString(args, 'orderId'), optionalString(args, 'shipmentId')));
    this.action('expireTokens', () => ({ expired: this.expireTokens() }));
  }

  // ------------------------------------------------------------ vendor-side actions

  /**
   * The ERP releases an order: sends `order.released` as a CloudEvent to our CloudEvents endpoint,
   * generic (fat, with the order) or SAP-shaped (thin: `{"SalesOrder": ...}`).
   */
  releaseOrder(orderId: string, options: ReleaseOrderOptions = {}): Promise<WebhookDelivery> {
    const order = this.order(orderId);
    const time = this.now().toISOString();
    order.status = 'released';
    order.releasedAt = time;
    const event: CloudEvent =
      options.flavor === 'sap'
        ? {
            specversion: '1.0',
            type: this.eventTypes.sapSalesOrderChanged,
            source: this.erpOptions.sapSource ?? '/default/sap.s4.beh/S4HCLNT100',
            id: randomUUID().toUpperCase(),
            time,
            datacontenttype: 'application/json',
            // Thin event as SAP sends it: keys only; consumers read the order back through the API.
            data: { SalesOrder: order.orderId, EventRaisedDateTime: time, SalesOrderType: 'OR', SalesOrganization: '1010', DistributionChannel: '10', OrganizationDivision: '00', SoldToParty: order.customerId },
          }
        : {
            specversion: '1.0',
            type: this.eventTypes.orderReleased,
            source: '/erp/orders',
            id: randomUUID(),
            time,
            subject: order.orderId,
            datacontenttype: 'application/json',
            data: structuredClone(order),
          };
    return this.sendCloudEvent(event, options);
  }

  /** A quality manager releases a hold inside the ERP; the ERP announces it as a CloudEvent. */
  releaseQualityHold(holdId: string, options: { signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const hold = this.releaseHold(holdId, 'erp-user');
    return this.sendCloudEvent(
      {
        specversion: '1.0',
        type: this.eventTypes.qualityHoldReleased,
        source: '/erp/quality',
        id: randomUUID(),
        time: hold.releasedAt ?? this.now().toISOString(),
        subject: hold.holdId,
        datacontenttype: 'application/json',
        data: { holdId: hold.holdId, orderId: hold.orderId, shipmentId: hold.shipmentId, reason: hold.reason, releasedAt: hold.releasedAt, releasedBy: hold.releasedBy },
      },
      options,
    );
  }

  /** Posts the invoice for a billing-ready shipment now and sends `invoice.posted`. */
  postInvoice(orderId: string, shipmentId?: string): Promise<WebhookDelivery> {
    const billing = this.billing.get(billingKey(orderId, shipmentId));
    if (!billing) throw notFound(`order ${orderId}${shipmentId ? ` shipment ${shipmentId}` : ''} is not billing-ready`);
    const order = this.order(orderId);
    let invoice = billing.invoiceId ? this.invoices.get(billing.invoiceId) : undefined;
    if (!invoice) {
      const contract = this.contracts.get(order.customerId);
      const postedAt = this.now().toISOString();
      const amounts = invoiceAmounts(order, contract?.taxRatePercent ?? 0);
      invoice = {
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
    }
    return this.sendCloudEvent({
      specversion: '1.0',
      type: this.eventTypes.invoicePosted,
      source: '/erp/billing',
      id: randomUUID(),
      time: invoice.postedAt,
      subject: invoice.invoiceId,
      datacontenttype: 'application/json',
      data: structuredClone(invoice),
    });
  }

  /** Invalidates every access token (clients must fetch a new one). Returns how many were dropped. */
  expireTokens(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }

  snapshot(): unknown {
    return {
      orders: [...this.orders.values()],
      contracts: [...this.contracts.values()],
      shipments: [...this.shipments.values()],
      qualityHolds: [...this.holds.values()],
      billing: [...this.billing.values()],
      invoices: [...this.invoices.values()],
    };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.orders = new Map(seedOrders(this.seedTime).map((o) => [o.orderId, o]));
    this.contracts = new Map(seedContracts().map((c) => [c.customerId, c]));
    this.shipments.clear();
    this.holds.clear();
    this.billing.clear();
    this.invoices.clear();
    this.tokens.clear();
    this.holdSeq = 0;
    this.invoiceSeq = 0;
  }

  protected authenticate(req: SimRequest): SimResponse | undefined {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const expiresAt = match ? this.tokens.get(match[1]) : undefined;
    if (expiresAt !== undefined && expiresAt > this.now().getTime()) return undefined;
    const error = match ? 'invalid_token' : 'invalid_request';
    const headers = { 'www-authenticate': `Bearer realm="erp", error="${error}"` };
    const message = match ? 'The access token is invalid or expired' : 'Bearer token required';
    if (req.path.startsWith(`${SAP_SALES_ORDER_SERVICE}/`)) return this.odataError(401, '/IWFND/CM_CONSUMER/401', message, headers);
    return this.errorResponse(401, error, message, headers);
  }

  /** A request outside SAP's contract gets SAP Gateway's OData error body; others the generic ERP's. */
  protected override contractViolation(check: ContractCheck, req?: SimRequest): SimResponse {
    if (req?.path.startsWith(`${SAP_SALES_ORDER_SERVICE}/`)) return this.odataError(400, '/IWBEP/CM_MGW_RT/004', `Invalid request: ${check.errors.join('; ')}`);
    if (check.operationId === 'requestToken') {
      // RFC 6749 §5.2 error body at both token endpoints.
      const grant = req && new URLSearchParams(req.rawBody).get('grant_type');
      const error = grant && grant !== 'client_credentials' ? 'unsupported_grant_type' : 'invalid_request';
      return json(400, { error, error_description: check.errors.join('; ') }, { 'cache-control': 'no-store' });
    }
    return super.contractViolation(check, req);
  }

  /** Webhooks are checked as structured CloudEvents, also when sent in binary mode (ce-* headers + data). */
  protected override webhookPayload(webhook: Omit<OutgoingWebhook, 'url'>): unknown {
    const data = parseJson(webhook.body);
    if (webhook.contentType === STRUCTURED_CONTENT_TYPE) return data;
    const event: Record<string, unknown> = { datacontenttype: webhook.contentType, data };
    for (const [name, value] of Object.entries(webhook.headers ?? {})) if (name.startsWith('ce-')) event[name.slice(3)] = value;
    return event;
  }

  /** OData V2 JSON error body (SAP Gateway): `{"error":{"code","message":{"lang","value"}}}`. */
  private odataError(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
    return json(status, { error: { code, message: { lang: 'en', value: message } } }, headers);
  }

  protected errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
    return json(status, { error: { code, message } }, headers);
  }

  // ------------------------------------------------------------ API handlers

  private issueToken(req: SimRequest, flavor: 'erp' | 'xsuaa' = 'erp'): SimResponse {
    const oauthError = (status: number, error: string, description: string, headers?: Record<string, string>): SimResponse =>
      json(status, { error, error_description: description }, { 'cache-control': 'no-store', ...headers });
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(req.rawBody);
    if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // RFC 6749 §2.3.1: id and secret are application/x-www-form-urlencoded (Appendix B) before Basic encoding.
      clientId = formDecode(decoded.slice(0, colon));
      clientSecret = formDecode(decoded.slice(colon + 1));
    }
    if (!clientId || !clientSecret || !safeEqual(clientId, this.credentials.clientId) || !safeEqual(clientSecret, this.credentials.clientSecret)) {
      return oauthError(401, 'invalid_client', 'Client authentication failed', basic ? { 'www-authenticate': 'Basic realm="erp"' } : undefined);
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, this.now().getTime() + this.tokenTtlSeconds * 1000);
    // XSUAA answers token_type "bearer" and a jti; tokens from either endpoint are good for every API here.
    const body = flavor === 'xsuaa' ? { access_token: token, token_type: 'bearer', expires_in: this.tokenTtlSeconds, scope: 'uaa.resource', jti: randomUUID().replaceAll('-', '') } : { access_token: token, token_type: 'Bearer', expires_in: this.tokenTtlSeconds };
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  /**
   * `GET …/API_SALES_ORDER_SRV/A_SalesOrder('<id>')`: the order as SAP's OData V2 service answers it (`d`
   * envelope, decimals as strings, `/Date(ms)/` dates, `$expand=to_Item,to_Partner` honoured, deferred
   * navigation otherwise). An order not yet released carries delivery block ZR; a billed one is completely
   * processed. JSON only (Accept: application/json or $format=json); 404 in SAP's OData error body.
   */
  private sapSalesOrder(req: SimRequest): SimResponse {
    const key = odataStringKey(req.params.key);
    if (key === undefined) return this.odataError(400, '/IWBEP/CM_MGW_RT/004', `Invalid key predicate (${req.params.key.slice(0, 40)}): A_SalesOrder('<SalesOrder>') expected`);
    const wantsJson = req.query.get('$format') === 'json' || (req.headers.accept ?? '').includes('application/json');
    if (!wantsJson) return this.odataError(406, '/IWBEP/CM_MGW_RT/006', 'The simulator answers JSON only: send Accept: application/json or $format=json');
    const order = this.orders.get(key);
    if (!order) return this.odataError(404, '/IWBEP/CM_MGW_RT/020', "Resource not found for segment 'A_SalesOrderType'");
    const expand = new Set((req.query.get('$expand') ?? '').split(',').filter(Boolean));
    return json(200, { d: this.toSapSalesOrder(order, expand, `${this.url}${SAP_SALES_ORDER_SERVICE}`) }, { 'dataserviceversion': '2.0' });
  }

  /** The order as an A_SalesOrder entity (the properties the contract lists, and the YY1 custom fields of a cold-chain tenant). */
  private toSapSalesOrder(order: ErpOrder, expand: ReadonlySet<string>, root: string): Record<string, unknown> {
    const uri = `${root}/A_SalesOrder('${order.orderId}')`;
    const completed = order.status === 'billing-ready' || order.status === 'invoiced';
    const net = invoiceAmounts(order, 0).netAmount;
    const shippingPoint = sapCode(order.shipFrom.locationId, 4);
    const items = order.lines.map((line) => ({
      __metadata: { id: `${root}/A_SalesOrderItem(SalesOrder='${order.orderId}',SalesOrderItem='${line.lineNumber}')`, uri: `${root}/A_SalesOrderItem(SalesOrder='${order.orderId}',SalesOrderItem='${line.lineNumber}')`, type: 'API_SALES_ORDER_SRV.A_SalesOrderItemType' },
      SalesOrder: order.orderId,
      SalesOrderItem: String(line.lineNumber),
      SalesOrderItemText: line.product.description.slice(0, 40),
      Material: line.product.sku,
      RequestedQuantity: String(line.quantity),
      RequestedQuantityUnit: line.unit.slice(0, 3),
      RequestedQuantityISOUnit: line.unit.slice(0, 3),
      ItemGrossWeight: line.grossWeightKg.toFixed(3),
      ItemWeightUnit: 'KG',
      ProductionPlant: '1010',
      ShippingPoint: shippingPoint,
    }));
    const partner = (fn: string, customer: string) => ({
      __metadata: { id: `${root}/A_SalesOrderHeaderPartner(SalesOrder='${order.orderId}',PartnerFunction='${fn}')`, uri: `${root}/A_SalesOrderHeaderPartner(SalesOrder='${order.orderId}',PartnerFunction='${fn}')`, type: 'API_SALES_ORDER_SRV.A_SalesOrderHeaderPartnerType' },
      SalesOrder: order.orderId,
      PartnerFunction: fn,
      Customer: customer,
      Supplier: '',
      Personnel: '',
      ContactPerson: '',
    });
    const range = order.temperatureRange;
    return {
      __metadata: { id: uri, uri, type: 'API_SALES_ORDER_SRV.A_SalesOrderType' },
      SalesOrder: order.orderId,
      SalesOrderType: 'OR',
      SalesOrganization: '1010',
      DistributionChannel: '10',
      OrganizationDivision: '00',
      SoldToParty: order.customerId,
      CreationDate: odataDay(order.createdAt),
      LastChangeDateTime: odataDate(order.releasedAt ?? order.createdAt, true),
      RequestedDeliveryDate: odataDay(order.requestedDeliveryWindow.from),
      TotalNetAmount: net,
      TransactionCurrency: order.currency,
      DeliveryBlockReason: order.status === 'open' ? SAP_RELEASE_BLOCK : '',
      OverallSDProcessStatus: completed ? 'C' : 'A',
      TotalCreditCheckStatus: 'A',
      OverallTotalDeliveryStatus: completed ? 'C' : '',
      OverallSDDocumentRejectionSts: 'A',
      YY1_TemperatureMin_SDH: range ? range.minCelsius.toFixed(1) : null,
      YY1_TemperatureMax_SDH: range ? range.maxCelsius.toFixed(1) : null,
      YY1_DeliveryWindowStart_SDH: odataDate(order.requestedDeliveryWindow.from, true),
      YY1_DeliveryWindowEnd_SDH: odataDate(order.requestedDeliveryWindow.to, true),
      YY1_FleetVehicle_SDH: order.assignment?.vehicleId ?? '',
      YY1_FleetTrailer_SDH: order.assignment?.trailerId ?? '',
      YY1_FleetDriver_SDH: order.assignment?.driverId ?? '',
      to_Item: expand.has('to_Item') ? { results: items } : { __deferred: { uri: `${uri}/to_Item` } },
      // The customer receives at its own address: ship-to (WE) is the sold-to party (AG).
      to_Partner: expand.has('to_Partner') ? { results: [partner('AG', order.customerId), partner('WE', order.customerId)] } : { __deferred: { uri: `${uri}/to_Partner` } },
    };
  }

  private order(orderId: string): ErpOrder {
    const order = this.orders.get(orderId);
    if (!order) throw notFound(`Order ${orderId} not found`);
    return order;
  }

  private contract(customerId: string): CustomerContract {
    const contract = this.contracts.get(customerId);
    if (!contract) throw notFound(`No contract for customer ${customerId}`);
    return contract;
  }

  private shipment(shipmentId: string): ErpShipment {
    const shipment = this.shipments.get(shipmentId);
    if (!shipment) throw notFound(`Shipment ${shipmentId} not found`);
    return shipment;
  }

  private hold(holdId: string): ErpQualityHold {
    const hold = this.holds.get(holdId);
    if (!hold) throw notFound(`Quality hold ${holdId} not found`);
    return hold;
  }

  private invoice(invoiceId: string): ErpInvoice {
    const invoice = this.invoices.get(invoiceId);
    if (!invoice) throw notFound(`Invoice ${invoiceId} not found`);
    return invoice;
  }

  private knownOrder(orderId: string): ErpOrder {
    const order = this.orders.get(orderId);
    if (!order) throw new SimHttpError(422, 'unknown_order', `orderId ${orderId} is not a known order`);
    return order;
  }

  /** The ERP accepts any transition: keeping milestones monotonic is the integration's job. */
  private updateShipmentStatus(req: SimRequest): SimResponse {
    const body = asObject(req.body, 'body');
    const status = oneOf(body, 'status', SHIPMENT_STATUSES);
    const occurredAt = requiredTimestamp(body, 'occurredAt');
    const eventId = requiredString(body, 'eventId');
    const reason = optionalString(body, 'reason');
    const existing = this.shipments.get(req.params.shipmentId);
    // orderId may be left out for a shipment the ERP already knows.
    const orderId = optionalString(body, 'orderId') ?? existing?.orderId;
    if (!orderId) throw new SimHttpError(422, 'unknown_order', `orderId is required for shipment ${req.params.shipmentId}, which the ERP does not know yet`);
    this.knownOrder(orderId);
    if (existing && existing.orderId !== orderId) {
      throw new SimHttpError(409, 'order_mismatch', `shipment ${existing.shipmentId} belongs to order ${existing.orderId}, not ${orderId}`);
    }
    const receivedAt = this.now().toISOString();
    const shipment: ErpShipment = existing ?? { shipmentId: req.params.shipmentId, orderId, status, occurredAt, eventId, updatedAt: receivedAt, version: 0, history: [] };
    Object.assign(shipment, { status, occurredAt, eventId, updatedAt: receivedAt, version: shipment.version + 1 });
    shipment.history.push({ status, orderId, occurredAt, eventId, receivedAt, ...(reason ? { reason } : {}) });
    this.shipments.set(shipment.shipmentId, shipment);
    const { history: _history, ...view } = shipment;
    return json(200, view);
  }

  private placeHold(req: SimRequest): SimResponse {
    const body = asObject(req.body, 'body');
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
    return json(201, hold, { location: `/quality-holds/${hold.holdId}` });
  }

  /** Releasing a released hold answers with its current state (naturally idempotent). */
  private releaseHold(holdId: string, by: 'api' | 'erp-user'): ErpQualityHold {
    const hold = this.hold(holdId);
    if (hold.status === 'active') Object.assign(hold, { status: 'released', releasedAt: this.now().toISOString(), releasedBy: by });
    return hold;
  }

  /**
   * Marks a delivered shipment billing-ready (202) and schedules the invoice. A repeat for the same
   * order and shipment answers 200 with the existing billing record and posts no second invoice.
   */
  private markBillingReady(req: SimRequest): SimResponse {
    const order = this.order(req.params.orderId);
    const body = asObject(req.body, 'body');
    const shipmentId = optionalString(body, 'shipmentId');
    const podDocumentId = optionalString(body, 'podDocumentId');
    const deliveredAt = requiredTimestamp(body, 'deliveredAt');
    const key = billingKey(order.orderId, shipmentId);
    const existing = this.billing.get(key);
    if (existing) {
      req.record.note = 'billing already ready for this order and shipment; no second invoice';
      return json(200, { ...existing, billingStatus: existing.status });
    }
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
    if (this.autoPostInvoice) {
      this.later(this.invoiceDelayMs, async () => {
        try {
          await this.postInvoice(billing.orderId, billing.shipmentId);
        } catch (error) {
          this.log('invoice.posted not sent', { system: this.system, orderId: billing.orderId, error: error instanceof Error ? error.message : String(error) });
        }
      });
    }
    return json(202, { ...billing, billingStatus: billing.status });
  }

  private sendCloudEvent(event: CloudEvent, options: { mode?: CloudEventMode; signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const encoded = encodeCloudEvent(event, options.mode ?? 'structured');
    const secret = this.erpOptions.cloudEventsSecret;
    return this.emit({
      dialect: 'cloudevents',
      eventType: event.type,
      eventId: event.id,
      body: encoded.body,
      contentType: encoded.contentType,
      headers: encoded.headers,
      sign: (body, at) => canonicalHeaders(secret, body, at),
      ...(options.signedAt ? { signedAt: options.signedAt } : {}),
    });
  }
}
