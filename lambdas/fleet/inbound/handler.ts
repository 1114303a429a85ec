import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { numberEnv, optionalEnv, requireEnv } from '../../shared/env';
import { HttpJsonClient } from '../../shared/outbound/http-client';
import { secretFieldsFromSecretsManager } from '../../shared/outbound/secrets';
import { createInboundHandler } from '../../shared/webhook/runtime';
import { SqsAlertRecheckQueue } from '../alert-recheck/queue';
import { SamsaraTelemetryClient } from '../fleet-telemetry';
import { DynamoDbAssetAssignments } from './asset-assignments';
import { FLEET_CANONICAL_VALIDATORS, fleetDialects } from './routes';

/**
 * Fleet webhooks: Samsara, Motive and the canonical dialect (lambdas/shared/webhook/pipeline.ts). A Samsara
 * temperature alert names only the asset: its reading comes from the fleet API (`API_BASE_URL`, the `apiToken` of
 * the system secret `SECRET_NAME`, `HTTP_TIMEOUT_MS`) and its shipments from the correlation index (`CORRELATION_TABLE`); an
 * alert the index cannot place yet waits on the recheck queue (`ALERT_RECHECK_QUEUE_URL`; without it: ignored at once).
 */
const telemetry = new SamsaraTelemetryClient(
  new HttpJsonClient({ target: 'fleet', baseUrl: requireEnv('API_BASE_URL'), timeoutMs: numberEnv('HTTP_TIMEOUT_MS') }),
  secretFieldsFromSecretsManager(requireEnv('SECRET_NAME'), ['apiToken']),
);
const assignments = new DynamoDbAssetAssignments(DynamoDBDocumentClient.from(new DynamoDBClient({})), requireEnv('CORRELATION_TABLE'));

const recheckQueueUrl = optionalEnv('ALERT_RECHECK_QUEUE_URL');
const recheck = recheckQueueUrl ? new SqsAlertRecheckQueue(new SQSClient({}), recheckQueueUrl) : undefined;

export const handler = createInboundHandler({ system: 'fleet', dialects: fleetDialects({ telemetry, assignments, recheck }), canonicalValidators: FLEET_CANONICAL_VALIDATORS });
