import { apiVendor } from '../../../registry/api-vendors';
import { optionalEnv } from '../../shared/env';
import { createOutboundHandlerFromEnv, documentClient, readOutboundEnvironment } from '../../shared/outbound/bootstrap';
import { createErpPortFromEnv } from '../erp-clients';
import { ErpOutbound } from './erp-outbound';
import { DynamoDbStatusSyncGuard } from './status-guard';

/** ERP outbound adapter: SQS (erp-sync queue) → ERP REST API. Wiring only; see erp-outbound.ts. */
const env = readOutboundEnvironment();
const guard = new DynamoDbStatusSyncGuard(documentClient, env.correlationTable, 'erp', env.correlationTtlSeconds);

export const handler = createOutboundHandlerFromEnv(new ErpOutbound(createErpPortFromEnv(), guard, apiVendor('erp', optionalEnv('TARGET_VENDOR')).name), env);
