/**
 * Lambda task of the exception workflows for the ERP (enrich, set the exception status, place a quality
 * hold). Invoked by Step Functions; an error's `name` is what the state machine's Retry/Catch match on
 * (lambdas/shared/errors.ts). Environment: the ERP client's (`TARGET_VENDOR`, `API_BASE_URL`, `SECRET_NAME`, `HTTP_TIMEOUT_MS`),
 * and `CORRELATION_TABLE` / `CORRELATION_TTL_SECONDS` where Enrich records the shipment's business impact and the
 * exception status takes the ERP adapter's never-backwards guard (optional).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createErpPortFromEnv } from '../erp/erp-clients';
import { numberEnv, optionalEnv } from '../shared/env';
import { errorClassOf } from '../shared/errors';
import { flushMetrics, logger, withBusinessKeys } from '../shared/observability';
import { DynamoDbStatusSyncGuard } from '../erp/outbound/status-guard';
import { DynamoDbShipmentViewStore } from '../visibility/view-store';
import { erpActions, type ErpTaskInput } from './erp-actions';

const correlationTable = optionalEnv('CORRELATION_TABLE');
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const run = erpActions(
  createErpPortFromEnv(),
  undefined,
  correlationTable
    ? {
        recorder: new DynamoDbShipmentViewStore(documentClient, correlationTable),
        ttlSeconds: numberEnv('CORRELATION_TTL_SECONDS'),
        onError: (error) => logger.warn('business impact not recorded', { errorClass: errorClassOf(error), reason: (error as Error).message }),
      }
    : undefined,
  correlationTable ? new DynamoDbStatusSyncGuard(documentClient, correlationTable, 'erp', numberEnv('CORRELATION_TTL_SECONDS')) : undefined,
);

export const handler = async (input: ErpTaskInput): Promise<unknown> => {
  withBusinessKeys({ correlationId: input.event?.metadata?.correlationId, ...input.event?.refs });
  try {
    const result = await run(input);
    logger.info('ERP task done', { action: input.action, eventId: input.event?.metadata?.eventId });
    return result;
  } catch (error) {
    logger.warn('ERP task failed', { action: input.action, errorClass: errorClassOf(error), reason: (error as Error).message });
    throw error;
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
};
