import { createInboundHandler } from '../../shared/webhook/runtime';
import { createErpClientFromEnv } from '../erp-client';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from './routes';

/**
 * ERP webhooks: CloudEvents (SAP S/4HANA and generic ERP) and the canonical dialect. The ERP API client
 * (`API_BASE_URL`, OAuth2 client credentials from `SECRET_NAME`) reads SAP's thin sales-order events back.
 */
export const handler = createInboundHandler({ system: 'erp', dialects: erpDialects(createErpClientFromEnv()), canonicalValidators: ERP_CANONICAL_VALIDATORS });
