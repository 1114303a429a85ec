import type { APIGatewayProxyResult } from 'aws-lambda';
import { AuthenticationError, errorClassOf, IntegrationError, ValidationError } from '../errors';
import { DuplicateInFlightError, PayloadTooLargeError, SignatureError, UnsupportedMediaTypeError } from './errors';

/** Body of a 202 for a webhook that produced canonical events (a vendor retry gets exactly this again). */
export interface AcceptedBody {
  status: 'accepted';
  eventIds: string[];
}

/** Body of a 202 for a valid webhook we have no use for. */
export interface IgnoredBody {
  status: 'ignored';
  reason: string;
}

/** Body of a 202 for a webhook handed to a queue that maps it later (e.g. an SAP read-back). */
export interface QueuedBody {
  status: 'queued';
  reason: string;
}

/** Body of every 4xx/5xx: a stable code, a sentence for humans and, for bad input, the failing field. */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

export function jsonResponse(statusCode: number, body: AcceptedBody | IgnoredBody | QueuedBody | ErrorBody, extraHeaders: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...extraHeaders }, body: JSON.stringify(body) };
}

/** A plain-text answer (a subscription handshake echoes the vendor's token this way). */
export function textResponse(statusCode: number, text: string): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }, body: text };
}

/** HTTP status and body for an error; only here does an error become a status. Never echoes a stack. */
export function errorResponse(error: unknown): { response: APIGatewayProxyResult; reason: string } {
  if (error instanceof PayloadTooLargeError) {
    return { response: jsonResponse(413, { error: 'payload-too-large', message: error.message }), reason: 'too-large' };
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return { response: jsonResponse(415, { error: 'unsupported-media-type', message: error.message }), reason: 'media-type' };
  }
  if (error instanceof SignatureError) {
    return { response: jsonResponse(401, { error: 'invalid-signature', message: error.message }), reason: error.reason };
  }
  if (error instanceof AuthenticationError) {
    return { response: jsonResponse(401, { error: 'invalid-signature', message: error.message }), reason: 'authentication' };
  }
  if (error instanceof ValidationError) {
    const body: ErrorBody = { error: 'invalid-request', message: error.message };
    if (error.field) body.field = error.field;
    return { response: jsonResponse(400, body), reason: 'validation' };
  }
  if (error instanceof DuplicateInFlightError) {
    // 503, not 409: many vendors retry no 4xx but 429, while every one retries a 5xx. A copy refused with a 4xx is
    // lost when the original then fails (the chaos run saw it: a Samsara alert's retry answered 409 while the first
    // attempt was still reading the fleet API, which then timed out; nothing retried the alert).
    return { response: jsonResponse(503, { error: 'in-progress', message: error.message }, { 'retry-after': '5' }), reason: 'in-flight' };
  }
  if (error instanceof IntegrationError && error.retryable) {
    return {
      response: jsonResponse(503, { error: 'unavailable', message: 'a dependency of logistics-sync is unavailable; retry later' }, { 'retry-after': '10' }),
      reason: errorClassOf(error),
    };
  }
  return { response: jsonResponse(500, { error: 'internal', message: 'logistics-sync could not process the webhook; retry later' }), reason: errorClassOf(error) };
}
