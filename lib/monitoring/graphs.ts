import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { ReliableQueue } from '../core/reliable-queue';
import type { ApiMetrics } from './alarm-specs';

/** The graphs each monitored resource adds to its dashboard section (lib/monitoring/dashboard.ts). */

/** Depth of the redrive quarantine. */
export function quarantineGraphs(queue: sqs.IQueue): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: 'quarantine: messages',
      left: [queue.metricApproximateNumberOfMessagesVisible({ label: 'quarantined', statistic: 'Maximum' })],
      width: 8,
    }),
  ];
}

/** Depth of a subscription's dead-letter queue: notifications SNS could not deliver. */
export function undeliveredGraphs(name: string, queue: sqs.IQueue): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: `${name}: undelivered notifications`,
      left: [queue.metricApproximateNumberOfMessagesVisible({ label: 'undelivered', statistic: 'Maximum' })],
      width: 8,
    }),
  ];
}

/** A work queue and its DLQ: backlog, and the age of the oldest message against the alarm. */
export function queueGraphs(name: string, rq: ReliableQueue, maxAge: Duration): cloudwatch.IWidget[] {
  return [
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
  ];
}

/** Executions of a workflow by outcome. */
export function workflowGraphs(name: string, sm: sfn.StateMachine): cloudwatch.IWidget[] {
  return [
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
  ];
}

/** Requests, errors and latency of an API. */
export function apiGraphs(name: string, api: ApiMetrics, requests: cloudwatch.Metric): cloudwatch.IWidget[] {
  return [
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
  ];
}

/** Invocations, errors and throttles of a function. */
export function functionGraphs(name: string, fn: lambda.Function): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: `${name}: invocations`,
      left: [fn.metricInvocations({ label: 'invocations', statistic: 'Sum' })],
      right: [fn.metricErrors({ label: 'errors', statistic: 'Sum' }), fn.metricThrottles({ label: 'throttles', statistic: 'Sum' })],
      width: 8,
    }),
  ];
}
