import { ValidationError } from '../../../shared/errors';
import { landedObjects, type LandedObject } from '../../../shared/files/s3-files';

/**
 * AWS B2B Data Interchange's transformation events, as an EventBridge rule delivers them to the intake's queue (the
 * whole event is the message body). Written from B2BI's events detail reference
 * (https://docs.aws.amazon.com/b2bi/latest/userguide/events-detail-reference.html, contracts/aws-b2bi/): `source`
 * `aws.b2bi`, `detail-type` `Transformation Completed` or `Transformation Failed`, and in `detail` the
 * `transformer-job-id`, `trading-partner-id`, `x12-transaction-set`, `input-file-s3-attributes` {`bucket`,
 * `object-key`, `object-size-bytes`}, and for a failure `failure-code` / `failure-message`. The intake reads the input
 * file the event names, as it reads a file an S3 notification names: the service-defined JSON B2BI writes beside it
 * is not used (its structure is not published).
 */

/** Where a landed object came from, when not from an S3 event notification. */
export interface B2biOrigin {
  readonly kind: 'b2bi';
  /** `transformer-job-id`: one per B2BI run (a redelivered event has the same). */
  readonly jobId: string;
  readonly tradingPartnerId?: string;
  readonly transformed: boolean;
  /** `failure-code: failure-message` of a failed transformation. */
  readonly failure?: string;
}

export type IntakeObject = LandedObject & { readonly origin?: B2biOrigin };

const TYPES = new Set(['Transformation Completed', 'Transformation Failed']);

/** The input file a B2BI transformation event names (pure); a ValidationError names what is missing. */
export function b2biInputObject(event: Record<string, unknown>): IntakeObject {
  const type = event['detail-type'];
  if (typeof type !== 'string' || !TYPES.has(type)) throw new ValidationError(`not a B2B Data Interchange transformation event (detail-type ${JSON.stringify(type)})`, 'detail-type');
  const detail = event.detail as Record<string, unknown> | undefined;
  if (typeof detail !== 'object' || detail === null) throw new ValidationError('the B2B Data Interchange event has no detail', 'detail');
  const input = detail['input-file-s3-attributes'] as Record<string, unknown> | undefined;
  const bucket = input?.bucket;
  const key = input?.['object-key'];
  if (typeof bucket !== 'string' || !bucket || typeof key !== 'string' || !key) throw new ValidationError('the B2B Data Interchange event names no input file (input-file-s3-attributes.bucket and object-key)', 'detail.input-file-s3-attributes');
  const jobId = detail['transformer-job-id'];
  if (typeof jobId !== 'string' || !jobId) throw new ValidationError('the B2B Data Interchange event has no transformer-job-id', 'detail.transformer-job-id');
  const size = input?.['object-size-bytes'];
  const partner = detail['trading-partner-id'];
  const failed = type === 'Transformation Failed';
  const failure = failed ? [detail['failure-code'], detail['failure-message']].filter((v) => typeof v === 'string' && v).join(': ') || 'no failure message' : undefined;
  return {
    bucket,
    key,
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof detail['end-timestamp'] === 'string' ? { eventTime: detail['end-timestamp'] } : {}),
    origin: { kind: 'b2bi', jobId, ...(typeof partner === 'string' && partner ? { tradingPartnerId: partner } : {}), transformed: !failed, ...(failure ? { failure } : {}) },
  };
}

/** The files a queue message names: an S3 event notification's objects, or the input file of a B2BI event. */
export function intakeObjects(body: string): IntakeObject[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return landedObjects(body) as IntakeObject[];
  }
  if (typeof parsed === 'object' && parsed !== null && (parsed as { source?: unknown }).source === 'aws.b2bi') return [b2biInputObject(parsed as Record<string, unknown>)];
  return landedObjects(body) as IntakeObject[];
}

/**
 * The acknowledgement file a B2BI `Acknowledgement Completed` event names (`ack-file-s3-attributes`), with the trading
 * partner it is for (pure): what the AS2 sender sends back to a partner on AS2. A ValidationError names what is missing.
 */
export function b2biAcknowledgementObject(event: Record<string, unknown>): IntakeObject & { readonly origin: B2biOrigin & { readonly tradingPartnerId: string } } {
  if (event['detail-type'] !== 'Acknowledgement Completed') throw new ValidationError(`not a B2B Data Interchange Acknowledgement Completed event (detail-type ${JSON.stringify(event['detail-type'])})`, 'detail-type');
  const detail = event.detail as Record<string, unknown> | undefined;
  const ack = (typeof detail === 'object' && detail !== null ? detail['ack-file-s3-attributes'] : undefined) as Record<string, unknown> | undefined;
  const bucket = ack?.bucket;
  const key = ack?.['object-key'];
  if (typeof bucket !== 'string' || !bucket || typeof key !== 'string' || !key) throw new ValidationError('the B2B Data Interchange event names no acknowledgement file (ack-file-s3-attributes.bucket and object-key)', 'detail.ack-file-s3-attributes');
  const jobId = detail!['transformer-job-id'];
  const partner = detail!['trading-partner-id'];
  if (typeof jobId !== 'string' || !jobId || typeof partner !== 'string' || !partner) throw new ValidationError('the B2B Data Interchange event has no transformer-job-id or trading-partner-id', 'detail');
  return { bucket, key, origin: { kind: 'b2bi', jobId, tradingPartnerId: partner, transformed: true } };
}
