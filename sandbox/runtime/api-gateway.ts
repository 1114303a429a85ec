import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { SANDBOX_ACCOUNT } from '../aws';
import type { DeployedStack } from '../deploy/deployer';
import type { FunctionRegistry, LocalFunction } from './functions';

/** One method of a REST API, resolved from the template. */
export interface MethodSpec {
  readonly logicalId: string;
  /** `GET`, `POST`, ... or `ANY`. */
  readonly httpMethod: string;
  /** Resource path template, e.g. `/webhooks/{system}` or `/{proxy+}`. */
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly integrationType: string;
  /** For AWS_PROXY Lambda integrations: the function's ARN. */
  readonly functionArn?: string;
  readonly authorizationType: string;
  readonly apiKeyRequired: boolean;
  /** Required request parameters (`method.request.header.X`, `...querystring.X`, `...path.X`) when the method's validator checks them. */
  readonly requiredParameters: readonly string[];
}

/** An AWS::ApiGateway::GatewayResponse: how API Gateway itself answers an error of a type. */
export interface GatewayResponseSpec {
  readonly statusCode?: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `application/json` template (only `$context.*` variables are rendered locally). */
  readonly template?: string;
}

export interface ThrottleSetting {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface StageSpec {
  readonly stageName: string;
  readonly variables: Readonly<Record<string, string>> | null;
  /** Method settings by `<resourcePath> <HTTPMETHOD>`, `*` wildcards as in the template (`/* *`). */
  readonly throttling: ReadonlyMap<string, ThrottleSetting>;
}

export interface RestApiSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly restApiId: string;
  readonly binaryMediaTypes: readonly string[];
  readonly stages: readonly StageSpec[];
  readonly methods: readonly MethodSpec[];
  /** Gateway responses by response type (`THROTTLED`, `DEFAULT_4XX`, ...). */
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponseSpec>;
}

const INTEGRATION_URI = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/;

/** Reads every REST API (resources, methods, stages) of a deployed stack. */
export function restApiSpecs(deployed: DeployedStack): RestApiSpec[] {
  const resources = new Map<string, { parentId: string; pathPart: string; restApiId: string }>();
  for (const r of deployed.ofType('AWS::ApiGateway::Resource')) {
    const props = deployed.properties(r.logicalId);
    resources.set(String(r.physicalId ?? r.logicalId), { parentId: String(props.ParentId), pathPart: String(props.PathPart), restApiId: String(props.RestApiId) });
  }
  const pathOf = (resourceId: string): string => {
    const parts: string[] = [];
    let current = resources.get(resourceId);
    for (let guard = 0; current && guard < 100; guard++) {
      parts.unshift(current.pathPart);
      current = resources.get(current.parentId);
    }
    return `/${parts.join('/')}`;
  };

  const apis: RestApiSpec[] = [];
  for (const api of deployed.ofType('AWS::ApiGateway::RestApi')) {
    const restApiId = String(api.physicalId ?? api.logicalId);
    const apiProps = deployed.properties(api.logicalId);
    const validators = new Map<string, { parameters: boolean; body: boolean }>();
    for (const v of deployed.ofType('AWS::ApiGateway::RequestValidator')) {
      const props = deployed.properties(v.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      validators.set(String(v.physicalId), { parameters: props.ValidateRequestParameters === true || props.ValidateRequestParameters === 'true', body: props.ValidateRequestBody === true || props.ValidateRequestBody === 'true' });
    }
    const gatewayResponses = new Map<string, GatewayResponseSpec>();
    for (const g of deployed.ofType('AWS::ApiGateway::GatewayResponse')) {
      const props = deployed.properties(g.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries((props.ResponseParameters ?? {}) as Record<string, string>)) {
        const header = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
        // Only static values ('...') can be rendered without the request mapping context.
        if (header && /^'.*'$/.test(value)) headers[header] = value.slice(1, -1);
      }
      gatewayResponses.set(String(props.ResponseType), {
        statusCode: props.StatusCode === undefined ? undefined : Number(props.StatusCode),
        headers,
        template: (props.ResponseTemplates as Record<string, string> | undefined)?.['application/json'],
      });
    }
    const methods: MethodSpec[] = [];
    for (const m of deployed.ofType('AWS::ApiGateway::Method')) {
      const props = deployed.properties(m.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      const integration = (props.Integration ?? {}) as { Type?: string; Uri?: string };
      const resourceId = String(props.ResourceId);
      methods.push({
        logicalId: m.logicalId,
        httpMethod: String(props.HttpMethod).toUpperCase(),
        resourcePath: resources.has(resourceId) ? pathOf(resourceId) : '/',
        resourceId,
        integrationType: String(integration.Type ?? 'MOCK'),
        functionArn: typeof integration.Uri === 'string' ? INTEGRATION_URI.exec(integration.Uri)?.[1] : undefined,
        authorizationType: String(props.AuthorizationType ?? 'NONE'),
        apiKeyRequired: props.ApiKeyRequired === true || props.ApiKeyRequired === 'true',
        requiredParameters:
          props.RequestValidatorId !== undefined && validators.get(String(props.RequestValidatorId))?.parameters
            ? Object.entries((props.RequestParameters ?? {}) as Record<string, unknown>).filter(([, required]) => required === true || required === 'true').map(([name]) => name)
            : [],
      });
    }
    const stages: StageSpec[] = [];
    for (const s of deployed.ofType('AWS::ApiGateway::Stage')) {
      const props = deployed.properties(s.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      const throttling = new Map<string, ThrottleSetting>();
      for (const setting of (props.MethodSettings ?? []) as { HttpMethod?: string; ResourcePath?: string; ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[]) {
        if (setting.ThrottlingRateLimit === undefined && setting.ThrottlingBurstLimit === undefined) continue;
        const resourcePath = String(setting.ResourcePath ?? '/*').replaceAll('~1', '/');
        throttling.set(`${resourcePath} ${String(setting.HttpMethod ?? '*').toUpperCase()}`, {
          rateLimit: Number(setting.ThrottlingRateLimit ?? 10_000),
          burstLimit: Number(setting.ThrottlingBurstLimit ?? 5_000),
        });
      }
      stages.push({ stageName: String(props.StageName), variables: (props.Variables as Record<string, string> | undefined) ?? null, throttling });
    }
    for (const d of deployed.ofType('AWS::ApiGateway::Deployment')) {
      const props = deployed.properties(d.logicalId);
      if (String(props.RestApiId) === restApiId && typeof props.StageName === 'string' && !stages.some((s) => s.stageName === props.StageName)) {
        stages.push({ stageName: props.StageName, variables: null, throttling: new Map() });
      }
    }
    apis.push({
      stackName: deployed.stackName,
      logicalId: api.logicalId,
      restApiId,
      binaryMediaTypes: ((apiProps.BinaryMediaTypes ?? []) as string[]).map((t) => t.replaceAll('~1', '/')),
      stages,
      methods,
      gatewayResponses,
    });
  }
  return apis;
}

/** Default status of each gateway response type (API Gateway's documented defaults). */
const RESPONSE_TYPE_STATUS: Record<string, number> = {
  MISSING_AUTHENTICATION_TOKEN: 403,
  THROTTLED: 429,
  REQUEST_TOO_LARGE: 413,
  BAD_REQUEST_PARAMETERS: 400,
  BAD_REQUEST_BODY: 400,
  INTEGRATION_TIMEOUT: 504,
  INTEGRATION_FAILURE: 504,
  DEFAULT_5XX: 502,
};

/** The parameters a request lacks, as API Gateway names them in its error (`[X-Header, q]`). Pure. */
export function missingParameters(required: readonly string[], request: { headers: Record<string, unknown>; query: URLSearchParams; path: Record<string, string> }): string[] {
  const headerNames = new Set(Object.keys(request.headers).map((h) => h.toLowerCase()));
  const missing: string[] = [];
  for (const parameter of required) {
    const match = /^method\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.(.+)$/.exec(parameter);
    if (!match) continue;
    const [, where, name] = match as unknown as [string, string, string];
    const present = where.endsWith('header') ? headerNames.has(name.toLowerCase()) : where.endsWith('querystring') ? request.query.has(name) : request.path[name] !== undefined;
    if (!present) missing.push(name);
  }
  return missing;
}

interface CompiledRoute {
  readonly method: MethodSpec;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Higher is more specific: static segments beat parameters beat greedy parameters. */
  readonly score: number;
}

function compile(method: MethodSpec): CompiledRoute {
  const names: string[] = [];
  let score = 0;
  const segments = method.resourcePath.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy) {
        names.push(greedy[1]!);
        return '/(.+)';
      }
      const param = /^\{(.+)\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        score += 10;
        return '/([^/]+)';
      }
      score += 100;
      return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    })
    .join('');
  return { method, pattern: new RegExp(`^${source || '/'}$`), names, score: score * 10 + segments.length };
}

/** Token bucket, like API Gateway's per-method throttling. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly setting: ThrottleSetting) {
    this.tokens = setting.burstLimit;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.setting.burstLimit, this.tokens + ((now - this.last) / 1000) * this.setting.rateLimit);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's maximum integration timeout for REST APIs (default). */
const INTEGRATION_TIMEOUT_MS = 29_000;

function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface ApiStats {
  requests: number;
  throttled: number;
  integrationErrors: number;
  byStatus: Record<string, number>;
}

/**
 * A REST API of the template served on a loopback port: `http://127.0.0.1:<port>/<stage>/<path>` reaches
 * the method's Lambda proxy integration with the REST API proxy event, honouring the stage's method
 * throttling. AWS_IAM authorization is accepted without a signature check (see docs/sandbox.md).
 */
export class LocalRestApi {
  readonly stats: ApiStats = { requests: 0, throttled: 0, integrationErrors: 0, byStatus: {} };
  private readonly server: Server;
  private readonly routes: CompiledRoute[];
  private readonly buckets = new Map<string, TokenBucket | null>();
  private port = 0;

  constructor(
    readonly spec: RestApiSpec,
    private readonly functions: FunctionRegistry,
  ) {
    this.routes = spec.methods.map(compile).sort((a, b) => b.score - a.score);
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
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Base URL of the API (without stage). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Invoke URL of a stage, with a trailing slash like CDK's `RestApi.url`. */
  stageUrl(stageName = this.spec.stages[0]?.stageName ?? ''): string {
    return `${this.baseUrl}/${stageName}/`;
  }

  /** The method that would serve `httpMethod path` (path below the stage), if any. */
  methodFor(httpMethod: string, path: string): MethodSpec | undefined {
    const normalized = path === '/' ? '/' : path.replace(/\/$/, '');
    return this.routes.find((r) => (r.method.httpMethod === httpMethod.toUpperCase() || r.method.httpMethod === 'ANY') && r.pattern.test(normalized))?.method;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers).end(JSON.stringify(body));
  }

  /**
   * An error API Gateway itself answers: the API's GatewayResponse for the type (or DEFAULT_4XX/5XX) when
   * the template defines one, else API Gateway's default `{"message": ...}`.
   */
  private gatewayError(res: ServerResponse, responseType: string, message: string, errorType: string, requestId = randomUUID()): void {
    const defaultStatus = RESPONSE_TYPE_STATUS[responseType] ?? 500;
    const configured = this.spec.gatewayResponses.get(responseType) ?? this.spec.gatewayResponses.get(defaultStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
    if (!configured) {
      this.reply(res, defaultStatus, { message }, errorType);
      return;
    }
    const status = configured.statusCode ?? defaultStatus;
    this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
    const context: Record<string, string> = {
      'error.messageString': JSON.stringify(message),
      'error.message': message,
      'error.responseType': responseType,
      requestId,
      'identity.sourceIp': (res.req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
    const body = configured.template
      ? configured.template.replace(/\$(?:\{context\.([\w.]+)\}|context\.([\w.]+))/g, (_whole, a?: string, b?: string) => context[(a ?? b)!] ?? '')
      : JSON.stringify({ message });
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType, ...configured.headers }).end(body);
  }

  private throttleFor(stage: StageSpec, method: MethodSpec, httpMethod: string): TokenBucket | null {
    const key = `${stage.stageName} ${method.resourcePath} ${httpMethod}`;
    if (!this.buckets.has(key)) {
      const setting =
        stage.throttling.get(`${method.resourcePath} ${httpMethod}`) ??
        stage.throttling.get(`${method.resourcePath} *`) ??
        stage.throttling.get(`/* ${httpMethod}`) ??
        stage.throttling.get('/* *');
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
    let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
    if (stage) {
      for (const route of this.routes) {
        if (route.method.httpMethod !== httpMethod && route.method.httpMethod !== 'ANY') continue;
        const m = route.pattern.exec(path === '/' ? '/' : path.replace(/\/$/, ''));
        if (!m) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
        matched = { route, params };
        break;
      }
    }
    if (!stage || !matched) {
      req.resume();
      this.gatewayError(res, 'MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', 'MissingAuthenticationTokenException');
      return;
    }
    const { method } = matched.route;
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

    const event = this.proxyEvent(req, url, stage, method, httpMethod, path, matched.params, body, received);
    const outcome = await Promise.race([
      fn.invoke(event),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS).unref()),
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

  private proxyEvent(
    req: IncomingMessage,
    url: URL,
    stage: StageSpec,
    method: MethodSpec,
    httpMethod: string,
    path: string,
    pathParameters: Record<string, string>,
    body: Buffer,
    received: Date,
  ): APIGatewayProxyEvent {
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const traceId = `Root=1-${Math.floor(received.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    // API Gateway passes header names as the client sent them (rawHeaders keeps the casing).
    const multiValueHeaders: Record<string, string[]> = {};
    const names = new Map<string, string>();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const canonical = names.get(name.toLowerCase()) ?? name;
      names.set(name.toLowerCase(), canonical);
      (multiValueHeaders[canonical] ??= []).push(req.rawHeaders[i + 1]!);
    }
    const addHeader = (name: string, value: string) => {
      if (!names.has(name.toLowerCase())) {
        names.set(name.toLowerCase(), name);
        multiValueHeaders[name] = [value];
      }
    };
    addHeader('X-Forwarded-For', sourceIp);
    addHeader('X-Forwarded-Proto', 'http');
    addHeader('X-Forwarded-Port', String(this.port));
    addHeader('X-Amzn-Trace-Id', traceId);
    const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v[v.length - 1]!]));

    const multiValueQueryStringParameters: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) (multiValueQueryStringParameters[key] ??= []).push(value);
    const hasQuery = Object.keys(multiValueQueryStringParameters).length > 0;

    const contentType = (headers[names.get('content-type') ?? ''] ?? '').split(';')[0]!.trim().toLowerCase();
    const binary = this.spec.binaryMediaTypes.some((t) => t === '*/*' || t.toLowerCase() === contentType || (t.endsWith('/*') && contentType.startsWith(t.slice(0, -1).toLowerCase())));
    const requestId = randomUUID();

    return {
      resource: method.resourcePath,
      path,
      httpMethod,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? Object.fromEntries(Object.entries(multiValueQueryStringParameters).map(([k, v]) => [k, v[v.length - 1]!])) : null,
      multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
      pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
      stageVariables: stage.variables,
      requestContext: {
        accountId: SANDBOX_ACCOUNT,
        apiId: this.spec.restApiId,
        authorizer: undefined,
        domainName: req.headers.host ?? `127.0.0.1:${this.port}`,
        domainPrefix: '127',
        extendedRequestId: randomBytes(8).toString('base64url'),
        httpMethod,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: req.headers['user-agent'] ?? null,
          userArn: null,
        },
        path: `/${stage.stageName}${path}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: requestTime(received),
        requestTimeEpoch: received.getTime(),
        resourceId: method.resourceId,
        resourcePath: method.resourcePath,
        stage: stage.stageName,
      },
      body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
      isBase64Encoded: body.length > 0 && binary,
    } as APIGatewayProxyEvent;
  }

  private writeProxyResponse(res: ServerResponse, payload: unknown, fn: LocalFunction): void {
    const result = payload as { statusCode?: unknown; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: unknown; isBase64Encoded?: boolean } | null;
    const statusCode = Number(result?.statusCode);
    if (!result || typeof result !== 'object' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
      // API Gateway answers a malformed Lambda proxy response with 502.
      this.stats.integrationErrors += 1;
      process.emitWarning(`sandbox: ${fn.spec.functionName} returned a malformed Lambda proxy response`);
      this.gatewayError(res, 'DEFAULT_5XX', 'Internal server error', 'InternalServerErrorException');
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(result.multiValueHeaders ?? {})) headers[key] = (value ?? []).map(String);
    for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    headers['x-amzn-RequestId'] = randomUUID();
    const body = result.body === undefined || result.body === null ? '' : String(result.body);
    this.stats.byStatus[statusCode] = (this.stats.byStatus[statusCode] ?? 0) + 1;
    res.writeHead(statusCode, headers).end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
  }
}

/** Serves every REST API of the deployed stacks, one loopback port each. */
export async function startRestApis(stacks: readonly DeployedStack[], functions: FunctionRegistry): Promise<LocalRestApi[]> {
  const apis: LocalRestApi[] = [];
  for (const stack of stacks) {
    for (const spec of restApiSpecs(stack)) {
      const api = new LocalRestApi(spec, functions);
      await api.listen();
      apis.push(api);
    }
  }
  return apis;
}
