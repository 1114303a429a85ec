import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server of the sandbox runtime on a free loopback port (the local Step Functions and Lambda APIs,
 * the control API). Subclasses answer requests in `handle`; an error it throws becomes a JSON 500.
 */
export abstract class LoopbackServer {
  private readonly server: Server;
  private port = 0;

  protected constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `sandbox: ${(error as Error).message}` }));
      });
    });
    this.server.keepAliveTimeout = 1000;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
