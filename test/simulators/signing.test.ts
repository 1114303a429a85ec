import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { canonicalSignature, isBase64Secret, motiveSignature, rfc3339Seconds, samsaraSignature, unixSeconds, zendeskSignature } from '../../sandbox/simulators/signing';

describe('webhook signatures match the vendor vectors (the schemes of docs/webhooks.md)', () => {
  test('Samsara: v1= hex HMAC-SHA256 over "v1:ts:body" keyed with the base64-decoded secret (computed vector)', () => {
    const body = '{"eventId":"evt-1","eventTime":"2024-05-29T16:26:40.000Z","eventType":"RouteStopArrival","orgId":20936,"webhookId":"1411751028848270","data":{}}';
    expect(samsaraSignature('c2Ftc2FyYS10ZXN0LXNlY3JldC0zMmJ5dGVzLWxvbmchIQ==', '1717000000', body)).toBe(
      'v1=8e3ca8dd48a61e9433813ff484783829be38f476c785d5fa57a9f9ecbbe7aae3',
    );
  });

  test('Samsara: using the secret without base64-decoding it gives a different signature', () => {
    const secret = 'c2Ftc2FyYS10ZXN0LXNlY3JldC0zMmJ5dGVzLWxvbmchIQ==';
    const undecoded = 'v1=' + createHmac('sha256', secret).update('v1:1717000000:{}').digest('hex');
    expect(samsaraSignature(secret, '1717000000', '{}')).not.toBe(undecoded);
  });

  test('Motive: hex HMAC-SHA1 of the payload (docs vector)', () => {
    expect(motiveSignature('d9d36bea41c44ae49d1bfc4a48ba2abe', '["fault_code_closed"]')).toBe('f04a8386a21a6cba0447024e83b3f0983352bb72');
  });

  test('Zendesk: base64 HMAC-SHA256 over TIMESTAMP + BODY with the secret as a UTF-8 string (computed vector)', () => {
    expect(zendeskSignature('dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==', '2024-05-29T16:26:40Z', '{"type":"zen:event-type:ticket.status_changed","id":"x"}')).toBe(
      '4MYPTaAT7yKY3bwIK0y78fHhKAXXweyCZew+C9BNcc8=',
    );
  });

  test('Zendesk: the old BODY + TIMESTAMP order does not verify', () => {
    const old = createHmac('sha256', 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==').update('{"id":"x"}' + '2024-05-29T16:26:40Z').digest('base64');
    expect(zendeskSignature('dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==', '2024-05-29T16:26:40Z', '{"id":"x"}')).not.toBe(old);
  });

  test('canonical: v1= lowercase hex HMAC-SHA256 over "ts.body" (vector computed with openssl dgst -sha256 -hmac)', () => {
    expect(canonicalSignature('lsync-canonical-test-secret', '1717000000', '{"metadata":{"eventId":"e-1"}}')).toBe(
      'v1=fd499324c1523cd9e1ea10bc605778bb157e8c01c6d2845ef00344b09140c57d',
    );
  });

  test('timestamps: Unix seconds for Samsara/canonical, RFC 3339 without fractions for Zendesk', () => {
    const at = new Date('2024-05-29T16:26:40.987Z');
    expect(unixSeconds(at)).toBe('1717000000');
    expect(rfc3339Seconds(at)).toBe('2024-05-29T16:26:40Z');
  });

  test('a Samsara secret must be base64', () => {
    expect(isBase64Secret('c2Ftc2FyYQ==')).toBe(true);
    expect(isBase64Secret('not base64!')).toBe(false);
    expect(isBase64Secret('')).toBe(false);
  });
});
