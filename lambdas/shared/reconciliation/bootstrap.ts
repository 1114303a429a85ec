import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SystemName } from '../../../registry/systems';
import { numberEnv, requireEnv } from '../env';
import { EventBridgePublisher } from '../event-publisher';
import { logger, metrics, withPowertools } from '../observability';
import { mergeAttributes } from '../outbound/queue-ops';
import { createSweepHandler, type SystemObserver } from './sweep-runner';
import { DynamoDbSweepStore } from './sweep-store';

/**
 * Module-scope wiring of one system's reconciliation sweep from its environment (set by
 * lib/reconciliation/reconciliation-sweep.ts): `CORRELATION_TABLE` (the `InFlight` index, state items and
 * timelines), `EVENT_BUS_NAME` (where restored milestones are published), `QUEUE_URL` / `DLQ_URL` (continuations,
 * bad messages), `SWEEP_PAGE_SIZE`, `SWEEP_INTERVAL_SECONDS`; the observer's client reads `API_BASE_URL`,
 * `SECRET_NAME`, `HTTP_TIMEOUT_MS` and `HTTP_MIN_INTERVAL_MS` (its share of the vendor's rate limit).
 */
export function createSweepHandlerFromEnv(system: SystemName, observer: SystemObserver): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({});
  const queueUrl = requireEnv('QUEUE_URL');
  const deadLetterQueueUrl = requireEnv('DLQ_URL');
  metrics.setDefaultDimensions({ system });
  const inner = createSweepHandler({
    system,
    observer,
    store: new DynamoDbSweepStore(documentClient, requireEnv('CORRELATION_TABLE')),
    publisher: new EventBridgePublisher({ busName: requireEnv('EVENT_BUS_NAME') }),
    queue: {
      send: async (message, delaySeconds = 0) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }));
      },
      deadLetter: async (record, attributes) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: record.body, MessageAttributes: mergeAttributes(record, attributes) }));
      },
    },
    logger,
    metrics: { count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value) },
    settings: { pageSize: numberEnv('SWEEP_PAGE_SIZE'), intervalSeconds: numberEnv('SWEEP_INTERVAL_SECONDS'), reserveMs: 2 * numberEnv('HTTP_TIMEOUT_MS'), queueUrl },
  });
  return withPowertools(inner);
}
