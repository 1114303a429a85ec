import { ChangeMessageVisibilityCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * Port: what an adapter does to a message besides processing it. The SQS implementation is below; tests
 * use {@link InMemoryMessageOps}.
 */
export interface MessageOps {
  /** Sets when the (failed) message becomes visible again. */
  changeVisibility(record: SQSRecord, seconds: number): Promise<void>;
  /** Sends the message to the DLQ with the original body and attributes plus `attributes`. */
  deadLetter(record: SQSRecord, attributes: Readonly<Record<string, string>>): Promise<void>;
  /** Sends the message back to its own queue, delayed, with the original body and attributes plus `attributes`. */
  requeue(record: SQSRecord, delaySeconds: number, attributes: Readonly<Record<string, string>>): Promise<void>;
}

/** SQS allows at most 10 message attributes; ours replace same-named ones and the rest keep their order. */
const MAX_ATTRIBUTES = 10;

/**
 * The record's message attributes in SendMessage form, merged with `extra` (string attributes).
 * Pure. When the merge exceeds the SQS limit, foreign attributes are dropped before ours.
 */
export function mergeAttributes(record: SQSRecord, extra: Readonly<Record<string, string>>): Record<string, MessageAttributeValue> {
  const ours: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(extra)) ours[name] = { DataType: 'String', StringValue: value };
  const foreign: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of Object.entries(record.messageAttributes ?? {})) {
    if (name in ours) continue;
    if (attribute.stringValue !== undefined) {
      foreign[name] = { DataType: attribute.dataType, StringValue: attribute.stringValue };
    } else if (attribute.binaryValue !== undefined) {
      foreign[name] = { DataType: attribute.dataType, BinaryValue: Buffer.from(attribute.binaryValue, 'base64') };
    }
  }
  const room = Math.max(0, MAX_ATTRIBUTES - Object.keys(ours).length);
  return { ...Object.fromEntries(Object.entries(foreign).slice(0, room)), ...ours };
}

export class SqsMessageOps implements MessageOps {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async changeVisibility(record: SQSRecord, seconds: number): Promise<void> {
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
  }

  async deadLetter(record: SQSRecord, attributes: Readonly<Record<string, string>>): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.deadLetterQueueUrl, MessageBody: record.body, MessageAttributes: mergeAttributes(record, attributes) }));
  }

  async requeue(record: SQSRecord, delaySeconds: number, attributes: Readonly<Record<string, string>>): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: record.body, DelaySeconds: delaySeconds, MessageAttributes: mergeAttributes(record, attributes) }),
    );
  }
}

/** In-memory message operations for handler tests: records what an adapter did to each message. */
export class InMemoryMessageOps implements MessageOps {
  readonly visibility: { messageId: string; seconds: number }[] = [];
  readonly deadLettered: { messageId: string; body: string; attributes: Record<string, MessageAttributeValue> }[] = [];
  readonly requeued: { messageId: string; body: string; delaySeconds: number; attributes: Record<string, MessageAttributeValue> }[] = [];

  async changeVisibility(record: SQSRecord, seconds: number): Promise<void> {
    this.visibility.push({ messageId: record.messageId, seconds });
  }

  async deadLetter(record: SQSRecord, attributes: Readonly<Record<string, string>>): Promise<void> {
    this.deadLettered.push({ messageId: record.messageId, body: record.body, attributes: mergeAttributes(record, attributes) });
  }

  async requeue(record: SQSRecord, delaySeconds: number, attributes: Readonly<Record<string, string>>): Promise<void> {
    this.requeued.push({ messageId: record.messageId, body: record.body, delaySeconds, attributes: mergeAttributes(record, attributes) });
  }
}
