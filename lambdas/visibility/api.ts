/**
 * The visibility API and its page, behind one REST API (lib/correlation/visibility-api.ts): the page and its two assets are
 * public (static, no data); every `/api/*` route needs a Cognito user pool token (docs/visibility.md).
 *
 * | route | answers |
 * |---|---|
 * | `GET /` | the page (`web/index.html`) |
 * | `GET /{asset}` | `app.js`, `app.css`, `config.json` (refresh interval, sign-in settings) |
 * | `GET /api/deliveries/trouble` | deliveries with an active exception or quality hold, most severe and oldest first; `severity` (at least: minor, major, critical), `customer`, `minAgeMinutes`, `limit`, `cursor` |
 * | `GET /api/deliveries/unbilled` | delivered, no invoice posted, oldest first; `customer`, `limit`, `cursor` |
 * | `GET /api/cases` | cases of shipments disrupted in the last `days` (default 30), newest disruption first; `status` (open, all), `customer`, `limit`, `cursor` |
 * | `GET /api/summary` | shipments in trouble by severity and revenue at risk per currency, for the trouble filters |
 * | `GET /api/shipments/{id}/timeline` | the trace of any id, as `lsync trace` shows it |
 *
 * Pages carry an opaque `cursor` (the position in the list, bound to the filters and to the first page's time);
 * 400 names the bad parameter.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ValidationError } from '../shared/errors';
import { belongsIn, listIndexOf, listKeys, unbilledKeys, type ListName } from './lists';
import type { ListPosition, ListQuery, VisibilityReader } from './reader';
import { caseRows, deliveryRow, summarize, type CaseRow, type DeliveryRow } from './rows';
import { SEVERITY_RANK, type ViewSeverity } from './shipment-view';
import { stableJson } from './view-store';

/** The page's files, as text. */
export interface WebAssets {
  readonly 'index.html': string;
  readonly 'app.js': string;
  readonly 'app.css': string;
}

/** What the page reads from `config.json`. */
export interface PageConfig {
  readonly refreshSeconds: number;
  /** Cognito hosted sign-in (authorization code with PKCE); the page signs in only when the API answers 401. */
  readonly auth: { readonly kind: 'cognito'; readonly domainUrl: string; readonly clientId: string; readonly scopes: readonly string[] } | null;
}

export interface VisibilityApiDependencies {
  readonly reader: VisibilityReader;
  readonly assets: WebAssets;
  readonly config: PageConfig;
  readonly clock?: () => Date;
  readonly onError?: (error: unknown, route: string) => void;
}

/** The canonical Identifier format (schemas/canonical/common.schema.json), as the trace API accepts it. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 50;
/** The summary reads at most this many shipments in trouble; beyond it, it says it is truncated. */
const SUMMARY_MAX_SHIPMENTS = 2000;
const MAX_CURSOR_LENGTH = 2048;

type Query = Record<string, string | undefined>;

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(body),
  };
}

function contentSecurityPolicy(config: PageConfig): string {
  // The page loads only its own script and style; the one other origin it talks to is the sign-in domain (token exchange).
  const signIn = config.auth ? ` ${new URL(config.auth.domainUrl).origin}` : '';
  return `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'${signIn}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

function asset(body: string, contentType: string, config: PageConfig): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': contentType,
      // Small files, redeployed with the stack: always revalidate rather than serve a stale page against a newer API.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(contentType.startsWith('text/html') ? { 'content-security-policy': contentSecurityPolicy(config), 'x-frame-options': 'DENY' } : {}),
    },
    body,
  };
}

function integer(query: Query, name: string, min: number, max: number, fallback: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new ValidationError(`${name} must be an integer from ${min} to ${max}`, name);
  return value;
}

function customer(query: Query): string | undefined {
  const value = query.customer?.trim();
  if (!value) return undefined;
  if (!ID.test(value)) throw new ValidationError('customer must be a customer id', 'customer');
  return value;
}

function minSeverity(query: Query): Exclude<ViewSeverity, 'unknown'> | undefined {
  const value = query.severity;
  if (value === undefined || value === '' || value === 'any') return undefined;
  if (value !== 'minor' && value !== 'major' && value !== 'critical') throw new ValidationError('severity must be any, minor, major or critical (the least severity shown)', 'severity');
  return value;
}

interface CursorState {
  readonly position: ListPosition;
  /** The first page's time: later pages use the same age cutoff and months. */
  readonly at: string;
}

/** Base64url JSON of the position, the first page's time and a fingerprint of the filters it belongs to. */
function encodeCursor(position: ListPosition, at: string, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, f: fingerprint, p: position.partition, k: position.key, t: at })).toString('base64url');
}

function decodeCursor(raw: string | undefined, fingerprint: string, partitions: (at: Date) => readonly string[]): CursorState | undefined {
  if (raw === undefined || raw === '') return undefined;
  const invalid = () => new ValidationError('cursor is not one this list returned for these filters', 'cursor');
  if (raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let parsed: { v?: unknown; f?: unknown; p?: unknown; k?: unknown; t?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw invalid();
  }
  if (parsed.v !== 1 || parsed.f !== fingerprint || typeof parsed.t !== 'string' || Number.isNaN(Date.parse(parsed.t)) || !Number.isInteger(parsed.p)) throw invalid();
  const partition = parsed.p as number;
  const names = partitions(new Date(parsed.t));
  if (partition < 0 || partition >= names.length) throw invalid();
  if (parsed.k !== undefined) {
    const key = parsed.k as Record<string, unknown>;
    const { pkAttribute, skAttribute } = listIndexOf(names[partition]!);
    const fields = [pkAttribute, skAttribute, 'pk', 'sk'];
    if (!key || typeof key !== 'object' || Object.keys(key).sort().join() !== [...fields].sort().join() || fields.some((f) => typeof key[f] !== 'string') || key[pkAttribute] !== names[partition]) {
      throw invalid();
    }
  }
  return { position: { partition, ...(parsed.k ? { key: parsed.k as Record<string, string> } : {}) }, at: parsed.t };
}

/** The months (UTC `yyyy-mm`) from `days` before `at` to `at`, newest first. */
export function monthsBack(at: Date, days: number): string[] {
  const months: string[] = [];
  const start = new Date(at.getTime() - days * 86_400_000);
  for (let y = at.getUTCFullYear(), m = at.getUTCMonth(); y > start.getUTCFullYear() || (y === start.getUTCFullYear() && m >= start.getUTCMonth()); m === 0 ? (y--, (m = 11)) : m--) {
    months.push(`${y}-${String(m + 1).padStart(2, '0')}`);
  }
  return months;
}

interface ListRoute {
  readonly list: ListName;
  /** The query for these parameters at a time (the first page's). */
  readonly query: (params: Query, at: Date) => ListQuery;
  /** Parameters that select rows (not `limit` or `cursor`). */
  readonly filters: readonly string[];
}

const TROUBLE: ListRoute = {
  list: 'trouble',
  filters: ['severity', 'customer', 'minAgeMinutes'],
  query(params, at) {
    const severity = minSeverity(params);
    const minAge = integer(params, 'minAgeMinutes', 0, 525_600, 0);
    const c = customer(params);
    return {
      partitions: [listKeys.troublePk],
      // Sort keys start with 5 − rank: "at least major" is every key below the prefix of the next lower severity.
      ...(severity ? { sortKeyBelow: String(Number(listKeys.severityPrefix(SEVERITY_RANK[severity])) + 1) } : {}),
      ...(c ? { customerId: c } : {}),
      ...(minAge > 0 ? { sinceAtOrBefore: new Date(at.getTime() - minAge * 60_000).toISOString() } : {}),
    };
  },
};

const UNBILLED: ListRoute = {
  list: 'unbilled',
  filters: ['customer'],
  query(params) {
    const c = customer(params);
    // The state items in the `Unbilled` GSI, then the entries versions before 847969d wrote (lists.ts).
    return { partitions: [unbilledKeys.pk, listKeys.unbilledPk], ...(c ? { customerId: c } : {}) };
  },
};

const DISRUPTED: ListRoute = {
  list: 'disrupted',
  filters: ['customer', 'days', 'status'],
  query(params, at) {
    const days = integer(params, 'days', 1, 400, 30);
    const c = customer(params);
    if (params.status !== undefined && params.status !== '' && params.status !== 'open' && params.status !== 'all') throw new ValidationError('status must be open or all', 'status');
    return { partitions: monthsBack(at, days).map(listKeys.disruptedPk), descending: true, ...(c ? { customerId: c } : {}) };
  },
};

export function createVisibilityApi(deps: VisibilityApiDependencies): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const clock = deps.clock ?? (() => new Date());

  async function page<T>(route: ListRoute, params: Query, rowsOf: (states: Awaited<ReturnType<VisibilityReader['states']>>, ids: string[], now: Date) => T[]) {
    const fingerprint = stableJson({ list: route.list, ...Object.fromEntries(route.filters.map((f) => [f, params[f] ?? ''])) });
    const limit = integer(params, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
    const now = clock();
    const cursor = decodeCursor(params.cursor, fingerprint, (at) => route.query(params, at).partitions);
    const at = cursor ? new Date(cursor.at) : now;
    const query = route.query(params, at);
    const { entries, next } = await deps.reader.list(query, limit, cursor?.position);
    const ids = entries.map((e) => e.shipmentId);
    const states = await deps.reader.states(ids);
    // An entry a concurrent update left behind is dropped here: the view on the state item is the truth. So is an
    // older version's unbilled entry whose shipment the `Unbilled` GSI already holds (it was listed from there).
    const current = entries
      .filter((e) => belongsIn(states.get(e.shipmentId)?.view, route.list) && !(e.listPk === listKeys.unbilledPk && states.get(e.shipmentId)?.unbilledIndexed))
      .map((e) => e.shipmentId);
    return { items: rowsOf(states, current, now), ...(next ? { cursor: encodeCursor(next, at.toISOString(), fingerprint) } : {}), generatedAt: now.toISOString() };
  }

  const deliveries = (states: Awaited<ReturnType<VisibilityReader['states']>>, ids: string[], now: Date): DeliveryRow[] => ids.map((id) => deliveryRow(states.get(id)!, now));

  async function summary(params: Query) {
    const now = clock();
    const query = TROUBLE.query(params, now);
    const ids: string[] = [];
    let position: ListPosition | undefined = { partition: 0 };
    while (position && ids.length < SUMMARY_MAX_SHIPMENTS) {
      const { entries, next }: Awaited<ReturnType<VisibilityReader['list']>> = await deps.reader.list(query, Math.min(MAX_LIMIT, SUMMARY_MAX_SHIPMENTS - ids.length), position);
      ids.push(...entries.map((e) => e.shipmentId));
      position = next;
    }
    const states = await deps.reader.states(ids);
    const current = ids.flatMap((id) => (belongsIn(states.get(id)?.view, 'trouble') ? [states.get(id)!] : []));
    return { ...summarize(current), truncated: position !== undefined, generatedAt: now.toISOString() };
  }

  async function route(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const params: Query = event.queryStringParameters ?? {};
    switch (`${event.httpMethod} ${event.resource}`) {
      case 'GET /': {
        // Relative asset and API paths need the page at the stage's path with its trailing slash.
        const path = event.requestContext?.path;
        if (path && !path.endsWith('/')) return { statusCode: 301, headers: { location: `${path}/`, 'cache-control': 'no-cache' }, body: '' };
        return asset(deps.assets['index.html'], 'text/html; charset=utf-8', deps.config);
      }
      case 'GET /{asset}': {
        const name = event.pathParameters?.asset;
        if (name === 'app.js') return asset(deps.assets['app.js'], 'text/javascript; charset=utf-8', deps.config);
        if (name === 'app.css') return asset(deps.assets['app.css'], 'text/css; charset=utf-8', deps.config);
        if (name === 'config.json') return json(200, deps.config);
        return json(404, { message: 'not found' });
      }
      case 'GET /api/deliveries/trouble':
        return json(200, await page(TROUBLE, params, deliveries));
      case 'GET /api/deliveries/unbilled':
        return json(200, await page(UNBILLED, params, deliveries));
      case 'GET /api/cases': {
        const openOnly = params.status === 'open';
        return json(
          200,
          await page(DISRUPTED, params, (states, ids) => ids.flatMap((id) => caseRows(states.get(id)!)).filter((c: CaseRow) => !openOnly || c.status === 'open')),
        );
      }
      case 'GET /api/summary':
        return json(200, await summary(params));
      case 'GET /api/shipments/{id}/timeline': {
        let id: string | undefined;
        try {
          id = decodeURIComponent(event.pathParameters?.id ?? '');
        } catch {
          id = undefined;
        }
        if (!id || !ID.test(id)) throw new ValidationError('id must be an order, shipment, route, stop, case, invoice, customer, hold or correlation id', 'id');
        const trace = await deps.reader.trace(id);
        return trace ? json(200, trace) : json(404, { message: `nothing is known about ${id}` });
      }
      default:
        return json(404, { message: 'not found' });
    }
  }

  return async (event) => {
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof ValidationError) return json(400, { message: error.message, field: error.field });
      deps.onError?.(error, `${event.httpMethod} ${event.resource}`);
      return json(500, { message: 'the visibility API failed; see its function logs' });
    }
  };
}
