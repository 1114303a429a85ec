import { SimHttpError, SimValidationError, asObject, notFound, optionalString, optionalTimestamp, requiredString, stringMap } from './common';
import { matchesExternalRef, ref, resolveRef, type FleetSeed } from './fleet-organisation';
import type { SamsaraRoute, SamsaraStop } from './fleet-payloads';

/** A stop by index in the route, by stop id, or by one of its external ids as `key:value`. */
export type StopRef = number | string;

/** The organisation's routes (Samsara's Routes API), created by dispatchers or by `POST /fleet/routes`. */
export class FleetRoutes {
  private readonly routes = new Map<string, SamsaraRoute>();
  private idSeq = 0;

  constructor(private readonly organisation: () => FleetSeed) {}

  clear(): void {
    this.routes.clear();
    this.idSeq = 0;
  }

  all(): SamsaraRoute[] {
    return [...this.routes.values()];
  }

  /**
   * Creates a route as `POST /fleet/routes` does (the contract has checked the request's shape by then; an
   * in-process call is a dispatcher creating it in Samsara). Samsara's rules hold:
   * - an external id value is unique per key across all objects (https://developers.samsara.com/docs/external-ids):
   *   a route or stop reusing a `key:value` held by another route or stop is refused with 400;
   * - `driverId` / `vehicleId` and a stop's `addressId` are a Samsara id or an external id `key:value` of a driver,
   *   vehicle or address the organisation has; anything else is refused with 400 (our assumption: the status for an
   *   unknown reference is not published).
   */
  create(input: unknown): SamsaraRoute {
    const body = asObject(input, 'body');
    const name = requiredString(body, 'name');
    const externalIds = stringMap(body.externalIds, 'externalIds');
    if (!Array.isArray(body.stops) || body.stops.length < 2) throw new SimValidationError('stops must have at least two stops');
    const requested: [string, Record<string, string>][] = [
      ['the route', externalIds],
      ...body.stops.map((raw, index): [string, Record<string, string>] => [`stops[${index}]`, stringMap(asObject(raw, `stops[${index}]`).externalIds, `stops[${index}].externalIds`)]),
    ];
    const taken = this.externalIdOwners();
    for (const [owner, ids] of requested) {
      for (const [key, value] of Object.entries(ids)) {
        const holder = taken.get(`${key}\u0000${value}`);
        if (holder) throw new SimHttpError(400, 'invalid_request', `external id ${key}:${value} of ${owner} is already used by ${holder}`);
        taken.set(`${key}\u0000${value}`, `${owner} of this request`);
      }
    }
    const stops = body.stops.map((raw, index) => this.buildStop(raw, index));
    const driverRef = optionalString(body, 'driverId');
    const vehicleRef = optionalString(body, 'vehicleId');
    if (driverRef && vehicleRef) throw new SimValidationError('a route can be assigned to either a driver or a vehicle but not to both');
    const driver = driverRef ? resolveRef(this.seed.drivers, driverRef, 'driverId') : undefined;
    const vehicle = vehicleRef ? resolveRef(this.seed.vehicles, vehicleRef, 'vehicleId') : undefined;
    const assigned = driver !== undefined || vehicle !== undefined;
    for (const stop of stops) stop.state = assigned ? 'scheduled' : 'unassigned';
    const route: SamsaraRoute = {
      id: this.nextId(),
      name,
      externalIds,
      ...(optionalString(body, 'notes') ? { notes: optionalString(body, 'notes') } : {}),
      ...(driver ? { driver: ref(driver) } : {}),
      ...(vehicle ? { vehicle: ref(vehicle) } : {}),
      settings: { routeStartingCondition: 'departFirstStop', routeCompletionCondition: 'arriveLastStop', ...(body.settings as object | undefined) },
      ...(stops[0].scheduledDepartureTime ?? stops[0].scheduledArrivalTime ? { scheduledRouteStartTime: stops[0].scheduledDepartureTime ?? stops[0].scheduledArrivalTime } : {}),
      ...(stops.at(-1)?.scheduledArrivalTime ? { scheduledRouteEndTime: stops.at(-1)?.scheduledArrivalTime } : {}),
      stops,
    };
    this.routes.set(route.id, route);
    return route;
  }

  /** A dispatcher assigns a route to a vehicle or a driver in Samsara (route-stop webhooks need an assigned route). */
  assign(routeRef: string, to: { vehicleId?: string; driverId?: string }): SamsaraRoute {
    const route = this.find(routeRef);
    if ((to.vehicleId === undefined) === (to.driverId === undefined)) throw new SimValidationError('assign the route to either a vehicle or a driver');
    delete route.vehicle;
    delete route.driver;
    if (to.vehicleId) route.vehicle = ref(resolveRef(this.seed.vehicles, to.vehicleId, 'vehicleId'));
    if (to.driverId) route.driver = ref(resolveRef(this.seed.drivers, to.driverId, 'driverId'));
    for (const stop of route.stops) if (stop.state === 'unassigned') stop.state = 'scheduled';
    return route;
  }

  /** A route by id, or by one of its external ids written `key:value` (as Samsara's API accepts). */
  find(routeRef: string): SamsaraRoute {
    const route = this.routes.get(routeRef) ?? [...this.routes.values()].find((r) => matchesExternalRef(r.externalIds, routeRef));
    if (!route) throw notFound(`route ${routeRef} not found`);
    return route;
  }

  /** A route that is assigned to a vehicle or a driver (409 otherwise). */
  assigned(routeRef: string): SamsaraRoute {
    const route = this.find(routeRef);
    // Samsara documents the route-stop webhooks for routes assigned to a vehicle or a driver.
    if (!route.vehicle && !route.driver) throw new SimHttpError(409, 'route_unassigned', `route ${route.id} is not assigned to a vehicle or a driver: assign it first (assignRoute)`);
    return route;
  }

  private buildStop(raw: unknown, index: number): SamsaraStop {
    const prefix = `stops[${index}].`;
    const stop = asObject(raw, `stops[${index}]`);
    const addressRef = optionalString(stop, 'addressId', prefix);
    const id = this.nextId();
    const scheduledArrivalTime = optionalTimestamp(stop, 'scheduledArrivalTime', prefix);
    const scheduledDepartureTime = optionalTimestamp(stop, 'scheduledDepartureTime', prefix);
    let where: Pick<SamsaraStop, 'address' | 'singleUseLocation'>;
    let fallbackName: string;
    if (addressRef) {
      const address = resolveRef(this.seed.addresses, addressRef, `${prefix}addressId`);
      where = { address: { id: address.id, name: address.name, ...(address.externalIds ? { externalIds: address.externalIds } : {}) } };
      fallbackName = address.name;
    } else {
      const location = asObject(stop.singleUseLocation, `${prefix}singleUseLocation`);
      const address = optionalString(location, 'address', `${prefix}singleUseLocation.`);
      where = { singleUseLocation: { ...(address ? { address } : {}), latitude: location.latitude as number, longitude: location.longitude as number } };
      fallbackName = address ?? `Stop ${index + 1}`;
    }
    return {
      id,
      name: optionalString(stop, 'name', prefix) ?? fallbackName,
      externalIds: stringMap(stop.externalIds, `${prefix}externalIds`),
      ...where,
      ...(optionalString(stop, 'notes', prefix) ? { notes: optionalString(stop, 'notes', prefix) } : {}),
      ...(scheduledArrivalTime ? { scheduledArrivalTime } : {}),
      ...(scheduledDepartureTime ? { scheduledDepartureTime } : {}),
      state: 'scheduled',
      documents: [],
      liveSharingUrl: `https://cloud.samsara.com/fleet/viewer/job/${id}`,
    };
  }

  /** Every external id in use (`key\0value`) → the object holding it. */
  private externalIdOwners(): Map<string, string> {
    const owners = new Map<string, string>();
    for (const route of this.routes.values()) {
      for (const [key, value] of Object.entries(route.externalIds)) owners.set(`${key}\u0000${value}`, `route ${route.id}`);
      for (const stop of route.stops) for (const [key, value] of Object.entries(stop.externalIds)) owners.set(`${key}\u0000${value}`, `stop ${stop.id} of route ${route.id}`);
    }
    return owners;
  }

  /** A stop of the route (404 otherwise). */
  findStop(route: SamsaraRoute, stopRef: StopRef): SamsaraStop {
    const stop = typeof stopRef === 'number' ? route.stops.at(stopRef) : route.stops.find((s) => s.id === stopRef || matchesExternalRef(s.externalIds, stopRef));
    if (!stop) throw notFound(`route ${route.id} has no stop ${String(stopRef)}`);
    return stop;
  }

  /** Samsara ids are numeric strings. */
  nextId(): string {
    return String(4_421_000_000 + ++this.idSeq);
  }

  private get seed(): FleetSeed {
    return this.organisation();
  }
}
