import { pickVendor } from '../../registry/api-vendors';
import { optionalEnv } from '../shared/env';
import { createBusinessCentralClientFromEnv } from './business-central/bc-client';
import { createErpClientFromEnv } from './erp-client';
import type { ErpHoldSource, ErpPort } from './erp-port';

/** The ERP client of the configured vendor (`TARGET_VENDOR`, registry/api-vendors.ts): one entry per vendor. */
export function createErpPortFromEnv(): ErpPort {
  return pickVendor('erp', { 'generic-erp': createErpClientFromEnv, 'business-central': createBusinessCentralClientFromEnv }, optionalEnv('TARGET_VENDOR'));
}

/** The quality-hold reader of the configured vendor (the reconciliation sweep), picked like the port above. */
export function createErpHoldSourceFromEnv(): ErpHoldSource {
  return pickVendor('erp', { 'generic-erp': createErpClientFromEnv }, optionalEnv('TARGET_VENDOR'));
}
