import { CfnOutput, Duration, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import {
  DISCOVERY_OUTPUT_PREFIX,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  RUNBOOK,
  runbookLink,
  type NamedResourceDiscovery,
  type QuarantineDiscovery,
  type QueueDiscovery,
  type UndeliveredNotificationsDiscovery,
} from '../../registry/catalog';
import { ReliableQueue } from '../core/reliable-queue';
import { SYSTEMS } from '../../registry/systems';
import { StageDashboard } from './dashboard';
import { apiGraphs, functionGraphs, quarantineGraphs, queueGraphs, undeliveredGraphs, workflowGraphs } from './graphs';
import { apiAlarms, driftAlarms, functionAlarms, idempotencyInProgressAlarm, memoryNearLimitAlarm, quarantineAlarm, queueAlarms, scheduledJobAlarm, stateMachineAlarms, undeliveredAlarm, type AlarmSpec, type ApiMetrics } from './alarm-specs';
import { coverageProblems } from './coverage';
import { driftGraphs, type SweepToMonitor } from './drift';
import { friendlyName, meaningfulName, pascal, ResourceNames, systemOf } from './naming';
import type { MonitoringProps } from './props';

export { DISCOVERY_OUTPUT_PREFIX, METRIC_NAMES, METRICS_NAMESPACE, RUNBOOK, runbookLink };
export { friendlyName } from './naming';
export { maintenanceAllowances, type MonitoringProps } from './props';
export type { NamedResourceDiscovery, QuarantineDiscovery, QueueDiscovery, UndeliveredNotificationsDiscovery };

const MAX_SQS_RETENTION_SECONDS = 1_209_600;

type Monitored = ReliableQueue | sfn.StateMachine | apigateway.RestApiBase | apigwv2.HttpStage | lambda.Function | sns.Subscription;

/**
 * Alarms to the on-call topic, the stage's dashboard, the redrive quarantine queue, and the stack outputs
 * `lsync` discovers resources from.
 *
 * Call the `monitor*` methods for individual resources, or {@link monitorScope} to cover every
 * ReliableQueue, StateMachine, RestApi, Function and SNS subscription in a scope. A validation (synth-time
 * error) reports any such resource added to the stack but never monitored, a subscription without a
 * dead-letter queue, and any SQS queue that is neither part of a monitored ReliableQueue nor a monitored
 * subscription's dead-letter queue.
 */
export class Monitoring extends Construct {
  /** Where `lsync dlq redrive` parks messages that exceeded `maxRedrives` (nothing consumes it). */
  public readonly quarantine: ReliableQueue;
  /** `quarantine.queue`. */
  public readonly quarantineQueue: sqs.Queue;
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm this construct created or adopted (the ReliableQueues' DLQ alarms). */
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly maxRedrives: number;

  private readonly props: MonitoringProps;
  private readonly action: cwActions.SnsAction;
  private readonly monitored = new Set<IConstruct>();
  /** The schedules whose sweeps have drift alarms. */
  private readonly driftMonitored = new Set<IConstruct>();
  /** The schedules of scheduled jobs whose runs are alarmed. */
  private readonly scheduledJobs = new Set<IConstruct>();
  /** Every SQS queue an alarm watches (work queues, their DLQs, subscriptions' DLQs). */
  private readonly watchedQueues = new Set<IConstruct>();
  private readonly names = new ResourceNames();
  private readonly board: StageDashboard;
  private readonly systems: readonly string[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.props = props;
    this.systems = props.systems ?? SYSTEMS;
    this.maxRedrives = props.maxRedrives ?? 3;
    if (!Token.isUnresolved(this.maxRedrives) && (!Number.isInteger(this.maxRedrives) || this.maxRedrives < 1)) {
      throw new Error(`Monitoring ${this.node.path}: maxRedrives must be a positive integer, got ${this.maxRedrives}`);
    }
    this.action = new cwActions.SnsAction(props.alarmTopic);

    this.board = new StageDashboard(this, 'Dashboard', { stage: props.stage, systems: this.systems });
    this.dashboard = this.board.dashboard;

    // Nothing consumes the quarantine: lsync receives from it only to inspect or deliberately re-send. Each
    // inspection is a receive, so the redrive policy allows the SQS maximum (1,000) before a message moves on
    // to the quarantine's own DLQ, which keeps it one day longer.
    const quarantineRetention = props.quarantineRetention ?? Duration.days(13);
    this.quarantine = new ReliableQueue(this, 'Quarantine', {
      retentionPeriod: quarantineRetention,
      deadLetterRetentionPeriod: Duration.seconds(Math.min(quarantineRetention.toSeconds() + 86_400, MAX_SQS_RETENTION_SECONDS)),
      maxReceiveCount: 1000,
      alarmTopic: props.alarmTopic,
      purpose: 'the redrive quarantine',
    });
    this.claim(this.quarantine);
    this.watchedQueues.add(this.quarantine.queue).add(this.quarantine.deadLetterQueue);
    this.quarantineQueue = this.quarantine.queue;
    this.alarms.push(this.quarantine.deadLetterAlarm);
    this.board.showAlarm(undefined, this.quarantine.deadLetterAlarm);
    this.addAlarm(quarantineAlarm(this.quarantineQueue, this.maxRedrives));
    this.board.addGraphs(undefined, quarantineGraphs(this.quarantineQueue));
    this.output('QuarantineQueue', {
      url: this.quarantineQueue.queueUrl,
      arn: this.quarantineQueue.queueArn,
      dlqUrl: this.quarantine.deadLetterQueue.queueUrl,
      dlqArn: this.quarantine.deadLetterQueue.queueArn,
      maxRedrives: this.maxRedrives,
    } satisfies QuarantineDiscovery);

    this.addAlarm(idempotencyInProgressAlarm());
    this.addAlarm(memoryNearLimitAlarm());

    this.node.addValidation({ validate: () => coverageProblems(this, { monitored: this.monitored, watchedQueues: this.watchedQueues, driftMonitored: this.driftMonitored, scheduledJobs: this.scheduledJobs }) });
    new CfnOutput(this, 'DashboardName', {
      key: `${DISCOVERY_OUTPUT_PREFIX}DashboardName`,
      value: this.dashboard.dashboardName,
      description: 'CloudWatch dashboard of this stage',
    });
  }

  /**
   * Monitors every ReliableQueue, StateMachine, RestApi and Function under `scope` (the stack, usually).
   * Already monitored resources are skipped, so calling it more than once is harmless.
   */
  public monitorScope(scope: IConstruct): this {
    const own = new Set(this.node.findAll());
    for (const c of scope.node.findAll()) {
      if (own.has(c)) continue;
      if (c instanceof ReliableQueue) this.monitorQueue(c);
      else if (c instanceof sfn.StateMachine) this.monitorStateMachine(c);
      else if (c instanceof apigateway.RestApiBase) this.monitorApi(c);
      else if (c instanceof apigwv2.HttpStage) this.monitorHttpApi(c);
      else if (c instanceof lambda.Function) this.monitorFunction(c);
      else if (c instanceof sns.Subscription && c.deadLetterQueue) this.monitorSubscriptionDeadLetters(c);
    }
    return this;
  }

  /**
   * Queue alarms: adopts the ReliableQueue's "DLQ not empty" alarm (adds the on-call action if missing),
   * adds "oldest message too old" on the work queue and "about to expire" on the DLQ, a discovery
   * output for `lsync`, and dashboard graphs.
   */
  public monitorQueue(rq: ReliableQueue, options: { readonly name?: string; readonly maxAge?: Duration } = {}): this {
    if (!this.claim(rq)) return this;
    this.watchedQueues.add(rq.queue).add(rq.deadLetterQueue);
    const name = this.names.claim(options.name ?? meaningfulName(rq), rq);
    const system = systemOf(rq, this.systems);

    if (!this.hasTopicAction(rq.deadLetterAlarm)) rq.deadLetterAlarm.addAlarmAction(this.action);
    this.alarms.push(rq.deadLetterAlarm);
    this.board.showAlarm(system, rq.deadLetterAlarm);

    const allowance = system ? this.props.queueAgeAllowances?.[system] : undefined;
    const maxAge =
      options.maxAge ?? Duration.seconds((this.props.queueAgeThreshold ?? Duration.minutes(15)).toSeconds() + (allowance?.toSeconds() ?? 0));
    for (const spec of queueAlarms(name, rq, maxAge, this.retentionSeconds(rq.deadLetterQueue), system)) this.addAlarm(spec);

    this.output(`Queue${pascal(name)}`, {
      name,
      url: rq.queue.queueUrl,
      arn: rq.queue.queueArn,
      dlqUrl: rq.deadLetterQueue.queueUrl,
      dlqArn: rq.deadLetterQueue.queueArn,
      maxReceiveCount: rq.maxReceiveCount,
    } satisfies QueueDiscovery);

    this.board.addGraphs(system, queueGraphs(name, rq, maxAge));
    return this;
  }

  /**
   * A subscription's dead-letter queue: the notifications SNS could not deliver to its endpoint (for the on-call
   * email, alarm notifications nobody received). Alarms on the first one — through the topic, so the topic's other
   * subscriptions hear that this one is broken, and on the dashboard — and writes a discovery output, so
   * `lsync health` reports it.
   */
  public monitorSubscriptionDeadLetters(subscription: sns.Subscription, options: { readonly name?: string } = {}): this {
    const queue = subscription.deadLetterQueue;
    if (!queue) throw new Error(`Monitoring ${this.node.path}: ${subscription.node.path} has no dead-letter queue to monitor`);
    if (!this.claim(subscription)) return this;
    this.watchedQueues.add(queue);
    const name = this.names.claim(options.name ?? friendlyName(queue.node.id), queue);
    this.addAlarm(undeliveredAlarm(name, queue, subscription.node.scope?.node.id ?? 'its topic'));
    const topicArn = (subscription.node.defaultChild as sns.CfnSubscription).topicArn;
    this.output(`Undelivered${pascal(name)}`, { name, url: queue.queueUrl, arn: queue.queueArn, topicArn } satisfies UndeliveredNotificationsDiscovery);
    this.board.addGraphs(undefined, undeliveredGraphs(name, queue));
    return this;
  }

  /** Workflow alarms: failed or aborted executions, and timed-out executions; dashboard graph. */
  public monitorStateMachine(sm: sfn.StateMachine, options: { readonly name?: string } = {}): this {
    if (!this.claim(sm)) return this;
    const name = this.names.claim(options.name ?? meaningfulName(sm), sm);
    const system = systemOf(sm, this.systems);
    for (const spec of stateMachineAlarms(name, sm, system)) this.addAlarm(spec);
    this.output(`StateMachine${pascal(name)}`, { name, id: sm.stateMachineArn } satisfies NamedResourceDiscovery);
    this.board.addGraphs(system, workflowGraphs(name, sm));
    return this;
  }

  /** API alarms: 5xx rate and 4xx rate (throttled requests are 429s); dashboard graphs. */
  public monitorApi(api: apigateway.RestApiBase, options: { readonly name?: string } = {}): this {
    if (!this.claim(api)) return this;
    const name = this.names.claim(options.name ?? meaningfulName(api), api);
    return this.monitorApiMetrics(name, api, { name, id: api.restApiId, apiName: api.restApiName });
  }

  /** HTTP API alarms and graphs, as {@link monitorApi}'s, on the stage's metrics (the `ApiId` and `Stage` dimensions). */
  public monitorHttpApi(stage: apigwv2.HttpStage, options: { readonly name?: string } = {}): this {
    if (!this.claim(stage)) return this;
    const name = this.names.claim(options.name ?? meaningfulName(stage.api), stage);
    return this.monitorApiMetrics(name, stage, { name, id: stage.api.apiId });
  }

  /** The alarms, discovery output and graphs of an API, from its metrics (a REST API's or an HTTP API stage's). */
  private monitorApiMetrics(name: string, metrics: ApiMetrics & Pick<apigateway.RestApiBase, 'metricCount'>, discovery: NamedResourceDiscovery): this {
    const requests = metrics.metricCount({ period: Duration.minutes(5), statistic: 'Sum' });
    for (const spec of apiAlarms(name, metrics, requests, this.props)) this.addAlarm(spec);
    this.output(`Api${pascal(name)}`, discovery);
    this.board.addGraphs(undefined, apiGraphs(name, metrics, requests));
    return this;
  }

  /** Function alarms: error rate and throttles; dashboard graph. */
  public monitorFunction(fn: lambda.Function, options: { readonly name?: string } = {}): this {
    if (!this.claim(fn)) return this;
    const name = this.names.claim(options.name ?? meaningfulName(fn), fn);
    const system = systemOf(fn, this.systems);
    for (const spec of functionAlarms(name, fn, this.props, system)) this.addAlarm(spec);
    this.board.addGraphs(system, functionGraphs(name, fn));
    return this;
  }

  /**
   * Reconciliation alarms per sweep: drift that persists (missed updates found in three sweeps in a row: the vendor's
   * webhooks keep failing to arrive, though each one is repaired) and a sweep still running after its interval (the
   * detection promise is broken); dashboard graph. Every EventBridge Scheduler schedule of the stack must be one of
   * these sweeps' (synthesis fails otherwise).
   */
  public monitorDrift(sweeps: readonly (SweepToMonitor & { readonly schedule: IConstruct })[]): this {
    for (const sweep of sweeps) {
      if (this.driftMonitored.has(sweep.schedule)) continue;
      this.driftMonitored.add(sweep.schedule);
      for (const spec of driftAlarms(sweep)) this.addAlarm(spec);
      this.board.addGraphs(sweep.system, driftGraphs(sweep));
    }
    return this;
  }

  /**
   * A scheduled job that is not a sweep (e.g. the Business Central subscription renewal): its function is monitored
   * like every function, and any failed run pages on-call, linking the job's runbook section; its schedule then
   * passes the coverage check.
   */
  public monitorScheduledJob(job: { readonly schedule: IConstruct; readonly handler: lambda.Function; readonly name: string; readonly runbookAnchor: string }): this {
    if (this.scheduledJobs.has(job.schedule)) return this;
    this.scheduledJobs.add(job.schedule);
    this.monitorFunction(job.handler);
    this.addAlarm(scheduledJobAlarm(job.name, job.handler, job.runbookAnchor, systemOf(job.handler, this.systems)));
    return this;
  }

  private addAlarm(spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, spec.id, {
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      datapointsToAlarm: spec.datapointsToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${spec.description} ${runbookLink(spec.anchor)}`,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    this.board.showAlarm(spec.section, alarm);
    return alarm;
  }

  private output(id: string, value: object): void {
    new CfnOutput(this, `${id}Discovery`, {
      key: `${DISCOVERY_OUTPUT_PREFIX}${id}`,
      value: Stack.of(this).toJsonString(value),
      description: 'lsync discovery (JSON)',
    });
  }

  private claim(resource: Monitored): boolean {
    if (this.monitored.has(resource)) return false;
    this.monitored.add(resource);
    return true;
  }

  private hasTopicAction(alarm: cloudwatch.Alarm): boolean {
    const stack = Stack.of(this);
    const actions: unknown = stack.resolve((alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmActions);
    const topic = JSON.stringify(stack.resolve(this.props.alarmTopic.topicArn));
    return Array.isArray(actions) && actions.some((a) => JSON.stringify(a) === topic);
  }

  private retentionSeconds(queue: sqs.Queue): number {
    const retention: unknown = Stack.of(this).resolve((queue.node.defaultChild as sqs.CfnQueue).messageRetentionPeriod);
    // SQS default retention is 4 days when the property is not set.
    return typeof retention === 'number' ? retention : 345_600;
  }
}
