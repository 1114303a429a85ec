/**
 * Lambda task of the exception workflows for customer service (open or annotate the shipment's case,
 * escalate it, leave it for a human). Environment: the Zendesk client's (`API_BASE_URL`, `SECRET_NAME`,
 * `HTTP_TIMEOUT_MS`).
 */
import { createZendeskClientFromEnv } from '../cs/zendesk-client';
import { errorClassOf } from '../shared/errors';
import { logger, withBusinessKeys } from '../shared/observability';
import { csActions, type CsTaskInput } from './cs-actions';

const run = csActions(createZendeskClientFromEnv());

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
  }
};
