import type { CorrelationStore } from '../../indexer/correlation-store';
import type { BillingRecords, PostedInvoice } from './cs-outbound';

/**
 * A shipment's proof of delivery and posted invoices, from the correlation ledger (the correlation's timeline):
 * what the CS adapter notes on the shipment's ticket.
 */
export class LedgerBillingRecords implements BillingRecords {
  constructor(private readonly store: Pick<CorrelationStore, 'timeline'>) {}

  /** The earliest `pod.captured` of the shipment. */
  async proofOfDelivery(correlationId: string, shipmentId: string): Promise<{ documentId?: string; capturedAt: string } | undefined> {
    const pod = (await this.store.timeline(correlationId)).find((e) => e.eventType === 'pod.captured' && (!e.refs.shipmentId || e.refs.shipmentId === shipmentId));
    if (!pod) return undefined;
    const documentId = typeof pod.facts.documentId === 'string' ? pod.facts.documentId : undefined;
    return { capturedAt: pod.occurredAt, ...(documentId ? { documentId } : {}) };
  }

  /** Every `invoice.posted` of the shipment in these correlations, one per invoice (the first event of each). */
  async invoicesPosted(correlationIds: readonly string[], shipmentId: string): Promise<PostedInvoice[]> {
    const invoices = new Map<string, PostedInvoice>();
    const timelines = await Promise.all([...new Set(correlationIds)].map((id) => this.store.timeline(id)));
    for (const e of timelines.flat()) {
      if (e.eventType !== 'invoice.posted' || e.refs.shipmentId !== shipmentId || !e.refs.invoiceId || !e.refs.orderId || invoices.has(e.refs.invoiceId)) continue;
      const amount = typeof e.facts.grossAmount === 'string' ? e.facts.grossAmount : undefined;
      const currency = typeof e.facts.currency === 'string' ? e.facts.currency : undefined;
      invoices.set(e.refs.invoiceId, {
        eventId: e.eventId,
        correlationId: e.correlationId,
        refs: e.refs,
        action: { operation: 'comment-invoice-posted', shipmentId, orderId: e.refs.orderId, invoiceId: e.refs.invoiceId, ...(amount ? { amount } : {}), ...(currency ? { currency } : {}) },
      });
    }
    return [...invoices.values()];
  }
}
