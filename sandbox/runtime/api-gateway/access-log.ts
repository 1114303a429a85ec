/**
 * API Gateway's access log, which the emulator does not write: each request a stage serves is logged in the stage's
 * format (`AccessLogSetting.Format` of a REST API stage, `AccessLogSettings.Format` of an HTTP API stage), its
 * `$context` variables rendered from what the local server knew of the request. The sandbox writes the lines to
 * `.sandbox/logs/api/`, and the cost meter prices their bytes as CloudWatch Logs ingestion (docs/cost.md).
 *
 * The variables are API Gateway's, as documented for access logging: REST APIs
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html, HTTP
 * APIs https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html. A variable
 * without a value is written as `-`, as API Gateway writes it.
 */

/** What the local server knew of a request when it answered: the values of the `$context` variables it renders. */
export interface AccessLogEntry {
  readonly requestId: string;
  /** When the request arrived. */
  readonly requestTime: Date;
  readonly sourceIp: string;
  readonly userAgent?: string;
  readonly httpMethod: string;
  /** The path below the stage (`$context.path` is the stage and this). */
  readonly path: string;
  readonly stage: string;
  readonly apiId: string;
  /** A REST API method's resource path (`/webhooks/fleet/samsara`); undefined when no method matched. */
  readonly resourcePath?: string;
  /** An HTTP API route's key (`POST /webhooks/fleet/samsara`); undefined when no route matched. */
  readonly routeKey?: string;
  readonly status: number;
  /** Bytes of the response body. */
  readonly responseLength: number;
  /** The status the integration (the function) answered, when it was called and answered. */
  readonly integrationStatus?: number;
  /** How long the integration took, in ms, when it was called. */
  readonly integrationLatencyMs?: number;
  /** From arrival to the response, in ms. */
  readonly responseLatencyMs: number;
  /** API Gateway's own error, when it answered instead of the integration (throttled, not found, timeout). */
  readonly errorMessage?: string;
  readonly errorResponseType?: string;
  readonly xrayTraceId?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `$context.requestTime`: the CLF-formatted request time, `dd/MMM/yyyy:HH:mm:ss +0000` (UTC). */
export function clfTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}

/** The value of each `$context` variable the entry gives (anything else renders as `-`). */
function variables(entry: AccessLogEntry): Record<string, string | number | undefined> {
  return {
    requestId: entry.requestId,
    extendedRequestId: entry.requestId,
    requestTime: clfTime(entry.requestTime),
    requestTimeEpoch: entry.requestTime.getTime(),
    'identity.sourceIp': entry.sourceIp,
    'identity.userAgent': entry.userAgent,
    httpMethod: entry.httpMethod,
    resourcePath: entry.resourcePath,
    routeKey: entry.routeKey,
    path: `/${entry.stage}${entry.path}`,
    stage: entry.stage,
    apiId: entry.apiId,
    protocol: 'HTTP/1.1',
    status: entry.status,
    responseLength: entry.responseLength,
    'integration.status': entry.integrationStatus,
    integrationStatus: entry.integrationStatus,
    'integration.latency': entry.integrationLatencyMs,
    integrationLatency: entry.integrationLatencyMs,
    responseLatency: entry.responseLatencyMs,
    'error.message': entry.errorMessage,
    'error.messageString': entry.errorMessage === undefined ? undefined : JSON.stringify(entry.errorMessage),
    'error.responseType': entry.errorResponseType,
    xrayTraceId: entry.xrayTraceId,
  };
}

/** One access log line: the stage's format with its `$context` variables rendered (pure). */
export function renderAccessLog(format: string, entry: AccessLogEntry): string {
  const values = variables(entry);
  return format.replace(/\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g, (_match, name: string) => {
    const value = values[name];
    return value === undefined || value === '' ? '-' : String(value);
  });
}
