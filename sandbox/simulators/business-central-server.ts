import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BC_API_HOST, BusinessCentralSimulator, ENTRA_HOST, type BcSimulatorOptions, type Deliver } from './business-central';

/**
 * Business Central and its Entra ID token endpoint on one loopback port, for the sandbox (the simulator itself is an
 * in-process `fetch` of the two real hosts: business-central.ts). `/login/{tenant}/oauth2/v2.0/token` is Entra's
 * `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`; every other path is
 * `https://api.businesscentral.dynamics.com{path}`. BC's handshakes and notifications go to the subscription's
 * notificationUrl — the stage's API Gateway URL — through {@link resolveUrl}, which the sandbox points at its local API.
 */
export class BusinessCentralServer {
  readonly sim: BusinessCentralSimulator;
  /** Maps a notificationUrl (the deployed API's https URL) to where it is served locally. @default - unchanged */
  resolveUrl: (url: string) => string = (url) => url;
  private server?: Server;
  private base = '';
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(credentials: { clientId: string; clientSecret: string }, now?: () => Date, options: BcSimulatorOptions = {}) {
    const deliver: Deliver = async (url, body) => {
      const sending = fetch(this.resolveUrl(url), { method: 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(30_000) }).then(async (r) => ({ status: r.status, text: await r.text() }));
      this.inFlight.add(sending);
      try {
        return await sending;
      } finally {
        this.inFlight.delete(sending);
      }
    };
    this.sim = new BusinessCentralSimulator(credentials, deliver, now, options);
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.base;
  }

  /** What the stage configures as `systems.erp.apiBaseUrl` (the environment's root, as in BC online). */
  get apiBaseUrl(): string {
    return `${this.base}/v2.0/${this.sim.tenant}/${this.sim.environment}`;
  }

  /** What the stage configures as `systems.erp.tokenUrl`. */
  get tokenUrl(): string {
    return `${this.base}/login/${this.sim.tenant}/oauth2/v2.0/token`;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const target = path.startsWith('/login/') ? `${ENTRA_HOST}${path.slice('/login'.length)}` : `${BC_API_HOST}${path}`;
        const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));
        const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined;
        this.sim
          .fetch(target, { method: req.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) })
          .then(async (answer) => {
            res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
            res.end(Buffer.from(await answer.arrayBuffer()));
          })
          .catch((error: unknown) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { code: 'Internal_ServerError', message: String(error) } }));
          });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.base;
  }

  reset(): void {
    this.sim.reset();
  }

  /** Resolves when every handshake and notification BC has started is answered. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.sim.stop();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
