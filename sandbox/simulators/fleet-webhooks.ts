import { randomUUID } from 'node:crypto';
import type { OutgoingWebhook } from './common';
import { samsaraEnvelope } from './fleet-payloads';
import { motiveSignature, samsaraSignature, unixSeconds } from './signing';

/** The fleet's webhooks as the vendors send them: Samsara webhooks 2.0 and Motive's. */

/** Options of every emitted Samsara event. */
export interface SamsaraEventOptions {
  /** When it happened. @default - now */
  at?: Date;
  /** Sign with this time (e.g. ten minutes ago, for a stale signature). @default - the send time */
  signedAt?: Date;
  /** Envelope eventId. @default - a new UUID */
  eventId?: string;
}

/** A Samsara webhooks 2.0 event with this `data`: the envelope, Samsara's headers, signed the Samsara way. */
export function samsaraWebhook(
  eventType: string,
  data: unknown,
  options: { orgId: number; webhookId: string; secret: string; eventTime: string; eventId?: string; signedAt?: Date },
): Omit<OutgoingWebhook, 'url'> {
  const envelope = samsaraEnvelope({ eventId: options.eventId ?? randomUUID(), eventTime: options.eventTime, eventType, orgId: options.orgId, webhookId: options.webhookId, data });
  const secret = options.secret;
  return {
    dialect: 'samsara',
    eventType,
    eventId: envelope.eventId,
    body: JSON.stringify(envelope),
    contentType: 'application/json',
    headers: {
      'user-agent': 'Samsara-Webhook/simulated',
      'x-samsara-request': randomUUID(),
      'x-samsara-org-id': String(options.orgId),
      'x-samsara-event-type': eventType,
    },
    sign: (body, at) => {
      const timestamp = unixSeconds(at);
      return { 'x-samsara-timestamp': timestamp, 'x-samsara-signature': samsaraSignature(secret, timestamp, body) };
    },
    ...(options.signedAt ? { signedAt: options.signedAt } : {}),
  };
}

/**
 * A Motive-style webhook: JSON `{ action, ...attributes }`, X-KT-Webhook-Signature = hex HMAC-SHA1 of the
 * body. Motive signs no timestamp, so `signedAt` changes nothing in the signature.
 */
export function motiveWebhook(action: string, attributes: Record<string, unknown>, secret: string, signedAt?: Date): Omit<OutgoingWebhook, 'url'> {
  return {
    dialect: 'motive',
    eventType: action,
    eventId: String(attributes.id ?? randomUUID()),
    body: JSON.stringify({ action, ...attributes }),
    contentType: 'application/json',
    sign: (raw) => ({ 'x-kt-webhook-signature': motiveSignature(secret, raw) }),
    ...(signedAt ? { signedAt } : {}),
  };
}
