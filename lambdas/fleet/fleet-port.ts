/**
 * Port to the fleet platform's dispatch API (Samsara Routes API). `fleet-client.ts` implements it.
 * Route and stop `externalIds` carry our ids (see lambdas/shared/fleet-external-ids.ts).
 */

/**
 * Where a stop is, in one of the two forms Samsara accepts (exactly one per stop,
 * https://developers.samsara.com/docs/route-locations): a single-use location, which needs coordinates, or an
 * address of the fleet system's address book, referred to by its id or an external id `key:value`.
 */
export type StopLocation =
  | { readonly kind: 'coordinates'; readonly latitude: number; readonly longitude: number; /** Shown to the driver. */ readonly address?: string }
  | { readonly kind: 'address-book'; /** Samsara address id, or an external id written `key:value`. */ readonly addressId: string };

export interface NewRouteStop {
  readonly name: string;
  readonly location: StopLocation;
  readonly scheduledArrivalTime?: string;
  readonly scheduledDepartureTime?: string;
}

export interface NewRoute {
  readonly name: string;
  readonly orderId: string;
  readonly shipmentId: string;
  /** At least two: Samsara refuses a route with fewer. */
  readonly stops: readonly NewRouteStop[];
  /**
   * The asset the route is assigned to: a vehicle or a driver, never both (Samsara: "A route can be assigned to
   * either a driver or a vehicle but not to both"); fleet-system ids (Samsara id or external id `key:value`).
   * Without one the route is created unassigned.
   */
  readonly assignment?: { readonly vehicleId: string } | { readonly driverId: string };
  /** Let the fleet system compute the times of every stop but the first (the delivery window has already begun). */
  readonly recomputeScheduledTimes?: boolean;
}

/** The route as the fleet system confirmed it. */
export interface CreatedRoute {
  readonly routeId: string;
  readonly stopIds: string[];
  /** The assignment the fleet system reports (its own ids), when the route is assigned. */
  readonly vehicleId?: string;
  readonly driverId?: string;
  /**
   * When the trip began (Samsara `actualRouteStartTime`), if it has: a route found again after a lost answer or a
   * redrive of its creation may be under way already, and the shipment was on the truck since then at the latest.
   */
  readonly startedAt?: string;
}

export interface FleetPort {
  /**
   * Creates the route, or returns the existing one with the same external ids: one route per shipment however often
   * it is asked (Samsara refuses a second object with an external id value already used). The outbound adapter relies
   * on it and keeps no idempotency record of its own for this call.
   */
  createRoute(route: NewRoute, idempotencyKey: string): Promise<CreatedRoute>;
  /**
   * The fleet system's own id of a trailer named by its id or an external id `key:value`; undefined when the
   * fleet system does not know it. Alerts and sensors name trailers by that id.
   */
  trailerId(ref: string): Promise<string | undefined>;
}

/**
 * A route as the Routes API returns it (`GET /fleet/routes/{id}`, contracts/samsara/openapi.json): its stops with
 * their actual arrival and departure times and external ids, and the vehicle it is assigned to. Only the fields the
 * reconciliation sweep maps (lambdas/fleet/inbound/samsara.ts `routeStopMilestones`).
 */
export interface RouteRead {
  readonly id: string;
  readonly name?: string;
  readonly externalIds?: Readonly<Record<string, string>>;
  readonly stops: readonly {
    readonly id: string;
    readonly name?: string;
    readonly state?: string;
    readonly externalIds?: Readonly<Record<string, string>>;
    readonly scheduledArrivalTime?: string;
    readonly scheduledDepartureTime?: string;
    readonly actualArrivalTime?: string;
    readonly actualDepartureTime?: string;
  }[];
  readonly vehicle?: { readonly id?: string; readonly name?: string; readonly externalIds?: Readonly<Record<string, string>> };
}

/** Port: reads a route's current state (the reconciliation sweep). `fleet-client.ts` implements it. */
export interface FleetRouteSource {
  /** The route, or undefined when the fleet system does not know it (404). */
  readRoute(routeId: string): Promise<RouteRead | undefined>;
}
