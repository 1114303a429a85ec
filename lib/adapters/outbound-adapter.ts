import { Duration, Token, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as events from 'aws-cdk-lib/aws-events';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { outboundTiming } from '../../registry/outbound-timing';
import type { SystemName } from '../../registry/systems';
import type { SystemConfig } from '../config/stage-config';
import { NodeFunction } from '../core/defaults';
import { acknowledgeSqsConsumer } from '../core/serverless-checks';
import { ReliableQueue } from '../core/reliable-queue';
import { envDefault, functionEnvironment, FUNCTION_ENTRIES, type EnvName } from '../../registry/functions';

export interface OutboundAdapterProps {
  /** The target system; names the queue (`<system>-sync`), the function and its Powertools service. */
  readonly system: SystemName;
  /** The system's stage configuration: API base URL, secret name, outbound limits, maintenance windows (and the ERP's token URL). */
  readonly config: SystemConfig & { readonly tokenUrl?: string };
  /** Bus the adapter publishes confirmation and `sync.failed` events to. */
  readonly bus: events.IEventBus;
  readonly idempotencyTable: dynamodb.ITable;
  /** Holds the circuit state, the ERP status guard and the ledger the CS adapter reads. */
  readonly correlationTable: dynamodb.ITable;
  /** @default FUNCTION_ENTRIES.outbound(system) (registry/functions.ts) */
  readonly entry?: string;
  /** Topic of the "DLQ not empty" alarm. @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
  /** @default Duration.days(4) */
  readonly queueRetention?: Duration;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
  /** How long a completed (event, action) is remembered. @default Duration.hours(24) */
  readonly idempotencyTtl?: Duration;
  /** Expiry of the items the adapter writes to the correlation table. @default Duration.days(180) */
  readonly correlationTtl?: Duration;
  /** @default - the NodeFunction default (one month) */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Consecutive target-down failures (5xx, timeouts, dropped connections, announced maintenance) across all
   * containers that open the circuit, and how long it stays open (doubling per failed probe).
   * @default { failureThreshold: 10, cooldown: 30 s, maxCooldown: 10 min }
   */
  readonly circuitBreaker?: { readonly failureThreshold?: number; readonly cooldown?: Duration; readonly maxCooldown?: Duration };
  /** Retry backoff for 5xx and timeouts: the first delay ceiling, doubling per attempt. @default { base: 2 s, max: 15 min } */
  readonly backoff?: { readonly base?: Duration; readonly max?: Duration };
}

/** Pure validation of the props; skips tokens and names the bad value. */
export function validateOutboundAdapterProps(props: OutboundAdapterProps): string[] {
  const problems: string[] = [];
  const o = props.config.outbound;
  if (!Token.isUnresolved(o.maxConcurrency) && (o.maxConcurrency < 2 || o.maxConcurrency > 1000)) {
    problems.push(`outbound.maxConcurrency must be between 2 and 1000 (SQS event source limit), got ${o.maxConcurrency}`);
  }
  if (!Token.isUnresolved(o.batchSize) && (o.batchSize < 1 || o.batchSize > 10)) {
    problems.push(`outbound.batchSize must be between 1 and 10, got ${o.batchSize}`);
  }
  if (o.memorySize !== undefined && !Token.isUnresolved(o.memorySize) && (!Number.isInteger(o.memorySize) || o.memorySize < 128 || o.memorySize > 10240)) {
    problems.push(`outbound.memorySize must be a whole number of MB between 128 and 10240 (Lambda's range), got ${o.memorySize}`);
  }
  const threshold = props.circuitBreaker?.failureThreshold;
  if (threshold !== undefined && (!Number.isInteger(threshold) || threshold < 1)) {
    problems.push(`circuitBreaker.failureThreshold must be a positive integer, got ${threshold}`);
  }
  return problems;
}

/**
 * Acknowledges, narrowly and with reasons, the two cdk-nag findings every house Lambda function has:
 * - IAM4 for AWSLambdaBasicExecutionRole (the AWS-managed policy the CDK attaches for CloudWatch Logs);
 * - IAM5 for `xray:PutTraceSegments` / `xray:PutTelemetryRecords` on `*` (X-Ray has no resource-level
 *   permissions).
 * Any other managed policy or wildcard on the function's role still fails synthesis.
 */
export function acknowledgeFunctionBaseline(fn: lambda.Function): void {
  if (!fn.role) return;
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'AWS-managed basic execution policy: it only lets the function write its own CloudWatch Logs.',
  });
  Validations.of(fn.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.',
  });
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * An outbound adapter: a `<system>-sync` ReliableQueue (visibility 6× the function timeout, the system's
 * maxReceiveCount) consumed by a function through an SQS event source with the system's batch size,
 * `ReportBatchItemFailures` and `maximumConcurrency`. The function reads the system's secret, calls its
 * API, remembers each (event, action) in the idempotency table, keeps circuit state in the correlation
 * table, re-sends held messages to its own queue and dead-letters the hopeless ones itself (with the
 * reason), and publishes confirmations to the bus.
 */
export class OutboundAdapter extends Construct {
  public readonly system: SystemName;
  public readonly handler: NodeFunction;
  public readonly reliableQueue: ReliableQueue;
  /** `reliableQueue.queue`: the rule target. */
  public readonly queue: sqs.Queue;
  /** `reliableQueue.deadLetterQueue`: the target queue's DLQ, also the rule target's DLQ. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly eventSource: lambdaEventSources.SqsEventSource;
  /** The system's existing secret (read access granted). */
  public readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: OutboundAdapterProps) {
    super(scope, id);
    const problems = validateOutboundAdapterProps(props);
    if (problems.length > 0) throw new Error(`OutboundAdapter ${this.node.path}: ${problems.join('; ')}`);
    this.system = props.system;
    const { outbound } = props.config;
    const timeout = Duration.seconds(outbound.timeoutSeconds);
    const queueRetention = props.queueRetention ?? Duration.days(4);

    const batchingWindow = outbound.batchingWindowSeconds ? Duration.seconds(outbound.batchingWindowSeconds) : undefined;
    this.reliableQueue = new ReliableQueue(this, `${pascal(props.system)}Sync`, {
      consumerTimeout: timeout,
      ...(batchingWindow ? { consumerBatchingWindow: batchingWindow } : {}),
      maxReceiveCount: outbound.maxReceiveCount,
      retentionPeriod: queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: `${props.system} outbound sync`,
    });
    this.queue = this.reliableQueue.queue;
    this.deadLetterQueue = this.reliableQueue.deadLetterQueue;

    // The request timeout and this container's share of the target's rate limit (registry/outbound-timing.ts).
    const { httpTimeoutMs, minIntervalMs, lookupMinIntervalMs } = outboundTiming(outbound);
    const circuit = props.circuitBreaker ?? {};
    const backoff = props.backoff ?? {};
    this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.config.secretName);

    this.handler = new NodeFunction(this, `${pascal(props.system)}OutboundFunction`, {
      entry: props.entry ?? FUNCTION_ENTRIES.outbound(props.system),
      serviceName: `${props.system}-outbound`,
      timeout,
      ...(outbound.memorySize !== undefined ? { memorySize: outbound.memorySize } : {}),
      logRetention: props.logRetention,
      environment: functionEnvironment({
        TARGET_SYSTEM: props.system,
        TARGET_VENDOR: props.config.vendor,
        API_BASE_URL: props.config.apiBaseUrl,
        TOKEN_URL: props.config.tokenUrl,
        ADDRESS_BOOK_EXTERNAL_ID_KEY: props.config.addressBookExternalIdKey,
        SECRET_NAME: props.config.secretName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
        CORRELATION_TABLE: props.correlationTable.tableName,
        QUEUE_URL: this.queue.queueUrl,
        DLQ_URL: this.deadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: outbound.maxReceiveCount,
        MAINTENANCE_WINDOWS: JSON.stringify(props.config.maintenanceWindows),
        HTTP_TIMEOUT_MS: httpTimeoutMs,
        HTTP_MIN_INTERVAL_MS: minIntervalMs,
        HTTP_LOOKUP_MIN_INTERVAL_MS: lookupMinIntervalMs > 0 ? lookupMinIntervalMs : undefined,
        BACKOFF_BASE_SECONDS: (backoff.base ?? Duration.seconds(envDefault('BACKOFF_BASE_SECONDS'))).toSeconds(),
        BACKOFF_MAX_SECONDS: (backoff.max ?? Duration.seconds(envDefault('BACKOFF_MAX_SECONDS'))).toSeconds(),
        CIRCUIT_FAILURE_THRESHOLD: circuit.failureThreshold ?? envDefault('CIRCUIT_FAILURE_THRESHOLD'),
        CIRCUIT_COOLDOWN_SECONDS: (circuit.cooldown ?? Duration.seconds(envDefault('CIRCUIT_COOLDOWN_SECONDS'))).toSeconds(),
        CIRCUIT_MAX_COOLDOWN_SECONDS: (circuit.maxCooldown ?? Duration.seconds(envDefault('CIRCUIT_MAX_COOLDOWN_SECONDS'))).toSeconds(),
        // Held messages are re-sent as new messages; stop holding a day before the queue would have expired them.
        MAX_HOLD_SECONDS: Math.max(3600, queueRetention.toSeconds() - 86_400),
        IDEMPOTENCY_TTL_SECONDS: props.idempotencyTtl?.toSeconds() ?? envDefault('IDEMPOTENCY_TTL_SECONDS'),
        CORRELATION_TTL_SECONDS: props.correlationTtl?.toSeconds() ?? envDefault('CORRELATION_TTL_SECONDS'),
      }),
    });

    this.eventSource = new lambdaEventSources.SqsEventSource(this.queue, {
      batchSize: outbound.batchSize,
      // A window gathers fuller batches at volume (fewer receives, deletes and invocations) for up to that much latency.
      ...(batchingWindow ? { maxBatchingWindow: batchingWindow } : {}),
      reportBatchItemFailures: true,
      maxConcurrency: outbound.maxConcurrency,
    });
    this.handler.addEventSource(this.eventSource);

    this.secret.grantRead(this.handler);
    props.idempotencyTable.grantReadWriteData(this.handler);
    props.correlationTable.grantReadWriteData(this.handler);
    props.bus.grantPutEventsTo(this.handler);
    // Held messages go back to the work queue; hopeless ones to the DLQ, with the reason.
    this.queue.grantSendMessages(this.handler);
    this.deadLetterQueue.grantSendMessages(this.handler);

    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);
    this.secretGrantAcknowledged(props.config.secretName);
  }

  /**
   * Degraded mode: when the target stays unreachable for `after`, the function tells `topic` (the account team)
   * once which shipments' updates are waiting, and once more when the target recovers
   * (lambdas/shared/outbound/degradation.ts).
   */
  public notifyWhenDegraded(topic: sns.ITopic, after: Duration): this {
    this.handler.addEnvironment('ACCOUNT_TEAM_TOPIC_ARN' satisfies EnvName, topic.topicArn);
    this.handler.addEnvironment('DEGRADED_NOTICE_SECONDS' satisfies EnvName, String(after.toSeconds()));
    topic.grantPublish(this.handler);
    Validations.of(this.handler.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: "Publishing to the KMS-encrypted account-team topic needs a data key (the GenerateDataKey variants), granted by grantPublish on that topic's key only.",
    });
    return this;
  }

  private secretGrantAcknowledged(secretName: string): void {
    Validations.of(this.handler.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${secretName}-??????]`,
      reason: 'Secrets Manager appends six random characters to a secret ARN; the grant matches exactly this one secret by name.',
    });
  }
}
