import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { SANDBOX_ACCOUNT } from '../../aws';
import { clfTime } from './access-log';
import type { MethodSpec, RestApiSpec, StageSpec } from './specs';

/** The Lambda proxy integration (`AWS_PROXY`): the REST API proxy event a function gets, and how its answer maps to the HTTP response. */

/** The client's address as API Gateway reports it (`identity.sourceIp`): an IPv4-mapped IPv6 address as IPv4. */
export function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/**
 * Whether an HTTP API passes a body of this media type as text: it infers the encoding from the request's
 * Content-Type, text types as they are, anything else base64 (AWS Compute Blog, "Handling binary data using Amazon
 * API Gateway HTTP APIs"). Text here: `text/*`, JSON, XML and JavaScript, with their `+json`/`+xml` suffixes, and
 * form data; a request without a Content-Type is taken as text.
 */
function isTextMediaType(contentType: string): boolean {
  return (
    contentType === '' ||
    contentType.startsWith('text/') ||
    /^application\/(json|xml|javascript|x-www-form-urlencoded)$/.test(contentType) ||
    /^application\/[\w.+-]+\+(json|xml)$/.test(contentType)
  );
}

/**
 * The REST API proxy event for a request (for an HTTP API, its payload format 1.0: the same fields, `version`
 * "1.0", header names lower-cased, the body's encoding inferred from its Content-Type): header names as the client sent them (plus `X-Forwarded-*` and
 * `X-Amzn-Trace-Id`), query and path parameters, stage variables, the body (base64 for the API's binary media
 * types) and the request context.
 */
export function proxyEvent(
  api: { readonly spec: Pick<RestApiSpec, 'restApiId' | 'binaryMediaTypes' | 'protocol'>; readonly port: number },
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
  const sourceIp = sourceIpOf(req);
  const traceId = `Root=1-${Math.floor(received.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  // API Gateway passes header names as the client sent them (rawHeaders keeps the casing).
  // An HTTP API lower-cases every header name (its payload formats' documented structure).
  const http = api.spec.protocol === 'HTTP';
  const multiValueHeaders: Record<string, string[]> = {};
  const names = new Map<string, string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = http ? req.rawHeaders[i]!.toLowerCase() : req.rawHeaders[i]!;
    const canonical = names.get(name.toLowerCase()) ?? name;
    names.set(name.toLowerCase(), canonical);
    (multiValueHeaders[canonical] ??= []).push(req.rawHeaders[i + 1]!);
  }
  const addHeader = (sent: string, value: string) => {
    const name = http ? sent.toLowerCase() : sent;
    if (!names.has(name.toLowerCase())) {
      names.set(name.toLowerCase(), name);
      multiValueHeaders[name] = [value];
    }
  };
  addHeader('X-Forwarded-For', sourceIp);
  addHeader('X-Forwarded-Proto', 'http');
  addHeader('X-Forwarded-Port', String(api.port));
  addHeader('X-Amzn-Trace-Id', traceId);
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v[v.length - 1]!]));

  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (multiValueQueryStringParameters[key] ??= []).push(value);
  const hasQuery = Object.keys(multiValueQueryStringParameters).length > 0;

  const contentType = (headers[names.get('content-type') ?? ''] ?? '').split(';')[0]!.trim().toLowerCase();
  const binary = http ? !isTextMediaType(contentType) : api.spec.binaryMediaTypes.some((t) => t === '*/*' || t.toLowerCase() === contentType || (t.endsWith('/*') && contentType.startsWith(t.slice(0, -1).toLowerCase())));
  const requestId = randomUUID();

  return {
    ...(http ? { version: '1.0' } : {}),
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
      apiId: api.spec.restApiId,
      authorizer: undefined,
      domainName: req.headers.host ?? `127.0.0.1:${api.port}`,
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
      requestTime: clfTime(received),
      requestTimeEpoch: received.getTime(),
      resourceId: method.resourceId,
      resourcePath: method.resourcePath,
      stage: stage.stageName,
    },
    body: body.length === 0 ? null : binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: body.length > 0 && binary,
  } as APIGatewayProxyEvent;
}

/**
 * A Lambda proxy response mapped as API Gateway maps it, with the request's id (the one its event and access log line
 * carry); undefined when it is malformed (API Gateway answers 502).
 */
export function proxyResponse(payload: unknown, protocol?: 'HTTP', requestId: string = randomUUID()): { status: number; headers: Record<string, string | string[]>; body: string | Buffer } | undefined {
  const result = payload as { statusCode?: unknown; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: unknown; isBase64Encoded?: boolean } | null;
  const statusCode = Number(result?.statusCode);
  if (!result || typeof result !== 'object' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(result.multiValueHeaders ?? {})) headers[key] = (value ?? []).map(String);
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  // The request id header API Gateway adds: a REST API's `x-amzn-RequestId`, an HTTP API's `apigw-requestid`.
  headers[protocol === 'HTTP' ? 'apigw-requestid' : 'x-amzn-RequestId'] = requestId;
  const body = result.body === undefined || result.body === null ? '' : String(result.body);
  return { status: statusCode, headers, body: result.isBase64Encoded ? Buffer.from(body, 'base64') : body };
}
