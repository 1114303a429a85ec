import { BusyError, errorClassOf, HeldError, IntegrationError, RateLimitedError, RejectedByTargetError, UpstreamUnavailableError } from '../errors';
import type { SQSRecord } from 'aws-lambda';
import { DLQ_ATTRIBUTES } from '../../../registry/queue-attributes';
import type { FailureInfo } from './decisions';
import { IdempotencyConflictError } from './http-client';
import { receiveCountOf, stringAttribute } from './message';

/** Longest reason kept in a DLQ attribute or a `sync.failed` event (the schema's ShortText limit is 500). */
const MAX_REASON_LENGTH = 300;

/** A target still processing the same Idempotency-Key usually finishes within seconds. */
const TARGET_CONFLICT_RETRY_SECONDS = 5;

/** Trims a reason to a bounded, single-line text. */
export function shortReason(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line || 'no reason given';
}

/**
 * Classifies anything thrown while processing a message (pure: reads the error, nothing else).
 * Powertools idempotency's "already in progress" error is recognised by name, so this module needs no
 * Powertools import.
 */
export function describeFailure(error: unknown): FailureInfo {
  const reason = shortReason(error instanceof Error ? error.message : String(error));
  const errorClass = errorClassOf(error);
  if (error instanceof HeldError) {
    const status = typeof error.context.status === 'number' ? error.context.status : undefined;
    return { kind: 'held', errorClass, reason, retryAfterSeconds: error.retryAfterSeconds, ...(status !== undefined ? { httpStatus: status } : {}) };
  }
  if (error instanceof IdempotencyConflictError) return { kind: 'busy', errorClass, reason, retryAfterSeconds: TARGET_CONFLICT_RETRY_SECONDS, httpStatus: error.status };
  if (error instanceof BusyError) return { kind: 'busy', errorClass, reason, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof RateLimitedError) return { kind: 'rate-limited', errorClass, reason, retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof UpstreamUnavailableError) return { kind: 'unavailable', errorClass, reason, httpStatus: error.status };
  if (error instanceof RejectedByTargetError) return { kind: 'permanent', errorClass, reason, httpStatus: error.status };
  if (error instanceof IntegrationError) return { kind: error.retryable ? 'unknown' : 'permanent', errorClass, reason };
  if (error instanceof Error && error.name === 'IdempotencyAlreadyInProgressError') return { kind: 'busy', errorClass, reason };
  return { kind: 'unknown', errorClass, reason };
}

/**
 * The attributes a dead-lettered message carries (registry/queue-attributes.ts): why, since when, from which queue,
 * and how often it was received and redriven. The first failure time and the redrive count survive redrives, so
 * `lsync dlq` reports the original failure and quarantines a message redriven too often.
 */
export function deadLetterAttributes(record: SQSRecord, failure: Pick<FailureInfo, 'errorClass' | 'reason'>, sourceQueueUrl: string, now: Date): Record<string, string> {
  return {
    [DLQ_ATTRIBUTES.errorClass]: failure.errorClass,
    [DLQ_ATTRIBUTES.errorReason]: shortReason(failure.reason),
    [DLQ_ATTRIBUTES.firstFailedAt]: stringAttribute(record, DLQ_ATTRIBUTES.firstFailedAt) ?? now.toISOString(),
    [DLQ_ATTRIBUTES.sourceQueueUrl]: sourceQueueUrl,
    [DLQ_ATTRIBUTES.receiveCount]: String(receiveCountOf(record)),
    [DLQ_ATTRIBUTES.redriveCount]: String(Number(stringAttribute(record, DLQ_ATTRIBUTES.redriveCount) ?? '0') || 0),
  };
}
