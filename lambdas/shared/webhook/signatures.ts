import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { CANONICAL_DIALECT, VENDOR_DIALECTS } from '../../../registry/vendors';
import { UpstreamUnavailableError } from '../errors';
import { SignatureError } from './errors';
import { signatureHeader, type WebhookRequest } from './request';

/**
 * Webhook signature schemes, as pure functions over (raw body, header values, secret, clock). Header names come
 * from the dialect registry (registry/vendors.ts).
 * Sources per scheme in docs/webhooks.md ("Signature schemes"). Every comparison is constant-time and checks the length first.
 */

/** Constant-time equality of two byte strings; different lengths are unequal without a timing side channel on content. */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a hex digest of exactly `bytes` bytes, or throws `malformed-signature`. */
export function decodeHex(value: string, bytes: number, header: string): Buffer {
  if (value.length !== bytes * 2 || !HEX.test(value)) {
    throw new SignatureError('malformed-signature', `${header} must be ${bytes * 2} hex characters`);
  }
  return Buffer.from(value, 'hex');
}

/** Decodes a base64 digest of exactly `bytes` bytes, or throws `malformed-signature`. */
export function decodeBase64(value: string, bytes: number, header: string): Buffer {
  const decoded = BASE64.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64') : undefined;
  if (!decoded || decoded.length !== bytes) {
    throw new SignatureError('malformed-signature', `${header} must be the base64 of a ${bytes}-byte digest`);
  }
  return decoded;
}

/** Parses `v1=<hex sha256>` (Samsara and our own scheme). */
export function parseV1Signature(value: string, header: string): Buffer {
  if (!value.startsWith('v1=')) throw new SignatureError('malformed-signature', `${header} must look like v1=<hex>`);
  return decodeHex(value.slice(3), 32, header);
}

/** Parses a Unix-seconds timestamp header (digits only, no sign, no fraction). */
export function parseUnixSeconds(value: string, header: string): number {
  if (!/^\d{1,12}$/.test(value)) throw new SignatureError('malformed-timestamp', `${header} must be Unix seconds`);
  return Number(value);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp header (Zendesk) into Unix seconds. */
export function parseRfc3339Seconds(value: string, header: string): number {
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new SignatureError('malformed-timestamp', `${header} must be an RFC 3339 timestamp`);
  return Math.floor(ms / 1000);
}

/**
 * Replay window: the signed timestamp must be within `toleranceSeconds` of now, in either direction
 * (a future timestamp means a skewed or forged sender).
 */
export function checkTimestampWindow(signedAtSeconds: number, now: Date, toleranceSeconds: number): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (signedAtSeconds < nowSeconds - toleranceSeconds) {
    throw new SignatureError('stale-timestamp', `signature timestamp is more than ${toleranceSeconds} s old`);
  }
  if (signedAtSeconds > nowSeconds + toleranceSeconds) {
    throw new SignatureError('future-timestamp', `signature timestamp is more than ${toleranceSeconds} s in the future`);
  }
}

// HMAC key objects by secret: importing a raw key costs ~10 µs per createHmac with OpenSSL 3, a KeyObject
// almost nothing, and a container sees one or two secrets per scheme (current, previous) over its life.
const keyObjects = new Map<string, KeyObject>();

function keyObject(cacheKey: string, material: () => Buffer): KeyObject {
  let key = keyObjects.get(cacheKey);
  if (!key) {
    if (keyObjects.size >= 16) keyObjects.clear();
    key = createSecretKey(material());
    keyObjects.set(cacheKey, key);
  }
  return key;
}

/** The HMAC key of a secret used as UTF-8 text (our scheme, Zendesk, Motive). */
function utf8Key(secret: string): KeyObject {
  return keyObject(`utf8:${secret}`, () => Buffer.from(secret, 'utf8'));
}

function hmac(algorithm: 'sha256' | 'sha1', key: KeyObject, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function mismatch(scheme: string): SignatureError {
  return new SignatureError('signature-mismatch', `${scheme} signature does not match`);
}

// ---------------------------------------------------------------------------------------------------------
// logistics-sync (canonical dialect and ERP CloudEvents): v1=hex(HMAC-SHA256(secret utf8, ts + "." + body))

export const LSYNC_TIMESTAMP_HEADER = CANONICAL_DIALECT.signature.timestampHeader;
export const LSYNC_SIGNATURE_HEADER = CANONICAL_DIALECT.signature.signatureHeader;

/** The expected `X-Lsync-Signature` value for `body` signed at `timestamp` (Unix seconds). */
export function signLsync(secret: string, timestamp: number | string, body: Buffer | string): string {
  return `v1=${hmac('sha256', utf8Key(secret), `${timestamp}.`, body).toString('hex')}`;
}

export interface SignedHeaders {
  /** Header value as received. */
  readonly signature: string;
  readonly timestamp: string;
}

export function verifyLsync(input: SignedHeaders & { body: Buffer; secret: string; now: Date; toleranceSeconds: number }): void {
  const timestamp = parseUnixSeconds(input.timestamp, LSYNC_TIMESTAMP_HEADER);
  const received = parseV1Signature(input.signature, LSYNC_SIGNATURE_HEADER);
  checkTimestampWindow(timestamp, input.now, input.toleranceSeconds);
  const expected = hmac('sha256', utf8Key(input.secret), `${input.timestamp}.`, input.body);
  if (!constantTimeEqual(received, expected)) throw mismatch('X-Lsync');
}

// ---------------------------------------------------------------------------------------------------------
// Samsara webhooks 2.0: v1=hex(HMAC-SHA256(base64decode(secret), "v1:" + ts + ":" + body))

export const SAMSARA_TIMESTAMP_HEADER = VENDOR_DIALECTS.samsara.signature.timestampHeader;
export const SAMSARA_SIGNATURE_HEADER = VENDOR_DIALECTS.samsara.signature.signatureHeader;

/** Samsara issues the secret base64-encoded; the HMAC key is the decoded bytes. */
export function samsaraKey(secretBase64: string): KeyObject {
  return keyObject(`base64:${secretBase64}`, () => {
    const key = Buffer.from(secretBase64, 'base64');
    // Our misconfiguration, not the caller's fault: a 5xx, so Samsara retries once the secret is fixed.
    if (key.length === 0) throw new UpstreamUnavailableError('the Samsara webhook secret is not valid base64');
    return key;
  });
}

export function signSamsara(secretBase64: string, timestamp: number | string, body: Buffer | string): string {
  return `v1=${hmac('sha256', samsaraKey(secretBase64), `v1:${timestamp}:`, body).toString('hex')}`;
}

export function verifySamsara(input: SignedHeaders & { body: Buffer; secret: string; now: Date; toleranceSeconds: number }): void {
  const timestamp = parseUnixSeconds(input.timestamp, SAMSARA_TIMESTAMP_HEADER);
  const received = parseV1Signature(input.signature, SAMSARA_SIGNATURE_HEADER);
  checkTimestampWindow(timestamp, input.now, input.toleranceSeconds);
  const expected = hmac('sha256', samsaraKey(input.secret), `v1:${input.timestamp}:`, input.body);
  if (!constantTimeEqual(received, expected)) throw mismatch('Samsara');
}

// ---------------------------------------------------------------------------------------------------------
// Zendesk: base64(HMAC-SHA256(secret utf8, TIMESTAMP + BODY)), no separator; timestamp is RFC 3339.

export const ZENDESK_TIMESTAMP_HEADER = VENDOR_DIALECTS.zendesk.signature.timestampHeader;
export const ZENDESK_SIGNATURE_HEADER = VENDOR_DIALECTS.zendesk.signature.signatureHeader;

export function signZendesk(secret: string, timestamp: string, body: Buffer | string): string {
  return hmac('sha256', utf8Key(secret), timestamp, body).toString('base64');
}

export function verifyZendesk(input: SignedHeaders & { body: Buffer; secret: string; now: Date; toleranceSeconds: number }): void {
  const timestamp = parseRfc3339Seconds(input.timestamp, ZENDESK_TIMESTAMP_HEADER);
  const received = decodeBase64(input.signature, 32, ZENDESK_SIGNATURE_HEADER);
  checkTimestampWindow(timestamp, input.now, input.toleranceSeconds);
  const expected = hmac('sha256', utf8Key(input.secret), input.timestamp, input.body);
  if (!constantTimeEqual(received, expected)) throw mismatch('Zendesk');
}

// ---------------------------------------------------------------------------------------------------------
// Motive: hex(HMAC-SHA1(secret, body)). No timestamp is signed, so there is no replay window: a replayed
// request is absorbed by deduplication on the body hash (see motive.ts).

export const MOTIVE_SIGNATURE_HEADER = VENDOR_DIALECTS.motive.signature.signatureHeader;

export function signMotive(secret: string, body: Buffer | string): string {
  return hmac('sha1', utf8Key(secret), body).toString('hex');
}

export function verifyMotive(input: { signature: string; body: Buffer; secret: string }): void {
  const received = decodeHex(input.signature, 20, MOTIVE_SIGNATURE_HEADER);
  const expected = hmac('sha1', utf8Key(input.secret), input.body);
  if (!constantTimeEqual(received, expected)) throw mismatch('Motive');
}

/** Verifies a request signed with the logistics-sync v1 scheme (its two headers, over the raw body). */
export function verifyLsyncRequest(request: WebhookRequest, secret: string, now: Date, toleranceSeconds: number): void {
  verifyLsync({
    timestamp: signatureHeader(request, LSYNC_TIMESTAMP_HEADER),
    signature: signatureHeader(request, LSYNC_SIGNATURE_HEADER),
    body: request.body,
    secret,
    now,
    toleranceSeconds,
  });
}
