import { pacingProblems, perSecondWithin } from '../lib/config/vendor-limits';
import { API_VENDORS, apiVendor } from '../registry/api-vendors';
import type { SystemName } from '../registry/systems';
import type { SystemSelection } from './systems-option';
import { reconciliationSettings, type StageConfig } from '../lib/config/stage-config';

/**
 * The stage-config overrides a sandbox run's `--systems` choice makes (the option is parsed in systems-option.ts):
 * an API vendor of a system (registry/api-vendors.ts) becomes `systems.<system>.vendor`, with a pace that fits its
 * documented limit; the simulators play each of them.
 */

/**
 * The stage-config overrides for the chosen vendors: `systems.<system>.vendor`, and, where the stage paces the
 * system above the chosen vendor's documented limit, the pace that fits it (synthesis refuses the stage
 * otherwise; lib/config/vendor-limits.ts). Each lowered pace is reported through `note`.
 */
export function systemVendorOverrides(base: StageConfig, selection: SystemSelection, note: (line: string) => void = () => undefined): { systems: Record<string, unknown> } | undefined {
  const systems: Record<string, unknown> = {};
  for (const [system, vendor] of Object.entries(selection) as [SystemName, string][]) {
    // A webhook dialect or a file intake (e.g. fleet=edi) changes how the scenario sends events, not whom the stage calls.
    if ((API_VENDORS as Readonly<Record<string, { system: string }>>)[vendor]?.system !== system) continue;
    const outbound = base.systems[system].outbound;
    const override: Record<string, unknown> = { vendor };
    const paces: Record<string, number> = {};
    if (outbound.lookupRateLimitPerSecond && !apiVendor(system, vendor).lookupRateLimit) {
      note(`systems.${system}: ${vendor} documents no lookup limit of its own; its lookups share the outbound pace for this run`);
      paces.lookupRateLimitPerSecond = 0;
    }
    if (pacingProblems(system, { ...outbound, ...paces }, vendor, reconciliationSettings(base.systems[system]).requestsPerMinute).length > 0) {
      const limit = apiVendor(system, vendor).rateLimit!.requestsPerMinute;
      const fits = perSecondWithin(limit);
      note(`systems.${system}: ${vendor}'s documented limit is ${limit} requests/min; outbound pacing lowered from ${outbound.rateLimitPerSecond}/s to ${fits}/s for this run`);
      paces.rateLimitPerSecond = fits;
    }
    if (Object.keys(paces).length > 0) override.outbound = paces;
    systems[system] = override;
  }
  return Object.keys(systems).length > 0 ? { systems } : undefined;
}
