import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeployedStack } from '../../deploy/deployer';
import type { FunctionRegistry, LocalFunction } from '../functions';
import { gatewayErrorResponse } from './gateway-responses';
import { proxyEvent, proxyResponse } from './proxy-integration';
import { MethodRouter, missingParameters, throttleSetting, TokenBucket } from './routing';
import { httpApiSpecs, restApiSpecs, type MethodSpec, type RestApiSpec, type StageSpec } from './specs';

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's maximum integration timeout: REST APIs (default) and HTTP APIs. */
const INTEGRATION_TIMEOUT_MS = { REST: 29_000, HTTP: 30_000 } as const;

/**
 * How an HTTP API answers what a REST API answers with a gateway response, by the REST response type: its own
 * fixed JSON bodies (`{"message": …}`), not configurable (HTTP APIs have no gateway responses). A route that does
 * not exist is a 404 there (a REST API says 403 "Missing Authentication Token"); an integration that does not answer
 * in time a 503.
 */
const HTTP_API_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  MISSING_AUTHENTICATION_TOKEN: [404, 'Not Found'],
  THROTTLED: [429, 'Too Many Requests'],
  REQUEST_TOO_LARGE: [413, 'Request Entity Too Large'],
  INTEGRATION_TIMEOUT: [503, 'Service Unavailable'],
  DEFAULT_5XX: [500, 'Internal Server Error'],
};

export interface ApiStats {
  requests: number;
  throttled: number;
  integrationErrors: number;
  byStatus: Record<string, number>;
}

/**
 * A REST API (or an HTTP API: `spec.protocol`) of the template served on a loopback port:
 * `http://127.0.0.1:<port>/<stage>/<path>` reaches the method's Lambda proxy integration with the proxy event
 * (payload format 1.0 for an HTTP API), honouring the stage's method (route) throttling. AWS_IAM authorization is
 * accepted without a signature check (see docs/sandbox.md).
 */
export class LocalRestApi {
  readonly stats: ApiStats = { requests: 0, throttled: 0, integrationErrors: 0, byStatus: {} };
  private readonly server: Server;
  private readonly router: MethodRouter;
  private readonly buckets = new Map<string, TokenBucket | null>();
  private listeningPort = 0;

  constructor(
    readonly spec: RestApiSpec,
    private readonly functions: FunctionRegistry,
  ) {
    this.router = new MethodRouter(spec.methods);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.reply(res, 500, { message: `sandbox: ${(error as Error).message}` });
      });
    });
    this.server.keepAliveTimeout = 1000;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.listeningPort = (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Base URL of the API (without stage). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.listeningPort}`;
  }

  /** Invoke URL of a stage, with a trailing slash like CDK's `RestApi.url`. */
  stageUrl(stageName = this.spec.stages[0]?.stageName ?? ''): string {
    return `${this.baseUrl}/${stageName}/`;
  }

  /** The method that would serve `httpMethod path` (path below the stage), if any. */
  methodFor(httpMethod: string, path: string): MethodSpec | undefined {
    return this.router.match(httpMethod, path)?.method;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private count(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }

  private reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    this.count(status);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers).end(JSON.stringify(body));
  }

  /** An error API Gateway itself answers (gateway-responses.ts; an HTTP API's in its own fixed shapes). */
  private gatewayError(res: ServerResponse, responseType: string, message: string, errorType: string, requestId = randomUUID()): void {
    if (this.spec.protocol === 'HTTP') {
      const [status, httpMessage] = HTTP_API_ERRORS[responseType] ?? [500, 'Internal Server Error'];
      this.count(status);
      res.writeHead(status, { 'content-type': 'application/json', 'apigw-requestid': requestId }).end(JSON.stringify({ message: httpMessage }));
      return;
    }
    const sourceIp = (res.req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const response = gatewayErrorResponse(this.spec, { responseType, message, requestId, sourceIp });
    if (!response.configured) {
      this.reply(res, response.status, { message }, errorType);
      return;
    }
    this.count(response.status);
    res.writeHead(response.status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType, ...response.headers }).end(response.body);
  }

  private throttleFor(stage: StageSpec, method: MethodSpec, httpMethod: string): TokenBucket | null {
    const key = `${stage.stageName} ${method.resourcePath} ${httpMethod}`;
    if (!this.buckets.has(key)) {
      const setting = throttleSetting(stage, method, httpMethod);
      this.buckets.set(key, setting ? new TokenBucket(setting) : null);
    }
    return this.buckets.get(key)!;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    const received = new Date();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, stageName, ...rest] = url.pathname.split('/');
    const stage = this.spec.stages.find((s) => s.stageName === stageName);
    const path = `/${rest.join('/')}`;
    const httpMethod = (req.method ?? 'GET').toUpperCase();
    const matched = stage ? this.router.match(httpMethod, path) : undefined;
    if (!stage || !matched) {
      req.resume();
      this.gatewayError(res, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', 'MissingAuthenticationTokenException');
      return;
    }
    const { method } = matched;
    const bucket = this.throttleFor(stage, method, httpMethod);
    if (bucket && !bucket.take()) {
      req.resume();
      this.stats.throttled += 1;
      this.gatewayError(res, 'THROTTLED', 'Too Many Requests', 'TooManyRequestsException');
      return;
    }
    const missing = missingParameters(method.requiredParameters, { headers: req.headers, query: url.searchParams, path: matched.params });
    if (missing.length > 0) {
      req.resume();
      this.gatewayError(res, 'BAD_REQUEST_PARAMETERS', `Missing required request parameters: [${missing.join(', ')}]`, 'BadRequestException');
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        this.gatewayError(res, 'REQUEST_TOO_LARGE', 'Request Too Long', 'RequestTooLongException');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);

    const fn = method.integrationType === 'AWS_PROXY' && method.functionArn ? this.functions.find(method.functionArn) : undefined;
    if (!fn) {
      this.stats.integrationErrors += 1;
      this.reply(res, 500, { message: `sandbox: ${method.integrationType} integration of ${method.httpMethod} ${method.resourcePath} is not supported locally (Lambda proxy only)` });
      return;
    }

    const event = proxyEvent(this, req, url, stage, method, httpMethod, path, matched.params, body, received);
    const outcome = await Promise.race([
      fn.invoke(event),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS[this.spec.protocol ?? 'REST']).unref()),
    ]);
    if (outcome === 'timeout') {
      this.stats.integrationErrors += 1;
      this.gatewayError(res, 'INTEGRATION_TIMEOUT', 'Endpoint request timed out', 'IntegrationTimeout');
      return;
    }
    if (!outcome.ok) {
      this.stats.integrationErrors += 1;
      this.gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 'InternalServerErrorException');
      return;
    }
    this.writeProxyResponse(res, outcome.payload, fn);
  }

  private writeProxyResponse(res: ServerResponse, payload: unknown, fn: LocalFunction): void {
    const response = proxyResponse(payload, this.spec.protocol);
    if (!response) {
      // API Gateway answers a malformed Lambda proxy response with 502.
      this.stats.integrationErrors += 1;
      process.emitWarning(`sandbox: ${fn.spec.functionName} returned a malformed Lambda proxy response`);
      this.gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 'InternalServerErrorException');
      return;
    }
    this.count(response.status);
    res.writeHead(response.status, response.headers).end(response.body);
  }
}

/** Serves every REST API and HTTP API of the deployed stacks, one loopback port each. */
export async function startRestApis(stacks: readonly DeployedStack[], functions: FunctionRegistry): Promise<LocalRestApi[]> {
  const apis: LocalRestApi[] = [];
  for (const stack of stacks) {
    for (const spec of [...restApiSpecs(stack), ...httpApiSpecs(stack)]) {
      const api = new LocalRestApi(spec, functions);
      await api.listen();
      apis.push(api);
    }
  }
  return apis;
}
