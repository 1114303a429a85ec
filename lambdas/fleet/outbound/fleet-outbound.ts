import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import type { CanonicalMessage } from '../../shared/outbound/message';
import type { ActionContext, ActionOutcome, OutboundTarget } from '../../shared/outbound/runner';
import type { FleetPort, NewRoute } from '../fleet-port';

export interface CreateRouteAction {
  readonly operation: 'create-route';
  readonly route: NewRoute;
  readonly customerId?: string;
}

/**
 * The shipment id for an order released without one (pure). Convention: one shipment per released order,
 * `SO-1001` → `SHP-1001-01` (a leading `SO-` is dropped). The id travels to the fleet system in the route's
 * `externalIds`, so every fleet webhook for the route carries it back.
 */
export function shipmentIdForOrder(orderId: string): string {
  return `SHP-${orderId.replace(/^SO-/i, '')}-01`;
}

type Location = { name?: unknown; locationId?: unknown; address?: { line1?: unknown; line2?: unknown; city?: unknown; postalCode?: unknown; countryCode?: unknown } };

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
 * The fleet actions a canonical event asks for (pure): `order.released` → create a route from the ship-from
 * location to the ship-to location, arriving at the start of the delivery window. Every other event → nothing.
 */
export function planFleetActions(message: CanonicalMessage): CreateRouteAction[] {
  const { metadata, refs, data } = message.detail;
  if (metadata.eventType !== 'order.released') return [];
  const orderId = refs.orderId;
  if (!orderId) throw new ValidationError('order.released has no orderId', 'refs.orderId');
  const d = data as { shipFrom?: Location; shipTo?: Location; deliveryWindow?: { from?: unknown } };
  if (!d.shipTo) throw new ValidationError('order.released has no shipTo', 'data.shipTo');
  const shipmentId = refs.shipmentId ?? shipmentIdForOrder(orderId);
  const deliveryFrom = typeof d.deliveryWindow?.from === 'string' ? d.deliveryWindow.from : undefined;
  const stops: NewRoute['stops'] = [];
  if (d.shipFrom) stops.push({ name: locationName(d.shipFrom, 'origin'), address: formatAddress(d.shipFrom) });
  stops.push({ name: locationName(d.shipTo, 'delivery'), address: formatAddress(d.shipTo), scheduledArrivalTime: deliveryFrom });
  return [
    {
      operation: 'create-route',
      customerId: refs.customerId,
      route: { name: `${orderId} ${locationName(d.shipTo, 'delivery')}`.slice(0, 100), orderId, shipmentId, stops },
    },
  ];
}

/** `shipment.dispatched` confirming the route the fleet system created (pure; deterministic id per shipment and route). */
export function shipmentDispatchedEvent(cause: CanonicalDetail, action: CreateRouteAction, routeId: string, now: Date): CanonicalDetail {
  return buildCanonicalEvent({
    eventType: 'shipment.dispatched',
    system: 'fleet',
    vendor: 'samsara',
    vendorEventId: `route-created-${action.route.shipmentId}-${routeId}`,
    occurredAt: now.toISOString(),
    receivedAt: now.toISOString(),
    refs: { ...cause.refs, orderId: action.route.orderId, shipmentId: action.route.shipmentId, routeId },
    correlationId: cause.metadata.correlationId,
    causationId: cause.metadata.eventId,
    data: {
      plannedDepartureAt: now.toISOString(),
      stopCount: action.route.stops.length,
      stopSequence: action.route.stops.length,
    },
  });
}

/** The fleet side of the outbound adapter: dispatch = create the route in the fleet system. */
export class FleetOutbound implements OutboundTarget<CreateRouteAction> {
  readonly target = 'fleet' as const;

  constructor(private readonly fleet: FleetPort) {}

  plan(message: CanonicalMessage): CreateRouteAction[] {
    return planFleetActions(message);
  }

  async execute(action: CreateRouteAction, message: CanonicalMessage, context: ActionContext): Promise<ActionOutcome> {
    const { routeId } = await this.fleet.createRoute(action.route, context.idempotencyKey);
    const now = context.now();
    // Dispatch confirmation latency: from our accepting the release to the fleet system confirming the route.
    const releasedAt = Date.parse(message.detail.metadata.receivedAt);
    if (Number.isFinite(releasedAt)) context.metrics.milliseconds('DispatchConfirmationLatency', now.getTime() - releasedAt);
    await context.publish([shipmentDispatchedEvent(message.detail, action, routeId, now)]);
    return { outcome: 'done', routeId };
  }
}
