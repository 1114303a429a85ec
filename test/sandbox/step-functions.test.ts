import { describe, expect, test } from 'vitest';
import { prepareDefinition } from '../../sandbox/runtime/step-functions';

describe('state machine definitions prepared for the interpreter', () => {
  const definition = JSON.stringify({
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: 'q', MessageBody: { 'token.$': '$$.Task.Token', 'order.$': '$.orderId' } },
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Inner', States: { Inner: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 5, End: true } } }],
        End: true,
      },
    },
  });

  test('finds every Task, nested ones included', () => {
    expect([...prepareDefinition(definition).tasks.keys()]).toEqual(['Ask', 'Inner']);
  });

  test('a task without a timeout gets AWS’s unbounded one instead of the interpreter’s 60 s; a set timeout is kept', () => {
    const { tasks } = prepareDefinition(definition);
    expect(tasks.get('Ask')!.TimeoutSeconds).toBeGreaterThan(86_400);
    expect(tasks.get('Inner')!.TimeoutSeconds).toBe(5);
  });

  test('$$.Task.Token paths become a placeholder the task handler fills with a fresh token', () => {
    const { tasks } = prepareDefinition(definition);
    expect(tasks.get('Ask')!.Parameters).toEqual({ QueueUrl: 'q', MessageBody: { token: '__SANDBOX_TASK_TOKEN__', 'order.$': '$.orderId' } });
  });
});
