import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, test } from 'vitest';
import { aws, eventually, fixture, sandbox } from './support';

const sqs = new SQSClient(aws());
const events = new EventBridgeClient(aws());
afterAll(() => {
  sqs.destroy();
  events.destroy();
});

interface Envelope {
  id: string;
  source: string;
  account: string;
  region: string;
  'detail-type': string;
  detail: { refs: { orderId: string } };
}

async function publish(source: string, detailType: string, orderId: string): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({ Entries: [{ EventBusName: fixture().EventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify({ refs: { orderId } }) }] }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

/** Receives (and deletes) routed messages until one for `orderId` arrives; returns every envelope seen. */
async function receiveUntil(orderId: string): Promise<Envelope[]> {
  const seen: Envelope[] = [];
  await eventually(
    async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fixture().RoutedQueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      for (const message of Messages ?? ([] as Message[])) {
        seen.push(JSON.parse(message.Body!) as Envelope);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: fixture().RoutedQueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      return seen.some((e) => e.detail.refs.orderId === orderId) ? true : undefined;
    },
    15_000,
    `the routed event for ${orderId}`,
  );
  return seen;
}

describe('EventBridge rules deliver to their SQS targets', () => {
  test('a rule routes a canonical event from the custom bus to its queue, as the full EventBridge envelope', async () => {
    const orderId = `SO-${randomUUID()}`;
    await publish('logistics-sync.erp', 'order.released', orderId);
    const envelope = (await receiveUntil(orderId)).find((e) => e.detail.refs.orderId === orderId)!;
    expect(envelope).toMatchObject({ source: 'logistics-sync.erp', 'detail-type': 'order.released', account: sandbox().accountId, region: sandbox().region });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an event the rule’s pattern does not match is not routed', async () => {
    const wrongSource = `SO-${randomUUID()}`;
    const wrongType = `SO-${randomUUID()}`;
    const marker = `SO-${randomUUID()}`;
    await publish('logistics-sync.fleet', 'order.released', wrongSource);
    await publish('logistics-sync.erp', 'shipment.created', wrongType);
    await publish('logistics-sync.erp', 'order.released', marker);
    const seen = await receiveUntil(marker);
    expect(seen.map((e) => e.detail.refs.orderId)).not.toContain(wrongSource);
    expect(seen.map((e) => e.detail.refs.orderId)).not.toContain(wrongType);
  });
});
