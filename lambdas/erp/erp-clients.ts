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
  return pickVendor(
    'erp',
    {
      'generic-erp': createErpClientFromEnv,
      // The sweep maps holds through the generic ERP's webhook mapper; BC's holds live in the extension's custom API
      // pages and have no release event to restore (docs/reconciliation.md): a BC stage gets no ERP sweep.
      'business-central': () => {
        throw new Error('the ERP reconciliation sweep reads quality holds through the generic ERP API; Business Central has none to read');
      },
    },
    optionalEnv('TARGET_VENDOR'),
  );
}
