import { numberEnv, requireEnv } from '../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError } from '../shared/errors';
import { routeExternalIds, routeExternalRef, stopExternalIds } from '../shared/fleet-external-ids';
import { HttpJsonClient, seg } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import type { FleetPort, NewRoute } from './fleet-port';

/** A route as the Samsara-shaped Routes API returns it (only the fields we read). */
interface RouteResponse {
  data?: { id?: unknown; stops?: { id?: unknown }[] };
}

/**
 * The fleet platform's Routes API over HTTP (Samsara-shaped; implements {@link FleetPort}).
 *
 * `POST {base}/fleet/routes` with a Bearer API token. The route and every stop carry our ids in
 * `externalIds`, one unique value each (lambdas/shared/fleet-external-ids.ts), which is how fleet webhooks
 * find their way back to the order and shipment. The fleet API enforces unique external id values: when it
 * refuses a second route for the same shipment (Samsara is believed to answer 400; 409 and 422 are treated
 * alike), the existing route is read back by external id (`GET /fleet/routes/{key}:{value}`) and returned, so
 * dispatching twice yields one route.
 */
export class FleetClient implements FleetPort {
  constructor(
    private readonly http: HttpJsonClient,
    private readonly credentials: CredentialsSource<{ apiToken: string }>,
  ) {}

  async createRoute(route: NewRoute, idempotencyKey: string): Promise<{ routeId: string; stopIds: string[] }> {
    const body = {
      name: route.name,
      externalIds: routeExternalIds(route.orderId, route.shipmentId),
      stops: route.stops.map((stop, index) => ({
        name: stop.name,
        ...(stop.address ? { singleUseLocation: { address: stop.address } } : {}),
        ...(stop.scheduledArrivalTime ? { scheduledArrivalTime: stop.scheduledArrivalTime } : {}),
        externalIds: stopExternalIds(route.orderId, route.shipmentId, index),
      })),
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

  private async findByShipment(route: NewRoute, headers: Record<string, string>): Promise<{ routeId: string; stopIds: string[] } | undefined> {
    const key = routeExternalRef(route.orderId, route.shipmentId);
    try {
      const { body } = await this.http.request<RouteResponse>({ method: 'GET', path: `/fleet/routes/${seg(key)}`, headers });
      return toRoute(body);
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

function toRoute(response: RouteResponse | undefined): { routeId: string; stopIds: string[] } {
  const id = response?.data?.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new UpstreamUnavailableError('fleet API answered without a route id');
  const stopIds = (response?.data?.stops ?? []).map((s) => s.id).filter((s) => typeof s === 'string' || typeof s === 'number').map(String);
  return { routeId: String(id), stopIds };
}

/**
 * The fleet client for a Lambda: base URL from `API_BASE_URL`, the API token from the JSON secret named
 * by `SECRET_NAME` (`apiToken`), timeout from `HTTP_TIMEOUT_MS`, pacing from `HTTP_MIN_INTERVAL_MS`.
 */
export function createFleetClientFromEnv(): FleetClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({
    target: 'fleet',
    baseUrl: requireEnv('API_BASE_URL'),
    timeoutMs: numberEnv('HTTP_TIMEOUT_MS', 8000),
    minIntervalMs: numberEnv('HTTP_MIN_INTERVAL_MS', 0),
  });
  return new FleetClient(http, secretFieldsFromSecretsManager(secretName, ['apiToken']));
}
