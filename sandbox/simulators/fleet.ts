import { randomUUID } from 'node:crypto';
import {
  SimHttpError,
  SimValidationError,
  VendorSimulator,
  asObject,
  json,
  notFound,
  optionalDateArg,
  optionalString,
  optionalTimestamp,
  requiredString,
  signedAtOption,
  stringMap,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
  type WebhookDelivery,
  safeEqual,
} from './common';
import type { ContractCheck } from '../../contracts/contract';
import {
  alertIncidentData,
  ambientTemperatureDetails,
  proofOfDeliveryData,
  reeferTemperatureDetails,
  routeResponse,
  routeStopData,
  samsaraEnvelope,
  type SamsaraAddress,
  type SamsaraRef,
  type SamsaraRoute,
  type SamsaraSensor,
  type SamsaraStop,
  type SamsaraTrailer,
  type SamsaraVehicle,
} from './fleet-payloads';
import { isBase64Secret, motiveSignature, samsaraSignature, unixSeconds } from './signing';

export interface FleetCredentials {
  /** Bearer token of the Samsara API. */
  apiToken: string;
}

export const DEFAULT_FLEET_CREDENTIALS: FleetCredentials = { apiToken: 'samsara-sandbox-api-token' };

/** The organisation's vehicles, trailers, drivers, sensors and address book: what the Samsara API knows. */
export interface FleetSeed {
  vehicles: SamsaraVehicle[];
  trailers: SamsaraTrailer[];
  drivers: SamsaraRef[];
  sensors: SamsaraSensor[];
  addresses: SamsaraAddress[];
}

/**
 * The simulated organisation. The ERP refers to its assets and sites by external ids (`erp.vehicle`,
 * `erp.trailer`, `erp.driver`, `erp.location`), which is how a fleet administrator ties Samsara objects to the
 * ERP's master data (https://developers.samsara.com/docs/external-ids). Temperatures are in milli-°C, as Samsara's
 * APIs report them; readings are stamped when the seed is made.
 */
export function defaultFleetSeed(now: Date = new Date()): FleetSeed {
  const time = now.toISOString();
  return {
    vehicles: [
      { id: '212014918087523', name: 'Truck 17', serial: 'G7E5GM59H7', externalIds: { 'erp.vehicle': 'TRK-17' } },
      { id: '212014918087524', name: 'Truck 18', serial: 'G7E5GM59H8', externalIds: { 'erp.vehicle': 'TRK-18' } },
      { id: '212014918087525', name: 'Truck 19', serial: 'G7E5GM59H9', externalIds: { 'erp.vehicle': 'TRK-19' } },
      { id: '212014918087526', name: 'Truck 20', serial: 'G7E5GM59J0', externalIds: { 'erp.vehicle': 'TRK-20' } },
      { id: '212014918087527', name: 'Truck 21', serial: 'G7E5GM59J1', externalIds: { 'erp.vehicle': 'TRK-21' } },
    ],
    trailers: [
      { id: '281474977110204', name: 'Reefer RF-204', externalIds: { 'erp.trailer': 'RF-204' }, coupledVehicleId: '212014918087523', reeferReturnAir: { value: 4800, time } },
      { id: '281474977110205', name: 'Reefer RF-205', externalIds: { 'erp.trailer': 'RF-205' }, coupledVehicleId: '212014918087525', reeferReturnAir: { value: -19500, time } },
      { id: '281474977110206', name: 'Reefer RF-206', externalIds: { 'erp.trailer': 'RF-206' }, coupledVehicleId: '212014918087526', reeferReturnAir: { value: 5000, time } },
      { id: '281474977110207', name: 'Reefer RF-207', externalIds: { 'erp.trailer': 'RF-207' }, coupledVehicleId: '212014918087527', reeferReturnAir: { value: 11500, time } },
    ],
    drivers: [
      { id: '45646', name: 'Jan de Vries', externalIds: { 'erp.driver': 'D-5001' } },
      { id: '45647', name: 'Fatima El Amrani', externalIds: { 'erp.driver': 'D-5002' } },
    ],
    sensors: [{ id: 122, name: 'Cargo sensor RF-204', trailerId: '281474977110204', vehicleId: '212014918087523', ambient: { value: 5100, time } }],
    addresses: [
      { id: '12086521', name: 'Central DC Rotterdam', formattedAddress: 'Distributieweg 12, 3088 GA Rotterdam, NL', latitude: 51.8856, longitude: 4.4236, externalIds: { 'erp.location': 'DC-01' } },
      { id: '12086522', name: 'C-77 Utrecht receiving dock', formattedAddress: 'Koelhuisweg 4, 3542 AB Utrecht, NL', latitude: 52.1093, longitude: 5.0708, externalIds: { 'erp.location': 'C-77-DOCK-1' } },
    ],
  };
}

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
}

/** A stop by index in the route, by stop id, or by one of its external ids as `key:value`. */
export type StopRef = number | string;

/** Options of every emitted Samsara event. */
export interface SamsaraEventOptions {
  /** When it happened. @default - now */
  at?: Date;
  /** Sign with this time (e.g. ten minutes ago, for a stale signature). @default - the send time */
  signedAt?: Date;
  /** Envelope eventId. @default - a new UUID */
  eventId?: string;
}

export interface TemperatureAlertOptions extends SamsaraEventOptions {
  /** The load temperature the reefer (or sensor) reports from now on. @default 11.5 */
  temperatureCelsius?: number;
  /** How long the reading has been out of range. @default 25 */
  durationMinutes?: number;
  /** Sends the incident as resolved. @default false */
  resolved?: boolean;
  /**
   * Which trigger fires: the reefer's (the payload names driver, trailer and vehicle) or an ambient temperature
   * sensor's in the trailer (the payload names the sensor). @default 'reefer'
   */
  trigger?: 'reefer' | 'ambient';
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
 * arrival, documents, alert incidents), plus a Motive-style sender.
 */
export class FleetSimulator extends VendorSimulator {
  readonly credentials: FleetCredentials;
  readonly orgId: number;
  private readonly webhookId: string;
  private routes = new Map<string, SamsaraRoute>();
  private idSeq = 0;
  private seed: FleetSeed;
  private createRouteCalls: number[] = [];

  constructor(private readonly fleetOptions: FleetSimulatorOptions) {
    super('fleet', fleetOptions);
    if (!isBase64Secret(fleetOptions.samsaraSecret)) throw new Error('samsaraSecret must be a base64 string (the Samsara webhook secret as shown by Samsara)');
    this.credentials = { ...DEFAULT_FLEET_CREDENTIALS, ...fleetOptions.credentials };
    this.orgId = fleetOptions.orgId ?? ORG_ID;
    this.webhookId = fleetOptions.webhookId ?? '1411751028848270';
    this.seed = structuredClone(fleetOptions.seed ?? defaultFleetSeed(this.now()));
    this.declareWebhookDialects({ samsara: fleetOptions.samsaraWebhookUrl, motive: fleetOptions.motiveWebhookUrl });
    this.enforceContract('samsara');

    this.route('POST', '/fleet/routes', (req) => this.createRouteRequest(req));
    this.route('GET', '/fleet/routes/:id', (req) => json(200, { data: routeResponse(this.findRoute(req.params.id)) }));
    this.route('GET', '/fleet/trailers/stats', (req) => this.trailerStats(req));
    this.route('GET', '/fleet/trailers/:id', (req) => json(200, { data: this.trailerResource(this.findTrailer(req.params.id)) }));
    this.route('POST', '/v1/sensors/temperature', (req) => this.sensorTemperatures(req));

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

  // ------------------------------------------------------------ routes

  /**
   * Creates a route as `POST /fleet/routes` does (the contract has checked the request's shape by then; an
   * in-process call is a dispatcher creating it in Samsara). Samsara's rules hold:
   * - an external id value is unique per key across all objects (https://developers.samsara.com/docs/external-ids):
   *   a route or stop reusing a `key:value` held by another route or stop is refused with 400;
   * - `driverId` / `vehicleId` and a stop's `addressId` are a Samsara id or an external id `key:value` of a driver,
   *   vehicle or address the organisation has; anything else is refused with 400 (our assumption: the status for an
   *   unknown reference is not published).
   */
  createRoute(input: unknown): SamsaraRoute {
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
    const driver = driverRef ? this.resolve(this.seed.drivers, driverRef, 'driverId') : undefined;
    const vehicle = vehicleRef ? this.resolve(this.seed.vehicles, vehicleRef, 'vehicleId') : undefined;
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
  assignRoute(routeRef: string, to: { vehicleId?: string; driverId?: string }): SamsaraRoute {
    const route = this.findRoute(routeRef);
    if ((to.vehicleId === undefined) === (to.driverId === undefined)) throw new SimValidationError('assign the route to either a vehicle or a driver');
    delete route.vehicle;
    delete route.driver;
    if (to.vehicleId) route.vehicle = ref(this.resolve(this.seed.vehicles, to.vehicleId, 'vehicleId'));
    if (to.driverId) route.driver = ref(this.resolve(this.seed.drivers, to.driverId, 'driverId'));
    for (const stop of route.stops) if (stop.state === 'unassigned') stop.state = 'scheduled';
    return route;
  }

  /** A route by id, or by one of its external ids written `key:value` (as Samsara's API accepts). */
  findRoute(routeRef: string): SamsaraRoute {
    const route = this.routes.get(routeRef) ?? [...this.routes.values()].find((r) => matchesExternalRef(r.externalIds, routeRef));
    if (!route) throw notFound(`route ${routeRef} not found`);
    return route;
  }

  // ------------------------------------------------------------ driver-side events (webhooks)

  /** The vehicle leaves a stop (default: the first, i.e. the DC): RouteStopDeparture. */
  departStop(routeRef: string, stopRef: StopRef = 0, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.assignedRoute(routeRef);
    const stop = this.findStop(route, stopRef);
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
    const route = this.assignedRoute(routeRef);
    const stop = this.findStop(route, stopRef);
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
    const route = this.assignedRoute(routeRef);
    const stop = this.findStop(route, stopRef);
    stop.eta = eta.toISOString();
    return this.sendSamsara('RouteStopEtaUpdated', routeStopData(route, stop, 'stop departed', (options.at ?? this.now()).toISOString()), options);
  }

  /** The driver submits a proof-of-delivery document at a stop (default: the last): DocumentSubmitted. */
  submitProofOfDelivery(routeRef: string, stopRef: StopRef = -1, options: ProofOfDeliveryOptions = {}): Promise<WebhookDelivery> {
    const route = this.assignedRoute(routeRef);
    const stop = this.findStop(route, stopRef);
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
    const route = this.assignedRoute(routeRef);
    const vehicle = route.vehicle ? this.seed.vehicles.find((v) => v.id === route.vehicle!.id) : undefined;
    const trailer = vehicle ? this.seed.trailers.find((t) => t.coupledVehicleId === vehicle.id) : undefined;
    const at = options.at ?? this.now();
    const milli = Math.round((options.temperatureCelsius ?? 11.5) * 1000);
    const duration = options.durationMinutes ?? 25;
    const trigger = options.trigger ?? 'reefer';
    let details: Record<string, unknown>;
    if (trigger === 'ambient') {
      const sensor = this.seed.sensors.find((s) => (trailer && s.trailerId === trailer.id) || (vehicle && s.vehicleId === vehicle.id));
      if (!sensor) throw new SimHttpError(409, 'no_sensor', `no temperature sensor is on the vehicle or trailer of route ${route.id}`);
      sensor.ambient = { value: milli, time: at.toISOString() };
      details = ambientTemperatureDetails(sensor);
    } else {
      if (trailer) trailer.reeferReturnAir = { value: milli, time: at.toISOString() };
      details = reeferTemperatureDetails({ driver: route.driver, trailer, vehicle });
    }
    const happenedAt = new Date(at.getTime() - duration * MINUTE).toISOString();
    return this.sendSamsara(
      'AlertIncident',
      alertIncidentData({
        configurationId: '5b2f0c8e-3d7a-4e61-9c4b-2a7e1f0d9c33',
        incidentUrl: `https://cloud.samsara.com/o/${this.orgId}/fleet/workflows/incidents/${route.id}/${at.getTime()}`,
        happenedAtTime: happenedAt,
        updatedAtTime: at.toISOString(),
        ...(options.resolved ? { resolvedAtTime: at.toISOString() } : {}),
        description: trigger === 'ambient' ? 'Cargo temperature out of range' : 'Reefer temperature out of range',
        triggerId: trigger === 'ambient' ? 1034 : 1033,
        details,
      }),
      options,
    );
  }

  /** Sends any Samsara webhooks 2.0 event with this `data`, signed the Samsara way. */
  sendSamsara(eventType: string, data: unknown, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const envelope = samsaraEnvelope({
      eventId: options.eventId ?? randomUUID(),
      eventTime: (options.at ?? this.now()).toISOString(),
      eventType,
      orgId: this.orgId,
      webhookId: this.webhookId,
      data,
    });
    const secret = this.fleetOptions.samsaraSecret;
    return this.emit({
      dialect: 'samsara',
      eventType,
      eventId: envelope.eventId,
      body: JSON.stringify(envelope),
      contentType: 'application/json',
      headers: {
        'user-agent': 'Samsara-Webhook/simulated',
        'x-samsara-request': randomUUID(),
        'x-samsara-org-id': String(this.orgId),
        'x-samsara-event-type': eventType,
      },
      sign: (body, at) => {
        const timestamp = unixSeconds(at);
        return { 'x-samsara-timestamp': timestamp, 'x-samsara-signature': samsaraSignature(secret, timestamp, body) };
      },
      ...(options.signedAt ? { signedAt: options.signedAt } : {}),
    });
  }

  /**
   * Sends a Motive-style webhook: JSON `{ action, ...attributes }`, X-KT-Webhook-Signature = hex
   * HMAC-SHA1 of the body. Motive signs no timestamp, so `signedAt` changes nothing in the signature.
   */
  sendMotive(action: string, attributes: Record<string, unknown> = {}, options: { signedAt?: Date } = {}): Promise<WebhookDelivery> {
    const secret = this.fleetOptions.motiveSecret;
    if (!secret) throw new SimHttpError(409, 'no_motive_secret', 'fleet simulator has no Motive secret');
    const body = JSON.stringify({ action, ...attributes });
    return this.emit({
      dialect: 'motive',
      eventType: action,
      eventId: String(attributes.id ?? randomUUID()),
      body,
      contentType: 'application/json',
      sign: (raw) => ({ 'x-kt-webhook-signature': motiveSignature(secret, raw) }),
      ...(options.signedAt ? { signedAt: options.signedAt } : {}),
    });
  }

  /** Motive `vehicle_location_updated` for the route's vehicle (attribute names are our assumption). */
  sendMotiveLocationUpdate(routeRef: string, location: { lat: number; lon: number; at?: Date }): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
    return this.sendMotive('vehicle_location_updated', {
      id: this.nextId(),
      vehicle_id: route.vehicle?.id,
      vehicle_number: route.vehicle?.name,
      lat: location.lat,
      lon: location.lon,
      located_at: (location.at ?? this.now()).toISOString(),
    });
  }

  snapshot(): unknown {
    return { routes: [...this.routes.values()], ...this.seed };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.routes.clear();
    this.idSeq = 0;
    this.createRouteCalls = [];
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
    const now = this.now().getTime();
    this.createRouteCalls = this.createRouteCalls.filter((t) => t > now - MINUTE);
    const limit = this.fleetOptions.createRouteLimitPerMinute ?? 100;
    if (this.createRouteCalls.length >= limit) {
      const retryAfter = Math.max(0.001, (this.createRouteCalls[0] + MINUTE - now) / 1000);
      return this.errorResponse(429, 'rate_limited', `Create Route is limited to ${limit} requests/min`, { 'retry-after': retryAfter.toFixed(3) });
    }
    this.createRouteCalls.push(now);
    return json(200, { data: routeResponse(this.createRoute(req.body)) });
  }

  private trailerStats(req: SimRequest): SimResponse {
    const types = (req.query.get('types') ?? '').split(',').filter(Boolean);
    const wanted = (req.query.get('trailerIds') ?? '').split(',').filter(Boolean);
    const trailers = wanted.length > 0 ? wanted.flatMap((id) => this.seed.trailers.filter((t) => t.id === id || matchesExternalRef(t.externalIds ?? {}, id))) : this.seed.trailers;
    const data = trailers.map((trailer) => ({
      id: trailer.id,
      name: trailer.name,
      ...(trailer.externalIds ? { externalIds: trailer.externalIds } : {}),
      ...(types.includes('reeferReturnAirTemperatureMilliCZone1') ? { reeferReturnAirTemperatureMilliCZone1: trailer.reeferReturnAir } : {}),
    }));
    return json(200, { data, pagination: { endCursor: '', hasNextPage: false } });
  }

  private sensorTemperatures(req: SimRequest): SimResponse {
    const ids = (asObject(req.body, 'body').sensors as number[]) ?? [];
    const sensors = ids.flatMap((id) => this.seed.sensors.filter((s) => s.id === id)).map((sensor) => ({
      id: sensor.id,
      name: sensor.name,
      ambientTemperature: sensor.ambient.value,
      ambientTemperatureTime: sensor.ambient.time,
      ...(sensor.trailerId ? { trailerId: Number(sensor.trailerId) } : {}),
      ...(sensor.vehicleId ? { vehicleId: Number(sensor.vehicleId) } : {}),
    }));
    return json(200, { groupId: 101, sensors });
  }

  private trailerResource(trailer: SamsaraTrailer): Record<string, unknown> {
    return { id: trailer.id, name: trailer.name, ...(trailer.externalIds ? { externalIds: trailer.externalIds } : {}) };
  }

  private findTrailer(trailerRef: string): SamsaraTrailer {
    const trailer = this.seed.trailers.find((t) => t.id === trailerRef || matchesExternalRef(t.externalIds ?? {}, trailerRef));
    if (!trailer) throw notFound(`trailer ${trailerRef} not found`);
    return trailer;
  }

  /** An object of the organisation by Samsara id or external id `key:value`; 400 naming the field otherwise. */
  private resolve<T extends SamsaraRef>(objects: readonly T[], reference: string, field: string): T {
    const found = objects.find((o) => o.id === reference || matchesExternalRef(o.externalIds ?? {}, reference));
    if (!found) throw new SimHttpError(400, 'invalid_request', `${field} ${reference} does not match any object of the organization`);
    return found;
  }

  private assignedRoute(routeRef: string): SamsaraRoute {
    const route = this.findRoute(routeRef);
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
      const address = this.resolve(this.seed.addresses, addressRef, `${prefix}addressId`);
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

  private findStop(route: SamsaraRoute, stopRef: StopRef): SamsaraStop {
    const stop = typeof stopRef === 'number' ? route.stops.at(stopRef) : route.stops.find((s) => s.id === stopRef || matchesExternalRef(s.externalIds, stopRef));
    if (!stop) throw notFound(`route ${route.id} has no stop ${String(stopRef)}`);
    return stop;
  }

  private nextId(): string {
    // Samsara ids are numeric strings.
    return String(4_421_000_000 + ++this.idSeq);
  }
}

/** Whether `reference` is one of these external ids written `key:value`. */
function matchesExternalRef(externalIds: Readonly<Record<string, string>>, reference: string): boolean {
  const colon = reference.indexOf(':');
  return colon > 0 && externalIds[reference.slice(0, colon)] === reference.slice(colon + 1);
}

/** The tiny reference Samsara puts on routes and webhooks: id, name, external ids. */
function ref(object: SamsaraRef): SamsaraRef {
  return { id: object.id, name: object.name, ...(object.externalIds ? { externalIds: object.externalIds } : {}) };
}
