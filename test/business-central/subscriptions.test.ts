import { describe, expect, test } from 'vitest';
import type { BcSubscription } from '../../lambdas/erp/business-central/bc-api';
import { bcSubscriptionResources, planSubscriptions, RENEW_BEFORE_MS } from '../../lambdas/erp/business-central/subscriptions';

const COMPANY = 'b18aed47-c385-49d2-b954-dbdf8ad71780';
const URL = 'https://lsync.example.test/webhooks/erp/business-central';
const NOW = new Date('2026-03-12T08:00:00.000Z');
const subscription = (resource: string, expiresInMs: number, notificationUrl = URL): BcSubscription => ({ subscriptionId: resource.split('/').at(-1)!, notificationUrl, resource, expirationDateTime: new Date(NOW.getTime() + expiresInMs).toISOString() });

describe('Business Central subscription resources and plan', () => {
  test('the stage subscribes to its company\'s salesOrders, salesInvoices and salesCreditMemos (webhook-supported v2.0 entities)', () => {
    expect(bcSubscriptionResources(COMPANY)).toEqual([`/api/v2.0/companies(${COMPANY})/salesOrders`, `/api/v2.0/companies(${COMPANY})/salesInvoices`, `/api/v2.0/companies(${COMPANY})/salesCreditMemos`]);
  });

  test('a stage subscribed to sales orders only (before invoices) gets the salesInvoices and salesCreditMemos subscriptions created and keeps the other', () => {
    const plan = planSubscriptions([subscription(`/api/v2.0/companies(${COMPANY})/salesOrders`, 3 * 86_400_000)], { notificationUrl: URL, resources: bcSubscriptionResources(COMPANY) }, NOW);
    expect(plan.create).toEqual([`/api/v2.0/companies(${COMPANY})/salesInvoices`, `/api/v2.0/companies(${COMPANY})/salesCreditMemos`]);
    expect(plan.keep.map((s) => s.subscriptionId)).toEqual(['salesOrders']);
    expect(plan.renew).toEqual([]);
  });

  test('each subscription is renewed on its own once less than 36 hours are left; another URL\'s subscriptions are not ours', () => {
    const plan = planSubscriptions(
      [
        subscription(`/api/v2.0/companies(${COMPANY})/salesOrders`, RENEW_BEFORE_MS + 60_000),
        subscription(`api/v2.0/companies(${COMPANY})/salesInvoices`, RENEW_BEFORE_MS - 60_000),
        subscription(`/api/v2.0/companies(${COMPANY})/salesCreditMemos`, RENEW_BEFORE_MS + 60_000),
        subscription(`/api/v2.0/companies(${COMPANY})/customers`, 1000, 'https://other.example/hook'),
      ],
      { notificationUrl: URL, resources: bcSubscriptionResources(COMPANY) },
      NOW,
    );
    expect(plan.create).toEqual([]);
    expect(plan.renew.map((s) => s.subscriptionId)).toEqual(['salesInvoices']);
    expect(plan.keep.map((s) => s.subscriptionId)).toEqual(['salesOrders', 'salesCreditMemos']);
  });
});
