import { describe, expect, test } from 'vitest';
import { queueNotifications } from '../../sandbox/runtime/s3-notifications';

describe('S3 event notifications from the template (the gap moto CloudFormation leaves)', () => {
  test('a queue configuration with a prefix rule becomes the API shape moto delivers from', () => {
    const properties = {
      NotificationConfiguration: {
        QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: 'arn:aws:sqs:us-east-1:123456789012:files', Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'inbound/' }] } } }],
      },
    };
    expect(queueNotifications(properties)).toEqual([
      { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:files', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'inbound/' }] } } },
    ]);
  });

  test('a bucket without notifications, or with none for queues, configures nothing', () => {
    expect(queueNotifications({})).toEqual([]);
    expect(queueNotifications({ NotificationConfiguration: { TopicConfigurations: [{ Event: 's3:ObjectCreated:*', Topic: 'arn' }] } })).toEqual([]);
  });
});
