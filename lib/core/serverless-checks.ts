import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Acknowledgements of cdk-nag ServerlessChecks findings that do not apply to how a resource is used, each on
 * the one construct it concerns and with the reason (lib/app.ts runs the pack; any other finding fails
 * synthesis). test/infra/nag.test.ts checks the claims they rest on: which invokers each function has.
 */

/** How a function is invoked. Only asynchronous invocations have a Lambda dead-letter queue. */
export type SynchronousInvoker = 'API Gateway' | 'Step Functions';

/** A DLQ is the last stop: nothing moves its messages on; they are inspected and redriven with `lsync`. */
export function acknowledgeDeadLetterQueue(queue: sqs.Queue, alarmedBy: string): void {
  Validations.of(queue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason: `This queue is itself a dead-letter queue: its messages wait for inspection and redrive (lsync dlq, docs/runbook.md), and ${alarmedBy} fires on the first one.`,
  });
}

/**
 * The dead-letter queue of an SNS subscription: as {@link acknowledgeDeadLetterQueue}, and AwsSolutions-SQS3, which
 * recognises a queue as a DLQ only when another queue's redrive policy names it, not a subscription's.
 */
export function acknowledgeSubscriptionDeadLetterQueue(queue: sqs.Queue, alarmedBy: string): void {
  acknowledgeDeadLetterQueue(queue, alarmedBy);
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the dead-letter queue of an SNS subscription (its RedrivePolicy), which the rule does not count as DLQ use.',
  });
}

/** A function invoked synchronously only: errors go back to its caller, which retries; no asynchronous queue exists to dead-letter. */
export function acknowledgeSynchronousFunction(fn: lambda.Function, invoker: SynchronousInvoker): void {
  const caller =
    invoker === 'API Gateway'
      ? 'API Gateway invokes it synchronously (Lambda proxy) and returns its error to the caller'
      : 'Step Functions invokes it synchronously as a task, whose Retry and Catch handle its errors';
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: `${caller}; a function DLQ only receives failed asynchronous invocations, and this function has none.`,
  });
}

/**
 * A function fed by SQS event sources only (call after `addEventSource`): Lambda polls the queue and invokes it
 * synchronously, and a message that keeps failing reaches the queue's own DLQ through its redrive policy. SQS
 * event source mappings accept no on-failure destination (Lambda supports one for Kinesis, DynamoDB Streams and
 * Kafka only).
 */
export function acknowledgeSqsConsumer(fn: lambda.Function): void {
  const mappings = fn.node.children.filter((c): c is lambda.EventSourceMapping => c instanceof lambda.EventSourceMapping && c.node.id.startsWith('SqsEventSource:'));
  if (mappings.length === 0) throw new Error(`${fn.node.path}: acknowledgeSqsConsumer needs the function's SQS event source (call it after addEventSource)`);
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: 'Its SQS event source invokes it synchronously; a message it fails maxReceiveCount times moves to the queue\'s alarmed DLQ by the queue\'s redrive policy. A function DLQ only receives failed asynchronous invocations.',
  });
  for (const mapping of mappings) {
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event source mappings take no on-failure destination (Lambda offers one for Kinesis, DynamoDB Streams and Kafka); the source queue\'s redrive policy sends failing messages to its alarmed DLQ.',
    });
  }
}

/**
 * A function an EventBridge Scheduler schedule invokes (asynchronously) to do a job it redoes whole on every run:
 * a failed run is retried by Lambda and superseded by the next, so a failed event has nothing worth keeping in a
 * function DLQ; its errors page on-call instead (Monitoring.monitorScheduledJob).
 */
export function acknowledgeScheduledFunction(fn: lambda.Function, job: string): void {
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: `${job} runs on a schedule and redoes the whole job each run (idempotent); a failed invocation has nothing to replay, and its errors alarm pages on-call.`,
  });
}
