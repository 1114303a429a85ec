import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { METRIC_NAMES } from '../../../../registry/catalog';
import { eachLandedObject, landedObjectKey } from '../../../shared/files/s3-files';
import type { IdempotentRunner } from '../../../shared/outbound/idempotency';
import { intakeObjects, type IntakeObject } from './b2bi-event';
import { processFile, rejectUntransformed, type FileOutcome, type IntakeDeps } from './intake';

/**
 * The SQS side: each message is an S3 event notification naming landed files, or (stage `b2bi`) an AWS B2B Data
 * Interchange transformation event naming the partner's input file under the B2BI input prefix (b2bi-event.ts: B2BI
 * has acknowledged it, so the intake writes no 997 of its own, and a file B2BI failed to transform is rejected with
 * B2BI's reason, nothing published). Each file is processed at most once (Powertools idempotency keyed on bucket,
 * key and version, or B2BI's job id: a redelivered notification returns the first outcome without publishing or
 * acknowledging again). A message whose file cannot be processed now (S3, EventBridge or the
 * table failing) is reported as a batch item failure and retried; after maxReceiveCount it is in the alarmed DLQ.
 */

export interface BatchDeps extends IntakeDeps {
  readonly once: IdempotentRunner;
  readonly log: { info(message: string, extra?: Record<string, unknown>): void; warn(message: string, extra?: Record<string, unknown>): void; error(message: string, extra?: Record<string, unknown>): void };
  readonly count: (metric: string, value: number) => void;
}

export function createBatchHandler(deps: BatchDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    if (context) deps.once.registerContext(context);
    return eachLandedObject<IntakeObject>(
      event,
      async (object) => {
        const b2biPrefix = deps.prefixes.b2biInputPrefix;
        const inB2biFolder = b2biPrefix !== undefined && object.key.startsWith(b2biPrefix);
        if (object.key.endsWith('/') || (object.origin ? !inB2biFolder : !inB2biFolder && !object.key.startsWith(deps.prefixes.inboundPrefix))) {
          if (object.origin) deps.log.warn('B2B Data Interchange event for a file outside the intake\'s B2BI input prefix: ignored', { file: object.key, job: object.origin.jobId });
          return;
        }
        // A file in a B2BI folder is one version, whichever notice brings it: B2BI's event (read the version it names
        // now) or, 15 minutes later, its S3 notification (the safety net: B2BI's events are best effort).
        const version = object.origin ? ((await deps.store.currentVersion(object)) ?? object.versionId) : object.versionId;
        let ran = false;
        const outcome = (await deps.once.run(landedObjectKey({ ...object, ...(version ? { versionId: version } : {}) }), async () => {
          ran = true;
          if (object.origin && !object.origin.transformed) return (await rejectUntransformed(object, object.origin.failure ?? 'no reason given', deps)) as unknown as JSONValue;
          if (inB2biFolder && !object.origin) {
            deps.log.warn('no B2B Data Interchange event for this file in 15 minutes: read from its S3 notification (B2BI acknowledges it, or its failure is in B2BI)', { file: object.key, versionId: object.versionId });
          }
          const text = await deps.store.read({ ...object, ...(version ? { versionId: version } : {}) });
          // B2BI acknowledges the files in its folders; the intake writes the 997 of the others.
          return (await processFile(object, text, deps, { acknowledge: !inB2biFolder })) as unknown as JSONValue;
        })) as unknown as FileOutcome;
        // A file already processed (a redelivery, or the safety net after B2BI's event) is neither logged nor counted again.
        if (ran) report(deps, outcome);
      },
      (messageId, error) => deps.log.error('file intake failed; the message is retried', { messageId, error: error.message }),
      intakeObjects,
    );
  };
}

function report(deps: BatchDeps, outcome: FileOutcome): void {
  const rejected = outcome.unreadable ? 1 : outcome.interchanges.filter((i) => i.verdict === 'rejected').length;
  if (rejected > 0) deps.count(METRIC_NAMES.filesRejected, rejected);
  for (const i of outcome.interchanges) {
    const line = { file: outcome.key, partner: i.partner, interchange: i.interchangeControl, verdict: i.verdict, published: i.published, acknowledgement: i.acknowledgementKey, ignored: i.ignored, reason: i.reason };
    if (i.verdict === 'accepted') deps.log.info('interchange accepted', line);
    else deps.log.warn(`interchange ${i.verdict}`, line);
  }
  if (outcome.unreadable) deps.log.warn('file is not an X12 interchange', { file: outcome.key, reason: outcome.unreadable, rejection: outcome.rejectionKey });
}
