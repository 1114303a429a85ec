import { Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { ReliableQueue } from '../core/reliable-queue';

/** What the Monitoring construct has covered so far. */
export interface Coverage {
  readonly monitored: ReadonlySet<IConstruct>;
  /** Every SQS queue an alarm watches (work queues, their DLQs, subscriptions' DLQs). */
  readonly watchedQueues: ReadonlySet<IConstruct>;
  /** The schedules whose sweeps have drift alarms. */
  readonly driftMonitored: ReadonlySet<IConstruct>;
  /** The schedules of scheduled jobs whose runs are alarmed (monitorScheduledJob). */
  readonly scheduledJobs: ReadonlySet<IConstruct>;
}

/**
 * The synthesis errors of the stack `monitoring` belongs to: resources of the monitored kinds added after (or
 * without) monitorScope, subscriptions without a dead-letter queue, SQS queues no alarm watches, and schedules
 * whose sweeps have no drift alarms (or whose jobs have no failed-run alarm). The Monitoring construct's own resources are exempt.
 */
export function coverageProblems(monitoring: IConstruct, coverage: Coverage): string[] {
  const own = new Set(monitoring.node.findAll());
  const all = Stack.of(monitoring).node.findAll().filter((c) => !own.has(c));
  const unclaimed = all
    .filter(
      (c) =>
        (c instanceof ReliableQueue || c instanceof sfn.StateMachine || c instanceof apigateway.RestApiBase || c instanceof lambda.Function || (c instanceof sns.Subscription && c.deadLetterQueue)) &&
        !coverage.monitored.has(c),
    )
    .map((c) => `${c.node.path} is not monitored: create it before the monitoring section of the stack, or call monitoring.monitorScope()/monitor*() for it`);
  const undeadLettered = all
    .filter((c) => c instanceof sns.Subscription && !c.deadLetterQueue)
    .map((c) => `${c.node.path} has no dead-letter queue: a notification SNS cannot deliver would be lost (give it deadLetterQueue)`);
  const unwatched = all
    .filter((c) => c instanceof sqs.Queue && !coverage.watchedQueues.has(c))
    .map((c) => `${c.node.path} is an SQS queue no alarm watches: make it part of a ReliableQueue, or a subscription's dead-letter queue`);
  const unswept = all
    .filter((c) => c instanceof scheduler.Schedule && !coverage.driftMonitored.has(c) && !coverage.scheduledJobs.has(c))
    .map((c) => `${c.node.path} is a schedule without drift monitoring: give its sweep to monitoring.monitorDrift(), or its job to monitoring.monitorScheduledJob()`);
  return [...unclaimed, ...undeadLettered, ...unwatched, ...unswept];
}
