import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_BC_CUSTOM_API, type ErpSystemConfig } from '../config/stage-config';
import { NodeFunction } from '../core/defaults';
import { ReliableQueue, type QueueConsumerRetentionProps } from '../core/reliable-queue';
import { acknowledgeScheduledFunction, acknowledgeSqsConsumer } from '../core/serverless-checks';
import { functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';
import { acknowledgeFunctionBaseline } from './outbound-adapter';
import { grantSecretByName } from '../core/secrets';

/**
 * Dynamics 365 Business Central as the ERP (docs/vendors.md, "Business Central"): what a stage with
 * `systems.erp.vendor: business-central` gets besides the generic ERP adapters. BC notifies thinly (a subscription per
 * resource, renewed every three days at the latest), so the ERP webhook queues a read-back per changed sales order or
 * sales invoice ({@link BusinessCentralReadBack}) and a scheduled function keeps both subscriptions alive
 * ({@link BusinessCentralSubscriptions}). The company, ship-from location and custom API path reach every function
 * that calls BC through {@link businessCentralEnvironment}.
 */

/** The BC settings of a function that calls Business Central (outbound, workflow ERP task, read-back, renewal). */
export function businessCentralEnvironment(config: ErpSystemConfig): Record<string, string> {
  const bc = config.businessCentral;
  if (!bc) throw new Error('systems.erp.businessCentral is required for a Business Central ERP (lib/config/stage-config.ts checks it)');
  return functionEnvironment({ BC_COMPANY_ID: bc.companyId, BC_SHIP_FROM_LOCATION: bc.shipFromLocation, BC_CUSTOM_API: bc.customApi ?? DEFAULT_BC_CUSTOM_API });
}

export interface BusinessCentralReadBackProps extends QueueConsumerRetentionProps {
  /** The ERP's stage configuration (vendor business-central, with `businessCentral`). */
  readonly config: ErpSystemConfig;
  /** Bus `order.released` and `invoice.posted` are published to. */
  readonly bus: events.IEventBus;
  /** Topic of the "DLQ not empty" alarm. @default - no alarm action */
  readonly alarmTopic?: sns.ITopic;
}

/** Function timeout of the read-back; its queue's visibility is six times this. */
const READ_BACK_TIMEOUT = Duration.seconds(30);

/**
 * The `erp-bc-read-back` ReliableQueue the ERP webhook fills with one request per changed sales order or sales invoice,
 * consumed by a function that reads the document through API v2.0 and publishes `order.released` for a released order,
 * `invoice.posted` for a posted invoice (lambdas/erp/business-central/read-back-lambda.ts). A 404 or an unmappable
 * document is dead-lettered by the function
 * with the reason; transient errors are retried with backoff. Two concurrent functions at most: BC's limit is per
 * user and the outbound adapter shares it.
 *
 * Grants: read the ERP secret, put events on the bus, send to its own queue (a held message) and DLQ;
 * {@link grantEnqueue} lets the ERP inbound adapter send to the queue.
 */
export class BusinessCentralReadBack extends Construct {
  public readonly reliableQueue: ReliableQueue;
  public readonly queue: sqs.Queue;
  public readonly handler: NodeFunction;

  constructor(scope: Construct, id: string, props: BusinessCentralReadBackProps) {
    super(scope, id);
    const maxReceiveCount = props.config.outbound.maxReceiveCount;
    this.reliableQueue = new ReliableQueue(this, 'ErpBcReadBack', {
      consumerTimeout: READ_BACK_TIMEOUT,
      maxReceiveCount,
      retentionPeriod: props.queueRetention,
      deadLetterRetentionPeriod: props.deadLetterRetention,
      alarmTopic: props.alarmTopic,
      purpose: 'the Business Central sales order and sales invoice read-back',
    });
    this.queue = this.reliableQueue.queue;

    this.handler = new NodeFunction(this, 'Function', {
      entry: FUNCTION_ENTRIES.bcReadBack,
      serviceName: 'erp-bc-read-back',
      timeout: READ_BACK_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ...functionEnvironment({
          API_BASE_URL: props.config.apiBaseUrl,
          TOKEN_URL: props.config.tokenUrl,
          SECRET_NAME: props.config.secretName,
          // One read may take at most a quarter of the function timeout.
          HTTP_TIMEOUT_MS: Math.floor((READ_BACK_TIMEOUT.toSeconds() * 1000) / 4),
          EVENT_BUS_NAME: props.bus.eventBusName,
          QUEUE_URL: this.queue.queueUrl,
          DLQ_URL: this.reliableQueue.deadLetterQueue.queueUrl,
          MAX_RECEIVE_COUNT: maxReceiveCount,
        }),
        ...businessCentralEnvironment(props.config),
      },
    });
    this.handler.addEventSource(new lambdaEventSources.SqsEventSource(this.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }));

    grantSecretByName(this, 'Secret', this.handler, props.config.secretName);
    props.bus.grantPutEventsTo(this.handler);
    this.queue.grantSendMessages(this.handler);
    this.reliableQueue.deadLetterQueue.grantSendMessages(this.handler);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSqsConsumer(this.handler);
  }

  /** Lets `grantee` (the ERP inbound adapter) send read-back requests to the queue. */
  public grantEnqueue(grantee: iam.IGrantable): iam.Grant {
    return this.queue.grantSendMessages(grantee);
  }
}

export interface BusinessCentralSubscriptionsProps {
  readonly config: ErpSystemConfig;
  /** The stage's `/webhooks/erp/business-central` URL, where BC handshakes and notifies. */
  readonly notificationUrl: string;
  /** @default - the NodeFunction default (one month) */
  readonly logRetention?: logs.RetentionDays;
}

/** How often the renewal runs: twice within BC's three-day expiry window's last 36 hours (subscriptions.ts renews then). */
export const BC_RENEWAL_INTERVAL = Duration.hours(12);

/**
 * The subscription renewal: an EventBridge Scheduler schedule invokes the function every 12 hours; it creates the
 * sales order and sales invoice subscriptions when missing and renews each when less than 36 hours are left
 * (lambdas/erp/business-central/subscriptions-lambda.ts). Scheduler invokes it asynchronously: a failed run is
 * retried twice by Lambda and the next run redoes the whole check, so there is nothing to dead-letter; the run's
 * errors page on-call (Monitoring.monitorScheduledJob, runbook "Business Central subscription renewal failed").
 *
 * Grants: the function reads the ERP secret (credentials and the clientState); the schedule's role may invoke only it.
 */
export class BusinessCentralSubscriptions extends Construct {
  public readonly handler: NodeFunction;
  public readonly schedule: scheduler.Schedule;
  public readonly interval = BC_RENEWAL_INTERVAL;

  constructor(scope: Construct, id: string, props: BusinessCentralSubscriptionsProps) {
    super(scope, id);
    const timeout = Duration.seconds(60);
    this.handler = new NodeFunction(this, 'Function', {
      entry: FUNCTION_ENTRIES.bcSubscriptions,
      serviceName: 'erp-bc-subscriptions',
      timeout,
      logRetention: props.logRetention,
      environment: {
        ...functionEnvironment({
          API_BASE_URL: props.config.apiBaseUrl,
          TOKEN_URL: props.config.tokenUrl,
          SECRET_NAME: props.config.secretName,
          // BC handshakes with our webhook before it answers a create or a renewal: allow for that round trip.
          HTTP_TIMEOUT_MS: 15_000,
          BC_NOTIFICATION_URL: props.notificationUrl,
        }),
        ...businessCentralEnvironment(props.config),
      },
    });
    grantSecretByName(this, 'Secret', this.handler, props.config.secretName);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeScheduledFunction(this.handler, 'the Business Central subscription renewal');

    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'EventBridge Scheduler invokes the Business Central subscription renewal',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'logistics-sync: create or renew the Business Central webhook subscriptions (docs/vendors.md, "Business Central")',
      schedule: scheduler.ScheduleExpression.rate(BC_RENEWAL_INTERVAL),
      target: new targets.LambdaInvoke(this.handler, {
        role,
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledAt: scheduler.ContextAttribute.scheduledTime }),
        // A firing not delivered within an hour is superseded by the next one (there is a day to spare).
        maxEventAge: Duration.hours(1),
        retryAttempts: 10,
      }),
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: "lambda:InvokeFunction on this one function and its versions (`<arn>:*`, which the Scheduler target grants); nothing else.",
    });
  }
}
