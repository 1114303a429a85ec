import { pickVendor } from '../../registry/api-vendors';
import { optionalEnv } from '../shared/env';
import type { CaseSource, CsPort } from './cs-port';
import { createFreshdeskClientFromEnv } from './freshdesk/client';
import { createZendeskClientFromEnv } from './zendesk-client';

/** The customer-service client of the configured vendor (`TARGET_VENDOR`, registry/api-vendors.ts): one entry per vendor. */
export function createCsClientFromEnv(): CsPort {
  return pickVendor('cs', { zendesk: createZendeskClientFromEnv, freshdesk: createFreshdeskClientFromEnv }, optionalEnv('TARGET_VENDOR'));
}

/** The case reader of the configured vendor (the reconciliation sweep), picked like the client above. */
export function createCaseSourceFromEnv(): CaseSource {
  return pickVendor(
    'cs',
    {
      zendesk: createZendeskClientFromEnv,
      freshdesk: createFreshdeskClientFromEnv,
    },
    optionalEnv('TARGET_VENDOR'),
  );
}
