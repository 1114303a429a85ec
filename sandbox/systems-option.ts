import { API_VENDORS } from '../registry/api-vendors';
import { FILE_INTAKES } from '../registry/file-intakes';
import { SYSTEMS, type SystemName } from '../registry/systems';
import { VENDOR_DIALECTS } from '../registry/vendors';

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

/** Parses `system=vendor[,system=vendor...]`; throws naming the choices when a part is not one. */
export function parseSystemsOption(value: string | undefined): SystemSelection {
  const selection: Partial<Record<SystemName, string>> = {};
  for (const part of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [system, vendor, ...rest] = part.split('=').map((s) => s.trim());
    if (!system || !vendor || rest.length > 0) throw new Error(`--systems: "${part}" is not <system>=<vendor>`);
    if (!(SYSTEMS as readonly string[]).includes(system)) throw new Error(`--systems: "${system}" is not a system (${SYSTEMS.join(', ')})`);
    const known = vendorsOf(system as SystemName);
    if (!known.includes(vendor)) throw new Error(`--systems: "${vendor}" is not a ${system} vendor (${known.join(', ')})`);
    if (selection[system as SystemName]) throw new Error(`--systems: ${system} is given twice`);
    selection[system as SystemName] = vendor;
  }
  return selection;
}
