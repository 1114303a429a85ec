import { numberEnv, optionalEnv, requireEnv } from '../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError } from '../shared/errors';
import { HttpJsonClient, seg, type HttpRequest } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import type { ErpCustomerContract, ErpHoldSource, ErpOrder, ErpPort, ErpShipmentStatus } from './erp-port';

/** ERP API credentials (the `clientId` / `clientSecret` fields of the ERP secret). */
export interface ErpCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Optional OAuth scope. */
  readonly scope?: string;
}

/** Refresh a token this long before it expires, so a request never starts with a token about to lapse. */
const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * `application/x-www-form-urlencoded` encoding of one value (the WHATWG URL serializer, which RFC 6749
 * Appendix B refers to through HTML): a space becomes `+`, every byte outside `A-Z a-z 0-9 - . _` is written
 * `%HH` of its UTF-8. `*` is written `%2A` too (HTML 4.01: "non-alphanumeric characters are replaced by %HH";
 * every form decoder reads both). Not encodeURIComponent, which leaves `! ' ( ) * ~` alone and writes a space
 * as `%20`. Pure.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1).replaceAll('*', '%2A');
}

/**
 * The `Authorization` header of OAuth2 client authentication with HTTP Basic (RFC 6749 §2.3.1): client id and
 * secret are form-urlencoded (Appendix B) before they are joined with `:` and base64-encoded. Pure.
 */
export function basicClientAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`).toString('base64')}`;
}

export interface ClientCredentialsOptions {
  /**
   * Absolute URL of the token endpoint (e.g. an SAP BTP service key's `url` + `/oauth/token`, on the
   * authorization server's host, not the API's).
   * @default '<API base URL>/oauth/token'
   */
  readonly tokenUrl?: string;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * OAuth2 client credentials grant (RFC 6749 §4.4): `POST <tokenUrl>` with `grant_type=client_credentials`
 * (and `scope` when configured), client authentication with HTTP Basic (§2.3.1) → `{access_token,
 * expires_in}`. The token is cached until a minute before it expires (half its life when shorter), one
 * refresh at a time.
 */
export class ClientCredentialsToken {
  private token?: { value: string; expiresAt: number };
  private pendingToken?: Promise<string>;
  private readonly tokenHttp: HttpJsonClient;
  private readonly tokenPath: string;
  private readonly clock: () => number;

  constructor(
    api: HttpJsonClient,
    private readonly credentials: CredentialsSource<ErpCredentials>,
    options: ClientCredentialsOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    if (options.tokenUrl) {
      const url = new URL(options.tokenUrl);
      this.tokenHttp = api.withBaseUrl(url.origin, `${api.target} token endpoint`);
      this.tokenPath = `${url.pathname}${url.search}`;
    } else {
      this.tokenHttp = api;
      this.tokenPath = '/oauth/token';
    }
  }

  /** A valid access token (cached, or fetched now). */
  async get(): Promise<string> {
    if (this.token && this.token.expiresAt > this.clock()) return this.token.value;
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  /** Forgets the cached token (the API answered 401). */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { clientId, clientSecret, scope } = await this.credentials();
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (scope) form.scope = scope;
    const { body } = await this.tokenHttp.request<{ access_token?: unknown; expires_in?: unknown }>({
      method: 'POST',
      path: this.tokenPath,
      form,
      headers: { authorization: basicClientAuthorization(clientId, clientSecret) },
    });
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new UpstreamUnavailableError(`${this.tokenHttp.target} returned no access_token`);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    // Short-lived tokens: refresh at half their life rather than a minute before.
    const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    this.token = { value: body.access_token, expiresAt: this.clock() + lifetimeMs - margin };
    return body.access_token;
  }
}

/** Sends a request with the Bearer token; on 401 fetches a new token and tries once more. */
export async function withBearer<T>(http: HttpJsonClient, token: ClientCredentialsToken, request: HttpRequest): Promise<{ body: T }> {
  const first = await token.get();
  try {
    return await http.request<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${first}` } });
  } catch (error) {
    // A token revoked or expired early: fetch a new one and try once more.
    if (error instanceof RejectedByTargetError && error.status === 401) {
      token.invalidate();
      const fresh = await token.get();
      return http.request<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${fresh}` } });
    }
    throw error;
  }
}

/**
 * The generic ERP REST API over HTTP (implements {@link ErpPort}); the API is specified in
 * contracts/generic-erp/openapi.json.
 *
 * Authentication: OAuth2 client credentials ({@link ClientCredentialsToken}: token endpoint
 * `{base}/oauth/token` unless `tokenUrl` says otherwise, HTTP Basic client authentication with form-urlencoded
 * id and secret), the token refreshed once when the API answers 401. Every write carries the caller's
 * `Idempotency-Key`.
 */
export class ErpClient implements ErpPort, ErpHoldSource {
  private readonly token: ClientCredentialsToken;

  constructor(
    private readonly http: HttpJsonClient,
    credentials: CredentialsSource<ErpCredentials>,
    options: ClientCredentialsOptions = {},
  ) {
    this.token = new ClientCredentialsToken(http, credentials, options);
  }

  async getOrder(orderId: string): Promise<ErpOrder> {
    const { body } = await this.call<ErpOrder>({ method: 'GET', path: `/orders/${seg(orderId)}` });
    if (!body || typeof body !== 'object') throw new UpstreamUnavailableError(`ERP returned no order for ${orderId}`);
    return body;
  }

  async getCustomerContract(customerId: string): Promise<ErpCustomerContract> {
    const { body } = await this.call<ErpCustomerContract>({ method: 'GET', path: `/customers/${seg(customerId)}/contract` });
    if (!body || typeof body !== 'object') throw new UpstreamUnavailableError(`ERP returned no contract for ${customerId}`);
    return body;
  }

  async updateShipmentStatus(
    shipmentId: string,
    update: { status: ErpShipmentStatus; orderId?: string; occurredAt: string; eventId: string; reason?: string },
    idempotencyKey: string,
  ): Promise<void> {
    await this.call({ method: 'PUT', path: `/shipments/${seg(shipmentId)}/status`, json: update, idempotencyKey });
  }

  async placeQualityHold(hold: { orderId: string; shipmentId?: string; reason: string; severity: string }, idempotencyKey: string): Promise<{ holdId: string }> {
    const { body } = await this.call<{ holdId?: unknown }>({ method: 'POST', path: '/quality-holds', json: hold, idempotencyKey });
    if (typeof body?.holdId !== 'string' && typeof body?.holdId !== 'number') {
      throw new UpstreamUnavailableError('ERP accepted the quality hold but returned no holdId');
    }
    return { holdId: String(body.holdId) };
  }

  /** A quality hold as the ERP has it now (the reconciliation sweep); undefined when the ERP does not know it (404). */
  async readQualityHold(holdId: string): Promise<unknown> {
    try {
      const { body } = await this.call<unknown>({ method: 'GET', path: `/quality-holds/${seg(holdId)}` });
      return body;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }

  async releaseQualityHold(holdId: string, idempotencyKey: string): Promise<void> {
    await this.call({ method: 'POST', path: `/quality-holds/${seg(holdId)}/release`, idempotencyKey });
  }

  async markBillingReady(orderId: string, body: { shipmentId?: string; podDocumentId?: string; deliveredAt: string }, idempotencyKey: string): Promise<void> {
    await this.call({ method: 'POST', path: `/orders/${seg(orderId)}/billing-ready`, json: body, idempotencyKey });
  }

  private call<T>(request: HttpRequest): Promise<{ body: T }> {
    return withBearer<T>(this.http, this.token, request);
  }
}

/**
 * The ERP client for a Lambda: base URL from `API_BASE_URL`, token endpoint from `TOKEN_URL` (default
 * `{API_BASE_URL}/oauth/token`), credentials from the JSON secret named by `SECRET_NAME` (`clientId`,
 * `clientSecret`, optional `scope`), request timeout from `HTTP_TIMEOUT_MS` and pacing from
 * `HTTP_MIN_INTERVAL_MS`. Reads the environment when called (call it at module scope).
 */
export function createErpClientFromEnv(): ErpClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({
    target: 'ERP',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS'),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS'),
  });
  const tokenUrl = optionalEnv('TOKEN_URL');
  return new ErpClient(http, secretFieldsFromSecretsManager(secretName, ['clientId', 'clientSecret'], ['scope']), tokenUrl ? { tokenUrl } : {});
}
