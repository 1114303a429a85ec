import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../errors';
import { PayloadTooLargeError, SignatureError, UnsupportedMediaTypeError } from './errors';

/**
 * A webhook request as the intake pipeline sees it: raw body bytes (signatures are computed over them, so the
 * body is never re-serialised) and headers by lower-cased name with every value received.
 */
export interface WebhookRequest {
  /** Last path segment of the route, e.g. `samsara` for `/webhooks/fleet/samsara`. */
  readonly route: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
  /** Query string parameters (API Gateway `queryStringParameters`); absent when there are none. */
  readonly query?: ReadonlyMap<string, string>;
  /** The HTTP method when it is not POST (a subscription handshake by GET); absent for POST. */
  readonly method?: string;
}

/** Lower-cases header names and keeps every value (API Gateway `multiValueHeaders` when present). */
export function normalizeHeaders(
  single: Record<string, string | undefined> | null | undefined,
  multi?: Record<string, string[] | undefined> | null,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, value: string | undefined) => {
    if (value === undefined) return;
    const key = name.toLowerCase();
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  };
  if (multi && Object.keys(multi).length > 0) {
    for (const [name, values] of Object.entries(multi)) for (const v of values ?? []) add(name, v);
  } else if (single) {
    for (const [name, value] of Object.entries(single)) add(name, value);
  }
  return out;
}

/**
 * Builds a {@link WebhookRequest} from an API Gateway proxy event, enforcing the body bound first.
 * REST APIs have no request-size setting below API Gateway's own 10 MB, so the bound lives here: the
 * declared Content-Length is checked before the body is even decoded, then the decoded length.
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEvent, maxBodyBytes: number): WebhookRequest {
  const headers = normalizeHeaders(event.headers, event.multiValueHeaders);
  const declared = headers.get('content-length')?.[0];
  if (declared !== undefined && /^\d{1,15}$/.test(declared) && Number(declared) > maxBodyBytes) {
    throw new PayloadTooLargeError(maxBodyBytes, Number(declared));
  }
  const raw = event.body ?? '';
  // Refuse before decoding when even the smallest possible decoded size is too big: base64 carries 3 bytes
  // per 4 characters, and UTF-8 needs at least one byte per UTF-16 code unit.
  const estimate = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : raw.length;
  if (estimate > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes, estimate);
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (body.length > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes, body.length);
  const query = new Map(Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const method = (event.httpMethod ?? 'POST').toUpperCase();
  return { route: routeOf(event), headers, body, ...(query.size > 0 ? { query } : {}), ...(method !== 'POST' ? { method } : {}) };
}

/** The dialect segment of the route: `samsara` for `/webhooks/fleet/samsara` (the resource template, else the path). */
export function routeOf(event: Pick<APIGatewayProxyEvent, 'resource' | 'path'>): string {
  return (event.resource || event.path || '').split('/').filter(Boolean).pop() ?? '';
}

/**
 * The one value of a header that must appear exactly once (signature and timestamp headers): a missing or
 * repeated one is an authentication failure, never "take the first".
 */
export function signatureHeader(request: WebhookRequest, name: string): string {
  const values = request.headers.get(name.toLowerCase());
  if (!values || values.length === 0 || values[0] === '') {
    throw new SignatureError('missing-header', `missing ${name} header`);
  }
  if (values.length > 1) throw new SignatureError('duplicate-header', `${name} header appears more than once`);
  return values[0];
}

/** An optional header that, when present, must appear once; 400 otherwise. */
export function optionalHeader(request: WebhookRequest, name: string): string | undefined {
  const values = request.headers.get(name.toLowerCase());
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw new ValidationError(`${name} header appears more than once`, `header:${name}`);
  return values[0];
}

/** The media type of the request (`application/json` for `application/json; charset=utf-8`), lower-cased. */
export function mediaType(request: WebhookRequest): string | undefined {
  const values = request.headers.get('content-type');
  if (!values || values.length !== 1) return undefined;
  const [type, ...params] = values[0].split(';');
  // Signatures cover bytes, and the body is decoded as UTF-8: any other declared charset is refused.
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('charset='));
  if (charset && !/^charset="?utf-8"?$/.test(charset)) return undefined;
  return type.trim().toLowerCase();
}

/** Throws 415 unless the request's media type is one of `accepted`. */
export function requireMediaType(request: WebhookRequest, accepted: readonly string[]): string {
  const type = mediaType(request);
  if (type === undefined || !accepted.includes(type)) {
    throw new UnsupportedMediaTypeError(request.headers.get('content-type')?.join(', '), accepted);
  }
  return type;
}
