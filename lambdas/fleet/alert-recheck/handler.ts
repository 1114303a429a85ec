import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { numberEnv, requireEnv } from '../../shared/env';
import { EventBridgePublisher } from '../../shared/event-publisher';
import { logger, metrics, withPowertools } from '../../shared/observability';
import { HttpJsonClient } from '../../shared/outbound/http-client';
import { SqsMessageOps } from '../../shared/outbound/queue-ops';
import { secretFieldsFromSecretsManager } from '../../shared/outbound/secrets';
import { DynamoDbParkedAlerts } from '../../shared/parked-alerts';
import { SamsaraTelemetryClient } from '../fleet-telemetry';
import { DynamoDbAssetAssignments } from '../inbound/asset-assignments';
import { SqsAlertRecheckQueue } from './queue';
import { createAlertRecheckHandler } from './recheck';

/**
 * Alert recheck: SQS (`fleet-alert-recheck`, Samsara temperature alerts the index could not place yet, delayed) →
 * the fleet API's reading and the index's assignments again → the exceptions on the bus, or the next check; after the
 * last, the alert parked on its assets (lambdas/shared/parked-alerts.ts).
 * Env: `API_BASE_URL`, `SECRET_NAME`, `HTTP_TIMEOUT_MS`, `CORRELATION_TABLE`, `EVENT_BUS_NAME`, `QUEUE_URL`, `DLQ_URL`.
 */
const queueUrl = requireEnv('QUEUE_URL');
const sqs = new SQSClient({});
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tableName = requireEnv('CORRELATION_TABLE');

const inner = createAlertRecheckHandler({
  ports: {
    telemetry: new SamsaraTelemetryClient(
      new HttpJsonClient({ target: 'fleet', baseUrl: requireEnv('API_BASE_URL'), timeoutMs: numberEnv('HTTP_TIMEOUT_MS') }),
      secretFieldsFromSecretsManager(requireEnv('SECRET_NAME'), ['apiToken']),
    ),
    assignments: new DynamoDbAssetAssignments(documentClient, tableName),
  },
  publisher: new EventBridgePublisher({ busName: requireEnv('EVENT_BUS_NAME'), client: new EventBridgeClient({}) }),
  queue: new SqsAlertRecheckQueue(sqs, queueUrl),
  parked: new DynamoDbParkedAlerts(documentClient, tableName),
  messages: new SqsMessageOps(sqs, queueUrl, requireEnv('DLQ_URL')),
  queueUrl,
  logger,
  metrics: { count: (name) => metrics.addMetric(name, MetricUnit.Count, 1) },
});

export const handler = withPowertools(inner);
