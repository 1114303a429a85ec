import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ValidationError } from '../errors';

/**
 * The S3 side of a file intake (lib/adapters/file-intake.ts): the objects an S3 event notification names, and a
 * small port to read a landed file and write an acknowledgement, so intake handlers are tested without S3.
 * Event shape: https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */

/** One object an S3 event notification reports as created. */
export interface LandedObject {
  readonly bucket: string;
  /** The object key, URL-decoded (S3 encodes keys in notifications as form values: `+` is a space). */
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
  /** When S3 saw it (`eventTime`). */
  readonly eventTime?: string;
  /** Where the notice of it came from, when not an S3 event notification (e.g. B2B Data Interchange: its job id). */
  readonly origin?: { readonly kind: string; readonly jobId: string };
}

interface S3EventRecord {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; versionId?: string } };
}

/**
 * The created objects an SQS message body from an S3 event notification names. The test event S3 sends when a
 * notification is configured (`{"Event":"s3:TestEvent"}`) names none; a body that is neither is a ValidationError.
 */
export function landedObjects(body: string): LandedObject[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ValidationError('the message is not JSON (expected an S3 event notification)', 'body');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ValidationError('the message is not an S3 event notification', 'body');
  if ((parsed as { Event?: unknown }).Event === 's3:TestEvent') return [];
  const records = (parsed as { Records?: unknown }).Records;
  if (!Array.isArray(records)) throw new ValidationError('the message has no Records (expected an S3 event notification)', 'Records');
  return (records as S3EventRecord[])
    .filter((r) => r.eventSource === 'aws:s3' && typeof r.eventName === 'string' && r.eventName.startsWith('ObjectCreated:'))
    .map((r, i) => {
      const bucket = r.s3?.bucket?.name;
      const rawKey = r.s3?.object?.key;
      if (!bucket || !rawKey) throw new ValidationError('an S3 event record has no bucket or key', `Records[${i}].s3`);
      return {
        bucket,
        key: decodeURIComponent(rawKey.replace(/\+/g, ' ')),
        size: r.s3?.object?.size,
        eTag: r.s3?.object?.eTag,
        versionId: r.s3?.object?.versionId,
        eventTime: r.eventTime,
      };
    });
}

/** One version of a landed object (bucket, key and version, or ETag): what processes it once. Pure. */
export function landedObjectKey(object: LandedObject): string {
  return `${object.bucket}/${object.key}#${object.versionId ?? object.eTag ?? (object.origin ? `${object.origin.kind}:${object.origin.jobId}` : '')}`;
}

/**
 * Runs `each` on every object the S3 notifications of an SQS batch name, in order. A message whose body is not a
 * notification, or one of whose objects fails, is reported (`onFailure`) as a batch item failure: SQS delivers it
 * again and, after its queue's maxReceiveCount, to the DLQ; the other messages of the batch are done.
 */
export async function eachLandedObject<T extends LandedObject = LandedObject>(
  event: SQSEvent,
  each: (object: T) => Promise<void>,
  onFailure: (messageId: string, error: Error) => void,
  objectsOf: (body: string) => T[] = landedObjects as (body: string) => T[],
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      for (const object of objectsOf(record.body)) await each(object);
    } catch (error) {
      onFailure(record.messageId, error as Error);
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

/** Port: the intake bucket. */
export interface FileStore {
  /** The object's bytes as text (latin1: EDI is 7/8-bit text; no byte is lost or replaced). */
  read(object: LandedObject): Promise<string>;
  write(key: string, body: string, contentType: string): Promise<void>;
  /** The object's current version id (HeadObject); undefined in an unversioned bucket. */
  currentVersion(object: LandedObject): Promise<string | undefined>;
}

export class S3FileStore implements FileStore {
  private readonly client: S3Client;
  constructor(
    private readonly bucket: string,
    client?: S3Client,
  ) {
    this.client = client ?? new S3Client({});
  }

  async read(object: LandedObject): Promise<string> {
    const result = await this.client.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, ...(object.versionId ? { VersionId: object.versionId } : {}) }));
    const bytes = await result.Body!.transformToByteArray();
    return Buffer.from(bytes).toString('latin1');
  }

  async write(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.from(body, 'latin1'), ContentType: contentType }));
  }

  async currentVersion(object: LandedObject): Promise<string | undefined> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return head.VersionId && head.VersionId !== 'null' ? head.VersionId : undefined;
  }
}

/** In-memory bucket for tests. */
export class InMemoryFileStore implements FileStore {
  readonly objects = new Map<string, string>();
  readonly writes: { key: string; body: string; contentType: string }[] = [];
  async read(object: LandedObject): Promise<string> {
    const body = this.objects.get(object.key);
    if (body === undefined) throw new Error(`NoSuchKey: ${object.key}`);
    return body;
  }
  /** Version ids by key, for tests of versioned buckets (none: unversioned). */
  readonly versions = new Map<string, string>();
  async write(key: string, body: string, contentType: string): Promise<void> {
    this.objects.set(key, body);
    this.writes.push({ key, body, contentType });
  }
  async currentVersion(object: LandedObject): Promise<string | undefined> {
    return this.versions.get(object.key);
  }
}
