import { pickVendor } from '../../registry/api-vendors';
import { optionalEnv } from '../shared/env';
import { createFleetClientFromEnv } from './fleet-client';
import type { FleetPort } from './fleet-port';

/** The fleet client of the configured vendor (`TARGET_VENDOR`, registry/api-vendors.ts): one entry per vendor. */
export function createFleetPortFromEnv(): FleetPort {
  return pickVendor('fleet', { samsara: createFleetClientFromEnv }, optionalEnv('TARGET_VENDOR'));
}
