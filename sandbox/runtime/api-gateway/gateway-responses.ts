import type { RestApiSpec } from './specs';

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

/**
 * An error API Gateway itself answers: the API's GatewayResponse for the type (or DEFAULT_4XX/5XX) when the
 * template defines one — its status, static headers and `application/json` template with `$context.*`
 * rendered — else API Gateway's default `{"message": ...}` (`configured: false`).
 */
export function gatewayErrorResponse(
  spec: Pick<RestApiSpec, 'gatewayResponses'>,
  error: { responseType: string; message: string; requestId: string; sourceIp: string },
): { status: number; configured: boolean; headers: Record<string, string>; body: string } {
  const defaultStatus = RESPONSE_TYPE_STATUS[error.responseType] ?? 500;
  const configured = spec.gatewayResponses.get(error.responseType) ?? spec.gatewayResponses.get(defaultStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX');
  if (!configured) return { status: defaultStatus, configured: false, headers: {}, body: JSON.stringify({ message: error.message }) };
  const context: Record<string, string> = {
    'error.messageString': JSON.stringify(error.message),
    'error.message': error.message,
    'error.responseType': error.responseType,
    requestId: error.requestId,
    'identity.sourceIp': error.sourceIp,
  };
  const body = configured.template
    ? configured.template.replace(/\$(?:\{context\.([\w.]+)\}|context\.([\w.]+))/g, (_whole, a?: string, b?: string) => context[(a ?? b)!] ?? '')
    : JSON.stringify({ message: error.message });
  return { status: configured.statusCode ?? defaultStatus, configured: true, headers: { ...configured.headers }, body };
}
