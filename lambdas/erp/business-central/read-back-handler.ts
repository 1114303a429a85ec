import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import type { EventPublisher } from '../../shared/event-publisher';
import { createReadBackBatchHandler, type ReadBackBatchDependencies } from '../read-back/batch';
import { BC_READ_BACK_KINDS, bcDocumentOf, type BcReadBackRequest } from './notifications';
import { bcReadBack, type BcMappingOptions, type BcSalesOrderReader } from './read-back';
import { bcCreditMemoReadBack, type BcSalesCreditMemoReader } from './read-back-credit-memo';
import { bcInvoiceReadBack, type BcSalesInvoiceReader } from './read-back-invoice';

/** Parses a BC read-back message; a malformed one is a ValidationError (dead-lettered at once). Pure. */
export function parseBcReadBackRequest(body: string): BcReadBackRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ValidationError('the read-back message is not JSON', 'body');
  }
  const r = value as (Partial<BcReadBackRequest> & Record<string, unknown>) | null;
  const kind = typeof r?.kind === 'string' && Object.hasOwn(BC_READ_BACK_KINDS, r.kind) ? BC_READ_BACK_KINDS[r.kind as BcReadBackRequest['kind']] : undefined;
  const document = kind ? r![kind.field] : undefined;
  if (!kind || typeof r!.companyId !== 'string' || typeof document !== 'string' || typeof r!.notification?.lastModifiedDateTime !== 'string' || typeof r!.receivedAt !== 'string') {
    throw new ValidationError('the read-back message is not a Business Central sales order, sales invoice or sales credit memo read-back request', 'body');
  }
  return r as BcReadBackRequest;
}

export type BcReadBackMetric = 'BcOrdersReleased' | 'BcOrdersNotReleased' | 'BcInvoicesPosted' | 'BcInvoicesNotPosted' | 'BcReadBackDeadLettered';

export interface BcReadBackDependencies extends ReadBackBatchDependencies {
  readonly reader: BcSalesOrderReader & BcSalesInvoiceReader & BcSalesCreditMemoReader;
  readonly publisher: EventPublisher;
  readonly metrics: { count(name: BcReadBackMetric): void };
  readonly mapping: BcMappingOptions;
}

/**
 * The BC read-back function's SQS batch handler: per message, read the sales order or sales invoice (or the
 * collection) through API v2.0 and publish `order.released` for the released orders, `invoice.posted` for the
 * posted invoices; log why the others publish nothing. Failures as every ERP read-back (../read-back/batch.ts): 404,
 * 4xx, a document that cannot be mapped and a malformed message go to the DLQ at once with the reason (`lsync dlq`
 * shows it); 5xx, timeouts and throttling are retried with backoff, then dead-lettered with the reason.
 */
export function createBcReadBackHandler(deps: BcReadBackDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { logger, metrics } = deps;
  /** Publishes a read-back's invoice.posted events (invoices and credit memos alike), and says why the others publish nothing. */
  const announce = async (result: { events: CanonicalDetail<object>[]; notPosted: string[] }, document: string): Promise<void> => {
    for (const reason of result.notPosted) {
      metrics.count('BcInvoicesNotPosted');
      logger.info(`${document} not posted (or not for an order of ours): nothing published`, { reason });
    }
    if (result.events.length === 0) return;
    await deps.publisher.publish(result.events);
    for (const event of result.events) {
      metrics.count('BcInvoicesPosted');
      logger.info(`${document} read back: invoice.posted published`, { eventId: event.metadata.eventId });
    }
  };
  return createReadBackBatchHandler<BcReadBackRequest>(
    {
      vendor: 'Business Central',
      parse: parseBcReadBackRequest,
      logKeys: (request) => ({ [BC_READ_BACK_KINDS[request.kind].field]: bcDocumentOf(request), vendorEventId: request.metadata.eventId }),
      async process(request) {
        const { noun } = BC_READ_BACK_KINDS[request.kind];
        if (request.kind === 'bc-sales-credit-memo-read-back') return announce(await bcCreditMemoReadBack(deps.reader, request), noun);
        if (request.kind === 'bc-sales-invoice-read-back') return announce(await bcInvoiceReadBack(deps.reader, request), noun);
        const result = await bcReadBack(deps.reader, request, deps.mapping, (deps.clock ?? (() => new Date()))());
        for (const reason of result.notReleased) {
          metrics.count('BcOrdersNotReleased');
          logger.info('sales order not released for fulfilment: nothing published', { reason });
        }
        if (result.events.length === 0) return;
        await deps.publisher.publish(result.events);
        for (const event of result.events) {
          metrics.count('BcOrdersReleased');
          logger.info('sales order read back: order.released published', { eventId: event.metadata.eventId });
        }
      },
      deadLettered: () => metrics.count('BcReadBackDeadLettered'),
    },
    deps,
  );
}
