import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decideOnFailure, type BackoffPolicy } from '../../shared/outbound/decisions';
import { deadLetterAttributes, describeFailure } from '../../shared/outbound/failures';
import { receiveCountOf } from '../../shared/outbound/message';
import type { MessageOps } from '../../shared/outbound/queue-ops';
import type { AdapterLogger } from '../../shared/outbound/runner';

/**
 * The SQS batch handler every ERP read-back function shares (SAP: lambdas/erp/read-back/read-back.ts; Business
 * Central: lambdas/erp/business-central/read-back-handler.ts). A read-back queue holds thin vendor notifications;
 * per message the vendor-specific part parses it, reads the document back and publishes what it maps to. What a
 * failure does is the same for every vendor, so it lives here once:
 *
 * - a malformed message, and any permanent failure (404 not found, 4xx, a document that cannot be mapped), goes to
 *   the DLQ at once with the reason in the `lsync-error-*` attributes that `lsync dlq` shows;
 * - 5xx, timeouts and throttling are retried with backoff (visibility timeout, or a held re-send on Retry-After) and
 *   dead-lettered with the reason on the last attempt. Nothing is dropped.
 */

export interface ReadBackBatchSettings {
  readonly maxReceiveCount: number;
  readonly queueUrl: string;
  readonly backoff: BackoffPolicy;
}

export interface ReadBackBatchDependencies {
  readonly messages: MessageOps;
  readonly logger: AdapterLogger;
  readonly settings: ReadBackBatchSettings;
  readonly clock?: () => Date;
  readonly random?: () => number;
}

/** The vendor-specific part of a read-back function. */
export interface ReadBackSteps<R> {
  /** The vendor, for the failure log line (e.g. `SAP`, `Business Central`). */
  readonly vendor: string;
  /** Parses the message body; throws ValidationError for a malformed one (dead-lettered at once). */
  parse(body: string): R;
  /** Log keys that identify the request while it is processed (removed afterwards). */
  logKeys(request: R): Record<string, string>;
  /** Reads the document back and publishes; a thrown error is classified by describeFailure. */
  process(request: R): Promise<void>;
  /** Counts a dead-lettered message (the vendor's metric). */
  deadLettered(): void;
}

/** The SQS batch handler of a read-back function (partial batch responses: one failed record retries alone). */
export function createReadBackBatchHandler<R>(steps: ReadBackSteps<R>, deps: ReadBackBatchDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const { logger, settings } = deps;

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let request: R | undefined;
    let keys: string[] = [];
    try {
      request = steps.parse(record.body);
      const logKeys = steps.logKeys(request);
      keys = Object.keys(logKeys);
      logger.appendKeys(logKeys);
      await steps.process(request);
    } catch (error) {
      const failure = describeFailure(error);
      const receiveCount = receiveCountOf(record);
      const decision = request === undefined || failure.kind === 'permanent' ? ({ action: 'dead-letter' } as const) : decideOnFailure(failure, { receiveCount, maxReceiveCount: settings.maxReceiveCount }, settings.backoff, random());
      logger.warn(`${steps.vendor} read-back failed`, { errorClass: failure.errorClass, reason: failure.reason, receiveCount, decision: decision.action });
      if (decision.action === 'dead-letter') {
        await deps.messages.deadLetter(record, deadLetterAttributes(record, failure, settings.queueUrl, clock()));
        steps.deadLettered();
        return;
      }
      if (decision.action === 'hold') {
        await deps.messages.requeue(record, decision.delaySeconds, {});
        return;
      }
      await deps.messages.changeVisibility(record, decision.visibilitySeconds).catch(() => undefined);
      throw new Error(`${failure.errorClass}: retry in ${decision.visibilitySeconds} s`, { cause: error });
    } finally {
      if (keys.length > 0) logger.removeKeys(keys);
    }
  };

  return async (event, context) => processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}
