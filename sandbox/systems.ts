import { pacingProblems } from '../lib/config/vendor-limits';
import { apiVendor } from '../registry/api-vendors';
import { SYSTEMS, type SystemName } from '../registry/systems';
import type { StageConfig } from '../lib/config/stage-config';

/**
 * The vendor each system calls in a sandbox run, when it differs from the stage's (`npm start -- --systems
 * cs=freshdesk`): parsing the option, and the stage-config overrides it makes. Any registry vendor of a system
 * can be chosen (registry/api-vendors.ts); the simulators play each of them.
 */

/** Vendors by system, e.g. `{ cs: 'freshdesk' }`. */
export type SystemVendors = Readonly<Partial<Record<SystemName, string>>>;

/** Parses `cs=freshdesk,fleet=samsara`; throws naming the system or vendor that is not one. */
export function parseSystemVendors(option: string): SystemVendors {
  const out: Partial<Record<SystemName, string>> = {};
  for (const part of option.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [system, vendor, ...rest] = part.split('=');
    if (!system || !vendor || rest.length > 0) throw new Error(`--systems takes system=vendor pairs separated by commas, got ${JSON.stringify(part)}`);
    if (!(SYSTEMS as readonly string[]).includes(system)) throw new Error(`--systems: ${JSON.stringify(system)} is not a system (${SYSTEMS.join(', ')})`);
    apiVendor(system as SystemName, vendor); // throws naming the system's vendors
    out[system as SystemName] = vendor;
  }
  return out;
}

/**
 * The stage-config overrides for the chosen vendors: `systems.<system>.vendor`, and, where the stage paces the
 * system above the chosen vendor's documented limit, the pace that fits it (synthesis refuses the stage
 * otherwise; lib/config/vendor-limits.ts). Each lowered pace is reported through `note`.
 */
export function systemVendorOverrides(base: StageConfig, vendors: SystemVendors, note: (line: string) => void = () => undefined): { systems: Record<string, unknown> } | undefined {
  const systems: Record<string, unknown> = {};
  for (const [system, vendor] of Object.entries(vendors) as [SystemName, string][]) {
    const outbound = base.systems[system].outbound;
    const override: Record<string, unknown> = { vendor };
    if (pacingProblems(system, outbound, vendor).length > 0) {
      const limit = apiVendor(system, vendor).rateLimit!.requestsPerMinute;
      const fits = Math.floor((limit / 60) * 100) / 100;
      note(`systems.${system}: ${vendor}'s documented limit is ${limit} requests/min; outbound pacing lowered from ${outbound.rateLimitPerSecond}/s to ${fits}/s for this run`);
      override.outbound = { rateLimitPerSecond: fits };
    }
    systems[system] = override;
  }
  return Object.keys(systems).length > 0 ? { systems } : undefined;
}
