import { buildCanonicalEvent, type CanonicalDetail } from '../canonical-event';
import type { SystemName } from '../../../registry/systems';

export interface SyncFailure {
  readonly target: SystemName;
  /** What we tried (kebab-case), e.g. `update-shipment-status`. */
  readonly operation: string;
  readonly errorClass: string;
  readonly reason: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly httpStatus?: number;
  /** Times the message had been redriven before this failure (keeps each redrive's failure its own event). */
  readonly redriveCount: number;
}

const OPERATION = /^[a-z][a-z0-9-]*$/;
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * The `sync.failed` event an outbound adapter publishes when it dead-letters a message (pure). Its id is
 * deterministic per (target, operation, failed event, redrive count): a crash-and-retry of the dead-letter
 * step publishes the same event again, which the indexer records once.
 */
export function syncFailedEvent(failed: CanonicalDetail, failure: SyncFailure, now: Date): CanonicalDetail {
  const operation = OPERATION.test(failure.operation) ? failure.operation : 'process-message';
  const errorCode = ERROR_CODE.test(failure.errorClass) ? failure.errorClass.slice(0, 64) : 'Error';
  return buildCanonicalEvent({
    eventType: 'sync.failed',
    system: 'orchestrator',
    vendor: 'logistics-sync',
    vendorEventId: `${failure.target}-outbound:${operation}:${failed.metadata.eventId}:r${failure.redriveCount}`,
    occurredAt: now.toISOString(),
    receivedAt: now.toISOString(),
    refs: { ...failed.refs },
    correlationId: failed.metadata.correlationId,
    causationId: failed.metadata.eventId,
    data: {
      targetSystem: failure.target,
      operation,
      stage: 'outbound-adapter',
      failedEventId: failed.metadata.eventId,
      failedEventType: failed.metadata.eventType,
      errorCode,
      retryable: failure.retryable,
      attempts: Math.min(1000, Math.max(1, failure.attempts)),
      ...(failure.httpStatus !== undefined && failure.httpStatus >= 100 && failure.httpStatus <= 599 ? { httpStatus: failure.httpStatus } : {}),
      reason: failure.reason.slice(0, 500) || 'no reason given',
      deadLettered: true,
    },
  });
}
