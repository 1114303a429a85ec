import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../../registry/queue-attributes';

/** A canonical event as an EventBridge rule delivers it to SQS (the body of work-queue and DLQ messages). */
export function canonicalEventBody(input: { eventId: string; eventType: string; orderId?: string; shipmentId?: string; caseId?: string }): string {
  return JSON.stringify({
    version: '0',
    id: `eb-${input.eventId}`,
    'detail-type': input.eventType,
    source: 'logistics-sync.fleet',
    account: '123456789012',
    time: '2026-03-01T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      metadata: {
        eventId: input.eventId,
        eventType: input.eventType,
        schemaVersion: '1',
        occurredAt: '2026-03-01T10:00:00Z',
        receivedAt: '2026-03-01T10:00:01Z',
        source: { system: 'fleet', vendor: 'samsara', eventId: `v-${input.eventId}` },
        correlationId: input.orderId ?? input.shipmentId ?? input.eventId,
      },
      refs: {
        ...(input.orderId ? { orderId: input.orderId } : {}),
        ...(input.shipmentId ? { shipmentId: input.shipmentId } : {}),
        ...(input.caseId ? { caseId: input.caseId } : {}),
      },
      data: {},
    },
  });
}

/** The attributes an outbound adapter writes when it dead-letters a message itself. */
export function adapterDlqAttributes(input: { errorClass: string; reason: string; sourceQueueUrl: string; receiveCount?: number; redriveCount?: number }): Record<string, MessageAttributeValue> {
  const s = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  return {
    [DLQ_ATTRIBUTES.errorClass]: s(input.errorClass),
    [DLQ_ATTRIBUTES.errorReason]: s(input.reason),
    [DLQ_ATTRIBUTES.firstFailedAt]: s('2026-03-01T10:05:00.000Z'),
    [DLQ_ATTRIBUTES.sourceQueueUrl]: s(input.sourceQueueUrl),
    [DLQ_ATTRIBUTES.receiveCount]: s(String(input.receiveCount ?? 3)),
    [DLQ_ATTRIBUTES.redriveCount]: s(String(input.redriveCount ?? 0)),
  };
}

export interface SeedMessage {
  readonly body: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
}

/** Sends messages in batches of 10. */
export async function seed(sqs: SQSClient, queueUrl: string, messages: readonly SeedMessage[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({ Id: String(j), MessageBody: m.body, MessageAttributes: m.attributes })),
      }),
    );
    if (result.Failed?.length) throw new Error(`seeding failed: ${JSON.stringify(result.Failed)}`);
  }
}

async function receiveAll(sqs: SQSClient, queueUrl: string, onBatch: (messages: Message[]) => Promise<void>): Promise<Map<string, Message>> {
  const out = new Map<string, Message>();
  let empty = 0;
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 120,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    for (const m of Messages) out.set(m.MessageId!, m);
    if (Messages.length > 0) await onBatch(Messages);
  }
  return out;
}

/**
 * Every message currently in a queue, each once (received and held while reading), then made visible
 * again: a look that leaves the queue as it was (apart from receive counts).
 */
export async function peekAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const seen = await receiveAll(sqs, queueUrl, async () => undefined);
  const handles = [...seen.values()];
  for (let i = 0; i < handles.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: handles.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  return handles;
}

/** Deletes every visible message (PurgeQueue allows one call a minute). */
export async function clear(sqs: SQSClient, queueUrl: string): Promise<void> {
  await receiveAll(sqs, queueUrl, async (messages) => {
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })) }));
  });
}

/** The canonical event id inside a message body. */
export function eventIdOf(message: Message): string {
  return (JSON.parse(message.Body ?? '{}') as { detail?: { metadata?: { eventId?: string } } }).detail?.metadata?.eventId ?? '';
}
