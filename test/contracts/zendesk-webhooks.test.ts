/**
 * Zendesk's ticket event webhooks as the contract documents them (contracts/zendesk/openapi.json `x-webhooks`,
 * from https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/): every documented example
 * validates against its schema and our Zendesk dialect decodes and maps it as specified here. The page's sample
 * ticket has no external id (not a ticket logistics-sync opened), so each example is also mapped with
 * `detail.external_id` = a shipment id, as on the tickets we open.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, readContractDocument, type Contract } from '../../contracts/contract';
import { zendeskDialect } from '../../lambdas/cs/inbound/zendesk';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import type { MapResult } from '../../lambdas/shared/webhook/dialect';
import type { WebhookRequest } from '../../lambdas/shared/webhook/request';

const RECEIVED_AT = '2025-01-08T10:12:09Z';

/** The canonical data each mapped event type produces from its documented example (with our external id). */
const MAPPED: Record<string, { eventType: string; data: Record<string, unknown> }> = {
  'zen:event-type:ticket.status_changed': { eventType: 'case.updated', data: { change: 'status-changed', status: 'open', previousStatus: 'new' } },
  'zen:event-type:ticket.priority_changed': { eventType: 'case.updated', data: { change: 'priority-changed', priority: 'high', previousPriority: 'low', status: 'open' } },
  'zen:event-type:ticket.comment_added': { eventType: 'case.updated', data: { change: 'comment-added', comment: { public: true }, status: 'open' } },
  'zen:event-type:ticket.tags_changed': { eventType: 'case.updated', data: { change: 'tags-changed', tagsAdded: ['ticket-info-test-tag'] } },
};

function mapped(payload: unknown): MapResult {
  const decoded = zendeskDialect.decode({} as WebhookRequest, payload);
  const result = zendeskDialect.map(decoded, RECEIVED_AT);
  if (result.kind === 'deferred') throw new Error('Zendesk events are mapped at once');
  return result;
}

describe('the documented Zendesk ticket event examples', () => {
  let contract: Contract;
  beforeAll(async () => {
    contract = await loadContract('zendesk');
  });

  const webhooks = Object.values(readContractDocument('zendesk')['x-webhooks'] ?? {});

  test('the contract documents exactly the event types our mapper maps, each with an example from the page', () => {
    expect(webhooks.map((w) => w.event).sort()).toEqual(Object.keys(MAPPED).sort());
    for (const webhook of webhooks) {
      expect(webhook['x-source']).toMatch(/^https:\/\/developer\.zendesk\.com\/api-reference\/webhooks\/event-types\/ticket-events/);
      expect(webhook.examples?.length).toBeGreaterThan(0);
    }
  });

  describe.each(webhooks.flatMap((w) => (w.examples ?? []).map((example) => [w.event, example] as const)))('%s', (event, example) => {
    test('validates against its schema', () => {
      expect(contract.checkWebhook(event, example.value)).toEqual([]);
    });

    test('as documented (no external id) it is ignored: not a ticket logistics-sync opened', () => {
      expect(mapped(example.value)).toEqual({ kind: 'ignored', reason: 'ticket has no external_id: not a logistics-sync case' });
    });

    test('on a ticket we opened (external_id = shipment id) it maps to the specified canonical event', () => {
      const value = example.value as { detail: Record<string, unknown> };
      const ours = { ...value, detail: { ...value.detail, external_id: 'SHP-1001-01' } };
      expect(contract.checkWebhook(event, ours)).toEqual([]);
      const result = mapped(ours);
      if (result.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(result)}`);
      expect(result.events).toHaveLength(1);
      const [canonical] = result.events;
      expect(validateCanonicalEvent(canonical)).toMatchObject({ ok: true });
      expect(canonical.metadata).toMatchObject({ eventType: MAPPED[event].eventType, source: { system: 'cs', vendor: 'zendesk', eventId: 'cbe4028c-7239-495d-b020-f22348516046' } });
      expect(canonical.refs).toEqual({ caseId: '5158', shipmentId: 'SHP-1001-01' });
      expect(canonical.data).toEqual(MAPPED[event].data);
    });
  });
});
