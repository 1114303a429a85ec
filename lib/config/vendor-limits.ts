import { apiVendor } from '../../registry/api-vendors';
import { outboundTimingProblems } from '../../registry/outbound-timing';
import type { SystemName } from '../../registry/systems';

/**
 * Problems with one system's pacing against its vendor's limit (pure): the paced rate across every concurrent
 * instance (`rateLimitPerSecond`, which each of the `maxConcurrency` functions divides among themselves) in
 * requests per minute must not exceed the vendor's documented limit (registry/api-vendors.ts), or the override
 * `vendorLimitPerMinute`. The generic ERP API is the customer's own: no limit is known, none is checked. A lookup pace
 * (`lookupRateLimitPerSecond`) is checked against the vendor's documented lookup limit, and refused for a vendor that
 * documents none apart from its other calls.
 */
export function pacingProblems(
  system: SystemName,
  outbound: {
    readonly rateLimitPerSecond: number;
    readonly maxConcurrency: number;
    readonly vendorLimitPerMinute?: number;
    readonly lookupRateLimitPerSecond?: number;
    readonly vendorLookupLimitPerMinute?: number;
  },
  vendor?: string,
  /** The system's reconciliation sweep, which reads from the same account (`reconciliation.requestsPerMinute`). */
  sweepRequestsPerMinute = 0,
): string[] {
  const { rateLimit: documented, lookupRateLimit, title, name } = apiVendor(system, vendor);
  const problems: string[] = [];
  if (outbound.lookupRateLimitPerSecond !== undefined && outbound.lookupRateLimitPerSecond > 0) {
    if (!lookupRateLimit) {
      problems.push(`systems.${system}.outbound.lookupRateLimitPerSecond: the ${title} (${name}) does not limit lookups apart from its other calls; set it to 0 (lookups share rateLimitPerSecond's pace) or leave it unset`);
    } else {
      // An account-wide limit also counts the writes, paced at rateLimitPerSecond, and the sweep's reads.
      const others = lookupRateLimit.includesWrites ? outbound.rateLimitPerSecond * 60 + sweepRequestsPerMinute : 0;
      const perMinute = outbound.lookupRateLimitPerSecond * 60;
      const limit = outbound.vendorLookupLimitPerMinute ?? lookupRateLimit.requestsPerMinute;
      const what =
        outbound.vendorLookupLimitPerMinute !== undefined
          ? `the configured vendorLookupLimitPerMinute of ${limit}`
          : `the ${title} ${lookupRateLimit.operation} limit of ${limit} requests/min (${lookupRateLimit.source})`;
      if (perMinute + others > limit) {
        problems.push(
          `systems.${system}.outbound.lookupRateLimitPerSecond ${outbound.lookupRateLimitPerSecond}/s is ${perMinute} requests/min${others ? `, with the writes' and the sweep's ${others}` : ''}, above ${what}; use at most ${perSecondWithin(limit - others)}`,
        );
      }
    }
  }
  const limit = outbound.vendorLimitPerMinute ?? documented?.requestsPerMinute;
  if (limit === undefined) return problems;
  const perMinute = outbound.rateLimitPerSecond * 60;
  if (perMinute <= limit) return problems;
  const what = outbound.vendorLimitPerMinute !== undefined ? `the configured vendorLimitPerMinute of ${limit}` : `the ${title} ${documented!.operation} limit of ${limit} requests/min (${documented!.source})`;
  return [
    ...problems,
    `systems.${system}.outbound.rateLimitPerSecond ${outbound.rateLimitPerSecond}/s is ${perMinute} requests/min across up to ${outbound.maxConcurrency} concurrent functions, above ${what}; use at most ${perSecondWithin(limit)}`,
  ];
}

/** The largest rate in hundredths of a request per second within a per-minute limit. */
export function perSecondWithin(requestsPerMinute: number): number {
  return Math.floor((requestsPerMinute / 60) * 100) / 100;
}

/**
 * Problems with one adapter's batch against its function timeout (pure), by the same rule the adapter's gate applies
 * at run time (registry/outbound-timing.ts): each function paces its requests `maxConcurrency / rateLimitPerSecond`
 * seconds apart, a message takes about two requests, and a message is only started while the invocation has its
 * worst-case budget left (each call's pacing slot plus the request timeout). A batch whose last message cannot
 * find that budget has its tail handed back ("not enough time left in this invocation") on every invocation.
 */
export function batchTimeProblems(
  system: SystemName,
  outbound: { readonly rateLimitPerSecond: number; readonly maxConcurrency: number; readonly batchSize: number; readonly timeoutSeconds: number; readonly lookupRateLimitPerSecond?: number },
): string[] {
  return outboundTimingProblems(outbound).map(
    (problem) => `systems.${system}.outbound (maxConcurrency ${outbound.maxConcurrency}, rateLimitPerSecond ${outbound.rateLimitPerSecond}): ${problem}`,
  );
}
