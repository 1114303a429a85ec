import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventPublisher } from '../../shared/event-publisher';
import type { MessageOps } from '../../shared/outbound/queue-ops';
import type { AdapterLogger } from '../../shared/outbound/runner';
import { receiveCountOf } from '../../shared/outbound/message';
import { deadLetterAttributes, describeFailure } from '../../shared/outbound/failures';
import type { ParkedAlertStore } from '../../shared/parked-alerts';
import { FIRST_RECHECK_DELAY_SECONDS, MAX_RECHECK_DELAY_SECONDS, resolveAlert, type AlertRecheckQueue, type AlertRecheckRequest, type SamsaraAlertPorts } from '../inbound/samsara-alerts';

/**
 * Checks of one alert in all: at once, then after 30 s, 1 min and 2 min, then every 2 min (0, 0.5, 1.5, 3.5, 5.5, …
 * 15.5 min: about 15 min in all, as before the waits were capped).
 */
export const MAX_ALERT_CHECKS = 10;

export interface AlertRecheckDependencies {
  readonly ports: Pick<SamsaraAlertPorts, 'telemetry' | 'assignments'>;
  readonly publisher: EventPublisher;
  /** Where an alert still unmatched goes for its next check. */
  readonly queue: AlertRecheckQueue;
  /** Where an alert unmatched after its last check is parked, for a late dispatch to place (lambdas/shared/parked-alerts.ts). @default - not parked */
  readonly parked?: Pick<ParkedAlertStore, 'park'>;
  /** The DLQ, for a message that is not a recheck request; the visibility of a failed check's message. */
  readonly messages: Pick<MessageOps, 'deadLetter' | 'changeVisibility'>;
  readonly queueUrl: string;
  readonly logger: Pick<AdapterLogger, 'info' | 'warn'>;
  readonly metrics: { count(name: string): void };
  readonly clock?: () => Date;
}

/** The delay before check number `checks + 1` (the second check waits FIRST_RECHECK_DELAY_SECONDS; doubling, capped). */
export function delayBeforeNextCheck(checks: number): number {
  return doubling(checks, MAX_RECHECK_DELAY_SECONDS);
}

/** FIRST_RECHECK_DELAY_SECONDS doubled for each step after the first, at most `cap`. */
function doubling(step: number, cap: number): number {
  return Math.min(cap, FIRST_RECHECK_DELAY_SECONDS * 2 ** (Math.max(1, step) - 1));
}

/** The longest wait before a failed check is tried again. */
const MAX_FAILED_CHECK_WAIT_SECONDS = 180;

/**
 * The wait before a failed check (a read or the publish failed) is tried again, by the message's receive count: 30 s,
 * 1, 2, then 3 min (the queue's five receives then span 6.5 min before its DLQ), or the vendor's Retry-After. Without
 * it the message came back only after the queue's visibility timeout (3 min), each time.
 */
export function waitAfterFailedCheck(error: unknown, receiveCount: number): number {
  const { retryAfterSeconds } = describeFailure(error);
  if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) return Math.min(MAX_FAILED_CHECK_WAIT_SECONDS, Math.ceil(retryAfterSeconds));
  return doubling(receiveCount, MAX_FAILED_CHECK_WAIT_SECONDS);
}

function parseRequest(body: string): AlertRecheckRequest | undefined {
  try {
    const request = JSON.parse(body) as Partial<AlertRecheckRequest>;
    const decoded = request.decoded;
    const valid =
      typeof request.receivedAt === 'string' &&
      Number.isInteger(request.checks) &&
      typeof decoded?.vendorEventId === 'string' &&
      typeof decoded.vendorEventType === 'string' &&
      typeof decoded.event === 'object' &&
      decoded.event !== null;
    return valid ? (request as AlertRecheckRequest) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The alert check consumer: each Samsara temperature alert the intake queued is checked at once (its reading from
 * the fleet API, the shipments on its asset from the index); one whose asset carried none of our shipments as far as
 * the index knows (the index may be behind the dispatch: its batch retried after a crash, a backlog) is checked
 * again, with doubling waits capped at 2 min, up to MAX_ALERT_CHECKS checks. Found: the exceptions are published with the ids the intake
 * would have given them (consumers dedupe). Still none after the last check: the asset carried none of our loads (an
 * empty truck), or the index learns of the load later still (a route creation redriven after the trip began): logged,
 * counted (`AlertUnmatched`) and parked on its assets, where a late dispatch finds it (lambdas/shared/parked-alerts.ts). A failed read, publish or re-queue is logged and
 * left to SQS, visible again after {@link waitAfterFailedCheck} (then the queue's DLQ); a message that is not a
 * request goes to the DLQ at once.
 */
export function createAlertRecheckHandler(deps: AlertRecheckDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const request = parseRequest(record.body);
    if (!request) {
      deps.logger.warn('not an alert recheck request: dead-lettered', { messageId: record.messageId });
      await deps.messages.deadLetter(record, deadLetterAttributes(record, { errorClass: 'ValidationError', reason: 'not an alert recheck request' }, deps.queueUrl, clock()));
      return;
    }
    const checks = request.checks + 1;
    const keys = { vendorEventId: request.decoded.vendorEventId, checks };
    let resolution: Awaited<ReturnType<typeof resolveAlert>>;
    try {
      resolution = await resolveAlert(request.decoded, request.receivedAt, deps.ports);
    } catch (error) {
      await retryLater(record, error, keys);
      throw error;
    }
    if (resolution.kind === 'events') {
      const eventIds = await deps.publisher.publish(resolution.events).catch(async (error: unknown) => {
        await retryLater(record, error, keys);
        throw error;
      });
      deps.metrics.count(checks === 1 ? 'AlertMatched' : 'AlertMatchedOnRecheck');
      deps.logger.info('alert matched: exceptions published', { ...keys, eventIds });
    } else if (resolution.kind === 'unmatched' && checks < MAX_ALERT_CHECKS) {
      const delay = delayBeforeNextCheck(checks);
      // A failed send is a failed check: this message is tried again (the next check not yet queued, nothing lost).
      await deps.queue.later({ ...request, checks }, delay).catch(async (error: unknown) => {
        await retryLater(record, error, keys);
        throw error;
      });
      deps.logger.info('alert still unmatched: checked again later', { ...keys, delaySeconds: delay });
    } else if (resolution.kind === 'unmatched') {
      // Parked with the message of one more check (the last), which a late dispatch on one of its assets sends.
      const parked = { vendorEventId: request.decoded.vendorEventId, happenedAt: resolution.happenedAt, message: JSON.stringify({ ...request, checks: MAX_ALERT_CHECKS - 1 }) };
      if (deps.parked && resolution.assets.length > 0) {
        await deps.parked.park(resolution.assets, parked, clock()).catch(async (error: unknown) => {
          await retryLater(record, error, keys);
          throw error;
        });
      }
      deps.metrics.count('AlertUnmatched');
      deps.logger.info('alert ignored after its rechecks', { ...keys, reason: resolution.reason, parkedOn: resolution.assets.flatMap((a) => a.ids.map((id) => `${a.kind} ${id}`)) });
    } else {
      deps.logger.info('alert ignored', { ...keys, reason: resolution.reason });
    }
  };

  /** A failed check: logged, and its message made visible again after {@link waitAfterFailedCheck} (SQS counts the receive). */
  const retryLater = async (record: SQSRecord, error: unknown, keys: Record<string, unknown>): Promise<void> => {
    const receiveCount = receiveCountOf(record);
    const wait = waitAfterFailedCheck(error, receiveCount);
    const { errorClass, reason } = describeFailure(error);
    deps.logger.warn('alert check failed: tried again later', { ...keys, errorClass, reason, receiveCount, retryInSeconds: wait });
    // If this fails, the message comes back after the queue's visibility timeout: later, never lost.
    await deps.messages.changeVisibility(record, wait).catch(() => undefined);
  };

  return async (event, context) => processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}
