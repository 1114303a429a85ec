import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';
import type { SystemConfig } from '../config/stage-config';
import { NodeFunction } from '../core/defaults';
import { ReliableQueue, type QueueConsumerRetentionProps } from '../core/reliable-queue';
import { acknowledgeSqsConsumer } from '../core/serverless-checks';
import { acknowledgeFunctionBaseline } from './outbound-adapter';
import { grantSecretByName } from '../core/secrets';

export interface FleetAlertRecheckProps extends QueueConsumerRetentionProps {
  /** The fleet system's stage configuration: `apiBaseUrl`, `secretName`. */
  readonly config: SystemConfig;
  /** Where the exceptions of an alert matched on recheck are published. */
  readonly bus: events.IEventBus;
  /** The asset assignments the recheck reads. */
  readonly correlationTable: dynamodb.ITable;
  /** Topic of the "DLQ not empty" alarm. @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
}

/** One check reads the fleet API once and queries the index once or twice. */
const TIMEOUT = Duration.seconds(30);
/** A check that keeps failing (the fleet API down) is received this often (30 s, 1, 2, 3 min apart), then dead-lettered. */
const MAX_RECEIVE_COUNT = 5;

/**
 * The check of Samsara temperature alerts (lambdas/fleet/alert-recheck): the fleet inbound adapter answers every
 * temperature alert 202 queued and sends it to the `fleet-alert-recheck` ReliableQueue (no remote read on the webhook
 * path: Samsara allows 5 s); its function reads the reading and the shipments on the asset at once and, while the
 * index knows none (an execution environment of the indexer killed mid-batch returns its batch only after the
 * visibility timeout; a backlog), again with doubling waits (at most 2 min apart) for about 15 minutes, then publishes the exceptions.
 *
 * Grants: the function reads the fleet secret and the index, parks alerts in it (PutItem), puts events on the bus, sends
 * to its own queue (the next check) and its DLQ; {@link grantEnqueue} lets the inbound adapter send the first request.
 */
export class FleetAlertRecheck extends Construct {
  public readonly reliableQueue: ReliableQueue;
  public readonly queue: sqs.Queue;
  public readonly handler: NodeFunction;

  constructor(scope: Construct, id: string, props: FleetAlertRecheckProps) {
    super(scope, id);
    this.reliableQueue = new ReliableQueue(this, 'FleetAlertRecheck', {
      consumerTimeout: TIMEOUT,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: 'the recheck of temperature alerts the index could not place yet',
    });
    this.queue = this.reliableQueue.queue;

    this.handler = new NodeFunction(this, 'RecheckFunction', {
      entry: FUNCTION_ENTRIES.fleetAlertRecheck,
      serviceName: 'fleet-alert-recheck',
      timeout: TIMEOUT,
      logRetention: props.logRetention,
      environment: functionEnvironment({
        API_BASE_URL: props.config.apiBaseUrl,
        SECRET_NAME: props.config.secretName,
        HTTP_TIMEOUT_MS: 5000,
        CORRELATION_TABLE: props.correlationTable.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        QUEUE_URL: this.queue.queueUrl,
        DLQ_URL: this.reliableQueue.deadLetterQueue.queueUrl,
      }),
    });
    this.handler.addEventSource(new lambdaEventSources.SqsEventSource(this.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));
    grantSecretByName(this, 'Secret', this.handler, props.config.secretName);
    props.correlationTable.grantReadData(this.handler);
    // An alert no check could place is parked on its assets (lambdas/shared/parked-alerts.ts): puts, nothing else.
    props.correlationTable.grant(this.handler, 'dynamodb:PutItem');
    props.bus.grantPutEventsTo(this.handler);
    this.queue.grantSendMessages(this.handler);
    this.reliableQueue.deadLetterQueue.grantSendMessages(this.handler);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);
  }

  /** Lets `grantee` (the fleet inbound adapter) send alerts to be checked again. */
  public grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }
}
