/**
 * Lambda task of the exception workflows for the ERP (enrich, set the exception status, place a quality
 * hold). Invoked by Step Functions; an error's `name` is what the state machine's Retry/Catch match on
 * (lambdas/shared/errors.ts). Environment: the ERP client's (`TARGET_VENDOR`, `API_BASE_URL`, `SECRET_NAME`, `HTTP_TIMEOUT_MS`).
 */
import { createErpPortFromEnv } from '../erp/erp-clients';
import { errorClassOf } from '../shared/errors';
import { logger, withBusinessKeys } from '../shared/observability';
import { erpActions, type ErpTaskInput } from './erp-actions';

const run = erpActions(createErpPortFromEnv());

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
  }
};
