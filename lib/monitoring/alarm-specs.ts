import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { METRIC_NAMES, METRICS_NAMESPACE, RUNBOOK } from '../../registry/catalog';
import type { ReliableQueue } from '../core/reliable-queue';
import { sweepMetric, type SweepToMonitor } from './drift';
import { pascal } from './naming';
import type { MonitoringProps } from './props';

/**
 * What each monitored kind of resource is alarmed on: thresholds, periods, descriptions and runbook anchors, as
 * data. The Monitoring construct (monitoring.ts) creates one CloudWatch alarm per spec, with the on-call action and
 * a place on the dashboard.
 */
export interface AlarmSpec {
  /** The alarm's construct id under the Monitoring construct. */
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** The first sentence(s) of the alarm description; the runbook link is appended. */
  readonly description: string;
  /** The runbook section (docs/runbook.md) the description links to. */
  readonly anchor: string;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  /** The dashboard section (a system) the alarm is shown in. @default - the stage-wide section */
  readonly section?: string;
}

type Thresholds = Pick<MonitoringProps, 'api5xxRatePercent' | 'api4xxRatePercent' | 'functionErrorRatePercent'>;

/** Quarantined messages need a fix, not another redrive. */
export function quarantineAlarm(queue: sqs.IQueue, maxRedrives: number): AlarmSpec {
  return {
    id: 'QuarantineNotEmpty',
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 1,
    description: `Messages were quarantined after ${maxRedrives} redrives: they need a code or data fix, not another redrive.`,
    anchor: RUNBOOK.quarantineNotEmpty,
  };
}

/** One alarm for the whole stage: a Metrics Insights query sums the metric over every function (service). */
export function idempotencyInProgressAlarm(): AlarmSpec {
  return {
    id: 'IdempotencyInProgress',
    metric: new cloudwatch.MathExpression({
      expression: `SELECT SUM(${METRIC_NAMES.idempotencyInProgress}) FROM SCHEMA("${METRICS_NAMESPACE}", service)`,
      usingMetrics: {},
      period: Duration.minutes(5),
      label: 'idempotency records found in progress',
    }),
    threshold: 5,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    description: 'Redeliveries keep finding the same (event, action) in progress: a consumer times out mid-call or two consumers race.',
    anchor: RUNBOOK.idempotencyInProgress,
  };
}

/**
 * One alarm for the whole stage: the most memory any function's execution environment used, of its memory size
 * (`MemoryUsedPercent`, reported by every function of the stack: lambdas/shared/memory.ts), at
 * {@link MEMORY_ALARM_PERCENT} %: a memory size lowered to what a function measured (an outbound adapter's
 * `memorySize`, docs/cost.md "Knobs") is raised before invocations run out of memory, not after.
 */
export function memoryNearLimitAlarm(): AlarmSpec {
  return {
    id: 'MemoryNearLimit',
    metric: new cloudwatch.MathExpression({
      // FROM the namespace, not SCHEMA(…, service): a sweep's metrics carry `system` and the EDI intake's `intake` too.
      expression: `SELECT MAX(${METRIC_NAMES.memoryUsed}) FROM "${METRICS_NAMESPACE}"`,
      usingMetrics: {},
      period: Duration.minutes(5),
      label: 'peak memory, % of the memory size',
    }),
    threshold: MEMORY_ALARM_PERCENT,
    description: `A function's execution environment used ${MEMORY_ALARM_PERCENT}% or more of its memory size: raise the function's memory size before its invocations run out of memory.`,
    anchor: RUNBOOK.memoryNearLimit,
  };
}

/** The share of a function's memory size its execution environment may use before {@link memoryNearLimitAlarm} fires. */
export const MEMORY_ALARM_PERCENT = 80;

/** A work queue's backlog age, and its DLQ's messages nearing the end of their retention. */
export function queueAlarms(name: string, rq: ReliableQueue, maxAge: Duration, dlqRetentionSeconds: number, system: string | undefined): AlarmSpec[] {
  return [
    {
      id: `${pascal(name)}BacklogAge`,
      metric: rq.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: maxAge.toSeconds(),
      description: `The oldest message in the ${name} work queue is older than ${maxAge.toHumanString()}: its consumer is down, held or too slow.`,
      anchor: RUNBOOK.queueBacklogAge,
      section: system,
    },
    {
      id: `${pascal(name)}DeadLettersExpiring`,
      metric: rq.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(15), statistic: 'Maximum' }),
      threshold: Math.floor(dlqRetentionSeconds * 0.75),
      description: `Messages in the ${name} DLQ have used 75% of its ${Duration.seconds(dlqRetentionSeconds).toHumanString()} retention: redrive or quarantine them before SQS deletes them.`,
      anchor: RUNBOOK.dlqMessagesExpiring,
      section: system,
    },
  ];
}

/** Notifications SNS could not deliver to a subscription wait in its dead-letter queue. */
export function undeliveredAlarm(name: string, queue: sqs.IQueue, topicName: string): AlarmSpec {
  return {
    id: `${pascal(name)}NotEmpty`,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 1,
    description: `Notifications SNS could not deliver to a subscription of ${topicName} wait in the ${name} queue: on-call may be missing alarms.`,
    anchor: RUNBOOK.notificationsUndelivered,
  };
}

/** Failed or aborted executions, and timed-out executions. */
export function stateMachineAlarms(name: string, sm: sfn.StateMachine, system: string | undefined): AlarmSpec[] {
  const period = Duration.minutes(5);
  return [
    {
      id: `${pascal(name)}WorkflowFailed`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + aborted',
        usingMetrics: { failed: sm.metricFailed({ period, statistic: 'Sum' }), aborted: sm.metricAborted({ period, statistic: 'Sum' }) },
        period,
        label: 'failed or aborted executions',
      }),
      threshold: 1,
      description: `Executions of the ${name} workflow failed or were aborted: the compensation path did not absorb the error.`,
      anchor: RUNBOOK.workflowFailed,
      section: system,
    },
    {
      id: `${pascal(name)}WorkflowTimedOut`,
      metric: sm.metricTimedOut({ period, statistic: 'Sum' }),
      threshold: 1,
      description: `Executions of the ${name} workflow timed out.`,
      anchor: RUNBOOK.workflowTimedOut,
      section: system,
    },
  ];
}

/** The metrics of an API the alarms and graphs read: a REST API's, or an HTTP API stage's (the same four). */
export type ApiMetrics = Pick<apigateway.RestApiBase, 'metricClientError' | 'metricServerError' | 'metricLatency'>;

/** 5xx rate and 4xx rate of an API (throttled requests are 429s). */
export function apiAlarms(name: string, api: ApiMetrics, requests: cloudwatch.IMetric, thresholds: Thresholds): AlarmSpec[] {
  const period = Duration.minutes(5);
  const rate = (errors: cloudwatch.IMetric, label: string) =>
    new cloudwatch.MathExpression({ expression: 'IF(requests > 0, 100 * errors / requests, 0)', usingMetrics: { errors, requests }, period, label });
  const server = thresholds.api5xxRatePercent ?? 1;
  const client = thresholds.api4xxRatePercent ?? 10;
  return [
    {
      id: `${pascal(name)}Api5xxRate`,
      metric: rate(api.metricServerError({ period, statistic: 'Sum' }), '5xx %'),
      threshold: server,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `The ${name} API answers more than ${server}% of requests with 5xx: our side is failing and vendors are retrying.`,
      anchor: RUNBOOK.api5xx,
    },
    {
      id: `${pascal(name)}Api4xxRate`,
      metric: rate(api.metricClientError({ period, statistic: 'Sum' }), '4xx %'),
      threshold: client,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      description: `The ${name} API rejects more than ${client}% of requests (4xx: bad signatures, bad payloads, or 429 throttling).`,
      anchor: RUNBOOK.api4xx,
    },
  ];
}

/** Error rate (whole invocations) and throttles of a function. */
export function functionAlarms(name: string, fn: lambda.Function, thresholds: Thresholds, system: string | undefined): AlarmSpec[] {
  const period = Duration.minutes(5);
  const errorRate = thresholds.functionErrorRatePercent ?? 5;
  return [
    {
      id: `${pascal(name)}ErrorRate`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { errors: fn.metricErrors({ period, statistic: 'Sum' }), invocations: fn.metricInvocations({ period, statistic: 'Sum' }) },
        period,
        label: 'error %',
      }),
      threshold: errorRate,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `The ${name} function fails more than ${errorRate}% of its invocations (whole invocations, not batch items).`,
      anchor: RUNBOOK.functionErrors,
      section: system,
    },
    {
      id: `${pascal(name)}Throttles`,
      metric: fn.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description: `The ${name} function is throttled (account or reserved concurrency exhausted).`,
      anchor: RUNBOOK.functionThrottles,
      section: system,
    },
  ];
}

/**
 * A reconciliation sweep: drift that persists (missed updates found in three sweeps in a row: the vendor's webhooks
 * keep failing to arrive, though each one is repaired), and a sweep still running after its interval (the detection
 * promise is broken).
 */
export function driftAlarms(sweep: SweepToMonitor): AlarmSpec[] {
  const name = pascal(sweep.system);
  return [
    {
      id: `${name}ReconciliationDriftPersists`,
      metric: sweepMetric(sweep, METRIC_NAMES.driftFound),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      description: `Three ${sweep.system} reconciliation sweeps in a row found milestones whose webhooks never arrived (each was repaired): the vendor's webhook delivery is failing.`,
      anchor: RUNBOOK.reconciliationDrift,
      section: sweep.system,
    },
    {
      id: `${name}ReconciliationSweepBehind`,
      metric: sweepMetric(sweep, METRIC_NAMES.sweepBehind),
      threshold: 1,
      description: `A ${sweep.system} reconciliation sweep was still running after its ${sweep.interval.toHumanString()} interval: missed updates wait longer than the documented promise.`,
      anchor: RUNBOOK.reconciliationBehind,
      section: sweep.system,
    },
  ];
}

/** A scheduled job (not a sweep) whose run failed: any error of its function within the hour. */
export function scheduledJobAlarm(name: string, fn: lambda.Function, anchor: string, system: string | undefined): AlarmSpec {
  return {
    id: `${pascal(name)}RunFailed`,
    metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
    threshold: 1,
    description: `A run of the ${name} scheduled job failed: the job must succeed before its deadline (see the runbook section).`,
    anchor,
    section: system,
  };
}
