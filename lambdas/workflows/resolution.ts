/**
 * The resolution releaser: `case.resolved` / `shipment.delivered` (from the resolutions queue, fed by a rule
 * on the bus) → SendTaskSuccess for every workflow of that shipment waiting for resolution. Wiring only:
 * see release-message.ts and release-plan.ts.
 *
 * | variable | meaning |
 * |---|---|
 * | `CORRELATION_TABLE` | where the waiting workflows left their task tokens |
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { errorClassOf } from '../shared/errors';
import { flushMetrics, logger, metrics } from '../shared/observability';
import { DynamoWaitStore, SfnTaskTokens } from './aws-adapters';
import { handleResolutionMessage } from './release-message';

const waits = new DynamoWaitStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), requireEnv('CORRELATION_TABLE'));
const tokens = new SfnTaskTokens(new SFNClient({}));
const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  try {
    const result = await handleResolutionMessage(record.body, { waits, tokens });
    logger.info(result.skipped ? 'nothing to release' : 'waiting workflows released', { ...result });
    if (result.released > 0) metrics.addMetric('WorkflowResolutionReleased', MetricUnit.Count, result.released);
    if (result.stale > 0) metrics.addMetric('WorkflowResolutionStale', MetricUnit.Count, result.stale);
  } catch (error) {
    logger.error('release failed', { messageId: record.messageId, errorClass: errorClassOf(error), reason: (error as Error).message });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};
