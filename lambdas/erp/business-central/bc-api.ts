import { RejectedByTargetError, UpstreamUnavailableError } from '../../shared/errors';
import { HttpJsonClient, seg, type HttpRequest } from '../../shared/outbound/http-client';
import type { CredentialsSource } from '../../shared/outbound/secrets';
import type { ErpCredentials } from '../erp-client';
import type { BcOrderLogistics } from './read-back';

/**
 * Business Central API v2.0 over HTTP (contracts/business-central/README.md): Microsoft Entra ID client
 * credentials, the standard sales order, sales invoice and sales shipment resources, webhook subscriptions, and the custom API
 * pages of the logistics-sync extension for what the standard API cannot write.
 *
 * Base URL: `https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}` (the standard API is `/api/v2.0`
 * below it, a custom API `/api/{publisher}/{group}/{version}`).
 */

/** Entra's default scope for Business Central (the `.default` of its application id URI). */
export const BC_DEFAULT_SCOPE = 'https://api.businesscentral.dynamics.com/.default';
export const BC_STANDARD_API = '/api/v2.0';
/** The custom API pages of the logistics-sync BC extension (docs/vendors.md), unless the stage names another. */
export const BC_DEFAULT_CUSTOM_API = 'logisticsSync/shipping/v1.0';

const REFRESH_MARGIN_MS = 60_000;

/**
 * OAuth2 client credentials against the Microsoft identity platform v2.0 token endpoint
 * (`https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`): `client_id`, `client_secret`, `scope` and
 * `grant_type` in the form body, as the Entra reference shows
 * (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow). Cached until a
 * minute before `expires_in`.
 */
export class EntraClientCredentials {
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;
  private readonly http: HttpJsonClient;
  private readonly path: string;

  constructor(
    api: HttpJsonClient,
    tokenUrl: string,
    private readonly credentials: CredentialsSource<ErpCredentials>,
    private readonly clock: () => number = Date.now,
  ) {
    const url = new URL(tokenUrl);
    this.http = api.withBaseUrl(url.origin, 'Microsoft Entra ID token endpoint');
    this.path = url.pathname;
  }

  async get(): Promise<string> {
    if (this.token && this.token.expiresAt > this.clock()) return this.token.value;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.token = undefined;
  }

  private async fetch(): Promise<string> {
    const { clientId, clientSecret, scope } = await this.credentials();
    const { body } = await this.http.request<{ access_token?: unknown; expires_in?: unknown }>({
      method: 'POST',
      path: this.path,
      form: { client_id: clientId, client_secret: clientSecret, scope: scope || BC_DEFAULT_SCOPE, grant_type: 'client_credentials' },
    });
    if (typeof body?.access_token !== 'string' || body.access_token === '') throw new UpstreamUnavailableError('Microsoft Entra ID returned no access_token');
    const lifetime = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    this.token = { value: body.access_token, expiresAt: this.clock() + lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 2) };
    return body.access_token;
  }
}

/** A BC sales order line, as API v2.0 returns it (the fields the mapping reads). */
export interface BcSalesOrderLine {
  sequence: number;
  lineType: string;
  lineObjectNumber?: string;
  description?: string;
  unitOfMeasureCode?: string;
  quantity: number;
  shippedQuantity?: number;
  /** Price per unit in the order's currency. */
  unitPrice?: number;
}

/** A BC sales order with `$expand=salesOrderLines` (the fields the mapping reads). */
export interface BcSalesOrder {
  '@odata.etag'?: string;
  id: string;
  number: string;
  customerNumber?: string;
  requestedDeliveryDate?: string;
  shipToName?: string;
  shipToAddressLine1?: string;
  shipToAddressLine2?: string;
  shipToCity?: string;
  shipToState?: string;
  shipToCountry?: string;
  shipToPostCode?: string;
  status?: string;
  /** The order's currency. The page names the company's local currency (LCY) when the order's is blank
   * (APIV2SalesOrders.Page.al, `TranslateNAVCurrencyCodeToCurrencyCode`); blank is still read as "not named". */
  currencyCode?: string;
  fullyShipped?: boolean;
  lastModifiedDateTime?: string;
  salesOrderLines?: BcSalesOrderLine[];
}

/** A posted BC sales shipment (read-only in API v2.0). */
export interface BcSalesShipment {
  id: string;
  number: string;
  orderNumber?: string;
  customerNumber?: string;
  postingDate?: string;
  shipToName?: string;
  lastModifiedDateTime?: string;
}

/**
 * A BC sales invoice as API v2.0 answers `GET …/companies({id})/salesInvoices({id})` (the fields the mapping
 * reads), from the salesInvoice resource page
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoice;
 * contracts/business-central/sales-invoice.schema.json). Amounts are JSON numbers in the invoice's currency.
 */
/** What BC's sales invoices and credit memos share (the fields the mappings read). */
interface BcSalesDocument {
  '@odata.etag'?: string;
  id: string;
  number: string;
  postingDate?: string;
  dueDate?: string;
  customerNumber?: string;
  /** The docs' example names the local currency (`USD` with a zero `currencyId`). */
  currencyCode?: string;
  totalAmountExcludingTax?: number;
  totalTaxAmount?: number;
  totalAmountIncludingTax?: number;
  status?: string;
  lastModifiedDateTime?: string;
}

export interface BcSalesInvoice extends BcSalesDocument {
  externalDocumentNumber?: string;
  invoiceDate?: string;
  /** The number of the sales order the invoice was posted from; blank for an invoice entered on its own. Read-only. */
  orderNumber?: string;
  /** `" "`, `Draft`, `In Review`, `Open`, `Paid`, `Canceled` or `Corrective` (NAV.invoiceEntityAggregateStatus). */
  status?: string;
  /** With `$expand=salesInvoiceLines` only. */
  salesInvoiceLines?: BcSalesInvoiceLine[];
}

/**
 * A line of a BC sales invoice (`$expand=salesInvoiceLines`), from the salesInvoiceLine resource page
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salesinvoiceline;
 * contracts/business-central/sales-invoice-line.schema.json): the fields the order mapping reads.
 */
export interface BcSalesInvoiceLine {
  sequence: number;
  lineType: string;
  lineObjectNumber?: string;
  description?: string;
  quantity: number;
  /** Price per unit in the invoice's currency. */
  unitPrice?: number;
}

/**
 * A BC sales credit memo as API v2.0 answers `GET …/companies({id})/salesCreditMemos({id})` (the fields the mapping
 * reads), from the salesCreditMemo resource page
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/resources/dynamics_salescreditmemo;
 * contracts/business-central/sales-credit-memo.schema.json). Amounts are JSON numbers in the credit memo's currency.
 */
export interface BcSalesCreditMemo extends BcSalesDocument {
  creditMemoDate?: string;
  /** `Draft`, `In Review`, `Open`, `Canceled`, `Corrective` or `Paid` (NAV.salesCrMemoEntityBufferStatus). */
  status?: string;
  /** The sales invoice the credit memo is linked to (zero GUID and blank number when none). */
  invoiceId?: string;
  invoiceNumber?: string;
}

/** A unit of measure of the company (`unitsOfMeasure`, contracts/business-central/unit-of-measure.schema.json). */
export interface BcUnitOfMeasure {
  id: string;
  code: string;
  displayName?: string;
  /** UNECE Recommendation 20 code; blank when the company set none. */
  internationalStandardCode?: string;
}

/**
 * How long the company's units of measure are kept before they are read again, and how soon after a read a code not
 * among them reads them again (a batch of orders naming a new unit reads once).
 */
export const BC_UNITS_TTL_MS = 60 * 60_000;
export const BC_UNITS_MISS_REFRESH_MS = 1_000;

/** A row of the extension's `salesInvoiceOrders` page (contracts/business-central/extension-pages.json). */
export interface BcSalesInvoiceOrder {
  number: string;
  orderNo?: string;
  sourceOrderNo?: string;
}

/** A row of the extension's `salesInvoiceLineOrders` page (contracts/business-central/extension-pages.json). */
export interface BcInvoiceLineOrder {
  id: string;
  documentNo: string;
  lineNo: number;
  orderNo?: string;
  /**
   * The order a line of a Correct action's invoice or of a corrective invoice bills again, or a credit memo line
   * credits (the extension's field; Order No. is blank there, and a credit memo line has none of ours).
   */
  sourceOrderNo?: string;
  amount?: number;
  amountIncludingVat?: number;
}

/** A row of the extension's `salesCreditMemoLineOrders` page: a credit memo line with the order and invoice it credits. */
export interface BcCreditMemoLineOrder extends BcInvoiceLineOrder {
  /** The posted invoice the line was copied from (the extension's field 50106). */
  sourceInvoiceNo?: string;
}

/** A row of the extension's `billingReadyOrders` page (contracts/business-central/extension-pages.json). */
export interface BcBillingReadyRow {
  id: string;
  orderNo: string;
  shipmentNo?: string;
  deliveredAt?: string;
}

export interface BcSubscription {
  '@odata.etag'?: string;
  subscriptionId: string;
  notificationUrl: string;
  resource: string;
  clientState?: string;
  expirationDateTime: string;
}

/**
 * An enum value as Business Central sends it, in the docs' spelling (pure). The resource pages write the members'
 * captions ("In Review", `" "`), which the contract files keep; an OData enum member's name cannot hold a space, so a
 * value may also arrive XML-encoded (`In_x0020_Review`, the blank member `_x0020_`). No published source says which the
 * wire carries: a defensive read, both spellings read the same here.
 */
export function bcEnum(value: string | undefined): string | undefined {
  return value?.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** OData string literal: `'…'` with `'` doubled (OData v4 URL conventions §5.1.1.6.1). Pure. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The company-scoped API of one BC environment. */
export class BcApi {
  /** The company's unit codes → their UNECE Rec 20 codes, per company, with when they were read. */
  private readonly units = new Map<string, { readonly at: number; readonly codes: ReadonlyMap<string, string>; readonly readable: boolean }>();

  constructor(
    private readonly http: HttpJsonClient,
    private readonly token: EntraClientCredentials,
    readonly companyId: string,
    private readonly customApi: string = BC_DEFAULT_CUSTOM_API,
  ) {}

  /** `GET …/salesOrders({id})?$expand=salesOrderLines`; 404 is RejectedByTarget naming the order. */
  async getSalesOrder(id: string, companyId = this.companyId): Promise<BcSalesOrder> {
    return this.entity<BcSalesOrder>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesOrders(${seg(id)})?$expand=salesOrderLines`, `sales order ${id}`);
  }

  /** The sales order with this number (`$filter=number eq '…'`), or undefined. */
  async findSalesOrderByNumber(number: string): Promise<BcSalesOrder | undefined> {
    const filter = encodeURIComponent(`number eq ${odataString(number)}`);
    const { value } = await this.collection<BcSalesOrder>(`${BC_STANDARD_API}/companies(${seg(this.companyId)})/salesOrders?$filter=${filter}&$expand=salesOrderLines`);
    return value[0];
  }

  /** `GET …/unitsOfMeasure`: the company's units of measure. */
  async listUnitsOfMeasure(companyId = this.companyId): Promise<BcUnitOfMeasure[]> {
    return (await this.collection<BcUnitOfMeasure>(`${BC_STANDARD_API}/companies(${seg(companyId)})/unitsOfMeasure`)).value;
  }

  /**
   * The UNECE Rec 20 code of each of the company's unit codes (upper case → code, blank when the company set none), read
   * once an hour, and again when `needed` names a code that is not among them (a unit added since: a line's code is
   * always one of the company's units), at most once a second. A company whose units cannot be read (a 4xx: the app
   * registration may lack the permission) answers an empty map for the hour, and lines map by their codes alone; a 5xx
   * or a timeout throws (the read-back retries).
   */
  async internationalCodes(needed: readonly string[], companyId = this.companyId, now = Date.now()): Promise<ReadonlyMap<string, string>> {
    const cached = this.units.get(companyId);
    const missing = cached !== undefined && needed.some((code) => !cached.codes.has(code.toUpperCase()));
    const refreshMiss = missing && cached.readable && now - cached.at >= BC_UNITS_MISS_REFRESH_MS;
    if (cached && now - cached.at < BC_UNITS_TTL_MS && !refreshMiss) return cached.codes;
    try {
      const units = await this.listUnitsOfMeasure(companyId);
      const codes = new Map(units.filter((u) => u.code).map((u) => [u.code.toUpperCase(), (u.internationalStandardCode ?? '').trim().toUpperCase()]));
      this.units.set(companyId, { at: now, codes, readable: true });
      return codes;
    } catch (error) {
      if (!(error instanceof RejectedByTargetError)) throw error;
      this.units.set(companyId, { at: now, codes: new Map(), readable: false });
      return new Map();
    }
  }

  /** Sales orders matching a `collection` notification's filter. */
  async listSalesOrders(filter: string, companyId = this.companyId): Promise<BcSalesOrder[]> {
    return (await this.collection<BcSalesOrder>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesOrders?$filter=${encodeURIComponent(filter)}&$expand=salesOrderLines`)).value;
  }

  /** `GET …/salesInvoices({id})`; 404 is RejectedByTarget naming the invoice. */
  async getSalesInvoice(id: string, companyId = this.companyId): Promise<BcSalesInvoice> {
    return this.entity<BcSalesInvoice>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesInvoices(${seg(id)})`, `sales invoice ${id}`);
  }

  /**
   * The invoices posted from the sales order with this number, with their lines (`$filter=orderNumber eq '…'&$expand=
   * salesInvoiceLines`): what is left of an order BC deleted once it was fully shipped and invoiced.
   */
  async listSalesInvoicesOfOrder(orderNumber: string): Promise<BcSalesInvoice[]> {
    return this.invoicesWithLines(`orderNumber eq ${odataString(orderNumber)}`);
  }

  /** `GET …/salesInvoices?$filter=…&$expand=salesInvoiceLines`: the invoices matching an OData filter, with their lines. */
  private async invoicesWithLines(filter: string): Promise<BcSalesInvoice[]> {
    return (await this.collection<BcSalesInvoice>(`${BC_STANDARD_API}/companies(${seg(this.companyId)})/salesInvoices?$filter=${encodeURIComponent(filter)}&$expand=salesInvoiceLines`)).value;
  }

  /** Sales invoices matching a `collection` notification's filter. */
  async listSalesInvoices(filter: string, companyId = this.companyId): Promise<BcSalesInvoice[]> {
    return (await this.collection<BcSalesInvoice>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesInvoices?$filter=${encodeURIComponent(filter)}`)).value;
  }

  /** `GET …/salesCreditMemos({id})`; 404 is RejectedByTarget naming the credit memo. */
  async getSalesCreditMemo(id: string, companyId = this.companyId): Promise<BcSalesCreditMemo> {
    return this.entity<BcSalesCreditMemo>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesCreditMemos(${seg(id)})`, `sales credit memo ${id}`);
  }

  /** Sales credit memos matching a `collection` notification's filter. */
  async listSalesCreditMemos(filter: string, companyId = this.companyId): Promise<BcSalesCreditMemo[]> {
    return (await this.collection<BcSalesCreditMemo>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesCreditMemos?$filter=${encodeURIComponent(filter)}`)).value;
  }

  /** Posted sales shipments of an order (`$filter=orderNumber eq '…'`). */
  async listSalesShipments(orderNumber: string, companyId = this.companyId): Promise<BcSalesShipment[]> {
    const filter = encodeURIComponent(`orderNumber eq ${odataString(orderNumber)}`);
    return (await this.collection<BcSalesShipment>(`${BC_STANDARD_API}/companies(${seg(companyId)})/salesShipments?$filter=${filter}`)).value;
  }

  /** POST to a custom API page of the logistics-sync extension (`/api/{customApi}/companies({id})/{entitySet}`). */
  async postCustom<T>(entitySet: string, json: unknown, idempotencyKey?: string): Promise<T> {
    const { body } = await this.call<T>({ method: 'POST', path: `/api/${this.customApi}/companies(${seg(this.companyId)})/${entitySet}`, json, ...(idempotencyKey ? { idempotencyKey } : {}) });
    return body;
  }

  /** GET one entity of a custom API page (`…/{entitySet}({key})`). */
  async getCustom<T>(entitySetAndKey: string, what: string): Promise<T> {
    return this.entity<T>(`/api/${this.customApi}/companies(${seg(this.companyId)})/${entitySetAndKey}`, what);
  }

  /**
   * The extension's `salesOrderLogistics('{orderNo}')` row (temperature, fleet assignment, contract, ship-to
   * location: docs/vendors.md); undefined on 404 (the extension lacks the page or the order has no row).
   */
  async getOrderLogistics(orderNo: string): Promise<BcOrderLogistics | undefined> {
    try {
      return await this.getCustom<BcOrderLogistics>(`salesOrderLogistics(${seg(odataString(orderNo))})`, `logistics of sales order ${orderNo} (custom API page salesOrderLogistics)`);
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * The sales order a posted invoice bills, from the extension's `salesInvoiceOrders('{number}')` row: its Order No.,
   * else the order the extension recorded when BC created the invoice to re-bill one (the Correct action's new invoice,
   * the corrective invoice of a cancelled credit memo: Sales Headers of type Invoice whose lines name no shipment, posted with a blank Order No.,
   * so API v2.0's `orderNumber` is blank on them). Undefined when neither is set, and on 404 (the extension lacks the
   * page, or no such posted invoice).
   */
  async getInvoiceOrder(invoiceNumber: string): Promise<string | undefined> {
    try {
      const row = await this.getCustom<BcSalesInvoiceOrder>(`salesInvoiceOrders(${seg(odataString(invoiceNumber))})`, `order of sales invoice ${invoiceNumber} (custom API page salesInvoiceOrders)`);
      return row.orderNo || row.sourceOrderNo || undefined;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * A posted invoice's lines with the order each bills, from the extension's `salesInvoiceLineOrders?$filter=documentNo
   * eq '…'` (the Sales Invoice Line's Order No., Amount, Amount Including VAT: API v2.0's salesInvoiceLines serve none
   * of them). Empty on 404 (an extension without the page).
   */
  async listInvoiceLineOrders(invoiceNumber: string): Promise<BcInvoiceLineOrder[]> {
    return this.customRows<BcInvoiceLineOrder>('salesInvoiceLineOrders', `documentNo eq ${odataString(invoiceNumber)}`);
  }

  /**
   * A posted credit memo's lines with the order and the invoice each credits, from the extension's
   * `salesCreditMemoLineOrders?$filter=documentNo eq '…'` (its fields on the Sales Cr.Memo Line, set when a posted
   * invoice line is copied into a credit memo; Amount, Amount Including VAT). Empty on 404 (an extension without the page).
   */
  async listCreditMemoLineOrders(creditMemoNumber: string): Promise<BcCreditMemoLineOrder[]> {
    return this.customRows<BcCreditMemoLineOrder>('salesCreditMemoLineOrders', `documentNo eq ${odataString(creditMemoNumber)}`);
  }

  /**
   * The posted invoices of several orders that bill this one in part, each with only the lines that bill it: the
   * extension's `salesInvoiceLineOrders?$filter=orderNo eq '…'` names them (invoice and line numbers), and
   * `?$filter=sourceOrderNo eq '…'` those that bill it again (the Correct action's invoice of such an invoice, the
   * corrective invoice of a cancelled credit memo of one: a second request, since BC's OData filters do not promise
   * `or` across two fields); API v2.0 gives their lines (`salesInvoices?$filter=number eq '…'&$expand=salesInvoiceLines`;
   * a line's `sequence` is its Line No.). Invoices that name the order themselves are left out
   * (`listSalesInvoicesOfOrder` reads them). Empty on 404.
   */
  async listSalesInvoicesBillingOrderInPart(orderNo: string): Promise<BcSalesInvoice[]> {
    const rows = [
      ...(await this.customRows<BcInvoiceLineOrder>('salesInvoiceLineOrders', `orderNo eq ${odataString(orderNo)}`)),
      ...(await this.customRows<BcInvoiceLineOrder>('salesInvoiceLineOrders', `sourceOrderNo eq ${odataString(orderNo)}`)),
    ];
    const lineNos = new Map<string, Set<number>>();
    for (const row of rows) lineNos.set(row.documentNo, (lineNos.get(row.documentNo) ?? new Set<number>()).add(row.lineNo));
    const invoices: BcSalesInvoice[] = [];
    for (const [number, lines] of lineNos) {
      for (const invoice of await this.invoicesWithLines(`number eq ${odataString(number)}`)) {
        if (invoice.orderNumber === orderNo) continue;
        invoices.push({ ...invoice, salesInvoiceLines: (invoice.salesInvoiceLines ?? []).filter((l) => lines.has(l.sequence)) });
      }
    }
    return invoices;
  }

  /**
   * The posted invoices that bill an order again (the extension's `salesInvoiceOrders?$filter=sourceOrderNo eq '…'`:
   * a Correct action's invoice, a cancelled credit memo's corrective invoice; API v2.0's `orderNumber` is blank on
   * them), each read with its lines (`salesInvoices?$filter=number eq '…'&$expand=salesInvoiceLines`). Empty on 404
   * (an extension without the page).
   */
  async listSalesInvoicesReBillingOrder(orderNo: string): Promise<BcSalesInvoice[]> {
    const rows = await this.customRows<BcSalesInvoiceOrder>('salesInvoiceOrders', `sourceOrderNo eq ${odataString(orderNo)}`);
    const invoices: BcSalesInvoice[] = [];
    for (const { number } of rows) invoices.push(...(await this.invoicesWithLines(`number eq ${odataString(number)}`)));
    return invoices;
  }

  /**
   * The extension's `billingReadyOrders` rows of an order (`?$filter=orderNo eq '…'`): which of our shipments were
   * marked billing-ready. Empty on 404 (an extension without the page, or one that does not serve GET on it).
   */
  async listBillingReady(orderNo: string): Promise<BcBillingReadyRow[]> {
    return this.customRows<BcBillingReadyRow>('billingReadyOrders', `orderNo eq ${odataString(orderNo)}`);
  }

  /** The rows of one of the extension's pages matching an OData filter; empty on 404 (an extension without the page). */
  private async customRows<T>(entitySet: string, filter: string): Promise<T[]> {
    try {
      return (await this.collection<T>(`/api/${this.customApi}/companies(${seg(this.companyId)})/${entitySet}?$filter=${encodeURIComponent(filter)}`)).value;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return [];
      throw error;
    }
  }

  /** `POST /api/v2.0/subscriptions` (BC performs the handshake before it answers 201). */
  async createSubscription(body: { notificationUrl: string; resource: string; clientState: string }): Promise<BcSubscription> {
    return (await this.call<BcSubscription>({ method: 'POST', path: `${BC_STANDARD_API}/subscriptions`, json: body })).body;
  }

  /** `GET /api/v2.0/subscriptions`. */
  async listSubscriptions(): Promise<BcSubscription[]> {
    return (await this.collection<BcSubscription>(`${BC_STANDARD_API}/subscriptions`)).value;
  }

  /** Renewal: `PATCH /api/v2.0/subscriptions('{id}')` with `If-Match` (required), which handshakes again. */
  async renewSubscription(subscription: BcSubscription, clientState: string): Promise<BcSubscription> {
    const etag = subscription['@odata.etag'];
    if (!etag) throw new UpstreamUnavailableError(`subscription ${subscription.subscriptionId} came without @odata.etag, which PATCH needs as If-Match`);
    return (
      await this.call<BcSubscription>({
        method: 'PATCH',
        path: `${BC_STANDARD_API}/subscriptions(${seg(odataString(subscription.subscriptionId))})`,
        headers: { 'if-match': etag },
        json: { notificationUrl: subscription.notificationUrl, resource: subscription.resource, clientState },
      })
    ).body;
  }

  private async entity<T>(path: string, what: string): Promise<T> {
    try {
      const { body } = await this.call<T>({ method: 'GET', path });
      if (!body || typeof body !== 'object') throw new UpstreamUnavailableError(`Business Central answered no body for ${what}`);
      return body;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) throw new RejectedByTargetError(`${what} was not found in Business Central (404)`, 404, { cause: error, context: error.context });
      throw error;
    }
  }

  private async collection<T>(path: string): Promise<{ value: T[] }> {
    const { body } = await this.call<{ value?: unknown }>({ method: 'GET', path });
    if (!body || !Array.isArray(body.value)) throw new UpstreamUnavailableError(`Business Central answered without a value array for ${path.split('?')[0]}`);
    return { value: body.value as T[] };
  }

  /** Bearer token; on 401 a fresh token and one more try. */
  private async call<T>(request: HttpRequest): Promise<{ body: T }> {
    const send = async () => this.http.request<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${await this.token.get()}` } });
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof RejectedByTargetError && error.status === 401)) throw error;
      this.token.invalidate();
      return send();
    }
  }
}
