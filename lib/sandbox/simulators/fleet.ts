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
import {
  proofOfDeliveryData,
  routeStopData,
  samsaraEnvelope,
  temperatureAlertData,
  type SamsaraRef,
  type SamsaraRoute,
  type SamsaraStop,
} from './fleet-payloads';
import { isBase64Secret, motiveSignature, samsaraSignature, unixSeconds } from './signing';

export interface FleetCredentials {
  /** Bearer token of the Samsara-shaped API. */
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
  /** Driver assigned when a route names none. */
  defaultDriver?: SamsaraRef;
  /** Vehicle assigned when a route names none. */
  defaultVehicle?: SamsaraRef;
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
  /** @default 11.5 */
  temperatureCelsius?: number;
  /** @default 8 */
  thresholdCelsius?: number;
  /** @default 'above' */
  thresholdDirection?: 'above' | 'below';
  /** How long the reading has been out of range. @default 25 */
  durationMinutes?: number;
  /** Sends the incident as resolved. @default false */
  resolved?: boolean;
  sensor?: { id: string; name: string };
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

/**
 * A Samsara-shaped fleet system: Routes API (`POST /fleet/routes`, `GET /fleet/routes/{id}`) with our
 * order and shipment ids in `externalIds`, and the driver's side of the trip as signed webhooks 2.0
 * (departure, arrival, ETA, proof of delivery, temperature alert), plus a Motive-style sender.
 */
export class FleetSimulator extends VendorSimulator {
  readonly credentials: FleetCredentials;
  readonly orgId: number;
  private readonly webhookId: string;
  private routes = new Map<string, SamsaraRoute>();
  private idSeq = 0;

  constructor(private readonly fleetOptions: FleetSimulatorOptions) {
    super('fleet', fleetOptions);
    if (!isBase64Secret(fleetOptions.samsaraSecret)) throw new Error('samsaraSecret must be a base64 string (the Samsara webhook secret as shown by Samsara)');
    this.credentials = { ...DEFAULT_FLEET_CREDENTIALS, ...fleetOptions.credentials };
    this.orgId = fleetOptions.orgId ?? ORG_ID;
    this.webhookId = fleetOptions.webhookId ?? '1411751028848270';
    this.declareWebhookDialects({ samsara: fleetOptions.samsaraWebhookUrl, motive: fleetOptions.motiveWebhookUrl });

    this.route('POST', '/fleet/routes', (req) => this.createRouteRequest(req));
    this.route('GET', '/fleet/routes/:id', (req) => json(200, { data: this.findRoute(req.params.id) }));

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
        ...(typeof args.thresholdCelsius === 'number' ? { thresholdCelsius: args.thresholdCelsius } : {}),
        ...(typeof args.durationMinutes === 'number' ? { durationMinutes: args.durationMinutes } : {}),
        ...(typeof args.resolved === 'boolean' ? { resolved: args.resolved } : {}),
      }),
    );
    this.action('sendSamsara', (args) => this.sendSamsara(requiredString(args, 'eventType'), asObject(args.data, 'data'), common(args)));
    this.action('sendMotive', (args) => this.sendMotive(requiredString(args, 'action'), asObject(args.attributes ?? {}, 'attributes'), signedAtOption(args)));
  }

  // ------------------------------------------------------------ routes

  /**
   * Creates a route as `POST /fleet/routes` does, with the same validation. Samsara's uniqueness rule holds:
   * an external id value is unique per key across all objects, whatever their class
   * (https://developers.samsara.com/docs/external-ids), so a route or stop reusing a `key:value` already
   * held by another route or stop, or by another object of the same request, is refused with 400.
   */
  createRoute(input: unknown): SamsaraRoute {
    const body = asObject(input, 'body');
    const name = requiredString(body, 'name');
    const externalIds = stringMap(body.externalIds, 'externalIds');
    if (!Array.isArray(body.stops) || body.stops.length === 0) throw new SimValidationError('stops must be a non-empty array');
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
    const driverId = optionalString(body, 'driverId');
    const vehicleId = optionalString(body, 'vehicleId');
    const route: SamsaraRoute = {
      id: this.nextId(),
      name,
      externalIds,
      ...(optionalString(body, 'notes') ? { notes: optionalString(body, 'notes') } : {}),
      driver: driverId ? { id: driverId, name: `Driver ${driverId}` } : (this.fleetOptions.defaultDriver ?? { id: '5001', name: 'Jan de Vries', externalIds: { payrollId: 'NL-5001' } }),
      vehicle: vehicleId ? { id: vehicleId, name: `Vehicle ${vehicleId}` } : (this.fleetOptions.defaultVehicle ?? { id: '281474977710001', name: 'Reefer truck 12', externalIds: {} }),
      settings: { routeStartingCondition: 'departFirstStop', routeCompletionCondition: 'arriveLastStop', ...(body.settings as object | undefined) },
      ...(stops[0].scheduledDepartureTime ?? stops[0].scheduledArrivalTime ? { scheduledRouteStartTime: stops[0].scheduledDepartureTime ?? stops[0].scheduledArrivalTime } : {}),
      ...(stops.at(-1)?.scheduledArrivalTime ? { scheduledRouteEndTime: stops.at(-1)?.scheduledArrivalTime } : {}),
      stops,
    };
    this.routes.set(route.id, route);
    return route;
  }

  /** A route by id, or by one of its external ids written `key:value` (as Samsara's API accepts). */
  findRoute(ref: string): SamsaraRoute {
    const route = this.routes.get(ref) ?? this.routeByExternalRef(ref);
    if (!route) throw notFound(`route ${ref} not found`);
    return route;
  }

  // ------------------------------------------------------------ driver-side events (webhooks)

  /** The vehicle leaves a stop (default: the first, i.e. the DC): RouteStopDeparture. */
  departStop(routeRef: string, stopRef: StopRef = 0, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
    const stop = this.findStop(route, stopRef);
    const at = (options.at ?? this.now()).toISOString();
    stop.actualDepartureTime = at;
    stop.state = 'departed';
    if (route.stops[0] === stop) route.actualRouteStartTime = at;
    const next = route.stops[route.stops.indexOf(stop) + 1];
    if (next && next.state === 'scheduled') Object.assign(next, { state: 'en route', enRouteTime: at });
    return this.sendSamsara('RouteStopDeparture', routeStopData(route, 'stop departed'), options);
  }

  /** The vehicle reaches a stop (default: the last): RouteStopArrival. */
  arriveAtStop(routeRef: string, stopRef: StopRef = -1, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
    const stop = this.findStop(route, stopRef);
    const at = (options.at ?? this.now()).toISOString();
    stop.actualArrivalTime = at;
    stop.state = 'arrived';
    if (route.stops.at(-1) === stop) route.actualRouteEndTime = at;
    return this.sendSamsara('RouteStopArrival', routeStopData(route, 'stop arrived'), options);
  }

  /** The ETA of a stop (default: the last) changes: RouteStopEtaUpdated. */
  updateEta(routeRef: string, eta: Date, stopRef: StopRef = -1, options: SamsaraEventOptions = {}): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
    this.findStop(route, stopRef).eta = eta.toISOString();
    return this.sendSamsara('RouteStopEtaUpdated', routeStopData(route, 'eta updated'), options);
  }

  /** The driver submits a proof-of-delivery document at a stop (default: the last): DocumentSubmitted. */
  submitProofOfDelivery(routeRef: string, stopRef: StopRef = -1, options: ProofOfDeliveryOptions = {}): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
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

  /** The reefer sensor reports an out-of-range temperature (default 11.5 °C for 25 min over 8 °C): AlertIncident. */
  raiseTemperatureAlert(routeRef: string, options: TemperatureAlertOptions = {}): Promise<WebhookDelivery> {
    const route = this.findRoute(routeRef);
    const at = options.at ?? this.now();
    const duration = options.durationMinutes ?? 25;
    const happenedAt = new Date(at.getTime() - duration * 60_000).toISOString();
    return this.sendSamsara(
      'AlertIncident',
      temperatureAlertData({
        configurationId: '5b2f0c8e-3d7a-4e61-9c4b-2a7e1f0d9c33',
        incidentUrl: `https://cloud.samsara.com/o/${this.orgId}/alerts/incidents/${route.id}/${at.getTime()}`,
        happenedAtTime: happenedAt,
        updatedAtTime: at.toISOString(),
        ...(options.resolved ? { resolvedAtTime: at.toISOString() } : {}),
        route,
        sensor: options.sensor ?? { id: 'TS-88231', name: 'Reefer probe 1' },
        temperatureCelsius: options.temperatureCelsius ?? 11.5,
        thresholdCelsius: options.thresholdCelsius ?? 8,
        thresholdDirection: options.thresholdDirection ?? 'above',
        durationMinutes: duration,
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
    return { routes: [...this.routes.values()] };
  }

  // ------------------------------------------------------------ simulator hooks

  protected resetState(): void {
    this.routes.clear();
    this.idSeq = 0;
  }

  protected authenticate(req: SimRequest): SimResponse | undefined {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (match && safeEqual(match[1], this.credentials.apiToken)) return undefined;
    return this.errorResponse(401, 'unauthorized', 'Unauthorized');
  }

  /** Samsara's error shape: `{ message, requestId }`. */
  protected errorResponse(status: number, _code: string, message: string, headers?: Record<string, string>): SimResponse {
    return json(status, { message, requestId: randomUUID() }, headers);
  }

  // ------------------------------------------------------------ internals

  private createRouteRequest(req: SimRequest): SimResponse {
    return json(200, { data: this.createRoute(req.body) });
  }

  private buildStop(raw: unknown, index: number): SamsaraStop {
    const prefix = `stops[${index}].`;
    const stop = asObject(raw, `stops[${index}]`);
    const addressId = optionalString(stop, 'addressId', prefix);
    let singleUseLocation: SamsaraStop['singleUseLocation'];
    if (stop.singleUseLocation !== undefined) {
      const location = asObject(stop.singleUseLocation, `${prefix}singleUseLocation`);
      singleUseLocation = {
        address: requiredString(location, 'address', `${prefix}singleUseLocation.`),
        ...(typeof location.latitude === 'number' ? { latitude: location.latitude } : {}),
        ...(typeof location.longitude === 'number' ? { longitude: location.longitude } : {}),
      };
    }
    if (!addressId && !singleUseLocation) throw new SimValidationError(`${prefix}addressId or ${prefix}singleUseLocation is required`);
    const id = this.nextId();
    const scheduledArrivalTime = optionalTimestamp(stop, 'scheduledArrivalTime', prefix);
    const scheduledDepartureTime = optionalTimestamp(stop, 'scheduledDepartureTime', prefix);
    const name = optionalString(stop, 'name', prefix) ?? singleUseLocation?.address ?? `Stop ${index + 1}`;
    return {
      id,
      name,
      externalIds: stringMap(stop.externalIds, `${prefix}externalIds`),
      ...(addressId ? { address: { id: addressId, name } } : {}),
      ...(singleUseLocation ? { singleUseLocation } : {}),
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

  private routeByExternalRef(ref: string): SamsaraRoute | undefined {
    const colon = ref.indexOf(':');
    if (colon <= 0) return undefined;
    const [key, value] = [ref.slice(0, colon), ref.slice(colon + 1)];
    return [...this.routes.values()].find((route) => route.externalIds[key] === value);
  }

  private findStop(route: SamsaraRoute, ref: StopRef): SamsaraStop {
    let stop: SamsaraStop | undefined;
    if (typeof ref === 'number') stop = route.stops.at(ref);
    else {
      const colon = ref.indexOf(':');
      stop = route.stops.find((s) => s.id === ref) ?? (colon > 0 ? route.stops.find((s) => s.externalIds[ref.slice(0, colon)] === ref.slice(colon + 1)) : undefined);
    }
    if (!stop) throw notFound(`route ${route.id} has no stop ${String(ref)}`);
    return stop;
  }

  private nextId(): string {
    // Samsara ids are numeric strings.
    return String(4_421_000_000 + ++this.idSeq);
  }
}
