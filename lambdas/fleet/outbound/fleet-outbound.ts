import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import type { CanonicalMessage } from '../../shared/outbound/message';
import type { ActionContext, ActionOutcome, OutboundTarget } from '../../shared/outbound/runner';
import type { TemperatureRequirement } from '../../shared/generated/canonical-types';
import type { CreatedRoute, FleetPort, NewRoute, NewRouteStop, StopLocation } from '../fleet-port';

export interface CreateRouteAction {
  readonly operation: 'create-route';
  /**
   * The fleet system creates one route per shipment (FleetPort.createRoute: it refuses a second route with the same
   * external ids, and the client returns the existing one). No Powertools record (docs/cost.md).
   */
  readonly guardedByTarget: true;
  readonly route: NewRoute;
  readonly customerId?: string;
  /** The trailer the order names: Samsara routes carry no trailer, so it travels on `shipment.dispatched` only. */
  readonly trailerId?: string;
  /** The load's temperature requirement, recorded with the vehicle and trailer assignment. */
  readonly temperature?: TemperatureRequirement;
}

/**
 * The shipment id for an order released without one (pure). Convention: one shipment per released order,
 * `SO-1001` → `SHP-1001-01` (a leading `SO-` is dropped). The id travels to the fleet system in the route's
 * `externalIds`, so every fleet webhook for the route carries it back.
 */
export function shipmentIdForOrder(orderId: string): string {
  return `SHP-${orderId.replace(/^SO-/i, '')}-01`;
}

type Location = {
  name?: unknown;
  locationId?: unknown;
  address?: { line1?: unknown; line2?: unknown; city?: unknown; postalCode?: unknown; countryCode?: unknown };
  coordinates?: { latitude?: unknown; longitude?: unknown };
};

interface ReleasedOrderData {
  shipFrom?: Location;
  shipTo?: Location;
  deliveryWindow?: { from?: unknown; to?: unknown };
  assignment?: { vehicleId?: unknown; trailerId?: unknown; driverId?: unknown };
  temperature?: TemperatureRequirement;
}

/** How the fleet adapter places stops (from the stage config, `systems.fleet`). */
export interface FleetPlanSettings {
  /**
   * The external id key under which the fleet system's address book knows the ERP's location ids, e.g.
   * `erp.location`: a location without coordinates becomes the stop `addressId: "erp.location:<locationId>"`.
   * @default - every stop needs coordinates
   */
  readonly addressBookKey?: string;
}

function locationName(location: Location | undefined, fallback: string): string {
  if (typeof location?.name === 'string' && location.name) return location.name;
  if (typeof location?.locationId === 'string' && location.locationId) return location.locationId;
  return fallback;
}

/** A one-line postal address for the fleet system's single-use location (pure). */
export function formatAddress(location: Location | undefined): string | undefined {
  const a = location?.address;
  if (!a) return undefined;
  const cityLine = [a.postalCode, a.city].filter((p) => typeof p === 'string' && p).join(' ');
  const parts = [a.line1, a.line2, cityLine, a.countryCode].filter((p) => typeof p === 'string' && p);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * Where a stop is, as Samsara accepts it (pure): the location's coordinates as a single-use location, else
 * its ERP location id as an address-book external id, else a ValidationError naming the field (the message
 * is dead-lettered with that reason: a route without a place cannot be created).
 */
export function stopLocation(location: Location, field: 'shipFrom' | 'shipTo', settings: FleetPlanSettings): StopLocation {
  const { latitude, longitude } = location.coordinates ?? {};
  if (typeof latitude === 'number' && typeof longitude === 'number') {
    const address = formatAddress(location);
    return { kind: 'coordinates', latitude, longitude, ...(address ? { address } : {}) };
  }
  if (settings.addressBookKey && typeof location.locationId === 'string' && location.locationId) {
    return { kind: 'address-book', addressId: `${settings.addressBookKey}:${location.locationId}` };
  }
  throw new ValidationError(
    settings.addressBookKey
      ? `order.released ${field} has neither coordinates nor a locationId: the fleet system needs one to place the stop`
      : `order.released ${field} has no coordinates (set systems.fleet.addressBookExternalIdKey to place stops by the fleet address book instead)`,
    `data.${field}.coordinates`,
  );
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The fleet actions a canonical event asks for (pure): `order.released` → create a route from the ship-from
 * location to the ship-to location. The first stop is scheduled to depart when the release was accepted
 * (Samsara's default start condition `departFirstStop` needs a departure time on it); the delivery stop is
 * scheduled to arrive at the start of the delivery window (`arriveLastStop` needs an arrival time on it). The
 * route is assigned to the vehicle the order names, else its driver (route-stop webhooks are sent for assigned
 * routes); without either a dispatcher assigns it in Samsara. Every other event → nothing.
 */
export function planFleetActions(message: CanonicalMessage, settings: FleetPlanSettings = {}): CreateRouteAction[] {
  const { metadata, refs, data } = message.detail;
  if (metadata.eventType !== 'order.released') return [];
  const orderId = refs.orderId;
  if (!orderId) throw new ValidationError('order.released has no orderId', 'refs.orderId');
  const d = data as ReleasedOrderData;
  if (!d.shipFrom) throw new ValidationError('order.released has no shipFrom (a route needs a first stop)', 'data.shipFrom');
  if (!d.shipTo) throw new ValidationError('order.released has no shipTo', 'data.shipTo');
  const shipmentId = refs.shipmentId ?? shipmentIdForOrder(orderId);
  const departure = new Date(Date.parse(metadata.receivedAt)).toISOString();
  // The delivery stop arrives at the start of the delivery window, else its end; when both are past, Samsara
  // recomputes every time but the first stop's (the arrival it needs is then a placeholder it overrides).
  const window = [text(d.deliveryWindow?.from), text(d.deliveryWindow?.to)];
  const planned = window.find((t): t is string => t !== undefined && Date.parse(t) > Date.parse(departure));
  const arrival = planned ? new Date(Date.parse(planned)).toISOString() : departure;
  const stops: NewRouteStop[] = [
    { name: locationName(d.shipFrom, 'origin'), location: stopLocation(d.shipFrom, 'shipFrom', settings), scheduledDepartureTime: departure },
    { name: locationName(d.shipTo, 'delivery'), location: stopLocation(d.shipTo, 'shipTo', settings), scheduledArrivalTime: arrival },
  ];
  const vehicleId = text(d.assignment?.vehicleId);
  const driverId = text(d.assignment?.driverId);
  const trailerId = text(d.assignment?.trailerId);
  // A Samsara route is assigned to a vehicle or to a driver, not both: the vehicle, which the alerts name.
  const assignment = vehicleId ? { vehicleId } : driverId ? { driverId } : undefined;
  return [
    {
      operation: 'create-route',
      guardedByTarget: true,
      customerId: refs.customerId,
      route: {
        name: `${orderId} ${locationName(d.shipTo, 'delivery')}`.slice(0, 100),
        orderId,
        shipmentId,
        stops,
        ...(assignment ? { assignment } : {}),
        ...(planned ? {} : { recomputeScheduledTimes: true }),
      },
      ...(trailerId ? { trailerId } : {}),
      ...(d.temperature ? { temperature: d.temperature } : {}),
    },
  ];
}

/**
 * `shipment.dispatched` confirming the route the fleet system created (pure; deterministic id per shipment and route).
 * It happened now, or, for a route already under way when we learn of it (its creation's answer was lost and the
 * message dead-lettered, then redriven after the truck left), no later than the trip's start: the index dates the
 * shipment's asset assignments from it, and a temperature alert raised on the trip must find the shipment.
 */
export function shipmentDispatchedEvent(cause: CanonicalDetail, action: CreateRouteAction, created: CreatedRoute, now: Date): CanonicalDetail {
  const routeId = created.routeId;
  const occurredAt = created.startedAt && created.startedAt < now.toISOString() ? created.startedAt : now.toISOString();
  const first = action.route.stops[0];
  const last = action.route.stops.at(-1);
  // The fleet system's own ids when it reports the assignment, else what we asked for.
  const assigned = action.route.assignment;
  const vehicleId = created.vehicleId ?? (assigned && 'vehicleId' in assigned ? assigned.vehicleId : undefined);
  const driverId = created.driverId ?? (assigned && 'driverId' in assigned ? assigned.driverId : undefined);
  return buildCanonicalEvent({
    eventType: 'shipment.dispatched',
    system: 'fleet',
    vendor: 'samsara',
    vendorEventId: `route-created-${action.route.shipmentId}-${routeId}`,
    occurredAt,
    receivedAt: now.toISOString(),
    refs: { ...cause.refs, orderId: action.route.orderId, shipmentId: action.route.shipmentId, routeId },
    correlationId: cause.metadata.correlationId,
    causationId: cause.metadata.eventId,
    data: {
      plannedDepartureAt: first?.scheduledDepartureTime ?? now.toISOString(),
      ...(last?.scheduledArrivalTime ? { plannedArrivalAt: last.scheduledArrivalTime } : {}),
      ...(vehicleId ? { vehicleId } : {}),
      ...(driverId ? { driverId } : {}),
      ...(action.trailerId ? { trailerId: action.trailerId } : {}),
      ...(action.temperature ? { temperature: action.temperature } : {}),
      stopCount: action.route.stops.length,
      stopSequence: action.route.stops.length,
    },
  });
}

/** The fleet side of the outbound adapter: dispatch = create the route in the fleet system. */
export class FleetOutbound implements OutboundTarget<CreateRouteAction> {
  readonly target = 'fleet' as const;

  constructor(
    private readonly fleet: FleetPort,
    private readonly settings: FleetPlanSettings = {},
  ) {}

  plan(message: CanonicalMessage): CreateRouteAction[] {
    return planFleetActions(message, this.settings);
  }

  async execute(action: CreateRouteAction, message: CanonicalMessage, context: ActionContext): Promise<ActionOutcome> {
    const created = await this.fleet.createRoute(action.route, context.idempotencyKey);
    const routeId = created.routeId;
    // Alerts and sensors name a trailer by Samsara's id: record that one when Samsara knows the order's trailer.
    const trailerId = action.trailerId ? ((await this.fleet.trailerId(action.trailerId)) ?? action.trailerId) : undefined;
    const now = context.now();
    // Dispatch confirmation latency: from our accepting the release to the fleet system confirming the route.
    const releasedAt = Date.parse(message.detail.metadata.receivedAt);
    if (Number.isFinite(releasedAt)) context.metrics.milliseconds('DispatchConfirmationLatency', now.getTime() - releasedAt);
    await context.publish([shipmentDispatchedEvent(message.detail, { ...action, ...(trailerId ? { trailerId } : {}) }, created, now)]);
    return { outcome: 'done', routeId };
  }
}
