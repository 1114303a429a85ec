import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SystemName } from '../../../registry/systems';
import { numberEnv, requireEnv } from '../env';
import { EventBridgePublisher } from '../event-publisher';
import { RecordOnSuccessPersistenceLayer } from '../idempotency';
import { logger, metrics } from '../observability';
import { SecretsManagerJsonSource } from '../secrets';
import type { Dialect } from './dialect';
import { createWebhookPipeline, type CanonicalValidators, type WebhookHandler } from './pipeline';

/**
 * Environment of an inbound adapter function (set by lib/adapters/inbound-adapter.ts from the stage config):
 * - `EVENT_BUS_NAME`, `IDEMPOTENCY_TABLE`, `SECRET_NAME` (required);
 * - `WEBHOOK_MAX_BODY_BYTES` (default 262144), `WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS` (default 300),
 *   `IDEMPOTENCY_TTL_SECONDS` (default 86400).
 */
export interface InboundEnvironment {
  readonly busName: string;
  readonly idempotencyTable: string;
  readonly secretName: string;
  readonly maxBodyBytes: number;
  readonly timestampToleranceSeconds: number;
  readonly idempotencyTtlSeconds: number;
}

export function readInboundEnvironment(): InboundEnvironment {
  return {
    busName: requireEnv('EVENT_BUS_NAME'),
    idempotencyTable: requireEnv('IDEMPOTENCY_TABLE'),
    secretName: requireEnv('SECRET_NAME'),
    maxBodyBytes: numberEnv('WEBHOOK_MAX_BODY_BYTES'),
    timestampToleranceSeconds: numberEnv('WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS'),
    idempotencyTtlSeconds: numberEnv('IDEMPOTENCY_TTL_SECONDS'),
  };
}

export interface InboundHandlerOptions {
  readonly system: SystemName;
  readonly dialects: readonly Dialect[];
  readonly canonicalValidators: CanonicalValidators;
}

/**
 * The Lambda handler of one inbound adapter: the shared pipeline over real ports. Call at module scope:
 * it reads the environment and creates the SDK clients once per container.
 */
export function createInboundHandler(options: InboundHandlerOptions): WebhookHandler {
  const env = readInboundEnvironment();
  const pipeline = createWebhookPipeline(
    options.dialects,
    {
      system: options.system,
      maxBodyBytes: env.maxBodyBytes,
      timestampToleranceSeconds: env.timestampToleranceSeconds,
      idempotencyTtlSeconds: env.idempotencyTtlSeconds,
      canonicalValidators: options.canonicalValidators,
    },
    {
      publisher: new EventBridgePublisher({ busName: env.busName, client: new EventBridgeClient({}) }),
      persistence: new RecordOnSuccessPersistenceLayer({ tableName: env.idempotencyTable, awsSdkV3Client: new DynamoDBClient({}) }),
      secrets: new SecretsManagerJsonSource({
        secretName: env.secretName,
        provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
      }),
      metrics,
      logger,
    },
  );
  return async (event, context) => {
    if (context) logger.addContext(context);
    return pipeline(event, context);
  };
}
