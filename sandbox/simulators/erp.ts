import type { CloudEvent, CloudEventMode } from './cloudevents';
import {
  VendorSimulator,
  asObject,
  json,
  oneOf,
  optionalString,
  signedAtOption,
  requiredString,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
  type OutgoingWebhook,
  type WebhookDelivery,
} from './common';
import type { ContractCheck } from '../../contracts/contract';
import { ErpBooks } from './erp-books';
import type { ErpAssignment, ErpOrder, NewOrderInput } from './erp-data';
import { cloudEventWebhook, DEFAULT_ERP_EVENT_TYPES, DEFAULT_SAP_SOURCE, invoicePostedEvent, orderReleasedEvent, qualityHoldReleasedEvent, structuredCloudEvent, type ErpEventTypes } from './erp-events';
import { ErpTokens, XSUAA_PATH } from './erp-oauth';
import { odataError, SAP_SALES_ORDER_SERVICE, sapSalesOrder } from './erp-sap';

export interface ErpCredentials {
  clientId: string;
  clientSecret: string;
}

export const DEFAULT_ERP_CREDENTIALS: ErpCredentials = { clientId: 'lsync-sandbox', clientSecret: 'lsync-sandbox-erp-client-secret' };

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

export interface ReleaseOrderOptions {
  /** `generic` (fat event with the order) or `sap` (thin SAP S/4HANA SalesOrder.Changed event). @default 'generic' */
  flavor?: 'generic' | 'sap';
  /** CloudEvents HTTP binding mode. @default 'structured' */
  mode?: CloudEventMode;
  /** Sign with this time (e.g. in the past, to test stale signatures). @default - the send time */
  signedAt?: Date;
}

const DAY_MS = 86_400_000;

/** `assignment` of the createOrder action: planned vehicle, trailer and driver as fleet external ids. */
function assignmentArg(args: Record<string, unknown>): { assignment?: ErpAssignment } {
  if (args.assignment === undefined) return {};
  const raw = asObject(args.assignment, 'assignment');
  const assignment: ErpAssignment = {};
  for (const key of ['vehicleId', 'trailerId', 'driverId'] as const) {
    const value = optionalString(raw, key);
    if (value !== undefined) assignment[key] = value;
  }
  return { assignment };
}

/**
 * A generic ERP REST API (orders, customer contracts, shipment status, quality holds, billing: erp-books.ts)
 * behind OAuth2 client credentials (erp-oauth.ts), with SAP S/4HANA's sales order OData service (erp-sap.ts),
 * which posts CloudEvents back (erp-events.ts): order released, invoice posted, quality hold released. See
 * README.md for the wire details.
 */
export class ErpSimulator extends VendorSimulator {
  readonly credentials: ErpCredentials;
  readonly eventTypes: ErpEventTypes;
  private readonly invoiceDelayMs: number;
  private readonly autoPostInvoice: boolean;
  private readonly seedTime: Date;
  private readonly tokens: ErpTokens;
  private readonly books: ErpBooks;

  constructor(private readonly erpOptions: ErpSimulatorOptions) {
    super('erp', erpOptions);
    this.credentials = { ...DEFAULT_ERP_CREDENTIALS, ...erpOptions.credentials };
    this.eventTypes = { ...DEFAULT_ERP_EVENT_TYPES, ...erpOptions.eventTypes };
    this.tokens = new ErpTokens(this.credentials, erpOptions.tokenTtlSeconds ?? 3600, this.now);
    this.books = new ErpBooks(this.now);
    this.invoiceDelayMs = erpOptions.invoiceDelayMs ?? 500;
    this.autoPostInvoice = erpOptions.autoPostInvoice ?? true;
    this.seedTime = erpOptions.seedTime ?? this.now();
    // Business Central is simulated on its own (business-central.ts); its route is declared so a target can be set.
    this.declareWebhookDialects({ cloudevents: erpOptions.webhookUrl, 'business-central': undefined });
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

    const books = this.books;
    const releaseByApi = (req: SimRequest) => json(200, books.releaseHold(req.params.holdId, 'api'));
    this.route('POST', '/oauth/token', (req) => this.tokens.issue(req), { auth: false });
    this.route('POST', `${XSUAA_PATH}/oauth/token`, (req) => this.tokens.issue(req, 'xsuaa'), { auth: false });
    this.route('GET', `${SAP_SALES_ORDER_SERVICE}/A_SalesOrder(:key)`, (req) => sapSalesOrder(req, books.orders, this.url));
    this.route('GET', '/orders/:orderId', (req) => json(200, books.order(req.params.orderId)));
    this.route('GET', '/customers/:customerId/contract', (req) => json(200, books.contract(req.params.customerId)));
    this.route('PUT', '/shipments/:shipmentId/status', (req) => json(200, books.updateShipmentStatus(req.params.shipmentId, req.body)), { idempotent: true });
    this.route('GET', '/shipments/:shipmentId', (req) => json(200, books.shipment(req.params.shipmentId)));
    this.route('POST', '/quality-holds', (req) => this.placeHold(req), { idempotent: true });
    this.route('GET', '/quality-holds', (req) => json(200, { holds: books.holdsOf(req.query.get('orderId')) }));
    this.route('GET', '/quality-holds/:holdId', (req) => json(200, books.hold(req.params.holdId)));
    this.route('DELETE', '/quality-holds/:holdId', releaseByApi, { idempotent: true });
    this.route('POST', '/quality-holds/:holdId/release', releaseByApi, { idempotent: true });
    this.route('DELETE', '/quality-holds/:holdId/release', releaseByApi, { idempotent: true });
    this.route('POST', '/orders/:orderId/billing-ready', (req) => this.markBillingReady(req), { idempotent: true });
    this.route('GET', '/invoices/:invoiceId', (req) => json(200, books.invoice(req.params.invoiceId)));

    this.action('releaseOrder', (args) =>
      this.releaseOrder(requiredString(args, 'orderId'), {
        ...(args.flavor !== undefined ? { flavor: oneOf(args, 'flavor', ['generic', 'sap'] as const) } : {}),
        ...(args.mode !== undefined ? { mode: oneOf(args, 'mode', ['structured', 'binary'] as const) } : {}),
        ...signedAtOption(args),
      }),
    );
    this.action('createOrder', (args) => this.createOrder({ orderId: requiredString(args, 'orderId'), likeOrderId: requiredString(args, 'likeOrderId'), ...assignmentArg(args) }));
    this.action('releaseQualityHold', (args) => this.releaseQualityHold(requiredString(args, 'holdId'), signedAtOption(args)));
    this.action('postInvoice', (args) => this.postInvoice(requiredString(args, 'orderId'), optionalString(args, 'shipmentId')));
    this.action('cancelInvoice', (args) => this.cancelInvoice(requiredString(args, 'invoiceId')));
    this.action('expireTokens', () => ({ expired: this.expireTokens() }));
  }

  // ------------------------------------------------------------ vendor-side actions

  /**
   * The ERP releases an order: sends `order.released` as a CloudEvent to our CloudEvents endpoint,
   * generic (fat, with the order) or SAP-shaped (thin: `{"SalesOrder": ...}`).
   */
  releaseOrder(orderId: string, options: ReleaseOrderOptions = {}): Promise<WebhookDelivery> {
    const order = this.books.order(orderId);
    const time = this.now().toISOString();
    order.status = 'released';
    order.releasedAt = time;
    const event = orderReleasedEvent(order, time, this.eventTypes, { flavor: options.flavor, sapSource: this.erpOptions.sapSource ?? DEFAULT_SAP_SOURCE });
    return this.sendCloudEvent(event, options);
  }

  /**
   * A sales clerk enters a new open order in the ERP, modelled on a seed order (customer, contract, lines, sites)
   * with its own id and planned assets (erp-data.ts `orderLike`). Release it with {@link releaseOrder}.
   */
  createOrder(input: NewOrderInput): ErpOrder {
    return this.books.createOrder(input);
  }

  /** A quality manager releases a hold inside the ERP; the ERP announces it as a CloudEvent. */
  releaseQualityHold(holdId: string, options: { signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const hold = this.books.releaseHold(holdId, 'erp-user');
    return this.sendCloudEvent(qualityHoldReleasedEvent(hold, this.now().toISOString(), this.eventTypes), options);
  }

  /** Posts the invoice for a billing-ready shipment now and sends `invoice.posted`. */
  postInvoice(orderId: string, shipmentId?: string): Promise<WebhookDelivery> {
    return this.sendCloudEvent(invoicePostedEvent(this.books.postInvoice(orderId, shipmentId), this.eventTypes));
  }

  /** A user cancels a posted invoice: the ERP posts its credit memo and sends it as `invoice.posted` (credit memo). */
  cancelInvoice(invoiceId: string): Promise<WebhookDelivery> {
    return this.sendCloudEvent(invoicePostedEvent(this.books.cancelInvoice(invoiceId), this.eventTypes));
  }

  /** Invalidates every access token (clients must fetch a new one). Returns how many were dropped. */
  expireTokens(): number {
    return this.tokens.expireAll();
  }

  snapshot(): unknown {
    return this.books.snapshot();
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.books.reset(this.seedTime);
    this.tokens.expireAll();
  }

  protected authenticate(req: SimRequest): SimResponse | undefined {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (match && this.tokens.valid(match[1])) return undefined;
    const error = match ? 'invalid_token' : 'invalid_request';
    const headers = { 'www-authenticate': `Bearer realm="erp", error="${error}"` };
    const message = match ? 'The access token is invalid or expired' : 'Bearer token required';
    if (req.path.startsWith(`${SAP_SALES_ORDER_SERVICE}/`)) return odataError(401, '/IWFND/CM_CONSUMER/401', message, headers);
    return this.errorResponse(401, error, message, headers);
  }

  /** A request outside SAP's contract gets SAP Gateway's OData error body; others the generic ERP's. */
  protected override contractViolation(check: ContractCheck, req?: SimRequest): SimResponse {
    if (req?.path.startsWith(`${SAP_SALES_ORDER_SERVICE}/`)) return odataError(400, '/IWBEP/CM_MGW_RT/004', `Invalid request: ${check.errors.join('; ')}`);
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
    return structuredCloudEvent(webhook);
  }

  protected errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
    return json(status, { error: { code, message } }, headers);
  }

  // ------------------------------------------------------------ API handlers

  private placeHold(req: SimRequest): SimResponse {
    const hold = this.books.placeHold(req.body);
    return json(201, hold, { location: `/quality-holds/${hold.holdId}` });
  }

  /**
   * Marks a delivered shipment billing-ready (202) and schedules the invoice. A repeat for the same
   * order and shipment answers 200 with the existing billing record and posts no second invoice.
   */
  private markBillingReady(req: SimRequest): SimResponse {
    const { billing, repeated } = this.books.markBillingReady(req.params.orderId, req.body);
    if (repeated) {
      req.record.note = 'billing already ready for this order and shipment; no second invoice';
      return json(200, { ...billing, billingStatus: billing.status });
    }
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
    return this.emit(cloudEventWebhook(event, this.erpOptions.cloudEventsSecret, options));
  }
}
