import type { CorrelationStore } from '../../indexer/correlation-store';
import type { BillingRecords } from './cs-outbound';

/** A shipment's proof of delivery from the correlation ledger (the correlation's timeline), for the CS invoice note. */
export class LedgerBillingRecords implements BillingRecords {
  constructor(private readonly store: Pick<CorrelationStore, 'timeline'>) {}

  /** The earliest `pod.captured` of the shipment. */
  async proofOfDelivery(correlationId: string, shipmentId: string): Promise<{ documentId?: string; capturedAt: string } | undefined> {
    const pod = (await this.store.timeline(correlationId)).find((e) => e.eventType === 'pod.captured' && (!e.refs.shipmentId || e.refs.shipmentId === shipmentId));
    if (!pod) return undefined;
    const documentId = typeof pod.facts.documentId === 'string' ? pod.facts.documentId : undefined;
    return { capturedAt: pod.occurredAt, ...(documentId ? { documentId } : {}) };
  }

  /** The shipment the earliest `invoice.posted` of this invoice named, as the index recorded it. */
  async invoicedShipment(correlationId: string, invoiceId: string): Promise<string | undefined> {
    return (await this.store.timeline(correlationId)).find((e) => e.eventType === 'invoice.posted' && e.refs.invoiceId === invoiceId && e.refs.shipmentId)?.refs.shipmentId;
  }
}
