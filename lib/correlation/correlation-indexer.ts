import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NodeFunction } from '../core/defaults';
import { acknowledgeFunctionBaseline } from '../adapters/outbound-adapter';
import { acknowledgeSqsConsumer } from '../core/serverless-checks';
import { ReliableQueue } from '../core/reliable-queue';
import { envDefault, functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';

export interface CorrelationIndexerProps {
  /** The single-table correlation ledger (layout in lib/core/tables.ts). */
  readonly correlationTable: dynamodb.ITable;
  /** @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
  /** Expiry of ledger items. @default Duration.days(180) */
  readonly ttl?: Duration;
  /** @default 10 */
  readonly batchSize?: number;
  /**
   * How long the event source gathers ledger messages into one batch (SQS `MaximumBatchingWindowInSeconds`): fewer
   * indexer invocations, receives and deletes (docs/cost.md: 1 s cut $0.90 per 1M webhook events at 1,000 orders). The
   * index then follows the bus by up to this much more (its readers wait for what they need: the CS invoice note for
   * the POD, the alert checks for the dispatch; the sweeps run on a schedule), and concurrent batches index
   * near-simultaneous milestones of a shipment out of order more often (not flagged late: the flag compares receipt
   * times). 0 indexes each batch as one poll returns it. @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /** SQS event source `maximumConcurrency`: bounds the write rate on the table. @default 5 */
  readonly maxConcurrency?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 5 */
  readonly maxReceiveCount?: number;
  /** @default Duration.days(4) */
  readonly queueRetention?: Duration;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
  /** @default - the NodeFunction default (one month) */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The temperature alert check queue: alerts parked on an asset (no check could place them) are sent there when a
   * late dispatch puts a shipment on the asset (lambdas/shared/parked-alerts.ts). @default - they stay parked
   */
  readonly alertCheckQueue?: sqs.IQueue;
}

/**
 * The correlation indexer: a `ledger` ReliableQueue that receives every canonical event, consumed by a
 * function that writes the link graph, the timeline and the guarded shipment state, and measures the
 * business SLIs that span systems.
 */
export class CorrelationIndexer extends Construct {
  public readonly handler: NodeFunction;
  public readonly reliableQueue: ReliableQueue;
  /** `reliableQueue.queue`: the target of the every-event rule. */
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly eventSource: lambdaEventSources.SqsEventSource;

  constructor(scope: Construct, id: string, props: CorrelationIndexerProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(30);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    this.reliableQueue = new ReliableQueue(this, 'Ledger', {
      consumerTimeout: timeout,
      maxReceiveCount,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: 'the correlation indexer (ledger)',
    });
    this.queue = this.reliableQueue.queue;
    this.deadLetterQueue = this.reliableQueue.deadLetterQueue;

    this.handler = new NodeFunction(this, 'IndexerFunction', {
      entry: FUNCTION_ENTRIES.indexer,
      serviceName: 'correlation-indexer',
      timeout,
      logRetention: props.logRetention,
      environment: functionEnvironment({
        CORRELATION_TABLE: props.correlationTable.tableName,
        QUEUE_URL: this.queue.queueUrl,
        DLQ_URL: this.deadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: maxReceiveCount,
        CORRELATION_TTL_SECONDS: props.ttl?.toSeconds() ?? envDefault('CORRELATION_TTL_SECONDS'),
        ...(props.alertCheckQueue ? { ALERT_RECHECK_QUEUE_URL: props.alertCheckQueue.queueUrl } : {}),
      }),
    });
    this.eventSource = new lambdaEventSources.SqsEventSource(this.queue, {
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency ?? 5,
    });
    this.handler.addEventSource(this.eventSource);
    props.correlationTable.grantReadWriteData(this.handler);
    this.deadLetterQueue.grantSendMessages(this.handler);
    props.alertCheckQueue?.grantSendMessages(this.handler);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);
  }
}
