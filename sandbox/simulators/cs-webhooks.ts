import { randomUUID } from 'node:crypto';
import type { OutgoingWebhook } from './common';
import { ticketEvent, type TicketChange, type ZendeskTicket, type ZendeskUser } from './cs-payloads';
import { rfc3339Seconds, zendeskSignature } from './signing';

/**
 * Zendesk's ticket event webhooks for a set of changes made together: one webhook per change, in order, sharing
 * a sequence id, each with Zendesk's headers and signed the Zendesk way (timestamp + body). Each is built when
 * the sender asks for the next one (the ticket as it is then).
 */
export function* ticketEventWebhooks(
  ticket: ZendeskTicket,
  actor: ZendeskUser,
  changes: readonly TicketChange[],
  options: { accountId: number; secret: string; now: () => Date; signedAt?: Date },
): Generator<Omit<OutgoingWebhook, 'url'>> {
  const { accountId, secret } = options;
  const sequenceId = randomUUID().replaceAll('-', '').toUpperCase();
  for (const [index, change] of changes.entries()) {
    const envelope = ticketEvent({ accountId, id: randomUUID(), time: options.now().toISOString(), ticket, actorId: actor.id, change, sequence: { id: sequenceId, position: index + 1 } });
    yield {
      dialect: 'zendesk',
      eventType: change.type,
      eventId: envelope.id,
      body: JSON.stringify(envelope),
      contentType: 'application/json',
      headers: {
        'user-agent': 'Zendesk Webhook',
        'x-zendesk-account-id': String(accountId),
        'x-zendesk-webhook-id': '01HZSANDBOXWEBHOOK0000000',
        'x-zendesk-webhook-invocation-id': randomUUID(),
      },
      sign: (body, at) => {
        const timestamp = rfc3339Seconds(at);
        return { 'x-zendesk-webhook-signature': zendeskSignature(secret, timestamp, body), 'x-zendesk-webhook-signature-timestamp': timestamp };
      },
      ...(options.signedAt ? { signedAt: options.signedAt } : {}),
    };
  }
}
