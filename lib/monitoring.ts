import { CfnOutput, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
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
} from '../cli/catalog';
import type { StageConfig } from './config/stage-config';
import { ReliableQueue } from './reliable-queue';

export { DISCOVERY_OUTPUT_PREFIX, METRIC_NAMES, METRICS_NAMESPACE, RUNBOOK, runbookLink };
export type { NamedResourceDiscovery, QuarantineDiscovery, QueueDiscovery };

/** `ErpSyncQueue` → `erp-sync`; `FleetDispatch` → `fleet-dispatch`. Pure. */
export function friendlyName(id: string): string {
  const kebab = id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  const trimmed = kebab.replace(/-(queue|work-queue)$/, '');
  return trimmed || kebab;
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Per-system allowance for the "oldest message" alarm: outbound adapters hold a system's backlog during
 * its maintenance windows, so that system's queues may legitimately age by the longest window.
 */
export function maintenanceAllowances(config: StageConfig): Record<string, Duration> {
  return Object.fromEntries(
    Object.entries(config.systems).map(([system, cfg]) => [
      system,
      Duration.minutes(Math.max(0, ...cfg.maintenanceWindows.map((w) => w.durationMinutes))),
    ]),
  );
}

export interface MonitoringProps {
  /** Stage name, shown on the dashboard. */
  readonly stage: string;
  /** The on-call topic every alarm notifies. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Age of the oldest message in a work queue that raises the backlog alarm.
   * @default Duration.minutes(15)
   */
  readonly queueAgeThreshold?: Duration;
  /**
   * Extra backlog age allowed per system (key: system name as it appears in the queue's construct path,
   * e.g. `erp`), typically its longest maintenance window (see {@link maintenanceAllowances}).
   * @default - no allowance
   */
  readonly queueAgeAllowances?: Readonly<Record<string, Duration>>;
  /**
   * How many times `lsync dlq redrive` may send one message back before quarantining it.
   * @default 3
   */
  readonly maxRedrives?: number;
  /**
   * How long the quarantine queue keeps a message (its own DLQ keeps it one day longer, at most 14 days).
   * @default Duration.days(13)
   */
  readonly quarantineRetention?: Duration;
  /**
   * API Gateway 5xx rate (percent of requests, per 5 minutes, 2 of 3 periods) that raises the alarm.
   * @default 1
   */
  readonly api5xxRatePercent?: number;
  /**
   * API Gateway 4xx rate (percent of requests, per 5 minutes, 3 of 3 periods) that raises the alarm.
   * Throttled webhooks are answered 429 and count here.
   * @default 10
   */
  readonly api4xxRatePercent?: number;
  /**
   * Lambda error rate (percent of invocations, per 5 minutes, 2 of 3 periods) that raises the alarm.
   * @default 5
   */
  readonly functionErrorRatePercent?: number;
  /** System names used to group the dashboard's technical-health rows. @default ['erp', 'fleet', 'cs'] */
  readonly systems?: readonly string[];
}

const MAX_SQS_RETENTION_SECONDS = 1_209_600;
const DEFAULT_SYSTEMS = ['erp', 'fleet', 'cs'] as const;
const PLATFORM = 'platform';

type Monitored = ReliableQueue | sfn.StateMachine | apigateway.RestApiBase | lambda.Function;

/**
 * Alarms to the on-call topic, the stage's dashboard, the redrive quarantine queue, and the stack outputs
 * `lsync` discovers resources from.
 *
 * Call the `monitor*` methods for individual resources, or {@link monitorScope} to cover every
 * ReliableQueue, StateMachine, RestApi and Function in a scope. A validation (synth-time error) reports
 * any such resource added to the stack but never monitored.
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
  private readonly names = new Set<string>();
  /** Per dashboard section (a system, or `platform`): the row its graphs go into and the alarms it shows. */
  private readonly sections = new Map<string, { row: cloudwatch.Row; alarms: cloudwatch.IAlarm[] }>();

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.props = props;
    this.maxRedrives = props.maxRedrives ?? 3;
    if (!Token.isUnresolved(this.maxRedrives) && (!Number.isInteger(this.maxRedrives) || this.maxRedrives < 1)) {
      throw new Error(`Monitoring ${this.node.path}: maxRedrives must be a positive integer, got ${this.maxRedrives}`);
    }
    this.action = new cwActions.SnsAction(props.alarmTopic);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# logistics-sync — ${props.stage}\nBusiness SLIs first, then technical health per system. Every alarm description links its section of docs/runbook.md; \`lsync health --stage ${props.stage}\` prints the queue and workflow figures.`,
        width: 24,
        height: 2,
      }),
    );
    this.addBusinessSliWidgets();
    // Sections are laid out now and filled as resources are monitored (the dashboard body renders lazily).
    for (const section of [...(props.systems ?? DEFAULT_SYSTEMS), PLATFORM]) {
      const alarms: cloudwatch.IAlarm[] = [];
      const row = new cloudwatch.Row();
      this.sections.set(section, { row, alarms });
      const title = section === PLATFORM ? 'Platform (API, indexer, workflows, quarantine)' : section.toUpperCase();
      this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${title}: technical health`, width: 24, height: 1 }));
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: `${title}: alarms`, alarms, width: 24, height: 3, sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP }),
      );
      this.dashboard.addWidgets(row);
    }

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
    this.quarantineQueue = this.quarantine.queue;
    this.alarms.push(this.quarantine.deadLetterAlarm);
    this.alarmsOf(undefined).push(this.quarantine.deadLetterAlarm);
    this.addAlarm(
      'QuarantineNotEmpty',
      this.quarantineQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      {
        threshold: 1,
        description: `Messages were quarantined after ${this.maxRedrives} redrives: they need a code or data fix, not another redrive.`,
        anchor: RUNBOOK.quarantineNotEmpty,
      },
    );
    this.addWidgets(undefined, [
      new cloudwatch.GraphWidget({
        title: 'quarantine: messages',
        left: [this.quarantineQueue.metricApproximateNumberOfMessagesVisible({ label: 'quarantined', statistic: 'Maximum' })],
        width: 8,
      }),
    ]);
    this.output('QuarantineQueue', {
      url: this.quarantineQueue.queueUrl,
      arn: this.quarantineQueue.queueArn,
      dlqUrl: this.quarantine.deadLetterQueue.queueUrl,
      dlqArn: this.quarantine.deadLetterQueue.queueArn,
      maxRedrives: this.maxRedrives,
    } satisfies QuarantineDiscovery);

    // One alarm for the whole stage: a Metrics Insights query sums the metric over every function (service).
    this.addAlarm(
      'IdempotencyInProgress',
      new cloudwatch.MathExpression({
        expression: `SELECT SUM(${METRIC_NAMES.idempotencyInProgress}) FROM SCHEMA("${METRICS_NAMESPACE}", service)`,
        usingMetrics: {},
        period: Duration.minutes(5),
        label: 'idempotency records found in progress',
      }),
      {
        threshold: 5,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description: 'Redeliveries keep finding the same (event, action) in progress: a consumer times out mid-call or two consumers race.',
        anchor: RUNBOOK.idempotencyInProgress,
      },
    );

    this.node.addValidation({ validate: () => this.unmonitored() });
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
      else if (c instanceof lambda.Function) this.monitorFunction(c);
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
    const name = this.uniqueName(options.name ?? this.meaningfulName(rq), rq);
    const system = this.systemOf(rq);

    if (!this.hasTopicAction(rq.deadLetterAlarm)) rq.deadLetterAlarm.addAlarmAction(this.action);
    this.alarms.push(rq.deadLetterAlarm);
    this.alarmsOf(system).push(rq.deadLetterAlarm);

    const allowance = system ? this.props.queueAgeAllowances?.[system] : undefined;
    const maxAge =
      options.maxAge ?? Duration.seconds((this.props.queueAgeThreshold ?? Duration.minutes(15)).toSeconds() + (allowance?.toSeconds() ?? 0));
    this.addAlarm(`${pascal(name)}BacklogAge`, rq.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }), {
      threshold: maxAge.toSeconds(),
      description: `The oldest message in the ${name} work queue is older than ${maxAge.toHumanString()}: its consumer is down, held or too slow.`,
      anchor: RUNBOOK.queueBacklogAge,
      section: system,
    });

    const retentionSeconds = this.retentionSeconds(rq.deadLetterQueue);
    this.addAlarm(
      `${pascal(name)}DeadLettersExpiring`,
      rq.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(15), statistic: 'Maximum' }),
      {
        threshold: Math.floor(retentionSeconds * 0.75),
        description: `Messages in the ${name} DLQ have used 75% of its ${Duration.seconds(retentionSeconds).toHumanString()} retention: redrive or quarantine them before SQS deletes them.`,
        anchor: RUNBOOK.dlqMessagesExpiring,
      section: system,
      },
    );

    this.output(`Queue${pascal(name)}`, {
      name,
      url: rq.queue.queueUrl,
      arn: rq.queue.queueArn,
      dlqUrl: rq.deadLetterQueue.queueUrl,
      dlqArn: rq.deadLetterQueue.queueArn,
      maxReceiveCount: rq.maxReceiveCount,
    } satisfies QueueDiscovery);

    this.addWidgets(system, [
      new cloudwatch.GraphWidget({
        title: `${name}: backlog`,
        left: [rq.queue.metricApproximateNumberOfMessagesVisible({ label: 'visible', statistic: 'Maximum' })],
        right: [rq.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'in DLQ', statistic: 'Maximum' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: oldest message (s)`,
        left: [rq.queue.metricApproximateAgeOfOldestMessage({ label: 'work queue', statistic: 'Maximum' })],
        leftAnnotations: [{ value: maxAge.toSeconds(), label: 'alarm' }],
        width: 8,
      }),
    ]);
    return this;
  }

  /** Workflow alarms: failed or aborted executions, and timed-out executions; dashboard graph. */
  public monitorStateMachine(sm: sfn.StateMachine, options: { readonly name?: string } = {}): this {
    if (!this.claim(sm)) return this;
    const name = this.uniqueName(options.name ?? this.meaningfulName(sm), sm);
    const system = this.systemOf(sm);
    const period = Duration.minutes(5);
    this.addAlarm(
      `${pascal(name)}WorkflowFailed`,
      new cloudwatch.MathExpression({
        expression: 'failed + aborted',
        usingMetrics: { failed: sm.metricFailed({ period, statistic: 'Sum' }), aborted: sm.metricAborted({ period, statistic: 'Sum' }) },
        period,
        label: 'failed or aborted executions',
      }),
      {
        threshold: 1,
        description: `Executions of the ${name} workflow failed or were aborted: the compensation path did not absorb the error.`,
        anchor: RUNBOOK.workflowFailed,
      section: system,
      },
    );
    this.addAlarm(`${pascal(name)}WorkflowTimedOut`, sm.metricTimedOut({ period, statistic: 'Sum' }), {
      threshold: 1,
      description: `Executions of the ${name} workflow timed out.`,
      anchor: RUNBOOK.workflowTimedOut,
      section: system,
    });
    this.output(`StateMachine${pascal(name)}`, { name, id: sm.stateMachineArn } satisfies NamedResourceDiscovery);
    this.addWidgets(system, [
      new cloudwatch.GraphWidget({
        title: `${name}: executions`,
        left: [
          sm.metricStarted({ label: 'started', statistic: 'Sum' }),
          sm.metricSucceeded({ label: 'succeeded', statistic: 'Sum' }),
          sm.metricFailed({ label: 'failed', statistic: 'Sum' }),
          sm.metricTimedOut({ label: 'timed out', statistic: 'Sum' }),
        ],
        width: 8,
      }),
    ]);
    return this;
  }

  /** API alarms: 5xx rate and 4xx rate (throttled requests are 429s); dashboard graphs. */
  public monitorApi(api: apigateway.RestApiBase, options: { readonly name?: string } = {}): this {
    if (!this.claim(api)) return this;
    const name = this.uniqueName(options.name ?? this.meaningfulName(api), api);
    const period = Duration.minutes(5);
    const requests = api.metricCount({ period, statistic: 'Sum' });
    const rate = (errors: cloudwatch.IMetric, label: string) =>
      new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { errors, requests },
        period,
        label,
      });
    this.addAlarm(`${pascal(name)}Api5xxRate`, rate(api.metricServerError({ period, statistic: 'Sum' }), '5xx %'), {
      threshold: this.props.api5xxRatePercent ?? 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `The ${name} API answers more than ${this.props.api5xxRatePercent ?? 1}% of requests with 5xx: our side is failing and vendors are retrying.`,
      anchor: RUNBOOK.api5xx,
    });
    this.addAlarm(`${pascal(name)}Api4xxRate`, rate(api.metricClientError({ period, statistic: 'Sum' }), '4xx %'), {
      threshold: this.props.api4xxRatePercent ?? 10,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      description: `The ${name} API rejects more than ${this.props.api4xxRatePercent ?? 10}% of requests (4xx: bad signatures, bad payloads, or 429 throttling).`,
      anchor: RUNBOOK.api4xx,
    });
    this.output(`Api${pascal(name)}`, { name, id: api.restApiId, apiName: api.restApiName } satisfies NamedResourceDiscovery);
    this.addWidgets(undefined, [
      new cloudwatch.GraphWidget({
        title: `${name} API: requests and errors`,
        left: [requests.with({ label: 'requests' })],
        right: [api.metricClientError({ label: '4xx', statistic: 'Sum' }), api.metricServerError({ label: '5xx', statistic: 'Sum' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: `${name} API: latency (ms)`,
        left: [api.metricLatency({ label: 'p50', statistic: 'p50' }), api.metricLatency({ label: 'p95', statistic: 'p95' })],
        width: 12,
      }),
    ]);
    return this;
  }

  /** Function alarms: error rate and throttles; dashboard graph. */
  public monitorFunction(fn: lambda.Function, options: { readonly name?: string } = {}): this {
    if (!this.claim(fn)) return this;
    const name = this.uniqueName(options.name ?? this.meaningfulName(fn), fn);
    const system = this.systemOf(fn);
    const period = Duration.minutes(5);
    this.addAlarm(
      `${pascal(name)}ErrorRate`,
      new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { errors: fn.metricErrors({ period, statistic: 'Sum' }), invocations: fn.metricInvocations({ period, statistic: 'Sum' }) },
        period,
        label: 'error %',
      }),
      {
        threshold: this.props.functionErrorRatePercent ?? 5,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        description: `The ${name} function fails more than ${this.props.functionErrorRatePercent ?? 5}% of its invocations (whole invocations, not batch items).`,
        anchor: RUNBOOK.functionErrors,
      section: system,
      },
    );
    this.addAlarm(`${pascal(name)}Throttles`, fn.metricThrottles({ period, statistic: 'Sum' }), {
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `The ${name} function is throttled (account or reserved concurrency exhausted).`,
      anchor: RUNBOOK.functionThrottles,
      section: system,
    });
    this.addWidgets(system, [
      new cloudwatch.GraphWidget({
        title: `${name}: invocations`,
        left: [fn.metricInvocations({ label: 'invocations', statistic: 'Sum' })],
        right: [fn.metricErrors({ label: 'errors', statistic: 'Sum' }), fn.metricThrottles({ label: 'throttles', statistic: 'Sum' })],
        width: 8,
      }),
    ]);
    return this;
  }

  private addBusinessSliWidgets(): void {
    const search = (metric: string, statistic: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metric}"', '${statistic}', 300)`,
        usingMetrics: {},
        label,
        period: Duration.minutes(5),
      });
    const latency = (title: string, metric: string) =>
      new cloudwatch.GraphWidget({
        title,
        left: [search(metric, 'p50', 'p50'), search(metric, 'p95', 'p95')],
        leftYAxis: { label: 'ms', showUnits: false },
        width: 8,
      });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Business SLIs', width: 24, height: 1 }),
      latency('Dispatch confirmation latency', METRIC_NAMES.dispatchConfirmationLatency),
      latency('POD → invoice cycle time', METRIC_NAMES.podToInvoiceCycleTime),
      latency('Exception → case latency', METRIC_NAMES.exceptionToCaseLatency),
      latency('POD → billing-ready', METRIC_NAMES.podToBillingReadyLatency),
      latency('Billing-ready → invoice', METRIC_NAMES.billingReadyToInvoiceLatency),
      new cloudwatch.GraphWidget({
        title: 'Sync failures per target',
        left: [search(METRIC_NAMES.syncFailures, 'Sum', '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Events rejected per vendor',
        left: [search(METRIC_NAMES.eventsRejected, 'Sum', '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Events ignored per vendor',
        left: [search(METRIC_NAMES.eventsIgnored, 'Sum', '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Events deduplicated per vendor',
        left: [search(METRIC_NAMES.eventsDeduplicated, 'Sum', '')],
        width: 8,
      }),
    );
  }

  private addAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; description: string; anchor: string; evaluationPeriods?: number; datapointsToAlarm?: number; section?: string },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${options.description} ${runbookLink(options.anchor)}`,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    this.alarmsOf(options.section).push(alarm);
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

  private uniqueName(candidate: string, resource: IConstruct): string {
    let name = candidate;
    if (this.names.has(name)) {
      const parent = resource.node.scope;
      name = parent ? `${friendlyName(parent.node.id)}-${candidate}` : candidate;
    }
    if (this.names.has(name)) name = `${candidate}-${Names.nodeUniqueId(resource.node).slice(-8).toLowerCase()}`;
    this.names.add(name);
    return name;
  }

  /**
   * A readable name from the construct path: `FleetInbound/Handler` → `fleet-inbound-handler`,
   * `TemperatureExcursion/StateMachine` → `temperature-excursion`, `ErpOutbound/ErpSync` → `erp-sync`.
   */
  private meaningfulName(c: IConstruct): string {
    const parent = c.node.scope && c.node.scope !== Stack.of(c) ? c.node.scope.node.id : undefined;
    if (parent && /^(resource|default|statemachine|state-machine)$/i.test(c.node.id)) return friendlyName(parent);
    if (parent && /^(handler|function|fn|api|queue|workflow)$/i.test(c.node.id)) return `${friendlyName(parent)}-${friendlyName(c.node.id)}`;
    return friendlyName(c.node.id);
  }

  private systemOf(c: IConstruct): string | undefined {
    const systems: readonly string[] = this.props.systems ?? DEFAULT_SYSTEMS;
    const tokens = new Set(c.node.scopes.flatMap((s) => friendlyName(s.node.id).split('-')));
    return systems.find((system) => tokens.has(system));
  }

  private section(system: string | undefined): { row: cloudwatch.Row; alarms: cloudwatch.IAlarm[] } {
    return this.sections.get(system ?? PLATFORM) ?? this.sections.get(PLATFORM)!;
  }

  private addWidgets(system: string | undefined, widgets: cloudwatch.IWidget[]): void {
    for (const widget of widgets) this.section(system).row.addWidget(widget);
  }

  private alarmsOf(system: string | undefined): cloudwatch.IAlarm[] {
    return this.section(system).alarms;
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

  /** Resources of the monitored kinds that were added to the stack after (or without) monitorScope. */
  private unmonitored(): string[] {
    const stack = Stack.of(this);
    const own = new Set(this.node.findAll());
    return stack.node
      .findAll()
      .filter(
        (c) =>
          !own.has(c) &&
          (c instanceof ReliableQueue || c instanceof sfn.StateMachine || c instanceof apigateway.RestApiBase || c instanceof lambda.Function) &&
          !this.monitored.has(c),
      )
      .map(
        (c) =>
          `${c.node.path} is not monitored: create it before the monitoring section of the stack, or call monitoring.monitorScope()/monitor*() for it`,
      );
  }
}
