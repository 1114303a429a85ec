import { createHmac } from 'node:crypto';
import { CANONICAL_DIALECT } from '../../registry/vendors';

/**
 * Webhook signatures exactly as each vendor documents them (sources in docs/webhooks.md, "Signature schemes").
 * Pure functions: the simulators sign with them, the tests check them against the published vectors.
 */

/** Unix seconds, as Samsara and the canonical dialect put in their timestamp headers. */
export function unixSeconds(at: Date): string {
  return String(Math.floor(at.getTime() / 1000));
}

/** RFC 3339 without fractional seconds, as Zendesk sends in X-Zendesk-Webhook-Signature-Timestamp. */
export function rfc3339Seconds(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Samsara webhooks 2.0: `v1=` + hex HMAC-SHA256, key = the base64-DECODED webhook secret,
 * message = `v1:{timestamp}:{rawBody}`.
 */
export function samsaraSignature(secretBase64: string, timestamp: string, rawBody: string): string {
  const key = Buffer.from(secretBase64, 'base64');
  return 'v1=' + createHmac('sha256', key).update(`v1:${timestamp}:${rawBody}`, 'utf8').digest('hex');
}

/** Motive: hex HMAC-SHA1 of the payload with the shared secret (as UTF-8). */
export function motiveSignature(secret: string, rawBody: string): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(rawBody, 'utf8').digest('hex');
}

/**
 * Zendesk: base64 HMAC-SHA256, key = the signing secret used as a UTF-8 string (not decoded),
 * message = TIMESTAMP + BODY with no separator.
 */
export function zendeskSignature(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(timestamp + rawBody, 'utf8').digest('base64');
}

/**
 * logistics-sync canonical scheme (our own, for systems without a vendor format, and for the ERP's
 * CloudEvents): `v1=` + lowercase hex HMAC-SHA256, key = the secret as UTF-8,
 * message = `{timestamp}.{rawBody}`, timestamp in Unix seconds.
 */
export function canonicalSignature(secret: string, timestamp: string, rawBody: string): string {
  return 'v1=' + createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** Header names of the canonical scheme. */
export const CANONICAL_TIMESTAMP_HEADER = CANONICAL_DIALECT.signature.timestampHeader.toLowerCase();
export const CANONICAL_SIGNATURE_HEADER = CANONICAL_DIALECT.signature.signatureHeader.toLowerCase();

export function canonicalHeaders(secret: string, body: string, at: Date): Record<string, string> {
  const timestamp = unixSeconds(at);
  return { [CANONICAL_TIMESTAMP_HEADER]: timestamp, [CANONICAL_SIGNATURE_HEADER]: canonicalSignature(secret, timestamp, body) };
}

/** True when the string is non-empty, valid base64 that decodes to at least one byte. */
export function isBase64Secret(secret: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(secret) && secret.length % 4 === 0 && Buffer.from(secret, 'base64').length > 0;
}
