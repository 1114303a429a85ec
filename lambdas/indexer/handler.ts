import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { numberEnv, requireEnv } from '../shared/env';
import { logger, metrics, withPowertools } from '../shared/observability';
import { SqsMessageOps } from '../shared/outbound/queue-ops';
import { DynamoDbShipmentViewStore } from '../visibility/view-store';
import { optionalEnv } from '../shared/env';
import { DynamoDbParkedAlerts, SqsAlertCheckSender } from '../shared/parked-alerts';
import { DynamoDbCorrelationStore } from './correlation-store';
import { createIndexerHandler } from './indexer';
import { KnownLinks } from './known-links';

/**
 * Correlation indexer: SQS (ledger queue, every canonical event) → correlation table.
 * Env: `CORRELATION_TABLE`, `QUEUE_URL`, `DLQ_URL`, `MAX_RECEIVE_COUNT`, `CORRELATION_TTL_SECONDS`, `ALERT_RECHECK_QUEUE_URL`
 * (optional: where alerts parked on an asset go when a late dispatch puts a shipment on it).
 */
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const queueUrl = requireEnv('QUEUE_URL');
const tableName = requireEnv('CORRELATION_TABLE');
const sqs = new SQSClient({});
const alertCheckQueueUrl = optionalEnv('ALERT_RECHECK_QUEUE_URL');

const inner = createIndexerHandler({
  store: new DynamoDbCorrelationStore(documentClient, tableName),
  views: new DynamoDbShipmentViewStore(documentClient, tableName),
  knownLinks: new KnownLinks(),
  messages: new SqsMessageOps(sqs, queueUrl, requireEnv('DLQ_URL')),
  ...(alertCheckQueueUrl
    ? {
        parkedAlerts: {
          store: new DynamoDbParkedAlerts(documentClient, tableName),
          sender: new SqsAlertCheckSender(sqs, alertCheckQueueUrl),
          onReleased: (vendorEventIds: readonly string[]) => {
            logger.info('parked alerts sent for another check: a late dispatch put a shipment on their asset', { vendorEventIds });
            metrics.addMetric('ParkedAlertsReleased', MetricUnit.Count, vendorEventIds.length);
          },
        },
      }
    : {}),
  logger,
  metrics: {
    count: (name) => metrics.addMetric(name, MetricUnit.Count, 1),
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, Math.round(value))),
  },
  settings: {
    maxReceiveCount: numberEnv('MAX_RECEIVE_COUNT'),
    ttlSeconds: numberEnv('CORRELATION_TTL_SECONDS'),
    queueUrl,
    backoff: { baseSeconds: 2, maxSeconds: 300 },
  },
});

export const handler = withPowertools(inner);
