import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { callBudgetMs } from '../../../registry/outbound-timing';
import { numberEnv, optionalEnv, requireEnv } from '../env';
import { EventBridgePublisher } from '../event-publisher';
import { dynamoDbPersistenceLayer } from '../idempotency';
import { logger, metrics, withPowertools } from '../observability';
import { DynamoDbCircuitStore } from './circuit-store';
import { takeRateLimitWaitMs } from './http-client';
import type { CircuitSettings, MaintenanceWindowSpec } from './decisions';
import { Degradation, DynamoDbDegradationStore, SnsNotifier } from './degradation';
import { PowertoolsIdempotentRunner } from './idempotency';
import { SqsMessageOps } from './queue-ops';
import { createOutboundHandler, type OutboundAction, type OutboundTarget } from './runner';
import { PowertoolsSyncMetrics } from './sync-metrics';

/**
 * Module-scope wiring of an outbound adapter from its environment (set by lib/adapters/outbound-adapter.ts):
 *
 * | variable | meaning |
 * |---|---|
 * | `EVENT_BUS_NAME` | bus for confirmation and `sync.failed` events |
 * | `IDEMPOTENCY_TABLE` | Powertools idempotency table |
 * | `CORRELATION_TABLE` | circuit state, status guard, lookups |
 * | `QUEUE_URL`, `DLQ_URL` | the work queue (holds are re-sent here) and its DLQ |
 * | `MAX_RECEIVE_COUNT` | the work queue's redrive maxReceiveCount |
 * | `MAINTENANCE_WINDOWS` | JSON array of stage-config maintenance windows |
 * | `BACKOFF_BASE_SECONDS`, `BACKOFF_MAX_SECONDS` | retry backoff |
 * | `CIRCUIT_FAILURE_THRESHOLD`, `CIRCUIT_COOLDOWN_SECONDS`, `CIRCUIT_MAX_COOLDOWN_SECONDS` | circuit breaker |
 * | `MAX_HOLD_SECONDS` | a message held longer is dead-lettered |
 * | `HTTP_TIMEOUT_MS` | per-request timeout of the target client |
 * | `HTTP_MIN_INTERVAL_MS`, `HTTP_LOOKUP_MIN_INTERVAL_MS` | this container's paces (its share of the target's rate limit; of its lookup limit, when set); with the timeout, the budget a message needs before it is started |
 * | `IDEMPOTENCY_TTL_SECONDS` | how long a completed action is remembered |
 * | `CORRELATION_TTL_SECONDS` | expiry of the items an adapter writes to the correlation table |
 * | `ACCOUNT_TEAM_TOPIC_ARN`, `DEGRADED_NOTICE_SECONDS` | degraded mode (optional): whom to tell when the target stays unreachable, and after how long |
 */
export interface OutboundEnvironment {
  readonly busName: string;
  readonly idempotencyTable: string;
  readonly correlationTable: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly maxReceiveCount: number;
  readonly maintenanceWindows: MaintenanceWindowSpec[];
  readonly backoff: { baseSeconds: number; maxSeconds: number };
  readonly circuit: CircuitSettings;
  readonly maxHoldSeconds: number;
  readonly httpTimeoutMs: number;
  /** This container's pacing: one request per this many ms (`HTTP_MIN_INTERVAL_MS`). */
  readonly minIntervalMs: number;
  /** Its lookups' own pacing, when they have one (`HTTP_LOOKUP_MIN_INTERVAL_MS`); 0: they share the pace above. */
  readonly lookupMinIntervalMs: number;
  readonly idempotencyTtlSeconds: number;
  readonly correlationTtlSeconds: number;
  /** Degraded mode, when the adapter has an account-team topic. */
  readonly degraded?: { readonly topicArn: string; readonly afterSeconds: number };
}

/** Parses the `MAINTENANCE_WINDOWS` JSON (an array of `{day, startUtc, durationMinutes}`); fails the cold start when malformed. */
export function parseMaintenanceWindows(raw: string | undefined): MaintenanceWindowSpec[] {
  if (raw === undefined || raw.trim() === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new Error('MAINTENANCE_WINDOWS must be a JSON array');
  return parsed.map((w, i) => {
    const window = w as Partial<MaintenanceWindowSpec>;
    if (typeof window.day !== 'string' || typeof window.startUtc !== 'string' || !/^\d{2}:\d{2}$/.test(window.startUtc) || typeof window.durationMinutes !== 'number') {
      throw new Error(`MAINTENANCE_WINDOWS[${i}] must be {day, startUtc: "HH:MM", durationMinutes}`);
    }
    return { day: window.day, startUtc: window.startUtc, durationMinutes: window.durationMinutes } as MaintenanceWindowSpec;
  });
}

export function readOutboundEnvironment(): OutboundEnvironment {
  return {
    busName: requireEnv('EVENT_BUS_NAME'),
    idempotencyTable: requireEnv('IDEMPOTENCY_TABLE'),
    correlationTable: requireEnv('CORRELATION_TABLE'),
    queueUrl: requireEnv('QUEUE_URL'),
    deadLetterQueueUrl: requireEnv('DLQ_URL'),
    maxReceiveCount: numberEnv('MAX_RECEIVE_COUNT'),
    maintenanceWindows: parseMaintenanceWindows(optionalEnv('MAINTENANCE_WINDOWS')),
    backoff: { baseSeconds: numberEnv('BACKOFF_BASE_SECONDS'), maxSeconds: numberEnv('BACKOFF_MAX_SECONDS') },
    circuit: {
      failureThreshold: numberEnv('CIRCUIT_FAILURE_THRESHOLD'),
      cooldownSeconds: numberEnv('CIRCUIT_COOLDOWN_SECONDS'),
      maxCooldownSeconds: numberEnv('CIRCUIT_MAX_COOLDOWN_SECONDS'),
    },
    maxHoldSeconds: numberEnv('MAX_HOLD_SECONDS'),
    httpTimeoutMs: numberEnv('HTTP_TIMEOUT_MS'),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS'),
    lookupMinIntervalMs: numberEnv('HTTP_LOOKUP_MIN_INTERVAL_MS'),
    idempotencyTtlSeconds: numberEnv('IDEMPOTENCY_TTL_SECONDS'),
    correlationTtlSeconds: numberEnv('CORRELATION_TTL_SECONDS'),
    ...(optionalEnv('ACCOUNT_TEAM_TOPIC_ARN') ? { degraded: { topicArn: optionalEnv('ACCOUNT_TEAM_TOPIC_ARN')!, afterSeconds: numberEnv('DEGRADED_NOTICE_SECONDS') } } : {}),
  };
}

/** SDK clients shared by everything in one function (module scope, created once per container). */
export const dynamoDbClient = new DynamoDBClient({});
export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, { marshallOptions: { removeUndefinedValues: true } });

/**
 * The Lambda handler of an outbound adapter for `target`, wired to AWS from the environment. Metrics are
 * flushed after every invocation.
 */
export function createOutboundHandlerFromEnv<A extends OutboundAction>(
  target: OutboundTarget<A>,
  env: OutboundEnvironment = readOutboundEnvironment(),
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const inner = createOutboundHandler({
    target,
    messages: new SqsMessageOps(new SQSClient({}), env.queueUrl, env.deadLetterQueueUrl),
    circuit: new DynamoDbCircuitStore(documentClient, env.correlationTable, target.target, env.circuit),
    idempotency: new PowertoolsIdempotentRunner(dynamoDbPersistenceLayer(env.idempotencyTable, dynamoDbClient), {
      keyPrefix: `lsync-outbound-${target.target}`,
      expiresAfterSeconds: env.idempotencyTtlSeconds,
    }),
    publisher: new EventBridgePublisher({ busName: env.busName }),
    metrics: new PowertoolsSyncMetrics(metrics),
    logger,
    rateLimitWait: takeRateLimitWaitMs,
    ...(env.degraded
      ? {
          degradation: new Degradation(
            { target: target.target, afterSeconds: env.degraded.afterSeconds },
            new DynamoDbDegradationStore(documentClient, env.correlationTable, target.target, env.correlationTtlSeconds),
            new SnsNotifier(new SNSClient({}), env.degraded.topicArn),
          ),
        }
      : {}),
    settings: {
      maxReceiveCount: env.maxReceiveCount,
      backoff: env.backoff,
      maintenanceWindows: env.maintenanceWindows,
      maxHoldSeconds: env.maxHoldSeconds,
      // Room for a message's calls, each waiting for its pacing slot (registry/outbound-timing.ts).
      callBudgetMs: callBudgetMs(env.httpTimeoutMs, env.minIntervalMs, env.lookupMinIntervalMs),
      queueUrl: env.queueUrl,
    },
  });
  return withPowertools(inner);
}
