import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SystemName } from '../../../registry/systems';
import type { CanonicalDetail } from '../canonical-event';
import { RateLimitedError, RejectedByTargetError, ValidationError } from '../errors';
import type { EventPublisher } from '../event-publisher';
import { deadLetterAttributes, describeFailure, shortReason } from '../outbound/failures';
import { receiveCountOf } from '../outbound/message';
import type { AdapterLogger } from '../outbound/runner';
import {
  addTotals,
  BadSweepMessageError,
  continuation,
  cursorAfter,
  isBehind,
  isStale,
  legacyEntrySuperseded,
  missingEvents,
  parseSweepMessage,
  timelineKeyOf,
  type InFlightShipment,
  type ShipmentSnapshot,
  type SweepMessage,
  type SweepTotals,
} from './sweep-plan';
import type { SweepStore } from './sweep-store';

/**
 * What one system's sweep reads from its vendor: the canonical events the vendor's current state of a shipment
 * stands for, built by the same mappers (and with the same ids) as its webhooks. Throws the error vocabulary of
 * lambdas/shared/errors.ts: `RateLimitedError` pauses the sweep, `RejectedByTargetError` / `ValidationError` mark the
 * shipment unreadable, anything else retries the page.
 */
export interface SystemObserver {
  observe(shipment: InFlightShipment, snapshot: ShipmentSnapshot | undefined, receivedAt: string): Promise<CanonicalDetail[]>;
}

/** Where continuations go (the sweep's own queue) and where hopeless messages go (its DLQ, with the reason). */
export interface SweepQueue {
  send(message: SweepMessage, delaySeconds?: number): Promise<void>;
  deadLetter(record: SQSRecord, attributes: Readonly<Record<string, string>>): Promise<void>;
}

export type SweepMetricName = 'ReconciliationDriftFound' | 'ReconciliationDriftRepaired' | 'ReconciliationUnreadable' | 'ReconciliationSweepBehind';

export interface SweepDependencies {
  readonly system: SystemName;
  readonly observer: SystemObserver;
  readonly store: SweepStore;
  readonly publisher: EventPublisher;
  readonly queue: SweepQueue;
  readonly logger: AdapterLogger;
  readonly metrics: { count(name: SweepMetricName, value: number): void };
  readonly settings: {
    /** Shipments per page (one invocation). */
    readonly pageSize: number;
    /** The sweep's schedule: a sweep still running after it is behind (a metric, a warning). */
    readonly intervalSeconds: number;
    /** A page stops early when less than this is left of the invocation. */
    readonly reserveMs: number;
    readonly queueUrl: string;
  };
  readonly clock?: () => Date;
}

/** SQS caps a message delay at 15 minutes. */
const MAX_DELAY_SECONDS = 900;

/**
 * One page of a sweep: the page of shipments in flight after the message's cursor, each read from the vendor (paced
 * by the client), the missing milestones published, then the continuation sent (last, so a failure before it
 * retries this page rather than skipping it). A page stops early, with a continuation right after the last shipment
 * done, when time runs short or the vendor asks to slow down (then delayed by its `Retry-After`).
 */
export async function sweepPage(deps: SweepDependencies, message: SweepMessage, remainingMs: () => number): Promise<SweepTotals> {
  const clock = deps.clock ?? (() => new Date());
  const { store, settings, logger, metrics } = deps;
  const { shipments, cursor } = await store.page(message.cursor, settings.pageSize);
  const snapshots = await store.snapshots(shipments.map((s) => s.shipmentId));
  let totals: SweepTotals = { shipments: 0, found: 0, repaired: 0, unreadable: 0 };
  let stoppedAfter: { shipment?: InFlightShipment; delaySeconds: number } | undefined;

  for (const [i, shipment] of shipments.entries()) {
    if (remainingMs() < settings.reserveMs) {
      stoppedAfter = { ...(i > 0 ? { shipment: shipments[i - 1]! } : {}), delaySeconds: 0 };
      break;
    }
    const snapshot = snapshots.get(shipment.shipmentId);
    // A legacy entry (versions before 2026-12-06) of a delivered shipment, or of one the `InFlight` index holds now,
    // is dropped; a shipment delivered since the index page was read is skipped.
    if (shipment.legacy && legacyEntrySuperseded(snapshot)) {
      await store.leave(shipment.shipmentId);
      continue;
    }
    if (isStale(snapshot)) continue;
    let observed: CanonicalDetail[];
    try {
      observed = await deps.observer.observe(shipment, snapshot, clock().toISOString());
    } catch (error) {
      if (error instanceof RateLimitedError) {
        stoppedAfter = { ...(i > 0 ? { shipment: shipments[i - 1]! } : {}), delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(1, error.retryAfterSeconds)) };
        break;
      }
      if (error instanceof RejectedByTargetError || error instanceof ValidationError) {
        totals = addTotals(totals, { shipments: 1, unreadable: 1 });
        logger.warn('reconciliation: the vendor cannot tell about this shipment', { shipmentId: shipment.shipmentId, errorClass: error.errorClass, reason: shortReason(error.message) });
        continue;
      }
      throw error;
    }
    const indexed = await store.indexed(observed.map(timelineKeyOf));
    const missing = missingEvents(observed, indexed);
    if (missing.length > 0) {
      logger.info('reconciliation: milestones the index lacks, published as their webhooks would have', {
        shipmentId: shipment.shipmentId,
        correlationId: shipment.correlationId,
        eventIds: missing.map((e) => e.metadata.eventId),
        eventTypes: missing.map((e) => e.metadata.eventType),
      });
      await deps.publisher.publish(missing);
    }
    totals = addTotals(totals, { shipments: 1, found: missing.length, repaired: missing.length });
  }

  metrics.count('ReconciliationDriftFound', totals.found);
  metrics.count('ReconciliationDriftRepaired', totals.repaired);
  if (totals.unreadable > 0) metrics.count('ReconciliationUnreadable', totals.unreadable);
  const sweepTotals = addTotals(message.totals, totals);
  const next = stoppedAfter ? (stoppedAfter.shipment ? cursorAfter(stoppedAfter.shipment) : message.cursor) : cursor;
  if (stoppedAfter || next) {
    // A cut-short first page without progress resumes where it began (no cursor: the start of the list).
    const following = next ? continuation(message, next, sweepTotals) : { ...message, totals: sweepTotals };
    await deps.queue.send(following, stoppedAfter?.delaySeconds ?? 0);
  } else {
    logger.info('reconciliation sweep complete', { system: deps.system, startedAt: message.startedAt, pages: message.page, ...sweepTotals });
  }
  if (isBehind(message, clock(), settings.intervalSeconds)) {
    metrics.count('ReconciliationSweepBehind', 1);
    logger.warn('reconciliation sweep is still running after its interval: missed updates wait longer than promised', { startedAt: message.startedAt, page: message.page });
  }
  return sweepTotals;
}

/**
 * The sweep's SQS handler (batch size 1: one page per invocation). A message that is not a sweep message goes to
 * the DLQ at once with the reason; any other failure leaves the message for SQS to deliver again (the page is
 * repeated: idempotent), and the queue's redrive policy dead-letters it after `maxReceiveCount`.
 */
export function createSweepHandler(deps: SweepDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());
  let context: Context | undefined;

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let message: SweepMessage;
    try {
      message = parseSweepMessage(record.body, deps.system, clock());
    } catch (error) {
      if (!(error instanceof BadSweepMessageError)) throw error;
      deps.logger.warn('not a sweep message: dead-lettered', { reason: error.message, messageId: record.messageId });
      await deps.queue.deadLetter(record, deadLetterAttributes(record, { errorClass: 'BadSweepMessage', reason: error.message }, deps.settings.queueUrl, clock()));
      return;
    }
    try {
      await sweepPage(deps, message, () => context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY);
    } catch (error) {
      const failure = describeFailure(error);
      deps.logger.warn('reconciliation page failed: SQS delivers it again', { page: message.page, errorClass: failure.errorClass, reason: shortReason(failure.reason), receiveCount: receiveCountOf(record) });
      throw error;
    }
  };

  return async (event, ctx) => {
    context = ctx;
    return processPartialResponse(event, recordHandler, processor, { context: ctx, throwOnFullBatchFailure: false });
  };
}
