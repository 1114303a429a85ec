import type { SQSRecord } from 'aws-lambda';
import type { CanonicalDetail } from '../canonical-event';
import { ValidationError } from '../errors';
import { HOLD_ATTRIBUTES } from '../../../registry/queue-attributes';


/** A canonical event as an SQS message from an EventBridge rule carries it. */
export interface CanonicalMessage {
  /** EventBridge `detail-type` (= `detail.metadata.eventType`). */
  readonly detailType: string;
  /** EventBridge `source`, e.g. `logistics-sync.fleet`. */
  readonly source: string;
  readonly detail: CanonicalDetail;
}

const EVENT_ID = /^[0-9a-f]{64}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a message body: the full EventBridge event JSON a rule delivered (or, from tooling, a bare
 * canonical `detail`). Checks the envelope fields the adapters rely on; the event's own schema was
 * checked when it was published. Throws ValidationError (never retried) otherwise.
 */
export function parseCanonicalMessage(body: string): CanonicalMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ValidationError('message body is not JSON', undefined, { cause: error });
  }
  if (!isObject(parsed)) throw new ValidationError('message body is not a JSON object');
  const detail = isObject(parsed.detail) ? parsed.detail : isObject(parsed.metadata) ? parsed : undefined;
  if (!detail) throw new ValidationError('message is neither an EventBridge event nor a canonical event', 'detail');
  const metadata = detail.metadata;
  if (!isObject(metadata)) throw new ValidationError('canonical event has no metadata', 'detail.metadata');
  if (typeof metadata.eventId !== 'string' || !EVENT_ID.test(metadata.eventId)) {
    throw new ValidationError('canonical event has no valid eventId', 'detail.metadata.eventId');
  }
  for (const field of ['eventType', 'occurredAt', 'receivedAt', 'correlationId'] as const) {
    if (typeof metadata[field] !== 'string' || metadata[field] === '') {
      throw new ValidationError(`canonical event has no ${field}`, `detail.metadata.${field}`);
    }
  }
  if (!isObject(metadata.source)) throw new ValidationError('canonical event has no source', 'detail.metadata.source');
  if (!isObject(detail.refs)) throw new ValidationError('canonical event has no refs', 'detail.refs');
  if (!isObject(detail.data)) throw new ValidationError('canonical event has no data', 'detail.data');
  const detailType = typeof parsed['detail-type'] === 'string' ? parsed['detail-type'] : (metadata.eventType as string);
  const source = typeof parsed.source === 'string' ? parsed.source : `logistics-sync.${String(metadata.source.system)}`;
  return { detailType, source, detail: detail as unknown as CanonicalDetail };
}

/** A string message attribute of an SQS record, if present. */
export function stringAttribute(record: SQSRecord, name: string): string | undefined {
  const attribute = record.messageAttributes?.[name];
  return attribute?.stringValue ?? undefined;
}

/** The record's receive count (1 on first delivery). */
export function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount ?? '1');
  return Number.isFinite(count) && count >= 1 ? count : 1;
}

/** When the message first reached an adapter: our carried attribute, else SQS's first-receive timestamp. */
export function firstReceivedAtOf(record: SQSRecord): Date | undefined {
  const carried = Number(stringAttribute(record, HOLD_ATTRIBUTES.firstReceivedAt));
  if (Number.isFinite(carried) && carried > 0) return new Date(carried);
  const sqs = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return Number.isFinite(sqs) && sqs > 0 ? new Date(sqs) : undefined;
}

export { HOLD_ATTRIBUTES };
