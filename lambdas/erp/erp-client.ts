import { numberEnv, requireEnv } from '../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError } from '../shared/errors';
import { HttpJsonClient, seg, type HttpRequest } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import type { ErpCustomerContract, ErpOrder, ErpPort, ErpShipmentStatus } from './erp-port';

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
 * The generic ERP REST API over HTTP (implements {@link ErpPort}).
 *
 * Authentication: OAuth2 client credentials, `POST {base}/oauth/token` with HTTP Basic client
 * authentication (RFC 6749 §2.3.1) → `{access_token, expires_in}`; the token is cached per container until
 * a minute before it expires, one refresh at a time, and refreshed once when the API answers 401.
 * Every write carries the caller's `Idempotency-Key`.
 */
export class ErpClient implements ErpPort {
  private token?: { value: string; expiresAt: number };
  private pendingToken?: Promise<string>;

  constructor(
    private readonly http: HttpJsonClient,
    private readonly credentials: CredentialsSource<ErpCredentials>,
    private readonly clock: () => number = Date.now,
  ) {}

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

  async releaseQualityHold(holdId: string, idempotencyKey: string): Promise<void> {
    await this.call({ method: 'POST', path: `/quality-holds/${seg(holdId)}/release`, idempotencyKey });
  }

  async markBillingReady(orderId: string, body: { shipmentId?: string; podDocumentId?: string; deliveredAt: string }, idempotencyKey: string): Promise<void> {
    await this.call({ method: 'POST', path: `/orders/${seg(orderId)}/billing-ready`, json: body, idempotencyKey });
  }

  private async call<T>(request: HttpRequest): Promise<{ body: T }> {
    const token = await this.accessToken();
    try {
      return await this.http.request<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } });
    } catch (error) {
      // A token revoked or expired early: fetch a new one and try once more.
      if (error instanceof RejectedByTargetError && error.status === 401) {
        this.token = undefined;
        const fresh = await this.accessToken();
        return this.http.request<T>({ ...request, headers: { ...request.headers, authorization: `Bearer ${fresh}` } });
      }
      throw error;
    }
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.clock()) return this.token.value;
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async fetchToken(): Promise<string> {
    const { clientId, clientSecret, scope } = await this.credentials();
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (scope) form.scope = scope;
    const { body } = await this.http.request<{ access_token?: unknown; expires_in?: unknown }>({
      method: 'POST',
      path: '/oauth/token',
      form,
      headers: { authorization: `Basic ${basic}` },
    });
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw new UpstreamUnavailableError('ERP token endpoint returned no access_token');
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    // Short-lived tokens: refresh at half their life rather than a minute before.
    const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 2);
    this.token = { value: body.access_token, expiresAt: this.clock() + lifetimeMs - margin };
    return body.access_token;
  }
}

/**
 * The ERP client for a Lambda: base URL from `API_BASE_URL`, credentials from the JSON secret named by
 * `SECRET_NAME` (`clientId`, `clientSecret`, optional `scope`), request timeout from `HTTP_TIMEOUT_MS`
 * and pacing from `HTTP_MIN_INTERVAL_MS`. Reads the environment when called (call it at module scope).
 */
export function createErpClientFromEnv(): ErpClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({
    target: 'ERP',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS', 8000),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS', 0),
  });
  return new ErpClient(http, secretFieldsFromSecretsManager(secretName, ['clientId', 'clientSecret'], ['scope']));
}
