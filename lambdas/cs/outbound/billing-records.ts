import type { CorrelationStore } from '../../indexer/correlation-store';
import type { PodLookup } from './cs-outbound';

/** The proof of delivery from the correlation ledger: the earliest `pod.captured` of the shipment in the correlation's timeline. */
export class LedgerPodLookup implements PodLookup {
  constructor(private readonly store: Pick<CorrelationStore, 'timeline'>) {}

  async proofOfDelivery(correlationId: string, shipmentId: string): Promise<{ documentId?: string; capturedAt: string } | undefined> {
    const pod = (await this.store.timeline(correlationId)).find((e) => e.eventType === 'pod.captured' && (!e.refs.shipmentId || e.refs.shipmentId === shipmentId));
    if (!pod) return undefined;
    const documentId = typeof pod.facts.documentId === 'string' ? pod.facts.documentId : undefined;
    return { capturedAt: pod.occurredAt, ...(documentId ? { documentId } : {}) };
  }
}
