/**
 * Samsara- and Motive-shaped payloads, built as pure functions of the simulated fleet's state. The Samsara shapes
 * are those of Samsara's contract (contracts/samsara/openapi.json: the official SDK types and the documented
 * examples); the simulator checks every answer and every documented webhook against it before it leaves.
 */

export interface SamsaraRef {
  id: string;
  name: string;
  externalIds?: Record<string, string>;
}

/** A vehicle of the simulated organisation (the alert's `AlertObjectVehicleResponseBody` needs the gateway serial). */
export interface SamsaraVehicle extends SamsaraRef {
  serial: string;
}

/** A trailer with its reefer, coupled to a vehicle. */
export interface SamsaraTrailer extends SamsaraRef {
  coupledVehicleId?: string;
  /** The reefer's return-air temperature, zone 1 (milli-°C) and when it was reported. */
  reeferReturnAir: { value: number; time: string };
}

/** An environmental sensor (v1 sensors API: integer ids), placed in a trailer or vehicle. */
export interface SamsaraSensor {
  id: number;
  name: string;
  trailerId?: string;
  vehicleId?: string;
  ambient: { value: number; time: string };
}

/** An entry of the address book, referable by id or external id `key:value`. */
export interface SamsaraAddress extends SamsaraRef {
  latitude: number;
  longitude: number;
  formattedAddress: string;
}

export type StopState = 'unassigned' | 'scheduled' | 'en route' | 'skipped' | 'arrived' | 'departed';

export interface SamsaraStop {
  id: string;
  name: string;
  externalIds: Record<string, string>;
  address?: { id: string; name: string; externalIds?: Record<string, string> };
  singleUseLocation?: { address?: string; latitude: number; longitude: number };
  notes?: string;
  scheduledArrivalTime?: string;
  scheduledDepartureTime?: string;
  enRouteTime?: string;
  eta?: string;
  actualArrivalTime?: string;
  actualDepartureTime?: string;
  state: StopState;
  documents: { id: string; name: string }[];
  liveSharingUrl: string;
}

export interface SamsaraRoute {
  id: string;
  name: string;
  externalIds: Record<string, string>;
  notes?: string;
  driver?: SamsaraRef;
  vehicle?: SamsaraRef;
  settings: { routeStartingCondition: string; routeCompletionCondition: string };
  scheduledRouteStartTime?: string;
  scheduledRouteEndTime?: string;
  actualRouteStartTime?: string;
  actualRouteEndTime?: string;
  stops: SamsaraStop[];
}

/** Webhooks 2.0 envelope. */
export interface SamsaraEnvelope<T = unknown> {
  eventId: string;
  eventTime: string;
  eventType: string;
  orgId: number;
  webhookId: string;
  data: T;
}

export function samsaraEnvelope<T>(fields: SamsaraEnvelope<T>): SamsaraEnvelope<T> {
  // Property order as in the docs examples.
  return { eventId: fields.eventId, eventTime: fields.eventTime, eventType: fields.eventType, orgId: fields.orgId, webhookId: fields.webhookId, data: fields.data };
}

/** A route as the Routes API answers it (`BaseRouteWithOrdersResponseObjectResponseBody`: stops carry `orders`). */
export function routeResponse(route: SamsaraRoute): Record<string, unknown> {
  const { stops, ...rest } = structuredClone(route);
  return { ...rest, stops: stops.map((stop) => ({ ...stop, orders: [] })) };
}

/**
 * `data` of RouteStopArrival / RouteStopDeparture (`RouteStopDetailsObjectResponseBody`): the route with every stop,
 * the stop that changed in `routeStopDetails`, the time and `type: "route tracking"`, as in the documented examples.
 */
export function routeStopData(route: SamsaraRoute, stop: SamsaraStop, operation: 'stop arrived' | 'stop departed', time: string): Record<string, unknown> {
  const { driver, vehicle, ...routeFields } = structuredClone(route);
  const details: Record<string, unknown> = { id: stop.id, state: stop.state, liveSharingUrl: stop.liveSharingUrl, externalIds: stop.externalIds };
  for (const field of ['actualArrivalTime', 'actualDepartureTime', 'enRouteTime', 'eta'] as const) if (stop[field]) details[field] = stop[field];
  return {
    ...(driver ? { driver } : {}),
    ...(vehicle ? { vehicle: { id: vehicle.id, name: vehicle.name, ...(vehicle.externalIds ? { externalIds: vehicle.externalIds } : {}) } } : {}),
    operation,
    route: { ...routeFields, stops: routeFields.stops.map(({ documents: _documents, ...s }) => s) },
    routeStopDetails: details,
    time,
    type: 'route tracking',
  };
}

export interface ProofOfDeliveryInput {
  documentId: string;
  createdAtTime: string;
  route: SamsaraRoute;
  stop: SamsaraStop;
  recipientName: string;
  deliveredAt: string;
  temperatureCelsius?: number;
}

/** `data` of DocumentSubmitted for a proof-of-delivery document (`DriverDocumentSubmittedResponseBody`). */
export function proofOfDeliveryData(input: ProofOfDeliveryInput): Record<string, unknown> {
  const fields: Record<string, unknown>[] = [
    { label: 'Recipient name', type: 'string', value: { stringValue: input.recipientName } },
    {
      label: 'Recipient signature',
      type: 'signature',
      value: { signatureValue: { id: `${input.documentId}-sig`, name: input.recipientName, signedAtTime: input.deliveredAt, url: `https://samsara-driver-media-upload.example/${input.documentId}/signature.png` } },
    },
    { label: 'Delivered at', type: 'dateTime', value: { dateTimeValue: { dateTime: input.deliveredAt } } },
    { label: 'Photo of delivered goods', type: 'photo', value: { photoValue: [{ id: `${input.documentId}-photo-1`, url: `https://samsara-driver-media-upload.example/${input.documentId}/photo-1.jpg` }] } },
  ];
  if (input.temperatureCelsius !== undefined) {
    fields.push({ label: 'Temperature on delivery (°C)', type: 'number', value: { numberValue: input.temperatureCelsius } });
  }
  const driver = input.route.driver ?? { id: '0', name: 'Unknown driver' };
  return {
    document: {
      id: input.documentId,
      name: `Proof of Delivery - ${input.stop.name}`,
      createdAtTime: input.createdAtTime,
      updatedAtTime: input.createdAtTime,
      state: 'submitted',
      documentType: { id: 'pod-template-1', name: 'Proof of Delivery' },
      driver,
      ...(input.route.vehicle ? { vehicle: input.route.vehicle } : {}),
      route: { id: input.route.id, name: input.route.name, externalIds: input.route.externalIds },
      routeStop: { id: input.stop.id, name: input.stop.name, externalIds: input.stop.externalIds },
      fields,
    },
  };
}

export interface AlertIncidentInput {
  configurationId: string;
  incidentUrl: string;
  happenedAtTime: string;
  updatedAtTime: string;
  resolvedAtTime?: string;
  description: string;
  triggerId: number;
  /** `conditions[0].details`, keyed by trigger. */
  details: Record<string, unknown>;
}

/** `data` of AlertIncident (`GetWorkflowIncidentResponseObjectResponseBody`): no route, the trigger's details name the asset. */
export function alertIncidentData(input: AlertIncidentInput): Record<string, unknown> {
  return {
    configurationId: input.configurationId,
    happenedAtTime: input.happenedAtTime,
    updatedAtTime: input.updatedAtTime,
    ...(input.resolvedAtTime ? { resolvedAtTime: input.resolvedAtTime } : {}),
    isResolved: input.resolvedAtTime !== undefined,
    incidentUrl: input.incidentUrl,
    conditions: [{ description: input.description, triggerId: input.triggerId, details: input.details }],
  };
}

/** `details` of a reefer temperature trigger (`ReeferTemperatureResponseBody`: driver, trailer, vehicle). */
export function reeferTemperatureDetails(assets: { driver?: SamsaraRef; trailer?: SamsaraTrailer; vehicle?: SamsaraVehicle }): Record<string, unknown> {
  const { driver, trailer, vehicle } = assets;
  return {
    reeferTemperature: {
      ...(driver ? { driver: { id: driver.id, name: driver.name, ...(driver.externalIds ? { externalIds: driver.externalIds } : {}) } } : {}),
      ...(trailer ? { trailer: { id: trailer.id, name: trailer.name, ...(trailer.externalIds ? { externalIds: trailer.externalIds } : {}) } } : {}),
      ...(vehicle ? { vehicle: { id: vehicle.id, name: vehicle.name, serial: vehicle.serial, ...(vehicle.externalIds ? { externalIds: vehicle.externalIds } : {}) } } : {}),
    },
  };
}

/** `details` of an ambient temperature trigger (`AmbientTemperatureResponseBody`: the sensor, id as a string). */
export function ambientTemperatureDetails(sensor: SamsaraSensor): Record<string, unknown> {
  return { ambientTemperature: { sensor: { id: String(sensor.id), name: sensor.name } } };
}
