import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { aws, control, eventually, fixture } from './support';

const sqs = new SQSClient(aws());
afterAll(() => sqs.destroy());

interface PollerStats {
  queueArn: string;
  deliveries: Record<string, number>;
}

describe('SQS event source mappings run against the emulator’s queues', () => {
  test('a message that keeps failing lands in its DLQ after maxReceiveCount deliveries, and only then', async () => {
    const { FailingQueueUrl, FailingDeadLetterQueueUrl } = fixture();
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: FailingQueueUrl, AttributeNames: ['RedrivePolicy', 'QueueArn'] }));
    const maxReceiveCount = Number((JSON.parse(Attributes!.RedrivePolicy!) as { maxReceiveCount: number }).maxReceiveCount);
    expect(maxReceiveCount).toBeGreaterThan(1);

    const body = `keeps-failing-${randomUUID()}`;
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: FailingQueueUrl, MessageBody: body }));

    const dead = await eventually(
      async () => {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: FailingDeadLetterQueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
        return Messages?.find((m) => m.Body === body);
      },
      60_000,
      'the message in the DLQ',
    );
    expect(dead.MessageId).toBe(MessageId);

    // The consumer saw it exactly maxReceiveCount times: the moves are the emulator's redrive policy at work.
    const stats = await control<{ pollers: PollerStats[] }>('/stats');
    const poller = stats.pollers.find((p) => p.queueArn === Attributes!.QueueArn);
    expect(poller?.deliveries[MessageId!]).toBe(maxReceiveCount);
    const source = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: FailingQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(source.Attributes!.ApproximateNumberOfMessages) + Number(source.Attributes!.ApproximateNumberOfMessagesNotVisible)).toBe(0);
  });
});
