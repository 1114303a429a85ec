import { randomBytes, randomUUID } from 'node:crypto';
import { json, safeEqual, type SimRequest, type SimResponse } from './common';

/** The simulated SAP BTP authorization server (XSUAA): a service key's `url` is `<simulator>/xsuaa`. */
export const XSUAA_PATH = '/xsuaa';

/** application/x-www-form-urlencoded decoding of one value (`+` is a space); undefined when malformed. */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/**
 * The ERP's OAuth2 client-credentials token endpoints (`/oauth/token`, and XSUAA's at `/xsuaa/oauth/token`) and
 * the Bearer tokens they issue: RFC 6749 requests and error bodies, tokens good for every API of the simulator
 * until they expire (or are all expired at once).
 */
export class ErpTokens {
  private readonly expiry = new Map<string, number>();

  constructor(
    private readonly credentials: { readonly clientId: string; readonly clientSecret: string },
    private readonly ttlSeconds: number,
    private readonly now: () => Date,
  ) {}

  /** `POST /oauth/token` (flavor `erp`) or `POST /xsuaa/oauth/token` (flavor `xsuaa`). */
  issue(req: SimRequest, flavor: 'erp' | 'xsuaa' = 'erp'): SimResponse {
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
    this.expiry.set(token, this.now().getTime() + this.ttlSeconds * 1000);
    // XSUAA answers token_type "bearer" and a jti; tokens from either endpoint are good for every API here.
    const body = flavor === 'xsuaa' ? { access_token: token, token_type: 'bearer', expires_in: this.ttlSeconds, scope: 'uaa.resource', jti: randomUUID().replaceAll('-', '') } : { access_token: token, token_type: 'Bearer', expires_in: this.ttlSeconds };
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  /** Whether a token was issued here and has not expired. */
  valid(token: string): boolean {
    const expiresAt = this.expiry.get(token);
    return expiresAt !== undefined && expiresAt > this.now().getTime();
  }

  /** Invalidates every token (clients must fetch a new one). Returns how many were dropped. */
  expireAll(): number {
    const count = this.expiry.size;
    this.expiry.clear();
    return count;
  }
}
