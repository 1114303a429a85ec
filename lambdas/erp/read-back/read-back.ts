import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import type { EventPublisher } from '../../shared/event-publisher';
import { orderReleasedV1 } from '../../shared/generated/canonical-validators.js';
import { decideOnFailure, type BackoffPolicy } from '../../shared/outbound/decisions';
import { deadLetterAttributes, describeFailure } from '../../shared/outbound/failures';
import { receiveCountOf } from '../../shared/outbound/message';
import type { MessageOps } from '../../shared/outbound/queue-ops';
import type { AdapterLogger } from '../../shared/outbound/runner';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { decodeSapSalesOrderEntity, mapSapSalesOrder, releaseDecision, type SalesOrderReader, type SapReadBackRequest } from '../inbound/sap-s4hana';

/** What one read-back decided. */
export type ReadBackOutcome = { readonly outcome: 'published'; readonly event: CanonicalDetail<object> } | { readonly outcome: 'not-released'; readonly reason: string };

/** Parses a read-back message body; a malformed one is a ValidationError (dead-lettered at once). Pure. */
export function parseReadBackRequest(body: string): SapReadBackRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ValidationError('the read-back message is not JSON', 'body');
  }
  const r = value as Partial<SapReadBackRequest> | null;
  if (
    r?.kind !== 'sap-sales-order-read-back' ||
    typeof r.salesOrder !== 'string' ||
    r.salesOrder === '' ||
    typeof r.event?.id !== 'string' ||
    typeof r.event.source !== 'string' ||
    typeof r.event.type !== 'string' ||
    typeof r.receivedAt !== 'string'
  ) {
    throw new ValidationError('the read-back message is not an SAP sales order read-back request', 'body');
  }
  return r as SapReadBackRequest;
}

/**
 * Reads the sales order back and builds `order.released` when it is released for fulfilment. A sales order
 * the service does not have (404), or one that cannot be mapped, throws (non-retryable: the handler
 * dead-letters it with the reason); transport errors and 5xx throw retryable errors.
 */
export async function readBack(reader: SalesOrderReader, request: SapReadBackRequest): Promise<ReadBackOutcome> {
  const order = decodeSapSalesOrderEntity(await reader.getSalesOrder(request.salesOrder));
  if (order.SalesOrder !== request.salesOrder) {
    throw new ValidationError(`API_SALES_ORDER_SRV answered sales order ${order.SalesOrder} when asked for ${request.salesOrder}`, 'salesOrder.SalesOrder');
  }
  const decision = releaseDecision(order);
  if (!decision.released) return { outcome: 'not-released', reason: decision.reason };
  const mapped = mapSapSalesOrder(order);
  const event = buildCanonicalEvent({
    eventType: 'order.released',
    system: 'erp',
    vendor: 'sap-s4hana',
    vendorEventId: request.event.id,
    occurredAt: mapped.occurredAt ?? request.event.time ?? request.receivedAt,
    receivedAt: request.receivedAt,
    refs: mapped.refs,
    data: mapped.data,
  });
  validateOrThrow(orderReleasedV1 as SchemaValidator<unknown>, event, `the order.released mapped from sales order ${request.salesOrder} is invalid`);
  return { outcome: 'published', event };
}

export interface ReadBackDependencies {
  readonly reader: SalesOrderReader;
  readonly publisher: EventPublisher;
  readonly messages: MessageOps;
  readonly logger: AdapterLogger;
  readonly metrics: { count(name: 'SapOrdersReleased' | 'SapOrdersNotReleased' | 'SapReadBackDeadLettered'): void };
  readonly settings: { readonly maxReceiveCount: number; readonly queueUrl: string; readonly backoff: BackoffPolicy };
  readonly clock?: () => Date;
  readonly random?: () => number;
}

/**
 * The SAP read-back function's SQS batch handler (queue `erp-sap-read-back`). Per message: read
 * `A_SalesOrder`, publish `order.released` when released, log the reason otherwise. Non-retryable failures
 * (404 not found, 4xx, an order that cannot be mapped, a malformed message) go to the DLQ at once with the
 * reason in the `lsync-error-*` attributes that `lsync dlq` shows; 5xx, timeouts and throttling are retried
 * with backoff and dead-lettered with the reason on the last attempt. Nothing is dropped.
 */
export function createSapReadBackHandler(deps: ReadBackDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const { logger, metrics, settings } = deps;

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let request: SapReadBackRequest | undefined;
    try {
      request = parseReadBackRequest(record.body);
      logger.appendKeys({ salesOrder: request.salesOrder, vendorEventId: request.event.id });
      const result = await readBack(deps.reader, request);
      if (result.outcome === 'not-released') {
        metrics.count('SapOrdersNotReleased');
        logger.info('sales order not released for fulfilment: nothing published', { reason: result.reason });
        return;
      }
      await deps.publisher.publish([result.event]);
      metrics.count('SapOrdersReleased');
      logger.info('sales order read back: order.released published', { eventId: result.event.metadata.eventId });
    } catch (error) {
      const failure = describeFailure(error);
      const receiveCount = receiveCountOf(record);
      const decision = !request || failure.kind === 'permanent' ? ({ action: 'dead-letter' } as const) : decideOnFailure(failure, { receiveCount, maxReceiveCount: settings.maxReceiveCount }, settings.backoff, random());
      logger.warn('SAP read-back failed', { errorClass: failure.errorClass, reason: failure.reason, receiveCount, decision: decision.action });
      if (decision.action === 'dead-letter') {
        await deps.messages.deadLetter(record, deadLetterAttributes(record, failure, settings.queueUrl, clock()));
        metrics.count('SapReadBackDeadLettered');
        return;
      }
      if (decision.action === 'hold') {
        await deps.messages.requeue(record, decision.delaySeconds, {});
        return;
      }
      await deps.messages.changeVisibility(record, decision.visibilitySeconds).catch(() => undefined);
      throw new Error(`${failure.errorClass}: retry in ${decision.visibilitySeconds} s`, { cause: error });
    } finally {
      logger.removeKeys(['salesOrder', 'vendorEventId']);
    }
  };

  return async (event, context) => processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
}
