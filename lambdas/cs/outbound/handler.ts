import { apiVendor } from '../../../registry/api-vendors';
import { DynamoDbCorrelationStore } from '../../indexer/correlation-store';
import { optionalEnv } from '../../shared/env';
import { createOutboundHandlerFromEnv, documentClient, readOutboundEnvironment } from '../../shared/outbound/bootstrap';
import { createCsClientFromEnv } from '../cs-clients';
import { CsOutbound } from './cs-outbound';
import { LedgerBillingRecords } from './billing-records';
import { DynamoDbPendingNotes } from './pending-notes';

/** CS outbound adapter: SQS (cs-sync queue) → the CS platform's tickets API. Wiring only; see cs-outbound.ts. */
const env = readOutboundEnvironment();
const billing = new LedgerBillingRecords(new DynamoDbCorrelationStore(documentClient, env.correlationTable));

export const handler = createOutboundHandlerFromEnv(new CsOutbound(createCsClientFromEnv(), billing, new DynamoDbPendingNotes(documentClient, env.correlationTable), apiVendor('cs', optionalEnv('TARGET_VENDOR')).name, env.correlationTtlSeconds), env);
