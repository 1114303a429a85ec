import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { numberEnv, optionalEnv, requireEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/event-publisher';
import { logger, metrics, withPowertools } from '../../shared/observability';
import { SqsMessageOps } from '../../shared/outbound/queue-ops';
import { createBcApiFromEnv } from './bc-client';
import { createBcReadBackHandler } from './read-back-handler';

/**
 * Business Central read-back: SQS (`erp-bc-read-back`, filled by the ERP webhook from BC's thin notifications) →
 * API v2.0 → `order.released` (sales orders) and `invoice.posted` (sales invoices) on the bus. Env: as createBcApiFromEnv, plus `BC_SHIP_FROM_LOCATION`,
 * `EVENT_BUS_NAME`, `QUEUE_URL`, `DLQ_URL`, `MAX_RECEIVE_COUNT`.
 */
const queueUrl = requireEnv('QUEUE_URL');

const inner = createBcReadBackHandler({
  reader: createBcApiFromEnv(),
  publisher: new EventBridgePublisher({ busName: requireEnv('EVENT_BUS_NAME'), client: new EventBridgeClient({}) }),
  messages: new SqsMessageOps(new SQSClient({}), queueUrl, requireEnv('DLQ_URL')),
  logger,
  metrics: { count: (name) => metrics.addMetric(name, MetricUnit.Count, 1) },
  mapping: { shipFromLocationId: optionalEnv('BC_SHIP_FROM_LOCATION') ?? 'MAIN' },
  settings: { maxReceiveCount: numberEnv('MAX_RECEIVE_COUNT'), queueUrl, backoff: { baseSeconds: 2, maxSeconds: 300 } },
});

export const handler = withPowertools(inner);
