/**
 * Port to the fleet platform's dispatch API (Samsara-shaped Routes API). `fleet-client.ts` implements it.
 * Route and stop `externalIds` carry our ids (see lambdas/shared/fleet-external-ids.ts).
 */
export interface NewRoute {
  name: string;
  orderId: string;
  shipmentId: string;
  stops: { name: string; address?: string; scheduledArrivalTime?: string }[];
}

export interface FleetPort {
  /** Creates the route, or returns the existing one with the same external ids. */
  createRoute(route: NewRoute, idempotencyKey: string): Promise<{ routeId: string; stopIds: string[] }>;
}
