import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import type { EventPublisher } from '../../shared/event-publisher';
import { orderReleasedV2 } from '../../shared/generated/canonical-validators.js';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { createReadBackBatchHandler, type ReadBackBatchDependencies } from './batch';
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
  validateOrThrow(orderReleasedV2 as SchemaValidator<unknown>, event, `the order.released mapped from sales order ${request.salesOrder} is invalid`);
  return { outcome: 'published', event };
}

export interface ReadBackDependencies extends ReadBackBatchDependencies {
  readonly reader: SalesOrderReader;
  readonly publisher: EventPublisher;
  readonly metrics: { count(name: 'SapOrdersReleased' | 'SapOrdersNotReleased' | 'SapReadBackDeadLettered'): void };
}

/**
 * The SAP read-back function's SQS batch handler (queue `erp-sap-read-back`). Per message: read
 * `A_SalesOrder`, publish `order.released` when released, log the reason otherwise. Failures as every ERP
 * read-back (batch.ts): non-retryable ones (404 not found, 4xx, an order that cannot be mapped, a malformed
 * message) go to the DLQ at once with the reason; 5xx, timeouts and throttling are retried with backoff and
 * dead-lettered with the reason on the last attempt. Nothing is dropped.
 */
export function createSapReadBackHandler(deps: ReadBackDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { logger, metrics } = deps;
  return createReadBackBatchHandler<SapReadBackRequest>(
    {
      vendor: 'SAP',
      parse: parseReadBackRequest,
      logKeys: (request) => ({ salesOrder: request.salesOrder, vendorEventId: request.event.id }),
      async process(request) {
        const result = await readBack(deps.reader, request);
        if (result.outcome === 'not-released') {
          metrics.count('SapOrdersNotReleased');
          logger.info('sales order not released for fulfilment: nothing published', { reason: result.reason });
          return;
        }
        await deps.publisher.publish([result.event]);
        metrics.count('SapOrdersReleased');
        logger.info('sales order read back: order.released published', { eventId: result.event.metadata.eventId });
      },
      deadLettered: () => metrics.count('SapReadBackDeadLettered'),
    },
    deps,
  );
}
