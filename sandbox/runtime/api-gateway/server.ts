import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DeployedStack } from '../../deploy/deployer';
import type { FunctionRegistry, LocalFunction } from '../functions';
import { renderAccessLog } from './access-log';
import { gatewayErrorResponse } from './gateway-responses';
import { proxyEvent, proxyResponse, sourceIpOf } from './proxy-integration';
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
  /** Lines the stages wrote to their access logs, and their bytes (each with its newline): CloudWatch Logs ingests them. */
  accessLogLines: number;
  accessLogBytes: number;
}

export interface LocalApiOptions {
  /** Where the stages' access logs are written (`<stack>-<api>-<stage>.log`); counted in `stats` either way. */
  readonly accessLogDir?: string;
}

/** What the access log line of a request needs beyond its response (access-log.ts), gathered while it is served. */
interface RequestRecord {
  requestId: string;
  readonly received: Date;
  readonly stage: StageSpec;
  readonly httpMethod: string;
  readonly path: string;
  readonly sourceIp: string;
  readonly userAgent?: string;
  method?: MethodSpec;
  integrationStatus?: number;
  integrationLatencyMs?: number;
  xrayTraceId?: string;
}

/**
 * A REST API (or an HTTP API: `spec.protocol`) of the template served on a loopback port:
 * `http://127.0.0.1:<port>/<stage>/<path>` reaches the method's Lambda proxy integration with the proxy event
 * (payload format 1.0 for an HTTP API), honouring the stage's method (route) throttling. AWS_IAM authorization is
 * accepted without a signature check (see docs/sandbox.md).
 */
export class LocalRestApi {
  readonly stats: ApiStats = { requests: 0, throttled: 0, integrationErrors: 0, byStatus: {}, accessLogLines: 0, accessLogBytes: 0 };
  private readonly server: Server;
  private readonly requests = new WeakMap<ServerResponse, RequestRecord>();
  private readonly accessLogs = new Map<string, WriteStream>();
  private readonly router: MethodRouter;
  private readonly buckets = new Map<string, TokenBucket | null>();
  private listeningPort = 0;

  constructor(
    readonly spec: RestApiSpec,
    private readonly functions: FunctionRegistry,
    private readonly options: LocalApiOptions = {},
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
    await Promise.all([...this.accessLogs.values()].map((stream) => new Promise<void>((resolve) => stream.end(() => resolve()))));
    this.accessLogs.clear();
  }

  private count(status: number): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
  }

  /** The request's id: the one its access log line and its answer carry. */
  private requestIdOf(res: ServerResponse): string {
    return this.requests.get(res)?.requestId ?? randomUUID();
  }

  /** Answers, and writes the request's access log line when its stage logs access (API Gateway's own errors included). */
  private send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer, error?: { message: string; responseType: string }): void {
    this.count(status);
    res.writeHead(status, headers).end(body);
    this.logAccess(res, status, typeof body === 'string' ? Buffer.byteLength(body) : body.length, error);
  }

  private logAccess(res: ServerResponse, status: number, responseLength: number, error?: { message: string; responseType: string }): void {
    const request = this.requests.get(res);
    const format = request?.stage.accessLogFormat;
    if (!request || !format) return;
    const line = `${renderAccessLog(format, {
      requestId: request.requestId,
      requestTime: request.received,
      sourceIp: request.sourceIp,
      userAgent: request.userAgent,
      httpMethod: request.httpMethod,
      path: request.path,
      stage: request.stage.stageName,
      apiId: this.spec.restApiId,
      ...(request.method ? (this.spec.protocol === 'HTTP' ? { routeKey: `${request.method.httpMethod} ${request.method.resourcePath}` } : { resourcePath: request.method.resourcePath }) : {}),
      status,
      responseLength,
      integrationStatus: request.integrationStatus,
      integrationLatencyMs: request.integrationLatencyMs,
      responseLatencyMs: Date.now() - request.received.getTime(),
      errorMessage: error?.message,
      errorResponseType: error?.responseType,
      xrayTraceId: request.xrayTraceId,
    })}\n`;
    this.stats.accessLogLines += 1;
    this.stats.accessLogBytes += Buffer.byteLength(line);
    this.accessLogOf(request.stage)?.write(line);
  }

  private accessLogOf(stage: StageSpec): WriteStream | undefined {
    const dir = this.options.accessLogDir;
    if (!dir) return undefined;
    let stream = this.accessLogs.get(stage.stageName);
    if (!stream) {
      mkdirSync(dir, { recursive: true });
      stream = createWriteStream(path.join(dir, `${this.spec.stackName}-${this.spec.logicalId}-${stage.stageName}.log`), { flags: 'a' });
      this.accessLogs.set(stage.stageName, stream);
    }
    return stream;
  }

  private reply(res: ServerResponse, status: number, body: unknown, errorType?: string, error?: { message: string; responseType: string }): void {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': this.requestIdOf(res) };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    this.send(res, status, headers, JSON.stringify(body), error);
  }

  /** An error API Gateway itself answers (gateway-responses.ts; an HTTP API's in its own fixed shapes). */
  private gatewayError(res: ServerResponse, responseType: string, message: string, errorType: string): void {
    const requestId = this.requestIdOf(res);
    const error = { message, responseType };
    if (this.spec.protocol === 'HTTP') {
      const [status, httpMessage] = HTTP_API_ERRORS[responseType] ?? [500, 'Internal Server Error'];
      this.send(res, status, { 'content-type': 'application/json', 'apigw-requestid': requestId }, JSON.stringify({ message: httpMessage }), error);
      return;
    }
    const sourceIp = sourceIpOf(res.req);
    const response = gatewayErrorResponse(this.spec, { responseType, message, requestId, sourceIp });
    if (!response.configured) {
      this.reply(res, response.status, { message }, errorType, error);
      return;
    }
    this.send(res, response.status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType, ...response.headers }, response.body, error);
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
    const record: RequestRecord | undefined = stage && { requestId: randomUUID(), received, stage, httpMethod, path, sourceIp: sourceIpOf(req), ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}) };
    if (record) this.requests.set(res, record);
    if (!stage || !matched) {
      req.resume();
      this.gatewayError(res, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', 'MissingAuthenticationTokenException');
      return;
    }
    const { method } = matched;
    record!.method = method;
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
    record!.requestId = event.requestContext.requestId;
    if (this.spec.protocol !== 'HTTP') record!.xrayTraceId = /Root=([^;]+)/.exec(event.headers['X-Amzn-Trace-Id'] ?? '')?.[1];
    const invoked = Date.now();
    const outcome = await Promise.race([
      fn.invoke(event),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS[this.spec.protocol ?? 'REST']).unref()),
    ]);
    record!.integrationLatencyMs = Date.now() - invoked;
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
    const response = proxyResponse(payload, this.spec.protocol, this.requestIdOf(res));
    if (!response) {
      // API Gateway answers a malformed Lambda proxy response with 502.
      this.stats.integrationErrors += 1;
      process.emitWarning(`sandbox: ${fn.spec.functionName} returned a malformed Lambda proxy response`);
      this.gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 'InternalServerErrorException');
      return;
    }
    const record = this.requests.get(res);
    if (record) record.integrationStatus = response.status;
    this.send(res, response.status, response.headers, response.body);
  }
}

/** Serves every REST API and HTTP API of the deployed stacks, one loopback port each. */
export async function startRestApis(stacks: readonly DeployedStack[], functions: FunctionRegistry, options: LocalApiOptions = {}): Promise<LocalRestApi[]> {
  const apis: LocalRestApi[] = [];
  for (const stack of stacks) {
    for (const spec of [...restApiSpecs(stack), ...httpApiSpecs(stack)]) {
      const api = new LocalRestApi(spec, functions, options);
      await api.listen();
      apis.push(api);
    }
  }
  return apis;
}
