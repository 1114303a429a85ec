/**
 * Samsara- and Motive-shaped payloads, built as pure functions of the simulated fleet's state.
 * Shapes follow the Samsara webhooks 2.0 docs examples; where the docs say nothing the choice is ours
 * and is listed in README.md.
 */

export interface SamsaraRef {
  id: string;
  name: string;
  externalIds?: Record<string, string>;
}

export type StopState = 'scheduled' | 'en route' | 'arrived' | 'departed' | 'skipped';

export interface SamsaraStop {
  id: string;
  name: string;
  externalIds: Record<string, string>;
  address?: { id?: string; name?: string; formattedAddress?: string; externalIds?: Record<string, string> };
  singleUseLocation?: { address: string; latitude?: number; longitude?: number };
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

/** `data` of RouteStopArrival / RouteStopDeparture / RouteStopEtaUpdated: the whole route with every stop. */
export function routeStopData(route: SamsaraRoute, operation: string): Record<string, unknown> {
  const { driver, vehicle, ...routeFields } = structuredClone(route);
  return {
    ...(driver ? { driver } : {}),
    ...(vehicle ? { vehicle } : {}),
    operation,
    route: routeFields,
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

/** `data` of DocumentSubmitted for a proof-of-delivery document. */
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
  return {
    document: {
      id: input.documentId,
      name: `Proof of Delivery - ${input.stop.name}`,
      createdAtTime: input.createdAtTime,
      updatedAtTime: input.createdAtTime,
      state: 'submitted',
      documentType: { id: 'pod-template-1', name: 'Proof of Delivery' },
      ...(input.route.driver ? { driver: input.route.driver } : {}),
      ...(input.route.vehicle ? { vehicle: input.route.vehicle } : {}),
      route: { id: input.route.id, name: input.route.name, externalIds: input.route.externalIds },
      routeStop: { id: input.stop.id, name: input.stop.name, externalIds: input.stop.externalIds },
      fields,
    },
  };
}

export interface TemperatureAlertInput {
  configurationId: string;
  incidentUrl: string;
  happenedAtTime: string;
  updatedAtTime: string;
  resolvedAtTime?: string;
  route: SamsaraRoute;
  sensor: { id: string; name: string };
  temperatureCelsius: number;
  thresholdCelsius: number;
  thresholdDirection: 'above' | 'below';
  durationMinutes: number;
}

/**
 * `data` of AlertIncident for a reefer temperature alert. Samsara documents `conditions[].details` as
 * one object keyed by trigger type, but not the temperature trigger's fields: `ambientTemperature`
 * and everything inside it is our assumption (see README.md).
 */
export function temperatureAlertData(input: TemperatureAlertInput): Record<string, unknown> {
  const direction = input.thresholdDirection === 'above' ? 'above' : 'below';
  return {
    configurationId: input.configurationId,
    happenedAtTime: input.happenedAtTime,
    updatedAtTime: input.updatedAtTime,
    ...(input.resolvedAtTime ? { resolvedAtTime: input.resolvedAtTime } : {}),
    isResolved: input.resolvedAtTime !== undefined,
    incidentUrl: input.incidentUrl,
    conditions: [
      {
        triggerId: 1033,
        description: `Reefer temperature ${direction} ${input.thresholdCelsius} °C`,
        details: {
          ambientTemperature: {
            ...(input.route.vehicle ? { vehicle: input.route.vehicle } : {}),
            ...(input.route.driver ? { driver: input.route.driver } : {}),
            sensor: input.sensor,
            temperatureCelsius: input.temperatureCelsius,
            thresholdCelsius: input.thresholdCelsius,
            thresholdDirection: input.thresholdDirection,
            durationMinutes: input.durationMinutes,
            durationMs: input.durationMinutes * 60_000,
            route: { id: input.route.id, name: input.route.name, externalIds: input.route.externalIds },
          },
        },
      },
    ],
  };
}
