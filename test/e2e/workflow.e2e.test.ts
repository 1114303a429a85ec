import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { aws, control, eventually, fixture } from './support';

const sfn = new SFNClient(aws('sfn'));
const sqs = new SQSClient(aws());
const dynamodb = new DynamoDBClient(aws());
afterAll(() => {
  sfn.destroy();
  sqs.destroy();
  dynamodb.destroy();
});

/** Waits for the callback task's message for `orderId` and returns its task token. */
async function taskTokenFor(orderId: string): Promise<string> {
  return eventually(
    async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fixture().ApprovalQueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      for (const message of Messages ?? []) {
        const body = JSON.parse(message.Body!) as { orderId: string; taskToken: string };
        if (body.orderId !== orderId) continue;
        await sqs.send(new DeleteMessageCommand({ QueueUrl: fixture().ApprovalQueueUrl, ReceiptHandle: message.ReceiptHandle }));
        return body.taskToken;
      }
      return undefined;
    },
    15_000,
    `the approval request of ${orderId}`,
  );
}

async function finished(executionArn: string) {
  return eventually(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    15_000,
    `execution ${executionArn} to finish`,
  );
}

describe('Step Functions state machines run on the ASL interpreter with the local handlers and the emulator', () => {
  test('the fixture workflow runs to completion: Lambda task, DynamoDB, EventBridge, SQS and a task-token callback', async () => {
    const orderId = `SO-${randomUUID().slice(0, 8)}`;
    const { TableName, WorkflowArn, NotifyQueueUrl } = fixture();
    await dynamodb.send(new PutItemCommand({ TableName, Item: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'STATE' } } }));
    const input = JSON.stringify({ orderId, celsius: 11.5 });

    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: WorkflowArn, name: `graded-${orderId}`, input }));
    // A duplicate start (same name, same input) while it runs returns the same execution.
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: WorkflowArn, name: `graded-${orderId}`, input }));
    expect(again.executionArn).toBe(started.executionArn);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: await taskTokenFor(orderId), output: JSON.stringify({ approvedBy: 'e2e' }) }));
    const execution = await finished(started.executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ orderId, enriched: { grade: 'major', orderId }, approval: { approvedBy: 'e2e' } });

    // Each direct integration reached the emulator.
    const item = await dynamodb.send(new GetItemCommand({ TableName, Key: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'WORKFLOW' } } }));
    expect(item.Item?.grade?.S).toBe('major');
    expect(item.Item?.execution?.S).toBe(`graded-${orderId}`);
    const notified = await eventually(
      async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: NotifyQueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
        return Messages?.map((m) => JSON.parse(m.Body!) as { orderId: string }).find((b) => b.orderId === orderId);
      },
      10_000,
      'the notification',
    );
    expect(notified).toEqual({ orderId, grade: 'major' });
    const graded = await control<{ detail: { orderId: string } }[]>('/bus-events?type=workflow.graded');
    expect(graded.map((e) => e.detail.orderId)).toContain(orderId);

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
    const types = history.events!.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types).toContain('TaskSubmitted');
  });

  test('SendTaskFailure fails the execution with the given error', async () => {
    const orderId = `SO-${randomUUID().slice(0, 8)}`;
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: fixture().WorkflowArn, input: JSON.stringify({ orderId, celsius: 4 }) }));
    await sfn.send(new SendTaskFailureCommand({ taskToken: await taskTokenFor(orderId), error: 'Rejected', cause: 'not approved' }));
    const execution = await finished(started.executionArn!);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'not approved' });
  });

  test('a name reused with a different input is rejected with ExecutionAlreadyExists', async () => {
    const name = `dup-${randomUUID().slice(0, 8)}`;
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: fixture().WorkflowArn, name, input: JSON.stringify({ orderId: name, celsius: 1 }) }));
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: fixture().WorkflowArn, name, input: JSON.stringify({ orderId: name, celsius: 2 }) }))).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await taskTokenFor(name), output: '{}' }));
    expect((await finished(started.executionArn!)).status).toBe('SUCCEEDED');
  });
});
