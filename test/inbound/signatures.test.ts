import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { SignatureError } from '../../lambdas/shared/webhook/errors';
import { signatureHeader, type WebhookRequest } from '../../lambdas/shared/webhook/request';
import {
  checkTimestampWindow,
  constantTimeEqual,
  signLsync,
  signMotive,
  signSamsara,
  signZendesk,
  verifyLsync,
  verifyMotive,
  verifySamsara,
  verifyZendesk,
} from '../../lambdas/shared/webhook/signatures';

/** Expects `fn` to throw a SignatureError with `reason`. */
function expectReason(fn: () => void, reason: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as SignatureError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected a SignatureError (${reason})`);
}

describe('Samsara webhooks 2.0 signature (vector computed from the documented formula)', () => {
  const secret = 'c2Ftc2FyYS10ZXN0LXNlY3JldC0zMmJ5dGVzLWxvbmchIQ==';
  const timestamp = '1717000000';
  const body = Buffer.from('{"eventId":"evt-1","eventTime":"2024-05-29T16:26:40.000Z","eventType":"RouteStopArrival","orgId":20936,"webhookId":"1411751028848270","data":{}}');
  const signature = 'v1=8e3ca8dd48a61e9433813ff484783829be38f476c785d5fa57a9f9ecbbe7aae3';
  const now = new Date(1717000000 * 1000 + 30_000);
  const verify = (over: Partial<Parameters<typeof verifySamsara>[0]> = {}) =>
    verifySamsara({ signature, timestamp, body, secret, now, toleranceSeconds: 300, ...over });

  test('signs and verifies the vector', () => {
    expect(signSamsara(secret, timestamp, body)).toBe(signature);
    expect(() => verify()).not.toThrow();
  });

  test('the key is the base64-decoded secret, not its text', () => {
    const wrong = `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:`).update(body).digest('hex')}`;
    expectReason(() => verify({ signature: wrong }), 'signature-mismatch');
  });

  test('a wrong key, a tampered body or a changed timestamp fail', () => {
    expectReason(() => verify({ secret: Buffer.from('another-secret-of-32-bytes-long!').toString('base64') }), 'signature-mismatch');
    expectReason(() => verify({ body: Buffer.from(body.toString().replace('evt-1', 'evt-2')) }), 'signature-mismatch');
    expectReason(() => verify({ timestamp: '1717000001' }), 'signature-mismatch');
  });

  test('stale and future timestamps are refused before any HMAC is computed', () => {
    expectReason(() => verify({ now: new Date((1717000000 + 301) * 1000) }), 'stale-timestamp');
    expectReason(() => verify({ now: new Date((1717000000 - 301) * 1000) }), 'future-timestamp');
    expect(() => verify({ now: new Date((1717000000 + 300) * 1000) })).not.toThrow();
  });

  test('malformed signatures and timestamps are refused', () => {
    expectReason(() => verify({ signature: signature.slice(3) }), 'malformed-signature');
    expectReason(() => verify({ signature: `${signature}00` }), 'malformed-signature');
    expectReason(() => verify({ signature: 'v1=zz' + signature.slice(5) }), 'malformed-signature');
    expectReason(() => verify({ signature: `${signature},v1=${'0'.repeat(64)}` }), 'malformed-signature');
    expectReason(() => verify({ timestamp: '1717000000.5' }), 'malformed-timestamp');
    expectReason(() => verify({ timestamp: '-1717000000' }), 'malformed-timestamp');
    expectReason(() => verify({ timestamp: '' }), 'malformed-timestamp');
  });
});

describe('Zendesk webhook signature (vector computed from the documented formula)', () => {
  const secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
  const timestamp = '2024-05-29T16:26:40Z';
  const body = Buffer.from('{"type":"zen:event-type:ticket.status_changed","id":"x"}');
  const signature = '4MYPTaAT7yKY3bwIK0y78fHhKAXXweyCZew+C9BNcc8=';
  const now = new Date('2024-05-29T16:27:00Z');
  const verify = (over: Partial<Parameters<typeof verifyZendesk>[0]> = {}) =>
    verifyZendesk({ signature, timestamp, body, secret, now, toleranceSeconds: 300, ...over });

  test('signs and verifies the vector (secret used as a string, TIMESTAMP + BODY)', () => {
    expect(signZendesk(secret, timestamp, body)).toBe(signature);
    expect(() => verify()).not.toThrow();
  });

  test('the old BODY + TIMESTAMP order does not verify', () => {
    const old = createHmac('sha256', secret).update(body).update(timestamp).digest('base64');
    expectReason(() => verify({ signature: old }), 'signature-mismatch');
  });

  test('wrong key, tampered body, stale and future timestamps fail', () => {
    expectReason(() => verify({ secret: 'another' }), 'signature-mismatch');
    expectReason(() => verify({ body: Buffer.from(body.toString().replace('"x"', '"y"')) }), 'signature-mismatch');
    expectReason(() => verify({ now: new Date('2024-05-29T16:31:41Z') }), 'stale-timestamp');
    expectReason(() => verify({ now: new Date('2024-05-29T16:21:39Z') }), 'future-timestamp');
  });

  test('the timestamp must be RFC 3339 and the signature the base64 of 32 bytes', () => {
    expectReason(() => verify({ timestamp: '1717000000' }), 'malformed-timestamp');
    expectReason(() => verify({ timestamp: 'Wed, 29 May 2024 16:26:40 GMT' }), 'malformed-timestamp');
    expectReason(() => verify({ signature: signature.slice(0, -4) }), 'malformed-signature');
    expectReason(() => verify({ signature: Buffer.alloc(20).toString('base64') }), 'malformed-signature');
  });
});

describe('Motive webhook signature (the vector Motive documents)', () => {
  const secret = 'd9d36bea41c44ae49d1bfc4a48ba2abe';
  const body = Buffer.from('["fault_code_closed"]');
  const signature = 'f04a8386a21a6cba0447024e83b3f0983352bb72';

  test('signs and verifies the vector (HMAC-SHA1 hex)', () => {
    expect(signMotive(secret, body)).toBe(signature);
    expect(() => verifyMotive({ signature, body, secret })).not.toThrow();
    // Hex digits are compared as bytes: upper case is the same signature.
    expect(() => verifyMotive({ signature: signature.toUpperCase(), body, secret })).not.toThrow();
  });

  test('wrong key, tampered body and a SHA-256 length signature fail', () => {
    expectReason(() => verifyMotive({ signature, body, secret: 'x' }), 'signature-mismatch');
    expectReason(() => verifyMotive({ signature, body: Buffer.from('["fault_code_opened"]'), secret }), 'signature-mismatch');
    expectReason(() => verifyMotive({ signature: `${signature}${'0'.repeat(24)}`, body, secret }), 'malformed-signature');
  });
});

describe('logistics-sync HMAC scheme (canonical dialect and ERP CloudEvents)', () => {
  const secret = 'canonical-test-secret';
  const body = Buffer.from('{"eventId":"e-1"}');
  const now = new Date(1_760_000_000_000);
  const timestamp = String(1_760_000_000);

  test('v1 = lowercase hex HMAC-SHA256(secret as UTF-8, timestamp + "." + body)', () => {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.{"eventId":"e-1"}`).digest('hex');
    expect(signLsync(secret, timestamp, body)).toBe(`v1=${expected}`);
    // Computed vector, so other implementations (docs/webhooks.md examples, the sandbox ERP) can check theirs.
    expect(signLsync('canonical-test-secret', '1760000000', '{"eventId":"e-1"}')).toBe(`v1=${expected}`);
    expect(() => verifyLsync({ signature: `v1=${expected}`, timestamp, body, secret, now, toleranceSeconds: 300 })).not.toThrow();
  });

  test('wrong key, tampered body, stale and future timestamps fail', () => {
    const signature = signLsync(secret, timestamp, body);
    const verify = (over: Partial<Parameters<typeof verifyLsync>[0]>) => verifyLsync({ signature, timestamp, body, secret, now, toleranceSeconds: 300, ...over });
    expectReason(() => verify({ secret: 'other' }), 'signature-mismatch');
    expectReason(() => verify({ body: Buffer.from('{"eventId":"e-2"}') }), 'signature-mismatch');
    expectReason(() => verify({ now: new Date(now.getTime() + 301_000) }), 'stale-timestamp');
    expectReason(() => verify({ now: new Date(now.getTime() - 301_000) }), 'future-timestamp');
    expectReason(() => verify({ signature: signature.toUpperCase() }), 'malformed-signature');
  });
});

describe('building blocks', () => {
  test('constant-time comparison checks the length first', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
    expect(constantTimeEqual(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });

  test('the timestamp window is inclusive at the configured tolerance', () => {
    const now = new Date(1_000_000_000);
    expect(() => checkTimestampWindow(1_000_000 - 60, now, 60)).not.toThrow();
    expectReason(() => checkTimestampWindow(1_000_000 - 61, now, 60), 'stale-timestamp');
    expectReason(() => checkTimestampWindow(1_000_000 + 61, now, 60), 'future-timestamp');
  });

  test('a signature header must be present exactly once', () => {
    const request = (values?: string[]): WebhookRequest => ({ route: 'x', body: Buffer.alloc(0), headers: new Map(values ? [['x-samsara-signature', values]] : []) });
    expect(signatureHeader(request(['v1=a']), 'X-Samsara-Signature')).toBe('v1=a');
    expectReason(() => signatureHeader(request(), 'X-Samsara-Signature'), 'missing-header');
    expectReason(() => signatureHeader(request(['']), 'X-Samsara-Signature'), 'missing-header');
    expectReason(() => signatureHeader(request(['v1=a', 'v1=b']), 'X-Samsara-Signature'), 'duplicate-header');
  });
});
