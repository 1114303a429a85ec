/**
 * OAuth2 client authentication of the ERP clients (RFC 6749 §2.3.1 and Appendix B): the client id and secret
 * are encoded with application/x-www-form-urlencoded before they are joined with ":" and base64-encoded for
 * HTTP Basic. encodeURIComponent is not that encoding: it leaves ! ' ( ) * alone and writes a space as %20.
 */
import { describe, expect, test } from 'vitest';
import { ErpClient, formUrlEncode } from '../../lambdas/erp/erp-client';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { ErpSimulator } from '../../sandbox/simulators/erp';

const CLIENT_ID = "lsync client!'()*";
const CLIENT_SECRET = "p@ss word+!'()*~/%:";

function recordingFetch(): { fetch: typeof fetch; requests: { url: string; headers: Headers; body: string }[] } {
  const requests: { url: string; headers: Headers; body: string }[] = [];
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    requests.push({ url, headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : '' });
    if (url.endsWith('/oauth/token')) return Response.json({ access_token: 'tok', token_type: 'Bearer', expires_in: 3600 });
    return Response.json({ orderId: 'SO-1', customerId: 'C-1', lines: [] });
  };
  return { fetch: fetchFn as typeof fetch, requests };
}

describe('OAuth2 client authentication (RFC 6749 §2.3.1, Appendix B)', () => {
  test('formUrlEncode follows application/x-www-form-urlencoded, as RFC 6749 Appendix B shows', () => {
    // The example of Appendix B: " %&+£€" → "+%25%26%2B%C2%A3%E2%82%AC".
    expect(formUrlEncode(' %&+£€')).toBe('+%25%26%2B%C2%A3%E2%82%AC');
    expect(formUrlEncode("!'()*~")).toBe('%21%27%28%29%2A%7E');
    expect(formUrlEncode('s6BhdRkqt3')).toBe('s6BhdRkqt3');
  });

  test('the Basic credentials are the form-urlencoded client id and secret, not encodeURIComponent', async () => {
    const recorder = recordingFetch();
    const http = new HttpJsonClient({ target: 'ERP', baseUrl: 'https://erp.test/api', fetch: recorder.fetch });
    const client = new ErpClient(http, async () => ({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }));
    await client.getOrder('SO-1');
    const token = recorder.requests[0];
    expect(token.url).toBe('https://erp.test/api/oauth/token');
    const basic = /^Basic (.+)$/.exec(token.headers.get('authorization') ?? '')?.[1];
    const decoded = Buffer.from(basic ?? '', 'base64').toString('utf8');
    expect(decoded).toBe("lsync+client%21%27%28%29%2A:p%40ss+word%2B%21%27%28%29%2A%7E%2F%25%3A");
    expect(new URLSearchParams(token.body).get('grant_type')).toBe('client_credentials');
  });

  test('the token URL is configurable (e.g. an SAP BTP service key: {url}/oauth/token on another host)', async () => {
    const recorder = recordingFetch();
    const http = new HttpJsonClient({ target: 'ERP', baseUrl: 'https://my-s4.example.com', fetch: recorder.fetch });
    const client = new ErpClient(http, async () => ({ clientId: 'sb-lsync', clientSecret: 's' }), { tokenUrl: 'https://lsync.authentication.eu10.hana.ondemand.com/oauth/token' });
    await client.getOrder('SO-1');
    expect(recorder.requests.map((r) => r.url)).toEqual(['https://lsync.authentication.eu10.hana.ondemand.com/oauth/token', 'https://my-s4.example.com/orders/SO-1']);
  });

  test('the ERP simulator decodes RFC 6749 Basic credentials and issues a token to such a client', async () => {
    const erp = new ErpSimulator({ cloudEventsSecret: 'x', autoPostInvoice: false, credentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
    await erp.start();
    try {
      const client = new ErpClient(new HttpJsonClient({ target: 'ERP', baseUrl: erp.url, timeoutMs: 2000 }), async () => ({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }));
      await expect(client.getOrder('SO-1001')).resolves.toMatchObject({ orderId: 'SO-1001' });
    } finally {
      await erp.stop();
    }
  });
});
