import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ValidationError } from '../../shared/errors';
import type { EventPublisher } from '../../shared/event-publisher';
import { decideOnFailure, type BackoffPolicy } from '../../shared/outbound/decisions';
import { deadLetterAttributes, describeFailure } from '../../shared/outbound/failures';
import { receiveCountOf } from '../../shared/outbound/message';
import type { MessageOps } from '../../shared/outbound/queue-ops';
import type { AdapterLogger } from '../../shared/outbound/runner';
import type { BcReadBackRequest } from './notifications';
import { bcReadBack, type BcMappingOptions, type BcSalesOrderReader } from './read-back';

/** Parses a BC read-back message; a malformed one is a ValidationError (dead-lettered at once). Pure. */
export function parseBcReadBackRequest(body: string): BcReadBackRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ValidationError('the read-back message is not JSON', 'body');
  }
  const r = value as Partial<BcReadBackRequest> | null;
  if (r?.kind !== 'bc-sales-order-read-back' || typeof r.companyId !== 'string' || typeof r.salesOrder !== 'string' || typeof r.notification?.lastModifiedDateTime !== 'string' || typeof r.receivedAt !== 'string') {
    throw new ValidationError('the read-back message is not a Business Central sales order read-back request', 'body');
  }
  return r as BcReadBackRequest;
}

export interface BcReadBackDependencies {
  readonly reader: BcSalesOrderReader;
  readonly publisher: EventPublisher;
  readonly messages: MessageOps;
  readonly logger: AdapterLogger;
  readonly metrics: { count(name: 'BcOrdersReleased' | 'BcOrdersNotReleased' | 'BcReadBackDeadLettered'): void };
  readonly mapping: BcMappingOptions;
  readonly settings: { readonly maxReceiveCount: number; readonly queueUrl: string; readonly backoff: BackoffPolicy };
  readonly clock?: () => Date;
  readonly random?: () => number;
}

/**
 * The BC read-back function's SQS batch handler: per message, read the sales order (or the collection) through
 * API v2.0 and publish `order.released` for the released ones. As the SAP read-back: 404, 4xx, an order that
 * cannot be mapped and a malformed message go to the DLQ at once with the reason (`lsync dlq` shows it); 5xx,
 * timeouts and throttling are retried with backoff, then dead-lettered with the reason. Nothing is dropped.
 */
export function createBcReadBackHandler(deps: BcReadBackDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const { logger, metrics, settings } = deps;

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let request: BcReadBackRequest | undefined;
    try {
      request = parseBcReadBackRequest(record.body);
      logger.appendKeys({ salesOrder: request.salesOrder, vendorEventId: request.metadata.eventId });
      const result = await bcReadBack(deps.reader, request, deps.mapping);
      for (const reason of result.notReleased) {
        metrics.count('BcOrdersNotReleased');
        logger.info('sales order not released for fulfilment: nothing published', { reason });
      }
      if (result.events.length > 0) {
        await deps.publisher.publish(result.events);
        for (const event of result.events) {
          metrics.count('BcOrdersReleased');
          logger.info('sales order read back: order.released published', { eventId: event.metadata.eventId });
        }
      }
    } catch (error) {
      const failure = describeFailure(error);
      const receiveCount = receiveCountOf(record);
      const decision = !request || failure.kind === 'permanent' ? ({ action: 'dead-letter' } as const) : decideOnFailure(failure, { receiveCount, maxReceiveCount: settings.maxReceiveCount }, settings.backoff, random());
      logger.warn('Business Central read-back failed', { errorClass: failure.errorClass, reason: failure.reason, receiveCount, decision: decision.action });
      if (decision.action === 'dead-letter') {
        await deps.messages.deadLetter(record, deadLetterAttributes(record, failure, settings.queueUrl, clock()));
        metrics.count('BcReadBackDeadLettered');
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
