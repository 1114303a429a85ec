import { numberEnv, requireEnv } from '../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError } from '../shared/errors';
import { routeExternalIds, routeExternalRef, stopExternalIds } from '../shared/fleet-external-ids';
import { HttpJsonClient, seg } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import type { CreatedRoute, FleetPort, FleetRouteSource, NewRoute, NewRouteStop, RouteRead } from './fleet-port';

/** A route as the Samsara Routes API returns it (only the fields we read; contracts/samsara/openapi.json). */
interface RouteResponse {
  data?: { id?: unknown; stops?: { id?: unknown }[]; vehicle?: { id?: unknown }; driver?: { id?: unknown }; actualRouteStartTime?: unknown };
}

/** One stop of a Create Route request: exactly one of `addressId` and `singleUseLocation`. */
function stopBody(stop: NewRouteStop, externalIds: Record<string, string>): Record<string, unknown> {
  const where =
    stop.location.kind === 'coordinates'
      ? { singleUseLocation: { latitude: stop.location.latitude, longitude: stop.location.longitude, ...(stop.location.address ? { address: stop.location.address } : {}) } }
      : { addressId: stop.location.addressId };
  return {
    name: stop.name,
    ...where,
    ...(stop.scheduledArrivalTime ? { scheduledArrivalTime: stop.scheduledArrivalTime } : {}),
    ...(stop.scheduledDepartureTime ? { scheduledDepartureTime: stop.scheduledDepartureTime } : {}),
    externalIds,
  };
}

/**
 * The Samsara Routes API over HTTP (implements {@link FleetPort}; contract: contracts/samsara/openapi.json).
 *
 * `POST {base}/fleet/routes` with a Bearer API token. Each stop is a single-use location (coordinates) or an
 * address-book address, the first one scheduled to depart, the route assigned to the planned vehicle and
 * driver when the order names them. The route and every stop carry our ids in `externalIds`, one unique
 * value each (lambdas/shared/fleet-external-ids.ts), which is how fleet webhooks find their way back to the
 * order and shipment. Samsara enforces unique external id values: when it refuses a second route for the
 * same shipment (400; 409 and 422 are treated alike), the existing route is read back by external id
 * (`GET /fleet/routes/{key}:{value}`) and returned, so dispatching twice yields one route.
 */
export class FleetClient implements FleetPort, FleetRouteSource {
  constructor(
    private readonly http: HttpJsonClient,
    private readonly credentials: CredentialsSource<{ apiToken: string }>,
  ) {}

  async createRoute(route: NewRoute, idempotencyKey: string): Promise<CreatedRoute> {
    const body = {
      name: route.name,
      externalIds: routeExternalIds(route.orderId, route.shipmentId),
      ...route.assignment,
      ...(route.recomputeScheduledTimes ? { recomputeScheduledTimes: true } : {}),
      stops: route.stops.map((stop, index) => stopBody(stop, stopExternalIds(route.orderId, route.shipmentId, index))),
    };
    const headers = await this.authorization();
    try {
      const { body: created } = await this.http.request<RouteResponse>({ method: 'POST', path: '/fleet/routes', json: body, headers, idempotencyKey });
      return toRoute(created);
    } catch (error) {
      // Refused: maybe because a route with these external ids exists (a re-released order, a lost
      // response). Return that route; if there is none, the refusal stands.
      if (error instanceof RejectedByTargetError && [400, 409, 422].includes(error.status)) {
        const existing = await this.findByShipment(route, headers);
        if (existing) return existing;
      }
      throw error;
    }
  }

  private async findByShipment(route: NewRoute, headers: Record<string, string>): Promise<CreatedRoute | undefined> {
    const key = routeExternalRef(route.orderId, route.shipmentId);
    try {
      const { body } = await this.http.request<RouteResponse>({ method: 'GET', path: `/fleet/routes/${seg(key)}`, headers });
      return toRoute(body);
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }

  async trailerId(ref: string): Promise<string | undefined> {
    try {
      const { body } = await this.http.request<{ data?: { id?: unknown } }>({ method: 'GET', path: `/fleet/trailers/${seg(ref)}`, headers: await this.authorization() });
      return isId(body?.data?.id) ? String(body.data.id) : undefined;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }

  async readRoute(routeId: string): Promise<RouteRead | undefined> {
    try {
      const { body } = await this.http.request<{ data?: RouteRead }>({ method: 'GET', path: `/fleet/routes/${seg(routeId)}`, headers: await this.authorization() });
      return body?.data;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async authorization(): Promise<Record<string, string>> {
    const { apiToken } = await this.credentials();
    return { authorization: `Bearer ${apiToken}` };
  }
}

const isId = (value: unknown): value is string | number => (typeof value === 'string' && value !== '') || typeof value === 'number';

function toRoute(response: RouteResponse | undefined): CreatedRoute {
  const id = response?.data?.id;
  if (!isId(id)) throw new UpstreamUnavailableError('fleet API answered without a route id');
  const stopIds = (response?.data?.stops ?? []).map((s) => s.id).filter(isId).map(String);
  const vehicleId = response?.data?.vehicle?.id;
  const driverId = response?.data?.driver?.id;
  // "Actual start time, if it exists, for the route in RFC 3339 format" (Samsara route object, contracts/samsara).
  const started = response?.data?.actualRouteStartTime;
  const startedAt = typeof started === 'string' && !Number.isNaN(Date.parse(started)) ? new Date(started).toISOString() : undefined;
  return {
    routeId: String(id),
    stopIds,
    ...(isId(vehicleId) ? { vehicleId: String(vehicleId) } : {}),
    ...(isId(driverId) ? { driverId: String(driverId) } : {}),
    ...(startedAt ? { startedAt } : {}),
  };
}

/**
 * The fleet client for a Lambda: base URL from `API_BASE_URL`, the API token from the JSON secret named
 * by `SECRET_NAME` (`apiToken`), timeout from `HTTP_TIMEOUT_MS`, pacing from `HTTP_MIN_INTERVAL_MS` (lookups from
 * `HTTP_LOOKUP_MIN_INTERVAL_MS` when set: Samsara limits each endpoint apart).
 */
export function createFleetClientFromEnv(): FleetClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({
    target: 'fleet',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS'),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS'),
    lookupMinIntervalMs: numberEnv('HTTP_LOOKUP_MIN_INTERVAL_MS'),
  });
  return new FleetClient(http, secretFieldsFromSecretsManager(secretName, ['apiToken']));
}
