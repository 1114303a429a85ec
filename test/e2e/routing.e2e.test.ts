import { randomUUID } from 'node:crypto';
import { DescribeReplayCommand, EventBridgeClient, PutEventsCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
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

async function publish(source: string, detailType: string, orderId: string, time?: Date): Promise<void> {
  const result = await events.send(
    new PutEventsCommand({ Entries: [{ EventBusName: fixture().EventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify({ refs: { orderId } }), Time: time }] }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

/** Receives (and deletes) routed messages until one for `orderId` arrives; returns every envelope seen. */
async function receiveUntil<T = Envelope>(orderId: string, queueUrl = fixture().RoutedQueueUrl!, orderOf = (m: T) => (m as Envelope).detail.refs.orderId): Promise<T[]> {
  const seen: T[] = [];
  await eventually(
    async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      for (const message of Messages ?? ([] as Message[])) {
        seen.push(JSON.parse(message.Body!) as T);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
      return seen.some((m) => orderOf(m) === orderId) ? true : undefined;
    },
    15_000,
    `the routed message for ${orderId}`,
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

  test('a target with InputPath receives only that part of the event', async () => {
    const orderId = `SO-${randomUUID()}`;
    await publish('logistics-sync.erp', 'order.released', orderId);
    const details = await receiveUntil<{ refs: { orderId: string } }>(orderId, fixture().DetailOnlyQueueUrl!, (d) => d.refs.orderId);
    expect(details.find((d) => d.refs.orderId === orderId)).toEqual({ refs: { orderId } });
  });

  test('StartReplay re-delivers the archived events of its time window (and only those) to the rules, marked with replay-name', async () => {
    const inWindow = `SO-${randomUUID()}`;
    const outside = `SO-${randomUUID()}`;
    const now = Date.now();
    await publish('logistics-sync.erp', 'order.released', inWindow, new Date(now - 2 * 3_600_000));
    await publish('logistics-sync.erp', 'order.released', outside, new Date(now - 30 * 60_000));
    await receiveUntil(outside);

    const name = `e2e-${now}`;
    await events.send(
      new StartReplayCommand({
        ReplayName: name,
        EventSourceArn: fixture().ArchiveArn,
        EventStartTime: new Date(now - 3 * 3_600_000),
        EventEndTime: new Date(now - 3_600_000),
        Destination: { Arn: fixture().EventBusArn },
      }),
    );
    const replayed = (await receiveUntil<Envelope & { 'replay-name'?: string }>(inWindow)).filter((e) => e['replay-name'] === name);
    expect(replayed.map((e) => e.detail.refs.orderId)).toEqual([inWindow]);
    expect((await events.send(new DescribeReplayCommand({ ReplayName: name }))).State).toBe('COMPLETED');
  });
});
