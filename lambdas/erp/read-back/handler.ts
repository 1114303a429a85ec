import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { numberEnv, requireEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/event-publisher';
import { logger, metrics, withPowertools } from '../../shared/observability';
import { SqsMessageOps } from '../../shared/outbound/queue-ops';
import { createSapSalesOrderClientFromEnv } from '../sap-sales-order-client';
import { createSapReadBackHandler } from './read-back';

/**
 * SAP read-back: SQS (`erp-sap-read-back`, thin SAP sales-order events queued by the ERP webhook) →
 * API_SALES_ORDER_SRV → `order.released` on the bus.
 * Env: `API_BASE_URL` (S/4HANA API host), `TOKEN_URL` (optional), `SECRET_NAME`, `HTTP_TIMEOUT_MS`,
 * `EVENT_BUS_NAME`, `QUEUE_URL`, `DLQ_URL`, `MAX_RECEIVE_COUNT`.
 */
const queueUrl = requireEnv('QUEUE_URL');

const inner = createSapReadBackHandler({
  reader: createSapSalesOrderClientFromEnv(),
  publisher: new EventBridgePublisher({ busName: requireEnv('EVENT_BUS_NAME'), client: new EventBridgeClient({}) }),
  messages: new SqsMessageOps(new SQSClient({}), queueUrl, requireEnv('DLQ_URL')),
  logger,
  metrics: { count: (name) => metrics.addMetric(name, MetricUnit.Count, 1) },
  settings: { maxReceiveCount: numberEnv('MAX_RECEIVE_COUNT'), queueUrl, backoff: { baseSeconds: 2, maxSeconds: 300 } },
});

export const handler = withPowertools(inner);
