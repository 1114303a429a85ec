import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { BcSalesInvoices, type BcSimInvoiceStatus, type BcSimSalesCreditMemo, type BcSimSalesInvoice } from './business-central-invoices';
import { BcExtensionPages, EXTENSION_PAGES, type PageRow } from './business-central-pages';
import { BcUnitsOfMeasure } from './business-central-units';
import { TimerRegistry } from './common/timers';

/**
 * Dynamics 365 Business Central and its Microsoft Entra ID token endpoint, in process, written from the published
 * contract (contracts/business-central/README.md — the API v2.0 reference and the webhooks page), not from our
 * client. It is a `fetch` (hand it to HttpJsonClient) and calls the subscriber through `deliver` (hand it our
 * webhook handler, or an HTTP POST in a sandbox):
 *
 * - `POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`: form `grant_type=client_credentials`,
 *   `client_id`, `client_secret`, `scope` (must be BC's `.default`); Entra's `{error, error_description}` otherwise.
 * - `https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0/…`: Bearer tokens;
 *   `salesOrders({id})` (`$expand=salesOrderLines`), `salesOrders?$filter=number eq '…'`, `salesShipments?$filter=
 *   orderNumber eq '…'` (GET only), `salesInvoices({id})` and `salesInvoices?$filter=lastModifiedDateTime gt …`, `orderNumber eq '…'` or `number eq '…'` (`$expand=salesInvoiceLines`)
 *   (business-central-invoices.ts, checked against contracts/business-central/sales-invoice.schema.json), `unitsOfMeasure`
 *   and `unitsOfMeasure({id})` (business-central-units.ts, contracts/business-central/unit-of-measure.schema.json), `subscriptions` (POST with the validationToken handshake, PATCH with
 *   required If-Match → 412 on a stale etag, GET), errors as `{"error":{"code","message"}}`.
 * - The logistics-sync extension's custom API pages (`/api/logisticsSync/shipping/v1.0/companies({id})/…`), from our
 *   own contract contracts/business-central/extension-pages.json (business-central-pages.ts).
 * - {@link BusinessCentralSimulator.changeSalesOrder} and {@link BusinessCentralSimulator.changeSalesInvoice} send
 *   the thin notification `{"value":[…]}` to each subscription of that entity set with its clientState, as BC does
 *   after its delay.
 * - Billing-ready (a row on the extension's `billingReadyOrders` page) makes a user post the order (Ship and
 *   Invoice) after `invoiceDelayMs` when `autoPostInvoice` is set ({@link BusinessCentralSimulator.postInvoice}):
 *   the invoice is posted and the order, fully shipped and invoiced, is deleted, as BC does; the salesOrders
 *   subscriptions hear `deleted` and the salesInvoices ones `created`.
 */

export const BC_API_HOST = 'https://api.businesscentral.dynamics.com';
export const ENTRA_HOST = 'https://login.microsoftonline.com';
export const BC_SCOPE = 'https://api.businesscentral.dynamics.com/.default';
const THREE_DAYS_MS = 3 * 86_400_000;

export interface BcSimSalesOrder {
  id: string;
  number: string;
  customerNumber: string;
  requestedDeliveryDate: string;
  shipToName?: string;
  shipToAddressLine1?: string;
  shipToCity?: string;
  shipToPostCode?: string;
  shipToCountry?: string;
  status: 'Draft' | 'In Review' | 'Open';
  /** Blank for the company's local currency (kept so; the API names that currency, see orderJson). */
  currencyCode?: string;
  fullyShipped: boolean;
  lastModifiedDateTime: string;
  salesOrderLines: { id: string; sequence: number; lineType: 'Item' | 'Comment'; lineObjectNumber: string; description: string; unitOfMeasureCode: string; quantity: number; shippedQuantity: number; unitPrice?: number }[];
}

interface Subscription {
  subscriptionId: string;
  notificationUrl: string;
  resource: string;
  clientState: string;
  expirationDateTime: string;
  lastModifiedDateTime: string;
  etag: string;
}

/** A request the simulator received. */
export interface BcCall {
  readonly method: string;
  readonly url: string;
  /** Below `/v2.0/{tenant}/{environment}` for the API (e.g. `/api/v2.0/subscriptions`), the whole path for Entra. */
  readonly path: string;
  readonly body: unknown;
  /** The status answered; null while in flight. */
  status: number | null;
}

function parsed(body: string | undefined): unknown {
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** What the subscriber answered (status and text body). */
export type Deliver = (url: string, body: string | undefined) => Promise<{ status: number; text: string }>;

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json; odata.metadata=minimal', ...headers } });
const bcError = (status: number, code: string, message: string) => reply(status, { error: { code, message } });
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export interface BcSimulatorOptions {
  /** Post the order's invoice after billing-ready. @default false - call postInvoice() */
  readonly autoPostInvoice?: boolean;
  /** Delay between billing-ready and posting the invoice. @default 500 */
  readonly invoiceDelayMs?: number;
  /** The company's local currency, named on invoices of orders without a currency. @default EUR */
  readonly localCurrency?: string;
  /** Where a failed automatic posting is reported. @default console.warn */
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class BusinessCentralSimulator {
  readonly tenant = 'contoso.onmicrosoft.com';
  readonly environment = 'production';
  readonly companyId = randomUUID();
  readonly orders = new Map<string, BcSimSalesOrder>();
  readonly shipments: { id: string; number: string; orderNumber: string; customerNumber: string; postingDate: string; lastModifiedDateTime: string }[] = [];
  readonly subscriptions = new Map<string, Subscription>();
  /** Every request: method, URL, path below the environment (or the token path), JSON body, and the status answered. */
  readonly calls: BcCall[] = [];
  /** Every change notification sent: the entity set, the document, the change and the subscriber's status. */
  readonly notifications: { entitySet: string; id: string; changeType: string; status: number }[] = [];
  readonly pages: BcExtensionPages;
  readonly invoices: BcSalesInvoices;
  /** The company's units of measure (codes and their UNECE Rec 20 codes). */
  readonly units: BcUnitsOfMeasure;
  /** The company's local currency (LCY): what the API names for documents whose currency is blank. */
  readonly localCurrency: string;
  /** VAT percent per customer number (BC's VAT posting setup), for the invoices it posts. */
  readonly vatPercent = new Map<string, number>();
  private readonly tokens = new Set<string>();
  private readonly timers = new TimerRegistry();

  constructor(
    readonly credentials: { clientId: string; clientSecret: string },
    private readonly deliver: Deliver,
    private readonly now: () => Date = () => new Date(),
    private readonly options: BcSimulatorOptions = {},
  ) {
    this.pages = new BcExtensionPages(now);
    this.localCurrency = options.localCurrency ?? 'EUR';
    this.invoices = new BcSalesInvoices(now, this.localCurrency);
    this.units = new BcUnitsOfMeasure(now);
    // The extension's pages over the Sales Invoice Header and Line: posted invoices only (an unposted one is a Sales Header).
    const posted = () => [...this.invoices.byId.values()].filter((i) => ['Open', 'Paid', 'Canceled', 'Corrective'].includes(i.status));
    this.pages.tables.salesInvoiceOrders = () => posted().map((i) => ({ number: i.number, orderNo: i.orderNumber, sourceOrderNo: this.invoices.sourceOrders.get(i.id) ?? '' }));
    // A posted line's SystemId: stable per document and line.
    const lineId = (documentId: string, lineNo: number) => `${documentId.slice(0, 24)}${String(lineNo).padStart(12, '0')}`;
    this.pages.tables.salesInvoiceLineOrders = () => posted().flatMap((i) => (this.invoices.lineOrders.get(i.id) ?? []).map((l) => ({ id: lineId(i.id, l.lineNo), documentNo: i.number, ...l })));
    this.pages.tables.salesCreditMemoLineOrders = () =>
      [...this.invoices.creditMemos.values()].flatMap((m) => (this.invoices.creditMemoLineOrders.get(m.id) ?? []).map((l) => ({ id: lineId(m.id, l.lineNo), documentNo: m.number, ...l })));
  }

  /** Forgets orders, invoices, shipments, subscriptions, page rows and call records (tokens stay valid), as the other simulators' reset. */
  reset(): void {
    this.timers.cancelAll();
    this.invoices.reset();
    this.vatPercent.clear();
    this.orders.clear();
    this.shipments.length = 0;
    this.subscriptions.clear();
    this.calls.length = 0;
    this.notifications.length = 0;
    this.pages.reset();
    this.units.reset();
  }

  /** Cancels pending invoice postings. */
  stop(): void {
    this.timers.cancelAll();
  }

  /** The rows posted to each custom API page, by entity set. */
  get custom(): ReadonlyMap<string, readonly PageRow[]> {
    return this.pages.rows;
  }

  /** API base URL the client is configured with. */
  get baseUrl(): string {
    return `${BC_API_HOST}/v2.0/${this.tenant}/${this.environment}`;
  }

  get tokenUrl(): string {
    return `${ENTRA_HOST}/${this.tenant}/oauth2/v2.0/token`;
  }

  /** The `fetch` of both hosts. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const call: BcCall = { method, url: url.toString(), path: decodeURIComponent(url.pathname.replace(`/v2.0/${this.tenant}/${this.environment}`, '')), body: parsed(body), status: null };
    this.calls.push(call);
    const response = await this.route(url, method, headers, body);
    call.status = response.status;
    return response;
  };

  private async route(url: URL, method: string, headers: Headers, body: string | undefined): Promise<Response> {
    if (url.origin === ENTRA_HOST) return this.token(url, method, headers, body);
    if (url.origin !== BC_API_HOST) return new Response('unknown host', { status: 502 });
    const auth = /^Bearer (\S+)$/.exec(headers.get('authorization') ?? '');
    if (!auth || !this.tokens.has(auth[1])) return bcError(401, 'Authentication_InvalidCredentials', 'The server has rejected the client credentials.');
    const prefix = `/v2.0/${this.tenant}/${this.environment}`;
    if (!url.pathname.startsWith(prefix)) return bcError(404, 'BadRequest_NotFound', 'No environment at this path.');
    return this.api(decodeURIComponent(url.pathname.slice(prefix.length)), url.searchParams, method, headers, body);
  }

  private token(url: URL, method: string, headers: Headers, body: string | undefined): Response {
    const oauth = (status: number, error: string, description: string) => reply(status, { error, error_description: description });
    if (method !== 'POST' || url.pathname !== `/${this.tenant}/oauth2/v2.0/token`) return oauth(404, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST requests.');
    if (!(headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return oauth(400, 'invalid_request', 'AADSTS900144: The request body must contain the following parameter: grant_type.');
    const form = new URLSearchParams(body ?? '');
    if (form.get('grant_type') !== 'client_credentials') return oauth(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.get('scope') !== BC_SCOPE) return oauth(400, 'invalid_scope', `AADSTS1002012: The provided value for scope is not valid; expected ${BC_SCOPE}.`);
    const id = form.get('client_id') ?? '';
    const secret = form.get('client_secret') ?? '';
    if (!same(id, this.credentials.clientId) || !same(secret, this.credentials.clientSecret)) return oauth(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    const token = randomBytes(24).toString('base64url');
    this.tokens.add(token);
    return reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }

  private async api(path: string, query: URLSearchParams, method: string, headers: Headers, body: string | undefined): Promise<Response> {
    const company = `/api/v2.0/companies(${this.companyId})`;
    const custom = `/api/${EXTENSION_PAGES.apiPath}/companies(${this.companyId})/`;
    if (path === '/api/v2.0/subscriptions' && method === 'GET') return reply(200, { value: [...this.subscriptions.values()].map((s) => this.subscriptionJson(s)) });
    if (path === '/api/v2.0/subscriptions' && method === 'POST') return this.subscribe(body);
    const sub = /^\/api\/v2\.0\/subscriptions\('([^']+)'\)$/.exec(path);
    if (sub && method === 'PATCH') return this.renew(sub[1], headers.get('if-match'), body);
    const order = new RegExp(`^${escape(company)}/salesOrders\\(([0-9a-f-]{36})\\)$`).exec(path);
    if (order && method === 'GET') {
      const found = this.orders.get(order[1]);
      if (!found) return bcError(404, 'BadRequest_NotFound', `The salesOrder with id ${order[1]} does not exist.`);
      return reply(200, this.orderJson(found, query.get('$expand') === 'salesOrderLines'));
    }
    if (path === `${company}/salesOrders` && method === 'GET') {
      const filter = query.get('$filter') ?? '';
      const byNumber = /^number eq '((?:[^']|'')*)'$/.exec(filter);
      const since = /^lastModifiedDateTime gt (\S+)$/.exec(filter);
      if (!byNumber && !since) return bcError(400, 'BadRequest_InvalidFilter', 'The simulator supports number eq and lastModifiedDateTime gt filters.');
      const list = [...this.orders.values()].filter((o) => (byNumber ? o.number === byNumber[1].replaceAll("''", "'") : o.lastModifiedDateTime > since![1]));
      return reply(200, { value: list.map((o) => this.orderJson(o, query.get('$expand') === 'salesOrderLines')) });
    }
    if (path === `${company}/salesShipments` && method === 'GET') {
      const byOrder = /^orderNumber eq '((?:[^']|'')*)'$/.exec(query.get('$filter') ?? '');
      return reply(200, { value: this.shipments.filter((s) => !byOrder || s.orderNumber === byOrder[1]).map((s) => ({ '@odata.etag': `W/"${s.id}"`, ...s })) });
    }
    const invoice = new RegExp(`^${escape(company)}/salesInvoices\\(([0-9a-f-]{36})\\)$`).exec(path);
    const expandLines = query.get('$expand') === 'salesInvoiceLines';
    if (invoice && method === 'GET') {
      const found = this.invoices.byId.get(invoice[1]);
      if (!found) return bcError(404, 'BadRequest_NotFound', `The salesInvoice with id ${invoice[1]} does not exist.`);
      return reply(200, this.invoices.json(found, expandLines));
    }
    if (path === `${company}/salesInvoices` && method === 'GET') {
      const filter = query.get('$filter') ?? '';
      const since = /^lastModifiedDateTime gt (\S+)$/.exec(filter);
      // orderNumber and number are fields of the page (APIV2SalesInvoices.Page.al: Rec."Order No.", Rec."No."), so OData filters on them.
      const byField = /^(orderNumber|number) eq '((?:[^']|'')*)'$/.exec(filter);
      if (!since && !byField) return bcError(400, 'BadRequest_InvalidFilter', 'The simulator supports the lastModifiedDateTime gt, orderNumber eq and number eq filters on salesInvoices.');
      const list = [...this.invoices.byId.values()].filter((i) => (since ? i.lastModifiedDateTime > since[1] : i[byField![1] as 'orderNumber' | 'number'] === byField![2]!.replaceAll("''", "'")));
      return reply(200, { value: list.map((i) => this.invoices.json(i, expandLines)) });
    }
    const creditMemo = new RegExp(`^${escape(company)}/salesCreditMemos\\(([0-9a-f-]{36})\\)$`).exec(path);
    if (creditMemo && method === 'GET') {
      const found = this.invoices.creditMemos.get(creditMemo[1]);
      if (!found) return bcError(404, 'BadRequest_NotFound', `The salesCreditMemo with id ${creditMemo[1]} does not exist.`);
      return reply(200, this.invoices.creditMemoJson(found));
    }
    if (path === `${company}/salesCreditMemos` && method === 'GET') {
      const since = /^lastModifiedDateTime gt (\S+)$/.exec(query.get('$filter') ?? '');
      if (!since) return bcError(400, 'BadRequest_InvalidFilter', 'The simulator supports the lastModifiedDateTime gt filter on salesCreditMemos.');
      return reply(200, { value: [...this.invoices.creditMemos.values()].filter((m) => m.lastModifiedDateTime > since[1]).map((m) => this.invoices.creditMemoJson(m)) });
    }
    if (path === `${company}/unitsOfMeasure` && method === 'GET') return reply(200, { value: this.units.list().map((u) => this.units.json(u)) });
    const unit = new RegExp(`^${escape(company)}/unitsOfMeasure\\(([0-9a-f-]{36})\\)$`).exec(path);
    if (unit && method === 'GET') {
      const found = this.units.byId(unit[1]);
      if (!found) return bcError(404, 'BadRequest_NotFound', `The unitOfMeasure with id ${unit[1]} does not exist.`);
      return reply(200, this.units.json(found));
    }
    if (path.startsWith(`${company}/salesShipments`)) return bcError(405, 'BadRequest_MethodNotAllowed', "'POST' requests for 'salesShipments' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.");
    if (path.startsWith(custom)) {
      const page = path.slice(custom.length);
      const answer = this.pages.handle(method, page, body, query);
      if (page === 'billingReadyOrders' && answer.status === 201 && this.options.autoPostInvoice) this.postInvoiceLater(String((answer.body as PageRow).orderNo));
      return answer.body === undefined ? new Response(null, { status: answer.status }) : reply(answer.status, answer.body);
    }
    return bcError(404, 'BadRequest_NotFound', `No resource at ${path.slice(0, 120)}.`);
  }

  /** POST subscriptions: validate, handshake on notificationUrl (200 + the token as body), then 201. */
  private async subscribe(body: string | undefined): Promise<Response> {
    const input = JSON.parse(body ?? '{}') as Partial<Subscription>;
    if (typeof input.notificationUrl !== 'string' || !input.notificationUrl.startsWith('https://')) return bcError(400, 'BadRequest', 'notificationUrl must be an absolute https URL.');
    if (typeof input.resource !== 'string' || !/\/(salesOrders|salesInvoices|salesCreditMemos)$/.test(input.resource)) {
      return bcError(400, 'BadRequest', 'The resource is not a webhook-supported entity of the simulator (salesOrders, salesInvoices, salesCreditMemos).');
    }
    if (input.clientState !== undefined && (typeof input.clientState !== 'string' || input.clientState.length > 2048)) return bcError(400, 'BadRequest', 'clientState is limited to 2048 characters.');
    if (!(await this.handshake(input.notificationUrl))) return bcError(400, 'BadRequest', 'The subscription handshake with notificationUrl failed.');
    const at = this.now();
    const s: Subscription = { subscriptionId: randomUUID().replaceAll('-', ''), notificationUrl: input.notificationUrl, resource: input.resource, clientState: input.clientState ?? '', lastModifiedDateTime: at.toISOString(), expirationDateTime: new Date(at.getTime() + THREE_DAYS_MS).toISOString(), etag: randomUUID() };
    this.subscriptions.set(s.subscriptionId, s);
    return reply(201, this.subscriptionJson(s));
  }

  /** PATCH subscriptions('id'): If-Match required and current, handshake again, three more days. */
  private async renew(id: string, ifMatch: string | null, body: string | undefined): Promise<Response> {
    const s = this.subscriptions.get(id);
    if (!s) return bcError(404, 'BadRequest_NotFound', `The subscription ${id} does not exist.`);
    if (!ifMatch) return bcError(428, 'Request_EntityChanged', 'If-Match header is required for PATCH.');
    if (ifMatch !== `W/"${s.etag}"` && ifMatch !== '*') return bcError(412, 'Request_EntityChanged', 'Another user has already changed the record.');
    const patch = JSON.parse(body ?? '{}') as Partial<Subscription>;
    const url = patch.notificationUrl ?? s.notificationUrl;
    if (!(await this.handshake(url))) return bcError(400, 'BadRequest', 'The subscription handshake with notificationUrl failed.');
    const at = this.now();
    Object.assign(s, { notificationUrl: url, clientState: patch.clientState ?? s.clientState, lastModifiedDateTime: at.toISOString(), expirationDateTime: new Date(at.getTime() + THREE_DAYS_MS).toISOString(), etag: randomUUID() });
    return reply(200, this.subscriptionJson(s));
  }

  private async handshake(notificationUrl: string): Promise<boolean> {
    const token = randomUUID();
    const url = new URL(notificationUrl);
    url.searchParams.set('validationToken', token);
    const answer = await this.deliver(url.toString(), undefined);
    return answer.status === 200 && answer.text === token;
  }

  /** Changes an order (as a user would) and sends the notification BC sends after its delay; returns the subscriber's status. */
  async changeSalesOrder(order: BcSimSalesOrder, changeType: 'created' | 'updated' = 'updated'): Promise<number[]> {
    order.lastModifiedDateTime = this.now().toISOString();
    this.orders.set(order.id, order);
    return this.notify('salesOrders', order.id, changeType, order.lastModifiedDateTime);
  }

  /** Adds or changes an invoice (checked against the contract) and notifies the salesInvoices subscriptions. */
  async changeSalesInvoice(invoice: BcSimSalesInvoice, changeType: 'created' | 'updated' = 'updated'): Promise<number[]> {
    const stored = this.invoices.put({ ...invoice, lastModifiedDateTime: this.now().toISOString() });
    return this.notify('salesInvoices', stored.id, changeType, stored.lastModifiedDateTime);
  }

  /** A user changes an invoice's status (e.g. it is paid) and BC notifies. */
  async setSalesInvoiceStatus(id: string, status: BcSimInvoiceStatus): Promise<number[]> {
    const invoice = this.invoices.setStatus(id, status);
    return this.notify('salesInvoices', invoice.id, 'updated', invoice.lastModifiedDateTime);
  }

  /**
   * A user cancels a posted invoice: BC posts its corrective credit memo (sales-invoice and credit memo contracts) and
   * notifies the salesInvoices subscriptions (`updated`: Canceled) and the salesCreditMemos ones (`created`).
   */
  async cancelSalesInvoice(id: string): Promise<{ creditMemo: BcSimSalesCreditMemo; statuses: number[] }> {
    const { invoice, creditMemo } = this.invoices.cancel(id);
    const statuses = [...(await this.notify('salesInvoices', invoice.id, 'updated', invoice.lastModifiedDateTime)), ...(await this.notify('salesCreditMemos', creditMemo.id, 'created', creditMemo.lastModifiedDateTime))];
    return { creditMemo, statuses };
  }

  /**
   * A user chooses Correct on a posted invoice: BC cancels it (its corrective credit memo posted) and creates a new
   * unposted invoice copied from it ({@link BcSalesInvoices.correct}); it notifies the salesInvoices subscriptions
   * (`updated`: Canceled; `created`: the Draft) and the salesCreditMemos ones (`created`).
   */
  async correctSalesInvoice(id: string): Promise<{ creditMemo: BcSimSalesCreditMemo; draft: BcSimSalesInvoice; statuses: number[] }> {
    const { invoice, creditMemo, draft } = this.invoices.correct(id);
    const statuses = [
      ...(await this.notify('salesInvoices', invoice.id, 'updated', invoice.lastModifiedDateTime)),
      ...(await this.notify('salesCreditMemos', creditMemo.id, 'created', creditMemo.lastModifiedDateTime)),
      ...(await this.notify('salesInvoices', draft.id, 'created', draft.lastModifiedDateTime)),
    ];
    return { creditMemo, draft, statuses };
  }

  /**
   * A user posts an unposted invoice (status Open, a posted number, the same API id) and BC notifies `updated`: the
   * Sales Invoice Aggregator renames the draft's row of the aggregate table to the posted number and modifies it in
   * place, keeping its Id (`OnBeforeSalesInvHeaderInsert`, `InsertOrModifyFromSalesInvoiceHeader`,
   * https://github.com/StefanMaron/MSDyn365BC.Code.History/blob/c845a0c4974a573382204b27b5af2dd4397a6db6/BaseApp/Source/Base%20Application/Integration/Entity/SalesInvoiceAggregator.Codeunit.al,
   * retrieved 2026-12-07), and the webhook of a page with OData key fields notifies a rename as an update.
   */
  async postSalesInvoice(id: string): Promise<{ invoice: BcSimSalesInvoice; statuses: number[] }> {
    const invoice = this.invoices.post(id);
    return { invoice, statuses: await this.notify('salesInvoices', invoice.id, 'updated', invoice.lastModifiedDateTime) };
  }

  /**
   * A user credits part of a posted invoice: a sales credit memo applied to it, its lines fetched with Get Posted
   * Document Lines to Reverse and their amounts lowered (e.g. a price correction), then posted
   * ({@link BcSalesInvoices.creditLines}); BC notifies the salesCreditMemos subscriptions (`created`).
   */
  async creditSalesInvoiceLines(id: string, lines: readonly { readonly lineNo: number; readonly amount: number }[], options: { readonly applied?: boolean } = {}): Promise<{ creditMemo: BcSimSalesCreditMemo; statuses: number[] }> {
    const creditMemo = this.invoices.creditLines(id, lines, options);
    return { creditMemo, statuses: await this.notify('salesCreditMemos', creditMemo.id, 'created', creditMemo.lastModifiedDateTime) };
  }

  /**
   * A user cancels a corrective credit memo: BC posts a corrective invoice for it and reopens the invoice it had
   * cancelled ({@link BcSalesInvoices.cancelCreditMemo}); it notifies the salesCreditMemos subscriptions (`updated`:
   * Canceled) and the salesInvoices ones (`updated`: the reopened invoice; `created`: the corrective one).
   */
  async cancelSalesCreditMemo(id: string): Promise<{ corrective: BcSimSalesInvoice; statuses: number[] }> {
    const { creditMemo, corrective, reopened } = this.invoices.cancelCreditMemo(id);
    const statuses = [
      ...(await this.notify('salesCreditMemos', creditMemo.id, 'updated', creditMemo.lastModifiedDateTime)),
      ...(await this.notify('salesInvoices', reopened.id, 'updated', reopened.lastModifiedDateTime)),
      ...(await this.notify('salesInvoices', corrective.id, 'created', corrective.lastModifiedDateTime)),
    ];
    return { corrective, statuses };
  }

  /**
   * A user ships orders (Post → Ship: a posted sales shipment each; the orders stay) and invoices their shipments
   * together with report 295 Combine Shipments ({@link BcSalesInvoices.postCombined}); BC notifies the salesInvoices
   * subscriptions (`created`).
   */
  async combineShipments(orderNumbers: readonly string[]): Promise<{ invoice: BcSimSalesInvoice; statuses: number[] }> {
    const orders = orderNumbers.map((number) => {
      const order = [...this.orders.values()].find((o) => o.number === number);
      if (!order) throw new Error(`Business Central has no sales order ${number} to ship`);
      return order;
    });
    const at = this.now().toISOString();
    for (const order of orders) {
      if (order.salesOrderLines.every((l) => l.shippedQuantity >= l.quantity)) continue;
      this.shipments.push({ id: randomUUID(), number: `S-SHPT${102000 + this.shipments.length + 1}`, orderNumber: order.number, customerNumber: order.customerNumber, postingDate: at.slice(0, 10), lastModifiedDateTime: at });
      for (const line of order.salesOrderLines) line.shippedQuantity = line.quantity;
      order.fullyShipped = true;
    }
    const invoice = this.invoices.postCombined(orders, this.vatPercent.get(orders[0]!.customerNumber) ?? 0);
    return { invoice, statuses: await this.notify('salesInvoices', invoice.id, 'created', invoice.lastModifiedDateTime) };
  }

  /**
   * A user posts the order with Ship and Invoice now: BC posts a sales shipment for what was not shipped yet and the
   * invoice (status Open, VAT from {@link vatPercent}), and then **deletes the order**, now fully shipped and invoiced
   * (Microsoft's API test `TestActionShipAndInvoice`, APIV2SalesOrdersE2E.Codeunit.al in microsoft/ALAppExtensions at
   * 1842876a: "Order is deleted", "Posted sales shipment is created", "Posted sales invoice is created"). It notifies
   * the salesOrders subscriptions (`deleted`) and the salesInvoices ones (`created`). An order already invoiced
   * (deleted) posts nothing and notifies no one.
   */
  async postInvoice(orderNumber: string): Promise<{ invoice: BcSimSalesInvoice; statuses: number[] }> {
    const order = [...this.orders.values()].find((o) => o.number === orderNumber);
    const posted = this.invoices.ofOrder(orderNumber);
    if (!order && posted) return { invoice: posted, statuses: [] };
    if (!order) throw new Error(`Business Central has no sales order ${orderNumber} to invoice`);
    const at = this.now().toISOString();
    if (order.salesOrderLines.some((l) => l.shippedQuantity < l.quantity)) {
      this.shipments.push({ id: randomUUID(), number: `S-SHPT${102000 + this.shipments.length + 1}`, orderNumber: order.number, customerNumber: order.customerNumber, postingDate: at.slice(0, 10), lastModifiedDateTime: at });
      for (const line of order.salesOrderLines) line.shippedQuantity = line.quantity;
      order.fullyShipped = true;
    }
    const { invoice, created } = this.invoices.postForOrder(order, this.vatPercent.get(order.customerNumber) ?? 0);
    this.orders.delete(order.id);
    const statuses = [...(await this.notify('salesOrders', order.id, 'deleted', at)), ...(created ? await this.notify('salesInvoices', invoice.id, 'created', invoice.lastModifiedDateTime) : [])];
    return { invoice, statuses };
  }

  private postInvoiceLater(orderNumber: string): void {
    const log = this.options.log ?? ((message: string, fields?: Record<string, unknown>) => console.warn(message, fields));
    const post = async () => {
      await this.postInvoice(orderNumber);
    };
    this.timers.schedule(this.options.invoiceDelayMs ?? 500, post, (error) => log('sales invoice not posted', { system: 'business-central', orderNumber, error: error instanceof Error ? error.message : String(error) }));
  }

  /** The thin notification of one changed entity to every subscription of its entity set; the subscriber's statuses. */
  private async notify(entitySet: 'salesOrders' | 'salesInvoices' | 'salesCreditMemos', id: string, changeType: 'created' | 'updated' | 'deleted', lastModifiedDateTime: string): Promise<number[]> {
    const statuses: number[] = [];
    for (const s of this.subscriptions.values()) {
      if (!s.resource.endsWith(`companies(${this.companyId})/${entitySet}`)) continue;
      const notification = {
        value: [{ subscriptionId: s.subscriptionId, clientState: s.clientState, expirationDateTime: s.expirationDateTime, resource: `api/v2.0/companies(${this.companyId})/${entitySet}(${id})`, changeType, lastModifiedDateTime }],
      };
      const { status } = await this.deliver(s.notificationUrl, JSON.stringify(notification));
      this.notifications.push({ entitySet, id, changeType, status });
      statuses.push(status);
    }
    return statuses;
  }

  private subscriptionJson(s: Subscription): Record<string, unknown> {
    return { '@odata.etag': `W/"${s.etag}"`, subscriptionId: s.subscriptionId, notificationUrl: s.notificationUrl, resource: s.resource, userId: '00000000-0000-0000-0000-000000000001', lastModifiedDateTime: s.lastModifiedDateTime, clientState: s.clientState, expirationDateTime: s.expirationDateTime };
  }

  /**
   * The order as GET answers it. `currencyCode` is never blank on the wire: the page fills it with the company's local
   * currency when the order's is blank (APIV2SalesOrders.Page.al, `TranslateNAVCurrencyCodeToCurrencyCode(LCYCurrencyCode,
   * Rec."Currency Code")`, microsoft/ALAppExtensions at 1842876a).
   */
  private orderJson(o: BcSimSalesOrder, lines: boolean): Record<string, unknown> {
    const { salesOrderLines, ...header } = o;
    return { '@odata.etag': `W/"${o.lastModifiedDateTime}"`, ...header, currencyCode: o.currencyCode || this.localCurrency, ...(lines ? { salesOrderLines } : {}) };
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
