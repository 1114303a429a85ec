/**
 * Lambda task of the exception workflows for decisions (severity and actions) and failure descriptions.
 * No network: it decides from its input and the thresholds.
 *
 * | variable | meaning |
 * |---|---|
 * | `EXCEPTION_THRESHOLDS` | stage config `exceptions` block (JSON) |
 * | `RECORD_TTL_DAYS` | expiry of the visibility record and the wait item (stage `retention.correlationTtlDays`) |
 */
import { numberEnv, requireEnv } from '../shared/env';
import { errorClassOf } from '../shared/errors';
import { flushMetrics, logger, withBusinessKeys } from '../shared/observability';
import { rulesActions, type RulesTaskInput } from './rules-actions';
import { parseThresholds } from './thresholds';

const run = rulesActions({ thresholds: parseThresholds(requireEnv('EXCEPTION_THRESHOLDS')), recordTtlDays: numberEnv('RECORD_TTL_DAYS') });

export const handler = async (input: RulesTaskInput): Promise<unknown> => {
  withBusinessKeys({ correlationId: input.event?.metadata?.correlationId, ...input.event?.refs });
  try {
    const result = await run(input);
    logger.info('rules task done', {
      action: input.action,
      eventId: input.event?.metadata?.eventId,
      ...('severity' in result ? { severity: result.severity, reason: result.reason } : { failedSteps: result.failedSteps }),
    });
    return result;
  } catch (error) {
    logger.warn('rules task failed', { action: input.action, errorClass: errorClassOf(error), reason: (error as Error).message });
    throw error;
  } finally {
    logger.resetKeys();
    flushMetrics();
  }
};
