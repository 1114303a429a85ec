import { API_VENDORS } from '../registry/api-vendors';
import { FILE_INTAKES } from '../registry/file-intakes';
import { SYSTEMS, type SystemName } from '../registry/systems';
import { VENDOR_DIALECTS } from '../registry/vendors';
import { FLEET_MILESTONES } from './scenario/fleet-milestones';

/**
 * `npm start -- --systems fleet=edi,cs=freshdesk`: which vendor plays each system in the sandbox. A name may be a
 * webhook dialect (registry/vendors.ts), a file intake (registry/file-intakes.ts) or an API vendor
 * (registry/api-vendors.ts) of that system; the scenario sends the system's events the chosen vendor's way, and an
 * API vendor also becomes the stage's `systems.<system>.vendor`. Unset systems play their defaults.
 */
export type SystemSelection = Partial<Readonly<Record<SystemName, string>>>;

/** The vendors a system may be played by, from the registry. */
export function vendorsOf(system: SystemName): string[] {
  const names = [
    ...Object.entries(VENDOR_DIALECTS).filter(([, d]) => d.system === system).map(([name]) => name),
    ...Object.entries(FILE_INTAKES).filter(([, f]) => f.system === system).map(([name]) => name),
    ...Object.entries(API_VENDORS).filter(([, v]) => v.system === system).map(([name]) => name),
  ];
  return [...new Set(names)];
}

/**
 * The vendors of a system the reference scenario can play it as (`npm start` always plays the scenario): every one of
 * the registry's, but for the fleet only those the scenario can send the milestones as (scenario/fleet-milestones.ts;
 * Motive's webhooks, for one, map a delivery form only, no departure or arrival).
 */
export function playableVendorsOf(system: SystemName): string[] {
  const known = vendorsOf(system);
  return system === 'fleet' ? known.filter((vendor) => Object.hasOwn(FLEET_MILESTONES, vendor)) : known;
}

/**
 * Parses `system=vendor[,system=vendor...]`; throws naming the choices when a part is not one, or names a vendor the
 * scenario cannot play (refused before the sandbox starts rather than failing halfway through the scenario).
 */
export function parseSystemsOption(value: string | undefined): SystemSelection {
  const selection: Partial<Record<SystemName, string>> = {};
  for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [system, vendor, ...rest] = part.split('=').map((s) => s.trim());
    if (!system || !vendor || rest.length > 0) throw new Error(`--systems: "${part}" is not <system>=<vendor>`);
    if (!(SYSTEMS as readonly string[]).includes(system)) throw new Error(`--systems: "${system}" is not a system (${SYSTEMS.join(', ')})`);
    const known = vendorsOf(system as SystemName);
    if (!known.includes(vendor)) throw new Error(`--systems: "${vendor}" is not one of the ${system} vendors (${known.join(', ')})`);
    const playable = playableVendorsOf(system as SystemName);
    if (!playable.includes(vendor)) {
      throw new Error(`--systems: the reference scenario cannot send the ${system} system's milestones as ${vendor}, only as ${playable.join(' or ')} (sandbox/scenario/fleet-milestones.ts)`);
    }
    if (selection[system as SystemName]) throw new Error(`--systems: ${system} is given twice`);
    selection[system as SystemName] = vendor;
  }
  return selection;
}
