import { parseFleetExternalIds } from '../lambdas/shared/fleet-external-ids';
import type { ScenarioContext } from './scenario';

/**
 * The fleet simulator's route for one of our orders, found by the ids dispatch wrote into its external ids
 * (lambdas/shared/fleet-external-ids.ts): its Samsara id, usable wherever the simulator takes a route
 * reference, and our shipment id. The most recent route wins when the order has several shipments.
 */
export function fleetRouteOfOrder(ctx: ScenarioContext, orderId: string): { id: string; shipmentId: string } {
  const { routes } = ctx.sandbox.simulators!.fleet.snapshot() as { routes: { id: string; externalIds: Record<string, string> }[] };
  for (const route of [...routes].reverse()) {
    const ids = parseFleetExternalIds(route.externalIds);
    if (ids.orderId === orderId && ids.shipmentId) return { id: route.id, shipmentId: ids.shipmentId };
  }
  throw new Error(`the fleet has no route for ${orderId}`);
}
