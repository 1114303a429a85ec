import { randomUUID } from 'node:crypto';
import {
  SimHttpError,
  SimValidationError,
  VendorSimulator,
  asObject,
  json,
  optionalDateArg,
  requiredString,
  signedAtOption,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
  type WebhookDelivery,
  safeEqual,
} from './common';
import type { ContractCheck } from '../../contracts/contract';
import { sensorTemperatures, trailerResource, trailerStats } from './fleet-assets';
import { addVehicle, defaultFleetSeed, findTrailer, type FleetSeed, type NewVehicleInput } from './fleet-organisation';
import { proofOfDeliveryData, routeResponse, routeStopData, type SamsaraRoute } from './fleet-payloads';
import { FleetRoutes, type StopRef } from './fleet-routes';
import { temperatureAlertIncident, type TemperatureAlertOptions } from './fleet-alerts';
import { motiveWebhook, samsaraWebhook, type SamsaraEventOptions } from './fleet-webhooks';
import { isBase64Secret } from './signing';

export interface FleetCredentials {
  /** Bearer token of the Samsara API. */
  apiToken: string;
}

export const DEFAULT_FLEET_CREDENTIALS: FleetCredentials = { apiToken: 'samsara-sandbox-api-token' };

export interface FleetSimulatorOptions extends SimulatorOptions {
  /** Samsara webhook secret, base64 (decoded before use as the HMAC key). */
  samsaraSecret: string;
  /** Motive shared secret (HMAC-SHA1). @default - Motive webhooks cannot be sent */
  motiveSecret?: string;
  credentials?: Partial<FleetCredentials>;
  /** Where Samsara webhooks go (our `/webhooks/fleet/samsara`). @default - unset */
  samsaraWebhookUrl?: string;
  /** Where Motive webhooks go (our `/webhooks/fleet/motive`). @default - unset */
  motiveWebhookUrl?: string;
  /** `orgId` of the envelope and X-Samsara-Org-Id. @default 20936 */
  orgId?: number;
  /** `webhookId` of the envelope. @default '1411751028848270' */
  webhookId?: string;
  /** The organisation's assets and address book. @default defaultFleetSeed() */
  seed?: FleetSeed;
  /**
   * Create Route requests per minute before 429 (Samsara: 100 requests/min per organisation,
   * contracts/samsara/README.md). @default 100
   */
  createRouteLimitPerMinute?: number;
  /**
   * Retrieve a trailer (`GET /fleet/trailers/{id}`) requests per second before 429 (Samsara: "Rate limit: 5 requests/sec",
   * the SDK's doc comment on GetTrailerAsync,
   * https://github.com/samsarahq/samsara-dotnet/blob/fb1d5df15e96bd6950831ff273fd0a21fb3e0f7c/src/Samsara.Net/Trailers/ITrailersClient.cs;
   * `x-rate-limit` of `getTrailer` in contracts/samsara/openapi.json). @default 5
   */
  getTrailerLimitPerSecond?: number;
}

export interface ProofOfDeliveryOptions extends SamsaraEventOptions {
  /** @default 'M. Jansen' */
  recipientName?: string;
  /** @default - `at` */
  deliveredAt?: Date;
  /** Temperature recorded on the POD form. @default 5.4 */
  temperatureCelsius?: number;
}

const ORG_ID = 20936;
const MINUTE = 60_000;

/**
 * A Samsara fleet, written from Samsara's contract (contracts/samsara/openapi.json, enforced on every request):
 * the Routes API (`POST /fleet/routes`, `GET /fleet/routes/{id}`), trailers (`GET /fleet/trailers/{id}`,
 * `GET /fleet/trailers/stats`), sensors (`POST /v1/sensors/temperature`), the organisation's vehicles, trailers,
 * drivers and address book, and the driver's side of the trip as signed webhooks 2.0 (route stop departure and
 * arrival, documents, alert incidents), plus a Motive-style sender. The Routes API's rules are in fleet-routes.ts,
 * trailers and sensors in fleet-assets.ts, the organisation in fleet-organisation.ts, temperature alerts in
 * fleet-alerts.ts, the webhooks' envelopes and signatures in fleet-webhooks.ts.
 */
export class FleetSimulator extends VendorSimulator {
  readonly credentials: FleetCredentials;
  readonly orgId: number;
  private readonly webhookId: string;
  private readonly routes: FleetRoutes;
  private seed: FleetSeed;
  private readonly createRouteLimit: WindowLimit;
  private readonly getTrailerLimit: WindowLimit;

  constructor(private readonly fleetOptions: FleetSimulatorOptions) {
    super('fleet', fleetOptions);
    if (!isBase64Secret(fleetOptions.samsaraSecret)) throw new Error('samsaraSecret must be a base64 string (the Samsara webhook secret as shown by Samsara)');
    this.credentials = { ...DEFAULT_FLEET_CREDENTIALS, ...fleetOptions.credentials };
    this.orgId = fleetOptions.orgId ?? ORG_ID;
    this.webhookId = fleetOptions.webhookId ?? '1411751028848270';
    this.seed = structuredClone(fleetOptions.seed ?? defaultFleetSeed(this.now()));
    this.routes = new FleetRoutes(() => this.seed);
    this.declareWebhookDialects({ samsara: fleetOptions.samsaraWebhookUrl, motive: fleetOptions.motiveWebhookUrl });
    this.enforceContract('samsara');
    this.createRouteLimit = new WindowLimit('Create Route', fleetOptions.createRouteLimitPerMinute ?? 100, MINUTE, 'min');
    this.getTrailerLimit = new WindowLimit('Retrieve a trailer', fleetOptions.getTrailerLimitPerSecond ?? 5, 1000, 'sec');

    this.route('POST', '/fleet/routes', (req) => this.createRouteRequest(req));
    this.route('GET', '/fleet/routes/:id', (req) => json(200, { data: routeResponse(this.findRoute(req.params.id)) }));
    this.route('GET', '/fleet/trailers/stats', (req) => trailerStats(req, this.seed));
    this.route('GET', '/fleet/trailers/:id', (req) => this.limited(this.getTrailerLimit) ?? json(200, { data: trailerResource(findTrailer(this.seed, req.params.id)) }));
    this.route('POST', '/v1/sensors/temperature', (req) => sensorTemperatures(req, this.seed));

    const common = (args: Record<string, unknown>): SamsaraEventOptions => ({
      ...signedAtOption(args),
      ...(optionalDateArg(args, 'at') ? { at: optionalDateArg(args, 'at') } : {}),
      ...(args.eventId !== undefined ? { eventId: requiredString(args, 'eventId') } : {}),
    });
    const stopArg = (args: Record<string, unknown>): StopRef | undefined => {
      const stop = args.stop;
      if (stop === undefined || typeof stop === 'number' || typeof stop === 'string') return stop;
      throw new SimValidationError(`stop must be an index or a stop id, got ${JSON.stringify(stop)}`);
    };
    this.action('createRoute', (args) => this.createRoute(args));
    this.action('addVehicle', (args) =>
      this.addVehicle({
        erpVehicleId: requiredString(args, 'erpVehicleId'),
        ...(args.erpTrailerId !== undefined ? { erpTrailerId: requiredString(args, 'erpTrailerId') } : {}),
        ...(typeof args.reeferCelsius === 'number' ? { reeferCelsius: args.reeferCelsius } : {}),
      }),
    );
    this.action('assignRoute', (args) =>
      this.assignRoute(requiredString(args, 'route'), {
        ...(args.vehicleId !== undefined ? { vehicleId: requiredString(args, 'vehicleId') } : {}),
        ...(args.driverId !== undefined ? { driverId: requiredString(args, 'driverId') } : {}),
      }),
    );
    this.action('departStop', (args) => this.departStop(requiredString(args, 'route'), stopArg(args), common(args)));
    this.action('arriveAtStop', (args) => this.arriveAtStop(requiredString(args, 'route'), stopArg(args), common(args)));
    this.action('updateEta', (args) => {
      const eta = optionalDateArg(args, 'eta');
      if (!eta) throw new SimValidationError('eta is required');
      return this.updateEta(requiredString(args, 'route'), eta, stopArg(args), common(args));
    });
    this.action('submitProofOfDelivery', (args) =>
      this.submitProofOfDelivery(requiredString(args, 'route'), stopArg(args), {
        ...common(args),
        ...(args.recipientName !== undefined ? { recipientName: requiredString(args, 'recipientName') } : {}),
        ...(typeof args.temperatureCelsius === 'number' ? { temperatureCelsius: args.temperatureCelsius } : {}),
      }),
    );
    this.action('raiseTemperatureAlert', (args) =>
      this.raiseTemperatureAlert(requiredString(args, 'route'), {
        ...common(args),
        ...(typeof args.temperatureCelsius === 'number' ? { temperatureCelsius: args.temperatureCelsius } : {}),
        ...(typeof args.durationMinutes === 'number' ? { durationMinutes: args.durationMinutes } : {}),
        ...(typeof args.resolved === 'boolean' ? { resolved: args.resolved } : {}),
        ...(args.trigger === 'reefer' || args.trigger === 'ambient' ? { trigger: args.trigger } : {}),
      }),
    );
    this.action('sendSamsara', (args) => this.sendSamsara(requiredString(args, 'eventType'), asObject(args.data, 'data'), common(args)));
    this.action('sendMotive', (args) => this.sendMotive(requiredString(args, 'action'), asObject(args.attributes ?? {}, 'attributes'), signedAtOption(args)));
  }

  // ------------------------------------------------------------ routes (fleet-routes.ts)

  /** Creates a route as `POST /fleet/routes` does, by Samsara's rules (fleet-routes.ts); in-process, a dispatcher creating it in Samsara. */
  createRoute(input: unknown): SamsaraRoute {
    return this.routes.create(input);
  }

  /** An administrator adds a vehicle (and its coupled reefer trailer) to the organisation (fleet-organisation.ts `addVehicle`). */
  addVehicle(input: NewVehicleInput): ReturnType<typeof addVehicle> {
    return addVehicle(this.seed, input, this.now());
  }

  /** A dispatcher assigns a route to a vehicle or a driver in Samsara (route-stop webhooks need an assigned route). */
  assignRoute(routeRef: string, to: { vehicleId?: string; driverId?: string }): SamsaraRoute {
    return this.routes.assign(routeRef, to);
  }

  /** A route by id, or by one of its external ids written `key:value` (as Samsara's API accepts). */
  findRoute(routeRef: string): SamsaraRoute {
    return this.routes.find(routeRef);
  }

  // ------------------------------------------------------------ driver-side events (webhooks)

  /** The vehicle leaves a stop (default: the first, i.e. the DC): RouteStopDeparture. */
  departStop(routeRef: string, stopRef: StopRef = 0, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.routes.assigned(routeRef);
    const stop = this.routes.findStop(route, stopRef);
    const at = (options.at ?? this.now()).toISOString();
    stop.actualDepartureTime = at;
    stop.state = 'departed';
    if (route.stops[0] === stop) route.actualRouteStartTime = at;
    const next = route.stops[route.stops.indexOf(stop) + 1];
    if (next && next.state === 'scheduled') Object.assign(next, { state: 'en route', enRouteTime: at });
    return this.sendSamsara('RouteStopDeparture', routeStopData(route, stop, 'stop departed', at), options);
  }

  /** The vehicle reaches a stop (default: the last): RouteStopArrival. */
  arriveAtStop(routeRef: string, stopRef: StopRef = -1, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.routes.assigned(routeRef);
    const stop = this.routes.findStop(route, stopRef);
    const at = (options.at ?? this.now()).toISOString();
    stop.actualArrivalTime = at;
    stop.state = 'arrived';
    if (route.stops.at(-1) === stop) route.actualRouteEndTime = at;
    // Samsara's documented examples carry "stop departed" in `operation` for arrivals too; it is not relied on.
    return this.sendSamsara('RouteStopArrival', routeStopData(route, stop, 'stop arrived', at), options);
  }

  /**
   * The ETA of a stop (default: the last) changes: RouteStopEtaUpdated. Samsara publishes no payload for this event
   * type; the simulator sends the route-stop shape (our assumption, contracts/samsara/README.md).
   */
  updateEta(routeRef: string, eta: Date, stopRef: StopRef = -1, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.routes.assigned(routeRef);
    const stop = this.routes.findStop(route, stopRef);
    stop.eta = eta.toISOString();
    return this.sendSamsara('RouteStopEtaUpdated', routeStopData(route, stop, 'stop departed', (options.at ?? this.now()).toISOString()), options);
  }

  /** The driver submits a proof-of-delivery document at a stop (default: the last): DocumentSubmitted. */
  submitProofOfDelivery(routeRef: string, stopRef: StopRef = -1, options: ProofOfDeliveryOptions = {}): Promise<WebhookDelivery> {
    const route = this.routes.assigned(routeRef);
    const stop = this.routes.findStop(route, stopRef);
    const at = options.at ?? this.now();
    const documentId = `${route.driver?.id ?? '0'}_${at.getTime()}`;
    stop.documents.push({ id: documentId, name: 'Proof of Delivery' });
    return this.sendSamsara(
      'DocumentSubmitted',
      proofOfDeliveryData({
        documentId,
        createdAtTime: at.toISOString(),
        route,
        stop,
        recipientName: options.recipientName ?? 'M. Jansen',
        deliveredAt: (options.deliveredAt ?? at).toISOString(),
        temperatureCelsius: options.temperatureCelsius ?? 5.4,
      }),
      options,
    );
  }

  /**
   * The load on a route's vehicle warms up (default 11.5 °C for 25 minutes): the reefer of the trailer coupled to
   * the vehicle (or its cargo sensor) reports the temperature from now on, and Samsara sends an AlertIncident as it
   * does — naming the driver, trailer and vehicle (`reeferTemperature`) or the sensor (`ambientTemperature`), never
   * the route, the shipment or the reading.
   */
  raiseTemperatureAlert(routeRef: string, options: TemperatureAlertOptions = {}): Promise<WebhookDelivery> {
    const route = this.routes.assigned(routeRef);
    const at = options.at ?? this.now();
    const data = temperatureAlertIncident(route, this.seed, { ...options, at, orgId: this.orgId });
    return this.sendSamsara(
      'AlertIncident',
      data,
      options,
    );
  }

  /** Sends any Samsara webhooks 2.0 event with this `data`, signed the Samsara way. */
  sendSamsara(eventType: string, data: unknown, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    return this.emit(
      samsaraWebhook(eventType, data, {
        orgId: this.orgId,
        webhookId: this.webhookId,
        secret: this.fleetOptions.samsaraSecret,
        eventTime: (options.at ?? this.now()).toISOString(),
        ...(options.eventId ? { eventId: options.eventId } : {}),
        ...(options.signedAt ? { signedAt: options.signedAt } : {}),
      }),
    );
  }

  /**
   * Sends a Motive-style webhook: JSON `{ action, ...attributes }`, X-KT-Webhook-Signature = hex
   * HMAC-SHA1 of the body. Motive signs no timestamp, so `signedAt` changes nothing in the signature.
   */
  sendMotive(action: string, attributes: Record<string, unknown> = {}, options: { signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const secret = this.fleetOptions.motiveSecret;
    if (!secret) throw new SimHttpError(409, 'no_motive_secret', 'fleet simulator has no Motive secret');
    return this.emit(motiveWebhook(action, attributes, secret, options.signedAt));
  }

  /** Motive `vehicle_location_updated` for the route's vehicle (attribute names are our assumption). */
  sendMotiveLocationUpdate(routeRef: string, location: { lat: number; lon: number; at?: Date }): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
    return this.sendMotive('vehicle_location_updated', {
      id: this.routes.nextId(),
      vehicle_id: route.vehicle?.id,
      vehicle_number: route.vehicle?.name,
      lat: location.lat,
      lon: location.lon,
      located_at: (location.at ?? this.now()).toISOString(),
    });
  }

  snapshot(): unknown {
    return { routes: this.routes.all(), ...this.seed };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.routes.clear();
    this.createRouteLimit.clear();
    this.getTrailerLimit.clear();
    this.seed = structuredClone(this.fleetOptions.seed ?? defaultFleetSeed(this.now()));
  }

  protected authenticate(req: SimRequest): SimResponse | undefined {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (match && safeEqual(match[1], this.credentials.apiToken)) return undefined;
    return this.errorResponse(401, 'unauthorized', 'Unauthorized');
  }

  /** Samsara's error shape: `{ message, requestId }` (the SDK's error response bodies). */
  protected errorResponse(status: number, _code: string, message: string, headers?: Record<string, string>): SimResponse {
    return json(status, { message, requestId: randomUUID() }, headers);
  }

  /** An invalid request: 400 ("General client error, possibly malformed data", Samsara's response-codes page). */
  protected override contractViolation(check: ContractCheck): SimResponse {
    return this.errorResponse(400, 'invalid_request', `Invalid request: ${check.errors.join('; ')}`);
  }

  // ------------------------------------------------------------ internals

  private createRouteRequest(req: SimRequest): SimResponse {
    // Create Route is limited to 100 requests/min per organisation (the SDK's doc comment on CreateRouteAsync).
    return this.limited(this.createRouteLimit) ?? json(200, { data: routeResponse(this.routes.create(req.body)) });
  }

  /**
   * A 429 with `Retry-After` (seconds, may be fractional: https://developers.samsara.com/docs/rate-limits) when the
   * endpoint's limit is spent; else the call counts.
   */
  private limited(limit: WindowLimit): SimResponse | undefined {
    const retryAfter = limit.take(this.now().getTime());
    if (retryAfter === undefined) return undefined;
    return this.errorResponse(429, 'rate_limited', `${limit.operation} is limited to ${limit.limit} requests/${limit.unit}`, { 'retry-after': retryAfter.toFixed(3) });
  }
}

/** One endpoint's rate limit: at most `limit` calls in any `windowMs`, per organisation. */
class WindowLimit {
  private calls: number[] = [];

  constructor(
    readonly operation: string,
    readonly limit: number,
    private readonly windowMs: number,
    readonly unit: string,
  ) {}

  clear(): void {
    this.calls = [];
  }

  /** Counts a call at `now`; or, when the window is full, the seconds until it has room (the call is not counted). */
  take(now: number): number | undefined {
    this.calls = this.calls.filter((t) => t > now - this.windowMs);
    if (this.calls.length >= this.limit) return Math.max(0.001, (this.calls[0]! + this.windowMs - now) / 1000);
    this.calls.push(now);
    return undefined;
  }
}
