import type { CanonicalDetail } from '../../shared/canonical-event';
import { RejectedByTargetError } from '../../shared/errors';
import type { InFlightShipment } from '../../shared/reconciliation/sweep-plan';
import type { SystemObserver } from '../../shared/reconciliation/sweep-runner';
import { FLEET_CANONICAL_VALIDATORS } from '../inbound/routes';
import { routeStopMilestones } from '../inbound/samsara';
import type { FleetRouteSource } from '../fleet-port';
import { createCanonicalValidator } from '../../shared/canonical-validation';

const validate = createCanonicalValidator(FLEET_CANONICAL_VALIDATORS);

/**
 * The fleet sweep's view of a shipment: its route read from the fleet API (Samsara `GET /fleet/routes/{id}`), each
 * stop's actual departure and arrival mapped by the Samsara webhook mapper (`routeStopMilestones`), so an event the
 * sweep restores has the id the lost webhook's event would have had. A shipment whose entry names no route yet
 * (dispatch not confirmed) has nothing to read.
 */
export class FleetRouteObserver implements SystemObserver {
  constructor(private readonly routes: FleetRouteSource) {}

  async observe(shipment: InFlightShipment, _snapshot: unknown, receivedAt: string): Promise<CanonicalDetail[]> {
    if (!shipment.routeId) return [];
    const route = await this.routes.readRoute(shipment.routeId);
    if (!route) throw new RejectedByTargetError(`the fleet system has no route ${shipment.routeId}`, 404);
    const events = routeStopMilestones({ ...route, stops: [...route.stops] }, route.vehicle, receivedAt);
    // Held to the canonical schemas as the webhook intake holds them; another shipment's stops on a shared route are not ours.
    return events.filter((event) => {
      if (event.refs.shipmentId !== shipment.shipmentId) return false;
      const result = validate(event);
      if (!result.ok) throw new RejectedByTargetError(`the route ${shipment.routeId} maps to an invalid ${event.metadata.eventType}: ${result.errors.join('; ')}`, 422);
      return true;
    });
  }
}
