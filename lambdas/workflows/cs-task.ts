/**
 * Lambda task of the exception workflows for customer service (open or annotate the shipment's case,
 * escalate it, leave it for a human). Environment: the CS client's (`TARGET_VENDOR`, `API_BASE_URL`,
 * `SECRET_NAME`, `HTTP_TIMEOUT_MS`).
 */
import { createCsClientFromEnv } from '../cs/cs-clients';
import { errorClassOf } from '../shared/errors';
import { flushMetrics, logger, withBusinessKeys } from '../shared/observability';
import { csActions, type CsTaskInput } from './cs-actions';

const run = csActions(createCsClientFromEnv());

export const handler = async (input: CsTaskInput): Promise<unknown> => {
  withBusinessKeys({ correlationId: input.event?.metadata?.correlationId, ...input.event?.refs });
  try {
    const result = await run(input);
    logger.info('CS task done', { action: input.action, eventId: input.event?.metadata?.eventId });
    return result;
  } catch (error) {
    logger.warn('CS task failed', { action: input.action, errorClass: errorClassOf(error), reason: (error as Error).message });
    throw error;
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
};
