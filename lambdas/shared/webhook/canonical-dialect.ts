import type { SystemName } from '../../../registry/systems';
import { CANONICAL_DIALECT } from '../../../registry/vendors';
import { buildCanonicalEvent, type CanonicalRefs } from '../canonical-event';
import { ValidationError } from '../errors';
import { dialectIdentity, type Dialect } from './dialect';
import { canonicalSubmission } from './generated/vendor-validators.js';
import { verifyLsyncRequest } from './signatures';
import { validateOrThrow, type SchemaValidator } from './validation';

/**
 * The generic canonical dialect (`POST /webhooks/{system}/canonical`), for producers without a vendor format:
 * the body is one canonical event without the metadata we set ourselves (schemas/vendors/canonical-submission.schema.json),
 * signed with our HMAC scheme (`X-Lsync-Timestamp`, `X-Lsync-Signature`, secret `canonicalWebhookSecret`).
 * `refs` and `data` are validated against the canonical schema of `eventType` by the pipeline.
 */
export interface CanonicalSubmission {
  eventId: string;
  eventType: string;
  schemaVersion?: string;
  occurredAt: string;
  correlationId?: string;
  causationId?: string;
  sequence?: number;
  refs: Record<string, unknown>;
  data: Record<string, unknown>;
}

const validateSubmission = canonicalSubmission as SchemaValidator<CanonicalSubmission>;

/** The canonical dialect for one system; `acceptedTypes` are the event types that system may originate. */
export function canonicalDialect(system: SystemName, acceptedTypes: readonly string[]): Dialect<CanonicalSubmission> {
  return {
    ...dialectIdentity({ ...CANONICAL_DIALECT, system }),
    verify: verifyLsyncRequest,
    decode(_request, json) {
      const event = validateOrThrow(validateSubmission, json, 'invalid canonical event');
      if (!acceptedTypes.includes(event.eventType)) {
        throw new ValidationError(`eventType ${event.eventType} is not accepted from ${system} (accepted: ${acceptedTypes.join(', ')})`, 'eventType');
      }
      return { event, vendorEventId: event.eventId, vendorEventType: event.eventType };
    },
    map({ event }, receivedAt) {
      const detail = buildCanonicalEvent({
        eventType: event.eventType,
        // A submission without a version is at version 1, whatever the producers of this stack write now.
        schemaVersion: event.schemaVersion ?? '1',
        system,
        vendor: 'canonical',
        vendorEventId: event.eventId,
        occurredAt: event.occurredAt,
        receivedAt,
        refs: event.refs as CanonicalRefs,
        data: event.data,
        correlationId: event.correlationId,
        causationId: event.causationId,
        sequence: event.sequence,
      });
      return { kind: 'events', events: [detail] };
    },
  };
}
