import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';
import type { ReconciledSystem } from '../../registry/systems';
import { acknowledgeFunctionBaseline } from '../adapters/outbound-adapter';
import { reconciliationSettings, type SystemConfig } from '../config/stage-config';
import { NodeFunction } from '../core/defaults';
import { ReliableQueue, type QueueConsumerRetentionProps } from '../core/reliable-queue';
import { acknowledgeSqsConsumer } from '../core/serverless-checks';
import { grantSecretByName } from '../core/secrets';

export interface ReconciliationSweepProps extends QueueConsumerRetentionProps {
  readonly system: ReconciledSystem;
  /** The system's stage configuration: API base URL, vendor, secret, `reconciliation` (interval, pace, page size), and the ERP's token URL. */
  readonly config: SystemConfig & { readonly tokenUrl?: string };
  /** Where restored milestones are published. */
  readonly bus: events.IEventBus;
  /** The shipments in flight (GSI `InFlight`; legacy entries in GSI `Lists`), state items and timelines the sweep reads. */
  readonly correlationTable: dynamodb.ITable;
  /** The role EventBridge Scheduler assumes to send the schedule's message (one for every sweep of the stack). */
  readonly schedulerRole: iam.IRole;
  /** Topic of the "DLQ not empty" alarm. @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
}

/** One page fits in a minute with time to spare at the sweep's pace; pages are cut short before the timeout anyway. */
const TIMEOUT = Duration.seconds(60);
/** A sweep's functions (the SQS event source minimum): overlapping sweeps share the pace. */
const MAX_CONCURRENCY = 2;
/** A page that keeps failing (the vendor down) is retried this often, then dead-lettered; the next schedule starts over. */
const MAX_RECEIVE_COUNT = 3;

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * One system's reconciliation sweep: an EventBridge Scheduler schedule (every `reconciliation.intervalMinutes`)
 * sends `{"system", "scheduledAt"}` to a `<system>-reconciliation` ReliableQueue; its function takes one page of the
 * shipments in flight per message (batch size 1), reads each from the vendor's API at its own pace
 * (`HTTP_MIN_INTERVAL_MS`, its share of `requestsPerMinute`), publishes the milestones the index lacks, and sends the
 * next page's message (the cursor) to its own queue. A schedule firing Scheduler cannot deliver goes to the queue's
 * DLQ, like a page that keeps failing (lambdas/shared/reconciliation, docs/reconciliation.md).
 */
export class ReconciliationSweep extends Construct {
  public readonly system: ReconciledSystem;
  public readonly handler: NodeFunction;
  public readonly reliableQueue: ReliableQueue;
  public readonly queue: sqs.Queue;
  public readonly schedule: scheduler.Schedule;
  public readonly interval: Duration;

  constructor(scope: Construct, id: string, props: ReconciliationSweepProps) {
    super(scope, id);
    this.system = props.system;
    const settings = reconciliationSettings(props.config);
    this.interval = Duration.minutes(settings.intervalMinutes);
    this.reliableQueue = new ReliableQueue(this, `${pascal(props.system)}Reconciliation`, {
      consumerTimeout: TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: `the ${props.system} reconciliation sweep`,
    });
    this.queue = this.reliableQueue.queue;
    const httpTimeoutMs = 8000;

    this.handler = new NodeFunction(this, `${pascal(props.system)}ReconciliationFunction`, {
      entry: FUNCTION_ENTRIES.reconciliation(props.system),
      serviceName: `${props.system}-reconciliation`,
      timeout: TIMEOUT,
      logRetention: props.logRetention,
      environment: functionEnvironment({
        TARGET_SYSTEM: props.system,
        TARGET_VENDOR: props.config.vendor,
        API_BASE_URL: props.config.apiBaseUrl,
        TOKEN_URL: props.config.tokenUrl,
        SECRET_NAME: props.config.secretName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        CORRELATION_TABLE: props.correlationTable.tableName,
        QUEUE_URL: this.queue.queueUrl,
        DLQ_URL: this.reliableQueue.deadLetterQueue.queueUrl,
        HTTP_TIMEOUT_MS: httpTimeoutMs,
        // This function's share of the sweep's pace, as the outbound adapters divide theirs.
        HTTP_MIN_INTERVAL_MS: Math.ceil((60_000 * MAX_CONCURRENCY) / settings.requestsPerMinute),
        SWEEP_PAGE_SIZE: settings.pageSize,
        SWEEP_INTERVAL_SECONDS: this.interval.toSeconds(),
      }),
    });
    this.handler.addEventSource(new lambdaEventSources.SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: MAX_CONCURRENCY }));
    grantSecretByName(this, 'Secret', this.handler, props.config.secretName);
    // Reads (the `InFlight` index, state items, timeline entries); the one write is dropping a legacy in-flight entry
    // (versions before 2026-12-06) once its shipment is delivered or in the index.
    props.correlationTable.grantReadData(this.handler);
    props.correlationTable.grant(this.handler, 'dynamodb:DeleteItem');
    props.bus.grantPutEventsTo(this.handler);
    this.queue.grantSendMessages(this.handler);
    this.reliableQueue.deadLetterQueue.grantSendMessages(this.handler);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `logistics-sync: ${props.system} reconciliation sweep of the shipments in flight (docs/reconciliation.md)`,
      schedule: scheduler.ScheduleExpression.rate(this.interval),
      target: new targets.SqsSendMessage(this.queue, {
        role: props.schedulerRole,
        deadLetterQueue: this.reliableQueue.deadLetterQueue,
        input: scheduler.ScheduleTargetInput.fromObject({ system: props.system, scheduledAt: scheduler.ContextAttribute.scheduledTime }),
        // A firing not delivered within one interval is superseded by the next one.
        maxEventAge: this.interval,
        retryAttempts: 10,
      }),
    });
  }
}
