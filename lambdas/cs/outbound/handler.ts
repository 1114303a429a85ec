import { DynamoDbCorrelationStore } from '../../indexer/correlation-store';
import { createOutboundHandlerFromEnv, documentClient, readOutboundEnvironment } from '../../shared/outbound/bootstrap';
import { createZendeskClientFromEnv } from '../zendesk-client';
import { CsOutbound } from './cs-outbound';
import { LedgerPodLookup } from './pod-lookup';

/** CS outbound adapter: SQS (cs-sync queue) → Zendesk Tickets API. Wiring only; see cs-outbound.ts. */
const env = readOutboundEnvironment();
const pods = new LedgerPodLookup(new DynamoDbCorrelationStore(documentClient, env.correlationTable));

export const handler = createOutboundHandlerFromEnv(new CsOutbound(createZendeskClientFromEnv(), pods), env);
