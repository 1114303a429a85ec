import { pickVendor } from '../../registry/api-vendors';
import { optionalEnv } from '../shared/env';
import { createFleetClientFromEnv } from './fleet-client';
import type { FleetPort, FleetRouteSource } from './fleet-port';

/** The fleet client of the configured vendor (`TARGET_VENDOR`, registry/api-vendors.ts): one entry per vendor. */
export function createFleetPortFromEnv(): FleetPort {
  return pickVendor('fleet', { samsara: createFleetClientFromEnv }, optionalEnv('TARGET_VENDOR'));
}

/** The route reader of the configured vendor (the reconciliation sweep), picked like the port above. */
export function createFleetRouteSourceFromEnv(): FleetRouteSource {
  return pickVendor('fleet', { samsara: createFleetClientFromEnv }, optionalEnv('TARGET_VENDOR'));
}
