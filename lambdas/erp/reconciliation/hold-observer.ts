import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { createCanonicalValidator } from '../../shared/canonical-validation';
import { RejectedByTargetError } from '../../shared/errors';
import { qualityHoldReleasedV1 } from '../../shared/generated/canonical-validators.js';
import type { InFlightShipment, ShipmentSnapshot } from '../../shared/reconciliation/sweep-plan';
import type { SystemObserver } from '../../shared/reconciliation/sweep-runner';
import { holdReleasedFact } from '../inbound/cloudevents';
import { mapErpQualityHold, validateErpQualityHold } from '../inbound/generic-erp';
import type { ErpHoldSource } from '../erp-port';

const validate = createCanonicalValidator({ 'quality-hold.released': { '1': qualityHoldReleasedV1 } });

/**
 * The ERP sweep's view of a shipment: each quality hold its view still shows active, read from the ERP
 * (`GET /quality-holds/{holdId}`, the resource the ERP's `quality-hold.released` CloudEvent carries as its data).
 * A hold the ERP has released maps, through the webhook's own mapper, to the `quality-hold.released` the lost
 * CloudEvent would have produced, with its id (`holdReleasedFact`) and its occurrence time (the hold's `releasedAt`).
 */
export class ErpHoldObserver implements SystemObserver {
  constructor(private readonly holds: ErpHoldSource) {}

  async observe(_shipment: InFlightShipment, snapshot: ShipmentSnapshot | undefined, receivedAt: string): Promise<CanonicalDetail[]> {
    const events: CanonicalDetail[] = [];
    for (const { holdId } of (snapshot?.holds ?? []).filter((h) => h.status === 'active')) {
      const body = await this.holds.readQualityHold(holdId);
      if (body === undefined) throw new RejectedByTargetError(`the ERP has no quality hold ${holdId}`, 404);
      if (!validateErpQualityHold(body)) throw new RejectedByTargetError(`the ERP's quality hold ${holdId} does not match its contract`, 422);
      if (!body.releasedAt) continue;
      const mapped = mapErpQualityHold(body);
      const event = buildCanonicalEvent({
        eventType: 'quality-hold.released',
        system: 'erp',
        vendor: 'generic-erp',
        vendorEventId: holdReleasedFact(holdId),
        fact: holdReleasedFact(holdId),
        occurredAt: mapped.occurredAt ?? receivedAt,
        receivedAt,
        refs: mapped.refs,
        data: mapped.data,
      }) as CanonicalDetail;
      const result = validate(event);
      if (!result.ok) throw new RejectedByTargetError(`the quality hold ${holdId} maps to an invalid quality-hold.released: ${result.errors.join('; ')}`, 422);
      events.push(event);
    }
    return events;
  }
}
