import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, test } from 'vitest';
import { ReliableQueue, validateReliableQueueProps } from '../../lib/core/reliable-queue';

describe('ReliableQueue', () => {
  test('derives a visibility timeout of six times the consumer timeout and redrives after maxReceiveCount', () => {
    const stack = new Stack();
    new ReliableQueue(stack, 'Work', { consumerTimeout: Duration.seconds(45), maxReceiveCount: 3 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 270,
      RedrivePolicy: { maxReceiveCount: 3 },
      MessageRetentionPeriod: Duration.days(4).toSeconds(),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: Duration.days(14).toSeconds() });
  });

  test('notifies the alarm topic when given one', () => {
    const stack = new Stack();
    const topic = new sns.Topic(stack, 'Topic');
    new ReliableQueue(stack, 'Work', { alarmTopic: topic, purpose: 'ERP sync' });
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))[0] as {
      Properties: { AlarmActions: unknown[]; AlarmDescription: string };
    };
    expect(alarm.Properties.AlarmActions).toHaveLength(1);
    expect(alarm.Properties.AlarmDescription).toMatch(/ERP sync.*runbook/i);
  });

  test('rejects a DLQ that would expire messages before their source', () => {
    expect(validateReliableQueueProps({ retentionPeriod: Duration.days(7), deadLetterRetentionPeriod: Duration.days(7) })).toEqual([
      expect.stringMatching(/deadLetterRetentionPeriod \(7 days\) must be longer than retentionPeriod \(7 days\)/),
    ]);
    expect(() => new ReliableQueue(new Stack(), 'Bad', { maxReceiveCount: 0 })).toThrow(/maxReceiveCount must be a positive integer, got 0/);
  });

  test('refuses a consumer timeout whose visibility would exceed the SQS maximum', () => {
    expect(validateReliableQueueProps({ consumerTimeout: Duration.hours(3) })[0]).toMatch(/over the SQS maximum of 12 hours/);
  });
});
