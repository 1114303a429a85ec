import type { SystemName } from '../../registry/systems';

/** A vendor's documented rate limit on the calls an outbound adapter makes. */
export interface VendorRateLimit {
  readonly vendor: string;
  /** The limited operation, as the vendor names it. */
  readonly operation: string;
  readonly requestsPerMinute: number;
  /** Where the vendor documents it. */
  readonly source: string;
}

/**
 * The tightest documented limit each outbound adapter runs into, per system (the adapters pace every request
 * they make to `outbound.rateLimitPerSecond` across all their concurrent instances, so the paced rate must stay
 * under it). The generic ERP API is the customer's own: no limit is known, none is checked.
 *
 * - Samsara: Create Route is limited to 100 requests/min per organisation (the Routes API reference, and the
 *   official SDK's doc comment on `CreateRouteAsync`, samsarahq/samsara-dotnet `src/Samsara.Net/Routes/IRoutesClient.cs`).
 * - Zendesk: Update Ticket is limited to 100 requests/min per account, within the plan's account-wide limit
 *   (200 requests/min on the smallest plan).
 */
export const VENDOR_RATE_LIMITS: Partial<Record<SystemName, VendorRateLimit>> = {
  fleet: { vendor: 'Samsara', operation: 'Create Route', requestsPerMinute: 100, source: 'https://developers.samsara.com/docs/rate-limits' },
  cs: { vendor: 'Zendesk', operation: 'Update Ticket', requestsPerMinute: 100, source: 'https://support.zendesk.com/hc/en-us/articles/8638126078234' },
};

/**
 * Problems with one system's pacing against its vendor's limit (pure): the paced rate across every concurrent
 * instance (`rateLimitPerSecond`, which each of the `maxConcurrency` functions divides among themselves) in
 * requests per minute must not exceed the documented limit, or the override `vendorLimitPerMinute`.
 */
export function pacingProblems(
  system: SystemName,
  outbound: { readonly rateLimitPerSecond: number; readonly maxConcurrency: number; readonly vendorLimitPerMinute?: number },
): string[] {
  const documented = VENDOR_RATE_LIMITS[system];
  const limit = outbound.vendorLimitPerMinute ?? documented?.requestsPerMinute;
  if (limit === undefined) return [];
  const perMinute = outbound.rateLimitPerSecond * 60;
  if (perMinute <= limit) return [];
  const what = outbound.vendorLimitPerMinute !== undefined ? `the configured vendorLimitPerMinute of ${limit}` : `${documented!.vendor}'s ${documented!.operation} limit of ${limit} requests/min (${documented!.source})`;
  const fits = Math.floor((limit / 60) * 100) / 100;
  return [
    `systems.${system}.outbound.rateLimitPerSecond ${outbound.rateLimitPerSecond}/s is ${perMinute} requests/min across up to ${outbound.maxConcurrency} concurrent functions, above ${what}; use at most ${fits}`,
  ];
}

/**
 * Problems with one adapter's batch against its function timeout (pure): each function paces its requests
 * `maxConcurrency / rateLimitPerSecond` seconds apart, so a full batch of one request per message needs
 * `batchSize` times that; past 80 % of the timeout the last messages of every batch would be handed back
 * unprocessed ("not enough time left") and burn receive counts.
 */
export function batchTimeProblems(
  system: SystemName,
  outbound: { readonly rateLimitPerSecond: number; readonly maxConcurrency: number; readonly batchSize: number; readonly timeoutSeconds: number },
): string[] {
  const interval = outbound.maxConcurrency / outbound.rateLimitPerSecond;
  const needed = outbound.batchSize * interval;
  if (needed <= 0.8 * outbound.timeoutSeconds) return [];
  return [
    `systems.${system}.outbound: a batch of ${outbound.batchSize} paced ${interval.toFixed(2)} s apart (maxConcurrency ${outbound.maxConcurrency} / rateLimitPerSecond ${outbound.rateLimitPerSecond}) takes ${needed.toFixed(1)} s, more than 80 % of timeoutSeconds ${outbound.timeoutSeconds}; lower batchSize or maxConcurrency, or raise timeoutSeconds`,
  ];
}
