import { Duration, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ErpSystemConfig } from '../config/stage-config';
import { NodeFunction } from '../core/defaults';
import { acknowledgeFunctionBaseline } from './outbound-adapter';
import { acknowledgeSqsConsumer } from '../core/serverless-checks';
import { ReliableQueue, type QueueConsumerRetentionProps } from '../core/reliable-queue';
import { functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';
import { grantSecretByName } from '../core/secrets';

export interface ErpReadBackProps extends QueueConsumerRetentionProps {
  /** The ERP's stage configuration: `apiBaseUrl` (the S/4HANA API host), `tokenUrl`, `secretName`, `outbound.maxReceiveCount`. */
  readonly config: ErpSystemConfig;
  /** Bus `order.released` is published to. */
  readonly bus: events.IEventBus;
  /** Topic of the "DLQ not empty" alarm. @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
  /** Function timeout; the queue's visibility timeout is six times this. @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Messages per invocation. @default 5 */
  readonly batchSize?: number;
  /** SQS event source `maximumConcurrency`: bounds the read rate on API_SALES_ORDER_SRV. @default 2 */
  readonly maxConcurrency?: number;
  /** Deliveries before SQS moves a message to the DLQ (the function dead-letters earlier, with the reason). @default config.outbound.maxReceiveCount */
  readonly maxReceiveCount?: number;
}

/** Pure validation of the props; skips tokens and names the bad value. */
export function validateErpReadBackProps(props: ErpReadBackProps): string[] {
  const problems: string[] = [];
  const { batchSize, maxConcurrency } = props;
  if (batchSize !== undefined && !Token.isUnresolved(batchSize) && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)) {
    problems.push(`batchSize must be an integer between 1 and 10, got ${batchSize}`);
  }
  if (maxConcurrency !== undefined && !Token.isUnresolved(maxConcurrency) && (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000)) {
    problems.push(`maxConcurrency must be between 2 and 1000 (SQS event source limit), got ${maxConcurrency}`);
  }
  return problems;
}

/**
 * The SAP S/4HANA read-back: an `erp-sap-read-back` ReliableQueue that the ERP inbound adapter fills with thin
 * SAP sales-order events, consumed by a function that reads `A_SalesOrder` from API_SALES_ORDER_SRV and
 * publishes `order.released` when the order is released for fulfilment (lambdas/erp/read-back). A sales order
 * the service does not have, or one that cannot be mapped, is dead-lettered by the function with the reason
 * (`lsync-error-*` attributes); transient errors are retried with backoff.
 *
 * Grants: the function reads the ERP secret, puts events on the bus and sends to its DLQ (and its own queue,
 * to hold a throttled message); {@link grantEnqueue} lets the inbound adapter send to the queue.
 */
export class ErpReadBack extends Construct {
  public readonly reliableQueue: ReliableQueue;
  /** `reliableQueue.queue`: where the ERP webhook sends thin SAP sales-order events. */
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly handler: NodeFunction;
  public readonly eventSource: lambdaEventSources.SqsEventSource;

  constructor(scope: Construct, id: string, props: ErpReadBackProps) {
    super(scope, id);
    const problems = validateErpReadBackProps(props);
    if (problems.length > 0) throw new Error(`ErpReadBack ${this.node.path}: ${problems.join('; ')}`);
    const timeout = props.timeout ?? Duration.seconds(30);
    const maxReceiveCount = props.maxReceiveCount ?? props.config.outbound.maxReceiveCount;

    this.reliableQueue = new ReliableQueue(this, 'ErpSapReadBack', {
      consumerTimeout: timeout,
      maxReceiveCount,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: 'the SAP S/4HANA sales order read-back',
    });
    this.queue = this.reliableQueue.queue;
    this.deadLetterQueue = this.reliableQueue.deadLetterQueue;

    this.handler = new NodeFunction(this, 'ReadBackFunction', {
      entry: FUNCTION_ENTRIES.sapReadBack,
      serviceName: 'erp-sap-read-back',
      timeout,
      logRetention: props.logRetention,
      environment: functionEnvironment({
        API_BASE_URL: props.config.apiBaseUrl,
        TOKEN_URL: props.config.tokenUrl,
        SECRET_NAME: props.config.secretName,
        // One read may take at most a quarter of the function timeout.
        HTTP_TIMEOUT_MS: Math.min(10_000, Math.max(1000, Math.floor((timeout.toSeconds() * 1000) / 4))),
        EVENT_BUS_NAME: props.bus.eventBusName,
        QUEUE_URL: this.queue.queueUrl,
        DLQ_URL: this.deadLetterQueue.queueUrl,
        MAX_RECEIVE_COUNT: maxReceiveCount,
      }),
    });
    this.eventSource = new lambdaEventSources.SqsEventSource(this.queue, {
      batchSize: props.batchSize ?? 5,
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency ?? 2,
    });
    this.handler.addEventSource(this.eventSource);

    grantSecretByName(this, 'Secret', this.handler, props.config.secretName);
    props.bus.grantPutEventsTo(this.handler);
    this.queue.grantSendMessages(this.handler);
    this.deadLetterQueue.grantSendMessages(this.handler);

    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);
  }

  /** Lets `grantee` (the ERP inbound adapter) send read-back requests to the queue. */
  public grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }
}
