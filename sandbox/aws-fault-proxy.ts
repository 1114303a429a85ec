import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault to inject into the functions' AWS calls: requests whose `X-Amz-Target` starts with `target` (e.g.
 * `DynamoDB_20120810.` for every DynamoDB call, `AWSEvents.PutEvents`) fail with `status` and the service's JSON
 * error body `{"__type": code}` with probability `rate`, while the fault lasts.
 */
export interface AwsFaultSpec {
  readonly target: string;
  /** Share of matching requests that fail, 0–1. @default 1 */
  readonly rate?: number;
  /** How long the fault lasts from when it is set. @default - until cleared */
  readonly durationMs?: number;
  /** @default 500 */
  readonly status?: number;
  /** The error's `__type` (e.g. `InternalServerError`, `ProvisionedThroughputExceededException`). @default 'InternalFailure' */
  readonly code?: string;
}

interface ActiveAwsFault extends AwsFaultSpec {
  readonly id: number;
  readonly until: number;
  hits: number;
}

/**
 * The emulator as the functions see it, with switchable failures: a pass-through HTTP proxy in front of moto that
 * answers chosen AWS JSON-protocol operations with a server error for a window, as DynamoDB and EventBridge do
 * during an incident (moto has no such switch). Only the functions' `AWS_ENDPOINT_URL` points here; the sandbox's
 * own clients (pollers, deployer, checks) talk to moto directly. Started by `startSandbox({ awsFaultProxy: true })`;
 * see docs/sandbox.md.
 */
export class AwsFaultProxy {
  private server?: Server;
  private faults: ActiveAwsFault[] = [];
  private nextId = 1;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  /** Requests failed on purpose, by `X-Amz-Target`. */
  readonly failed = new Map<string, number>();
  forwarded = 0;
  url = '';

  constructor(
    private readonly upstream: string,
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<string> {
    const upstream = new URL(this.upstream);
    const server = createServer((req, res) => this.handle(req, res, upstream));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** Sets a fault; returns its id. */
  set(spec: AwsFaultSpec): number {
    if (!spec.target) throw new Error('an AWS fault needs a target (X-Amz-Target prefix)');
    if (spec.rate !== undefined && !(spec.rate >= 0 && spec.rate <= 1)) throw new Error(`rate must be within 0-1, got ${spec.rate}`);
    const id = this.nextId++;
    this.faults.push({ ...spec, id, until: spec.durationMs === undefined ? Infinity : Date.now() + spec.durationMs, hits: 0 });
    return id;
  }

  /** Clears one fault, or all. */
  clear(id?: number): void {
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
  }

  get totalFailed(): number {
    return [...this.failed.values()].reduce((a, b) => a + b, 0);
  }

  private decide(target: string): ActiveAwsFault | undefined {
    const now = Date.now();
    this.faults = this.faults.filter((f) => f.until > now);
    return this.faults.find((f) => target.startsWith(f.target) && this.random() < (f.rate ?? 1));
  }

  private handle(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const fault = target ? this.decide(target) : undefined;
    if (fault) {
      fault.hits++;
      this.failed.set(target, (this.failed.get(target) ?? 0) + 1);
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ __type: fault.code ?? 'InternalFailure', message: 'injected by the sandbox AWS fault proxy' });
        res.writeHead(fault.status ?? 500, { 'content-type': String(req.headers['content-type'] ?? 'application/x-amz-json-1.1'), 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    this.forwarded++;
    const forward = request(
      { agent: this.agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(forward);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
