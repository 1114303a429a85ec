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

/** The event's `detail` with the file its `<field>` names (`bucket`, `object-key`) and its job id; or a ValidationError. */
function detailWithFile(event: Record<string, unknown>, field: 'input-file-s3-attributes' | 'ack-file-s3-attributes', what: string) {
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null) throw new ValidationError('the B2B Data Interchange event has no detail', 'detail');
  const d = detail as Record<string, unknown>;
  const file = d[field] as Record<string, unknown> | undefined;
  const bucket = file?.bucket;
  const key = file?.['object-key'];
  if (typeof bucket !== 'string' || !bucket || typeof key !== 'string' || !key) throw new ValidationError(`the B2B Data Interchange event names no ${what} (${field}.bucket and object-key)`, `detail.${field}`);
  const jobId = d['transformer-job-id'];
  if (typeof jobId !== 'string' || !jobId) throw new ValidationError('the B2B Data Interchange event has no transformer-job-id', 'detail.transformer-job-id');
  const partner = d['trading-partner-id'];
  return { detail: d, bucket, key, size: file?.['object-size-bytes'], jobId, tradingPartnerId: typeof partner === 'string' && partner ? partner : undefined };
}

/** The input file a B2BI transformation event names (pure); a ValidationError names what is missing. */
export function b2biInputObject(event: Record<string, unknown>): IntakeObject {
  const type = event['detail-type'];
  if (typeof type !== 'string' || !TYPES.has(type)) throw new ValidationError(`not a B2B Data Interchange transformation event (detail-type ${JSON.stringify(type)})`, 'detail-type');
  const { detail, bucket, key, size, jobId, tradingPartnerId } = detailWithFile(event, 'input-file-s3-attributes', 'input file');
  const failed = type === 'Transformation Failed';
  const failure = failed ? [detail['failure-code'], detail['failure-message']].filter((v) => typeof v === 'string' && v).join(': ') || 'no failure message' : undefined;
  return {
    bucket,
    key,
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof detail['end-timestamp'] === 'string' ? { eventTime: detail['end-timestamp'] } : {}),
    origin: { kind: 'b2bi', jobId, ...(tradingPartnerId ? { tradingPartnerId } : {}), transformed: !failed, ...(failure ? { failure } : {}) },
  };
}

/**
 * The files a queue message names (pure): an S3 event notification's objects, or, for a B2B Data Interchange event
 * (`source` `aws.b2bi`), the one `fromB2bi` reads from it.
 */
export function noticedObjects(body: string, fromB2bi: (event: Record<string, unknown>) => IntakeObject): IntakeObject[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && (parsed as { source?: unknown }).source === 'aws.b2bi') return [fromB2bi(parsed as Record<string, unknown>)];
  return landedObjects(body) as IntakeObject[];
}

/** The files an intake queue message names: an S3 event notification's objects, or the input file of a B2BI event. */
export const intakeObjects = (body: string): IntakeObject[] => noticedObjects(body, b2biInputObject);

/**
 * The acknowledgement file a B2BI `Acknowledgement Completed` event names (`ack-file-s3-attributes`), with the trading
 * partner it is for (pure): what the AS2 sender sends back to a partner on AS2. A ValidationError names what is missing.
 */
export function b2biAcknowledgementObject(event: Record<string, unknown>): IntakeObject {
  if (event['detail-type'] !== 'Acknowledgement Completed') throw new ValidationError(`not a B2B Data Interchange Acknowledgement Completed event (detail-type ${JSON.stringify(event['detail-type'])})`, 'detail-type');
  const { bucket, key, jobId, tradingPartnerId } = detailWithFile(event, 'ack-file-s3-attributes', 'acknowledgement file');
  if (!tradingPartnerId) throw new ValidationError('the B2B Data Interchange event has no trading-partner-id', 'detail.trading-partner-id');
  return { bucket, key, origin: { kind: 'b2bi', jobId, tradingPartnerId, transformed: true } };
}
