import type { BcApi, BcSubscription } from './bc-api';

/**
 * Creating and renewing the Business Central webhook subscriptions. BC expires a subscription three days after
 * it is created or renewed unless renewed by PATCH (with If-Match), and both create and renew perform the
 * validationToken handshake on the notification URL (contracts/business-central/README.md). Run by
 * `lsync`-style deploy step or on a schedule (at least daily: docs/vendors.md); idempotent.
 */

/** Renew when less than this is left (a daily run then always renews in time, with a day to spare). */
export const RENEW_BEFORE_MS = 36 * 3_600_000;

export interface SubscriptionPlan {
  readonly create: readonly string[];
  readonly renew: readonly BcSubscription[];
  readonly keep: readonly BcSubscription[];
}

/** Which resources need a subscription and which subscriptions need renewing (pure). */
export function planSubscriptions(existing: readonly BcSubscription[], wanted: { notificationUrl: string; resources: readonly string[] }, now: Date): SubscriptionPlan {
  const ours = existing.filter((s) => s.notificationUrl === wanted.notificationUrl);
  const norm = (r: string) => r.replace(/^\//, '').toLowerCase();
  const create = wanted.resources.filter((r) => !ours.some((s) => norm(s.resource) === norm(r)));
  const renew: BcSubscription[] = [];
  const keep: BcSubscription[] = [];
  for (const s of ours) {
    const expires = Date.parse(s.expirationDateTime);
    if (!Number.isFinite(expires) || expires - now.getTime() < RENEW_BEFORE_MS) renew.push(s);
    else keep.push(s);
  }
  return { create, renew, keep };
}

/** Creates the missing subscriptions and renews those close to expiry; returns what it did. */
export async function ensureSubscriptions(api: BcApi, wanted: { notificationUrl: string; resources: readonly string[]; clientState: string }, now: Date): Promise<{ created: string[]; renewed: string[]; kept: string[] }> {
  const plan = planSubscriptions(await api.listSubscriptions(), wanted, now);
  const created: string[] = [];
  for (const resource of plan.create) created.push((await api.createSubscription({ notificationUrl: wanted.notificationUrl, resource, clientState: wanted.clientState })).subscriptionId);
  const renewed: string[] = [];
  for (const s of plan.renew) renewed.push((await api.renewSubscription(s, wanted.clientState)).subscriptionId);
  return { created, renewed, kept: plan.keep.map((s) => s.subscriptionId) };
}

/** The resource to subscribe to for a company's sales orders. */
export function salesOrdersResource(companyId: string): string {
  return `/api/v2.0/companies(${companyId})/salesOrders`;
}

/**
 * The resource to subscribe to for a company's sales invoices (`salesInvoices` is a webhook-supported entity:
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-subscriptions).
 */
export function salesInvoicesResource(companyId: string): string {
  return `/api/v2.0/companies(${companyId})/salesInvoices`;
}

/** The resource to subscribe to for a company's sales credit memos (webhook-supported: the same page's list). */
export function salesCreditMemosResource(companyId: string): string {
  return `/api/v2.0/companies(${companyId})/salesCreditMemos`;
}

/** Every resource the stage subscribes to: sales orders (order.released), sales invoices and credit memos (invoice.posted). */
export function bcSubscriptionResources(companyId: string): string[] {
  return [salesOrdersResource(companyId), salesInvoicesResource(companyId), salesCreditMemosResource(companyId)];
}
