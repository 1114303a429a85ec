import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../registry/queue-attributes';
import { CliError } from './errors';

/** Attribute lsync adds to re-sent messages: the audit id of the redrive run that sent it. */
export const REDRIVE_RUN_ATTRIBUTE = 'lsync-redrive-run';
/** SQS accepts at most 10 message attributes per message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** Business keys a selector or a report uses (a subset of the canonical `refs`). */
export const BUSINESS_KEYS = ['orderId', 'shipmentId', 'routeId', 'stopId', 'caseId', 'invoiceId', 'customerId'] as const;
export type BusinessKey = (typeof BUSINESS_KEYS)[number];

/** What lsync understands of one message in a DLQ (or the quarantine). */
export interface DlqMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Canonical event fields, when the body is an EventBridge event with a canonical detail. */
  readonly eventId?: string;
  readonly eventType?: string;
  readonly correlationId?: string;
  readonly refs: Partial<Record<BusinessKey, string>>;
  /** `lsync-error-class`, EventBridge's `ERROR_CODE`, or `Unattributed` (moved by SQS after maxReceiveCount). */
  readonly errorClass: string;
  readonly errorReason?: string;
  readonly firstFailedAt?: string;
  readonly sourceQueueUrl?: string;
  /** Deliveries before it was dead-lettered (`lsync-receive-count`), else SQS's approximate count. */
  readonly receiveCount?: number;
  readonly redriveCount: number;
  /** When the message was first sent (ms since epoch; SQS keeps it across DLQ moves). */
  readonly sentAt?: number;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** Redrive run that re-sent this message, if any. */
  readonly redriveRun?: string;
}

function stringAttribute(attributes: Record<string, MessageAttributeValue>, name: string): string | undefined {
  const value = attributes[name];
  return value?.StringValue !== undefined && value.StringValue !== '' ? value.StringValue : undefined;
}

function intOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an SQS message (received with all attributes) into a {@link DlqMessage}. Pure. */
export function parseDlqMessage(message: Message): DlqMessage {
  const attributes = message.MessageAttributes ?? {};
  const body = message.Body ?? '';
  let detail: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed)) detail = isRecord(parsed.detail) ? parsed.detail : isRecord(parsed.metadata) ? parsed : undefined;
  } catch {
    detail = undefined;
  }
  const metadata = isRecord(detail?.metadata) ? detail.metadata : {};
  const rawRefs = isRecord(detail?.refs) ? detail.refs : {};
  const refs: Partial<Record<BusinessKey, string>> = {};
  for (const key of BUSINESS_KEYS) {
    const value = rawRefs[key];
    if (typeof value === 'string' && value !== '') refs[key] = value;
  }
  const errorClass =
    stringAttribute(attributes, DLQ_ATTRIBUTES.errorClass) ?? stringAttribute(attributes, 'ERROR_CODE') ?? 'Unattributed';
  const errorReason =
    stringAttribute(attributes, DLQ_ATTRIBUTES.errorReason) ??
    stringAttribute(attributes, 'ERROR_MESSAGE') ??
    (errorClass === 'Unattributed' ? 'moved by SQS after maxReceiveCount deliveries (the consumer failed or timed out without dead-lettering it itself)' : undefined);
  const sentTimestamp = intOrUndefined(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    eventId: typeof metadata.eventId === 'string' ? metadata.eventId : undefined,
    eventType: typeof metadata.eventType === 'string' ? metadata.eventType : undefined,
    correlationId: typeof metadata.correlationId === 'string' ? metadata.correlationId : undefined,
    refs,
    errorClass,
    errorReason,
    firstFailedAt: stringAttribute(attributes, DLQ_ATTRIBUTES.firstFailedAt),
    sourceQueueUrl: stringAttribute(attributes, DLQ_ATTRIBUTES.sourceQueueUrl),
    receiveCount: intOrUndefined(stringAttribute(attributes, DLQ_ATTRIBUTES.receiveCount)) ?? intOrUndefined(message.Attributes?.ApproximateReceiveCount),
    redriveCount: intOrUndefined(stringAttribute(attributes, DLQ_ATTRIBUTES.redriveCount)) ?? 0,
    sentAt: sentTimestamp,
    attributes,
    redriveRun: stringAttribute(attributes, REDRIVE_RUN_ATTRIBUTE),
  };
}

/** Which messages a command applies to. */
export type Selector =
  | { readonly kind: 'all' }
  | { readonly kind: 'key'; readonly key: BusinessKey; readonly value: string }
  | { readonly kind: 'message'; readonly messageId: string }
  | { readonly kind: 'error'; readonly errorClass: string };

export function matches(selector: Selector, message: DlqMessage): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'key':
      return message.refs[selector.key] === selector.value;
    case 'message':
      return message.messageId === selector.messageId;
    case 'error':
      return message.errorClass.toLowerCase() === selector.errorClass.toLowerCase();
  }
}

export function describeSelector(selector: Selector): string {
  switch (selector.kind) {
    case 'all':
      return 'all messages';
    case 'key':
      return `${selector.key}=${selector.value}`;
    case 'message':
      return `messageId=${selector.messageId}`;
    case 'error':
      return `errorClass=${selector.errorClass}`;
  }
}

/** Options of `dlq show` / `dlq redrive` that select messages. */
export interface SelectorOptions {
  readonly all?: boolean;
  readonly order?: string;
  readonly shipment?: string;
  readonly case?: string;
  readonly messageId?: string;
  readonly error?: string;
}

/**
 * Builds the selector from command options; exactly one must be given unless `defaultAll` (for `show`).
 * Throws a {@link CliError} naming the conflicting options.
 */
export function selectorFrom(options: SelectorOptions, defaultAll: boolean): Selector {
  const chosen: Selector[] = [];
  if (options.all) chosen.push({ kind: 'all' });
  if (options.order) chosen.push({ kind: 'key', key: 'orderId', value: options.order });
  if (options.shipment) chosen.push({ kind: 'key', key: 'shipmentId', value: options.shipment });
  if (options.case) chosen.push({ kind: 'key', key: 'caseId', value: options.case });
  if (options.messageId) chosen.push({ kind: 'message', messageId: options.messageId });
  if (options.error) chosen.push({ kind: 'error', errorClass: options.error });
  if (chosen.length > 1) throw new CliError('choose one selector: --all, --order, --shipment, --case, --message-id or --error');
  if (chosen.length === 0) {
    if (defaultAll) return { kind: 'all' };
    throw new CliError('say which messages to redrive', 'use --order ID, --shipment ID, --case ID, --message-id ID, --error CLASS, or --all');
  }
  return chosen[0]!;
}

/** A message attribute as SendMessage accepts it (ReceiveMessage may return empty list fields). */
function sendable(value: MessageAttributeValue): MessageAttributeValue {
  const out: MessageAttributeValue = { DataType: value.DataType };
  if (value.StringValue !== undefined) out.StringValue = value.StringValue;
  if (value.BinaryValue !== undefined) out.BinaryValue = value.BinaryValue;
  return out;
}

/**
 * Attributes for re-sending `message`: every original attribute, the redrive count set to `redriveCount`,
 * plus `extra` (e.g. the source queue URL for a quarantined message) and the run id while there is room
 * (SQS allows 10; the run id is dropped first), without the attributes named in `drop`. Pure. Returns `undefined` when the required attributes do
 * not fit.
 */
export function resendAttributes(
  message: DlqMessage,
  redriveCount: number,
  runId: string | undefined,
  extra: Record<string, string> = {},
  drop: readonly string[] = [],
): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.attributes)) {
    if (name === REDRIVE_RUN_ATTRIBUTE || drop.includes(name)) continue;
    out[name] = sendable(value);
  }
  out[DLQ_ATTRIBUTES.redriveCount] = { DataType: 'Number', StringValue: String(redriveCount) };
  for (const [name, value] of Object.entries(extra)) out[name] ??= { DataType: 'String', StringValue: value };
  if (Object.keys(out).length > MAX_MESSAGE_ATTRIBUTES) return undefined;
  if (runId && Object.keys(out).length < MAX_MESSAGE_ATTRIBUTES) out[REDRIVE_RUN_ATTRIBUTE] = { DataType: 'String', StringValue: runId };
  return out;
}
