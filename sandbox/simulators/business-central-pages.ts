import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * The logistics-sync extension's custom API pages, as the extension would serve them, written from our own contract
 * (contracts/business-central/extension-pages.json; docs/vendors.md, "Business Central"), never from the client:
 * POST bodies are validated with that file's JSON Schemas (Ajv), a repeated idempotencyKey is answered with the
 * first row (200) instead of a second one, `qualityHolds({id})/Microsoft.NAV.release` is a bound action (204), and
 * `customerContracts('…')` / `salesOrderLogistics('…')` are read from the rows the scenario seeds. Errors are BC's
 * `{"error":{"code","message"}}`.
 */

interface PageContract {
  readonly description: string;
  readonly request?: object;
  readonly response?: object;
}

export const EXTENSION_PAGES = JSON.parse(readFileSync(new URL('../../contracts/business-central/extension-pages.json', import.meta.url), 'utf8')) as { apiPath: string; pages: Record<string, PageContract> };

// ajv-formats is published as CommonJS: under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const requestValidators: Record<string, ValidateFunction> = Object.fromEntries(Object.entries(EXTENSION_PAGES.pages).flatMap(([name, page]) => (page.request ? [[name, ajv.compile(page.request)]] : [])));
const responseValidators: Record<string, ValidateFunction> = Object.fromEntries(Object.entries(EXTENSION_PAGES.pages).flatMap(([name, page]) => (page.response ? [[name, ajv.compile(page.response)]] : [])));

/** One row a POST created (the request's fields, its id and when it came). */
export interface PageRow {
  readonly id: string;
  readonly [field: string]: unknown;
}

export type PageAnswer = { status: number; body?: unknown };

const bcError = (status: number, code: string, message: string): PageAnswer => ({ status, body: { error: { code, message } } });
const KEYED = /^([A-Za-z]+)\('((?:[^']|'')*)'\)$/;
const ACTION = /^qualityHolds\(([0-9a-f-]{36})\)\/Microsoft\.NAV\.release$/;

/** The fields the contract reads each page over BC's own tables by (extension-pages.json, `operations`). */
const TABLE_FILTERS = {
  salesInvoiceOrders: ['sourceOrderNo'],
  salesInvoiceLineOrders: ['documentNo', 'orderNo', 'sourceOrderNo'],
  salesCreditMemoLineOrders: ['documentNo'],
} as const satisfies Record<string, readonly string[]>;

export class BcExtensionPages {
  /** Rows per entity set, oldest first (`shipmentStatuses`, `billingReadyOrders`, `qualityHolds`). */
  readonly rows = new Map<string, PageRow[]>();
  /** Rows the extension would read from BC tables, by page and key (the scenario seeds them). */
  readonly lookups = { customerContracts: new Map<string, object>(), salesOrderLogistics: new Map<string, object>() };

  /**
   * Pages the extension reads from BC's own tables rather than from rows the scenario seeds: `salesInvoiceOrders`
   * (the Sales Invoice Header), `salesInvoiceLineOrders` (the Sales Invoice Line) and `salesCreditMemoLineOrders` (the
   * Sales Cr.Memo Line), answered from the simulator's invoices and credit memos. Every row is checked against the contract.
   */
  readonly tables: {
    salesInvoiceOrders?: () => readonly { readonly number: string; readonly sourceOrderNo?: string }[];
    salesInvoiceLineOrders?: () => readonly { readonly id: string; readonly documentNo: string; readonly orderNo?: string; readonly sourceOrderNo?: string }[];
    salesCreditMemoLineOrders?: () => readonly { readonly id: string; readonly documentNo: string; readonly sourceOrderNo?: string }[];
  } = {};

  constructor(private readonly now: () => Date) {}

  /** Seeds a row of a read page; throws when it is not one the contract allows (a seed must be valid data). */
  seed(page: keyof BcExtensionPages['lookups'], key: string, row: object): void {
    const validate = responseValidators[page]!;
    if (!validate(row)) throw new Error(`seed ${page}('${key}') does not match contracts/business-central/extension-pages.json: ${ajv.errorsText(validate.errors)}`);
    this.lookups[page].set(key, row);
  }

  /** Answers `path` below `…/companies({id})/` of the custom API (`query`: its query string, for a filtered GET). */
  handle(method: string, path: string, body: string | undefined, query?: URLSearchParams): PageAnswer {
    if (method === 'GET' && path === 'billingReadyOrders') return this.listByOrder(path, query?.get('$filter') ?? '');
    const action = ACTION.exec(path);
    if (action && method === 'POST') {
      const hold = (this.rows.get('qualityHolds') ?? []).find((r) => r.id === action[1]);
      if (!hold) return bcError(404, 'BadRequest_NotFound', `The qualityHold with id ${action[1]} does not exist.`);
      Object.assign(hold, { status: 'released', releasedAt: hold.releasedAt ?? this.now().toISOString() });
      return { status: 204 };
    }
    if (method === 'GET' && path in TABLE_FILTERS && this.tables[path as keyof BcExtensionPages['tables']]) return this.tableRows(path as keyof BcExtensionPages['tables'], query?.get('$filter') ?? '');
    const keyed = KEYED.exec(path);
    if (keyed && method === 'GET' && keyed[1] === 'salesInvoiceOrders' && this.tables.salesInvoiceOrders) {
      const row = this.tables.salesInvoiceOrders().find((r) => r.number === keyed[2]!.replaceAll("''", "'"));
      if (!row) return bcError(404, 'BadRequest_NotFound', `The ${keyed[1]} record '${keyed[2]}' does not exist.`);
      return { status: 200, body: this.servedRow('salesInvoiceOrders', row.number, row) };
    }
    if (keyed && method === 'GET' && keyed[1] in this.lookups) {
      const row = this.lookups[keyed[1] as keyof BcExtensionPages['lookups']].get(keyed[2]!.replaceAll("''", "'"));
      return row ? { status: 200, body: { '@odata.etag': `W/"${keyed[2]}"`, ...row } } : bcError(404, 'BadRequest_NotFound', `The ${keyed[1]} record '${keyed[2]}' does not exist.`);
    }
    const validate = requestValidators[path];
    if (!validate) return bcError(404, 'BadRequest_NotFound', `No custom API page ${path.slice(0, 80)} in the logistics-sync extension.`);
    if (method !== 'POST') return bcError(405, 'BadRequest_MethodNotAllowed', `'${method}' requests for '${path}' are not allowed.`);
    let input: unknown;
    try {
      input = JSON.parse(body ?? '');
    } catch {
      return bcError(400, 'BadRequest_InvalidRequestBody', 'The request body is not valid JSON.');
    }
    if (!validate(input)) return bcError(400, 'BadRequest_InvalidRequestBody', ajv.errorsText(validate.errors, { dataVar: path }));
    const fields = input as Record<string, unknown>;
    const rows = this.rows.get(path) ?? [];
    const first = rows.find((r) => r.idempotencyKey === fields.idempotencyKey);
    if (first) return { status: 200, body: first };
    const row: PageRow = { id: randomUUID(), ...fields, ...(path === 'qualityHolds' ? { status: 'active' } : {}), createdAt: this.now().toISOString() };
    this.rows.set(path, [...rows, row]);
    return { status: 201, body: row };
  }

  /**
   * `GET billingReadyOrders?$filter=orderNo eq '…'` (the only read of a written page the contract allows): the rows
   * of the order, each checked against the page's response schema.
   */
  private listByOrder(path: string, filter: string): PageAnswer {
    const byOrder = /^orderNo eq '((?:[^']|'')*)'$/.exec(filter);
    if (!byOrder) return bcError(400, 'BadRequest_InvalidFilter', `The simulator supports only orderNo eq '…' on ${path}.`);
    const validate = responseValidators[path]!;
    const value = (this.rows.get(path) ?? []).filter((r) => r.orderNo === byOrder[1]!.replaceAll("''", "'")).map((r) => ({ '@odata.etag': `W/"${r.id}"`, ...r }));
    for (const row of value) if (!validate(row)) throw new Error(`${path} row ${String((row as PageRow).id)} does not match contracts/business-central/extension-pages.json: ${ajv.errorsText(validate.errors)}`);
    return { status: 200, body: { value } };
  }

  /**
   * `GET {page}?$filter={field} eq '…'` on a page read from BC's tables, for the fields the contract reads it by
   * (extension-pages.json `operations`): `salesInvoiceOrders` by `sourceOrderNo`; `salesInvoiceLineOrders` by
   * `documentNo`, `orderNo` or `sourceOrderNo`; `salesCreditMemoLineOrders` by `documentNo`. Another filter is a 400.
   */
  private tableRows(page: keyof BcExtensionPages['tables'], filter: string): PageAnswer {
    const fields = TABLE_FILTERS[page];
    const by = new RegExp(`^(${fields.join('|')}) eq '((?:[^']|'')*)'$`).exec(filter);
    if (!by) return bcError(400, 'BadRequest_InvalidFilter', `The simulator supports only ${fields.map((f) => `${f} eq '…'`).join(', ')} on ${page}.`);
    const value = by[2]!.replaceAll("''", "'");
    const rows = (this.tables[page]!() as readonly Record<string, unknown>[]).filter((r) => r[by[1]!] === value);
    return { status: 200, body: { value: rows.map((r) => this.servedRow(page, String(r.id ?? r.number), r)) } };
  }

  /** A row read from a BC table as the page serves it, checked against the page's response schema. */
  private servedRow(page: string, key: string, row: object): object {
    const validate = responseValidators[page]!;
    if (!validate(row)) throw new Error(`${page}('${key}') does not match contracts/business-central/extension-pages.json: ${ajv.errorsText(validate.errors)}`);
    return { '@odata.etag': `W/"${key}"`, ...row };
  }

  reset(): void {
    this.rows.clear();
    this.lookups.customerContracts.clear();
    this.lookups.salesOrderLogistics.clear();
  }
}
