import type { ApiVendorsOf } from '../../registry/api-vendors';
import type { CsSimulator } from './cs';
import { zendeskScenarioPort, type CsScenarioPort } from './cs-port';
import type { FreshdeskSimulator } from './vendors/freshdesk-api';
import { freshdeskScenarioPort } from './vendors/freshdesk-port';

/** The simulated CS platforms (one per CS vendor of registry/api-vendors.ts). */
export interface CsVendorSimulators {
  readonly zendesk: CsSimulator;
  readonly freshdesk: FreshdeskSimulator;
}

/**
 * Per CS vendor of the registry: its simulator's base URL (where the stage's `systems.cs.apiBaseUrl` points) and
 * its scenario port. A registry vendor without an entry is a type error, as in lambdas/cs/cs-clients.ts.
 */
export const CS_VENDOR_SIMULATORS: { readonly [V in ApiVendorsOf<'cs'>]: { url(sims: CsVendorSimulators): string; port(sims: CsVendorSimulators): CsScenarioPort } } = {
  zendesk: { url: (sims) => sims.zendesk.url, port: (sims) => zendeskScenarioPort(sims.zendesk) },
  freshdesk: { url: (sims) => sims.freshdesk.url, port: (sims) => freshdeskScenarioPort(sims.freshdesk) },
};
