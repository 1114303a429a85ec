import type { CanonicalDetail } from '../../shared/canonical-event';
import { createCanonicalValidator } from '../../shared/canonical-validation';
import { RejectedByTargetError } from '../../shared/errors';
import { caseResolvedV1 } from '../../shared/generated/canonical-validators.js';
import type { InFlightShipment, ShipmentSnapshot } from '../../shared/reconciliation/sweep-plan';
import type { SystemObserver } from '../../shared/reconciliation/sweep-runner';
import type { CaseSource } from '../cs-port';
import { caseResolvedEvent } from '../inbound/case-resolution';

const validate = createCanonicalValidator({ 'case.resolved': { '1': caseResolvedV1 } });

/**
 * The CS sweep's view of a shipment: each case its view still shows open, read from the CS platform (Zendesk: Show
 * Ticket, then List Audits for a Ticket when the ticket is solved or closed; Freshdesk: View a Ticket with its stats).
 * A ticket resolved there maps to the `case.resolved` its lost status webhook would have produced, through the same
 * builder as the webhook's mapper (`caseResolvedEvent`: the fact of the ticket reaching that status at that second), so
 * the restored event and a late webhook share one id. Each resolution of the history is restored (solved, then closed
 * by the platform's automation, are two facts, as they are two webhooks); a ticket whose shipment (Zendesk's
 * `external_id`, Freshdesk's `cf_lsync_shipment_id`) is not this shipment is not this shipment's case.
 */
export class CaseObserver implements SystemObserver {
  constructor(private readonly cases: CaseSource) {}

  async observe(shipment: InFlightShipment, snapshot: ShipmentSnapshot | undefined, receivedAt: string): Promise<CanonicalDetail[]> {
    const events: CanonicalDetail[] = [];
    for (const { caseId } of (snapshot?.cases ?? []).filter((c) => c.status === 'open')) {
      const history = await this.cases.readCaseHistory(caseId);
      if (!history) throw new RejectedByTargetError(`the CS platform has no case ${caseId}`, 404);
      if (history.externalId !== shipment.shipmentId) continue;
      for (const change of history.statusChanges) {
        if (change.status !== 'solved' && change.status !== 'closed') continue;
        const event = caseResolvedEvent({
          vendor: history.vendor,
          ticketId: caseId,
          shipmentId: shipment.shipmentId,
          status: change.status,
          at: change.at,
          ...(history.createdAt ? { createdAt: history.createdAt } : {}),
          vendorEventId: `sweep:${caseId}:${change.status}:${change.at}`,
          receivedAt,
        });
        if (!event) throw new RejectedByTargetError(`the case ${caseId}'s ${change.status} has no valid time (${JSON.stringify(change.at)})`, 422);
        const result = validate(event);
        if (!result.ok) throw new RejectedByTargetError(`the case ${caseId} maps to an invalid case.resolved: ${result.errors.join('; ')}`, 422);
        events.push(event);
      }
    }
    return events;
  }
}
