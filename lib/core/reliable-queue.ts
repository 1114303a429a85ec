import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueDefaults, VISIBILITY_TIMEOUT_FACTOR } from './defaults';
import { acknowledgeDeadLetterQueue } from './serverless-checks';

/** How long a queue-driven function's messages and logs are kept: the props every such construct takes from the stage. */
export interface QueueConsumerRetentionProps {
  /** @default Duration.days(4) */
  readonly queueRetention?: Duration;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
  /** @default - the NodeFunction default (one month) */
  readonly logRetention?: logs.RetentionDays;
}

export interface ReliableQueueProps {
  /**
   * Timeout of the function (or other consumer) that processes the queue. The visibility timeout is
   * derived from it: `VISIBILITY_TIMEOUT_FACTOR` (6) times this, as AWS advises for SQS event sources.
   * @default Duration.seconds(30)
   */
  readonly consumerTimeout?: Duration;
  /**
   * The consumer's batching window (SQS event source `maxBatchingWindow`), added to the visibility timeout as AWS
   * advises (six times the function timeout plus the window): a message waiting in a window is already received.
   * @default - none
   */
  readonly consumerBatchingWindow?: Duration;
  /**
   * Deliveries of a message before it moves to the DLQ.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the work queue keeps a message.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long the DLQ keeps a message; must be longer than `retentionPeriod` so nothing expires in the DLQ
   * before it could expire in its source.
   * @default Duration.days(14)
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Topic the "DLQ not empty" alarm notifies.
   * @default - the alarm is created without an action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Human name of what the queue feeds, used in the alarm description and runbook link.
   * @default - the construct id
   */
  readonly purpose?: string;
  /**
   * How long each new message waits before it can be received (SQS: at most 15 minutes).
   * @default - none
   */
  readonly deliveryDelay?: Duration;
}

/** Pure validation of the props; skips unresolved tokens and names the bad value. */
export function validateReliableQueueProps(props: ReliableQueueProps): string[] {
  const problems: string[] = [];
  const maxReceiveCount = props.maxReceiveCount;
  if (maxReceiveCount !== undefined && !Token.isUnresolved(maxReceiveCount) && (maxReceiveCount < 1 || !Number.isInteger(maxReceiveCount))) {
    problems.push(`maxReceiveCount must be a positive integer, got ${maxReceiveCount}`);
  }
  const retention = props.retentionPeriod ?? Duration.days(4);
  const dlqRetention = props.deadLetterRetentionPeriod ?? Duration.days(14);
  if (!retention.isUnresolved() && !dlqRetention.isUnresolved() && dlqRetention.toSeconds() <= retention.toSeconds()) {
    problems.push(
      `deadLetterRetentionPeriod (${dlqRetention.toHumanString()}) must be longer than retentionPeriod (${retention.toHumanString()})`,
    );
  }
  const visibility = (props.consumerTimeout ?? Duration.seconds(30)).toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
  if (visibility > 43_200) {
    problems.push(`consumerTimeout ${props.consumerTimeout?.toHumanString()} gives a visibility timeout over the SQS maximum of 12 hours`);
  }
  return problems;
}

/**
 * A work queue that cannot lose a message: a DLQ with longer retention, a redrive policy, SSE, an
 * HTTPS-only policy, a visibility timeout derived from the consumer's timeout, and an alarm as soon as
 * anything reaches the DLQ.
 */
export class ReliableQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  /** Fires when the DLQ holds at least one message. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: ReliableQueueProps = {}) {
    super(scope, id);
    const problems = validateReliableQueueProps(props);
    if (problems.length > 0) {
      throw new Error(`ReliableQueue ${this.node.path}: ${problems.join('; ')}`);
    }
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    const consumerTimeout = props.consumerTimeout ?? Duration.seconds(30);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...queueDefaults(),
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });
    acknowledgeDeadLetterQueue(this.deadLetterQueue, 'its "DLQ not empty" alarm');
    this.queue = new sqs.Queue(this, 'Queue', {
      ...queueDefaults(),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      ...(props.deliveryDelay ? { deliveryDelay: props.deliveryDelay } : {}),
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR + (props.consumerBatchingWindow?.toSeconds() ?? 0)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    const purpose = props.purpose ?? id;
    // Messages moved to a DLQ by SQS are not counted as "sent": visible messages is the metric that sees them.
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Messages for ${purpose} are in the dead-letter queue. Runbook: docs/runbook.md#dlq-not-empty`,
    });
    if (props.alarmTopic) {
      this.deadLetterAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
    }
  }
}
