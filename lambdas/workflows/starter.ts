/**
 * Exceptions queue → Step Functions. Wiring only: see start-message.ts (parse, validate), start-plan.ts
 * (which flow, which name) and aws-adapters.ts (StartExecution, duplicates).
 *
 * | variable | meaning |
 * |---|---|
 * | `EXCEPTION_THRESHOLDS` | stage config `exceptions` block (JSON) |
 * | `TEMPERATURE_EXCURSION_STATE_MACHINE_ARN`, `DELAY_STATE_MACHINE_ARN`, `FAILED_DELIVERY_STATE_MACHINE_ARN` | the flows |
 *
 * A start that fails for any reason other than "already exists" is a batch-item failure: SQS redelivers
 * it and, after the queue's maxReceiveCount, moves it to the DLQ.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { errorClassOf } from '../shared/errors';
import { flushMetrics, logger, metrics, withBusinessKeys } from '../shared/observability';
import { SfnWorkflowStarter } from './aws-adapters';
import { handleExceptionMessage } from './start-message';
import { parseThresholds } from './thresholds';

const thresholds = parseThresholds(requireEnv('EXCEPTION_THRESHOLDS'));
const starter = new SfnWorkflowStarter(new SFNClient({}), {
  'temperature-excursion': requireEnv('TEMPERATURE_EXCURSION_STATE_MACHINE_ARN'),
  delay: requireEnv('DELAY_STATE_MACHINE_ARN'),
  'failed-delivery': requireEnv('FAILED_DELIVERY_STATE_MACHINE_ARN'),
});
const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  try {
    const result = await handleExceptionMessage(record.body, { starter, thresholds });
    withBusinessKeys({ correlationId: result.event.metadata.correlationId, ...result.event.refs });
    if (result.outcome === 'skipped') {
      logger.info('no workflow to start', { eventId: result.event.metadata.eventId, reason: result.reason });
      metrics.addMetric('WorkflowStartSkipped', MetricUnit.Count, 1);
      return;
    }
    logger.info(result.outcome === 'started' ? 'workflow started' : 'duplicate start ignored', {
      eventId: result.event.metadata.eventId,
      flow: result.flow,
      executionName: result.executionName,
    });
    metrics.addMetric(result.outcome === 'started' ? 'WorkflowStarted' : 'WorkflowStartDuplicate', MetricUnit.Count, 1);
  } catch (error) {
    logger.error('workflow start failed', { messageId: record.messageId, errorClass: errorClassOf(error), reason: (error as Error).message });
    metrics.addMetric('WorkflowStartFailed', MetricUnit.Count, 1);
    throw error;
  } finally {
    logger.resetKeys();
  }
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};
