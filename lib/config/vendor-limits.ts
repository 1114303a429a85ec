import { apiVendor } from '../../registry/api-vendors';
import type { SystemName } from '../../registry/systems';

/**
 * Problems with one system's pacing against its vendor's limit (pure): the paced rate across every concurrent
 * instance (`rateLimitPerSecond`, which each of the `maxConcurrency` functions divides among themselves) in
 * requests per minute must not exceed the vendor's documented limit (registry/api-vendors.ts), or the override
 * `vendorLimitPerMinute`. The generic ERP API is the customer's own: no limit is known, none is checked.
 */
export function pacingProblems(
  system: SystemName,
  outbound: { readonly rateLimitPerSecond: number; readonly maxConcurrency: number; readonly vendorLimitPerMinute?: number },
  vendor?: string,
): string[] {
  const { rateLimit: documented, title } = apiVendor(system, vendor);
  const limit = outbound.vendorLimitPerMinute ?? documented?.requestsPerMinute;
  if (limit === undefined) return [];
  const perMinute = outbound.rateLimitPerSecond * 60;
  if (perMinute <= limit) return [];
  const what = outbound.vendorLimitPerMinute !== undefined ? `the configured vendorLimitPerMinute of ${limit}` : `the ${title} ${documented!.operation} limit of ${limit} requests/min (${documented!.source})`;
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
