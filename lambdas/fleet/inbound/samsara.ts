import { buildCanonicalEvent, factKey, type CanonicalDetail, type CanonicalRefs } from '../../shared/canonical-event';
import { ValidationError } from '../../shared/errors';
import { dialectIdentity, type DecodedEvent, type DeferredMapResult, type Dialect, type MapResult } from '../../shared/webhook/dialect';
import { samsaraWebhook } from '../../shared/webhook/generated/vendor-validators.js';
import { asIdentifier, asShortText, compact, fleetRefs, minutesBetween } from '../../shared/webhook/mapping';
import { signatureHeader } from '../../shared/webhook/request';
import { SAMSARA_SIGNATURE_HEADER, SAMSARA_TIMESTAMP_HEADER, verifySamsara } from '../../shared/webhook/signatures';
import { validateOrThrow, type SchemaValidator } from '../../shared/webhook/validation';
import { mapSamsaraAlert, type SamsaraAlertPorts } from './samsara-alerts';
import { utcIso } from '../../../registry/correlation-keys';
import { VENDOR_DIALECTS } from '../../../registry/vendors';

/**
 * Samsara webhooks 2.0 (route stop events, documents, alert incidents) → canonical fleet events.
 * Shapes: schemas/vendors/samsara-webhook.schema.json, held to Samsara's contract (contracts/samsara/openapi.json);
 * signature: HMAC-SHA256 over `v1:{timestamp}:{body}` with the base64-decoded secret (docs/webhooks.md).
 */

type ExternalIds = Readonly<Record<string, string>>;

export interface SamsaraEntity {
  id?: string;
  name?: string;
  externalIds?: ExternalIds;
}

export interface SamsaraStop extends SamsaraEntity {
  id: string;
  state?: string;
  scheduledArrivalTime?: string;
  scheduledDepartureTime?: string;
  actualArrivalTime?: string;
  actualDepartureTime?: string;
  eta?: string;
  address?: SamsaraEntity & { latitude?: number; longitude?: number };
  singleUseLocation?: { address?: string; latitude?: number; longitude?: number };
}

export interface SamsaraRouteStopData {
  route: { id: string; name?: string; externalIds?: ExternalIds; stops: SamsaraStop[] };
  /**
   * The stop the event is about (Samsara's `MinimalRouteStopResponseBody`: id, state and times), as the route-stop
   * webhooks carry it (contracts/samsara/openapi.json). The full stop is the one of `route.stops` with this id.
   */
  routeStopDetails?: { id: string; state?: string };
  driver?: SamsaraEntity;
  vehicle?: SamsaraEntity;
}

export interface SamsaraDocumentData {
  document: {
    id?: string;
    createdAtTime?: string;
    documentType: { id?: string; name: string };
    routeStop?: SamsaraEntity;
    route?: SamsaraEntity;
    vehicle?: SamsaraEntity;
    fields?: { label?: string; type?: string; value?: Record<string, unknown> }[];
  };
}

export interface SamsaraWebhook {
  eventId: string;
  eventTime: string;
  eventType: string;
  orgId?: number;
  webhookId?: string;
  data: unknown;
}

// The generated validator checks the shapes above (schemas/vendors/samsara-webhook.schema.json).
const validateSamsara = samsaraWebhook as SchemaValidator<SamsaraWebhook>;

const VENDOR = 'samsara';

type StopKind = 'origin' | 'waypoint' | 'delivery';

function stopKind(stops: readonly SamsaraStop[], stop: SamsaraStop): StopKind {
  const index = stops.findIndex((s) => s.id === stop.id);
  if (index === 0) return 'origin';
  if (index === stops.length - 1) return 'delivery';
  return 'waypoint';
}

/** The stop with the latest value of `time` (the one the event is about when Samsara does not say). */
function latestBy(stops: readonly SamsaraStop[], time: 'actualArrivalTime' | 'actualDepartureTime'): SamsaraStop | undefined {
  let best: SamsaraStop | undefined;
  for (const stop of stops) {
    const at = stop[time];
    if (at !== undefined && (best === undefined || Date.parse(at) >= Date.parse(best[time]!))) best = stop;
  }
  return best;
}

/** The stop an event is about: the one `routeStopDetails` names, else (older payloads) the latest by `time`. */
function eventStop(data: SamsaraRouteStopData, time: 'actualArrivalTime' | 'actualDepartureTime'): SamsaraStop | undefined {
  const named = data.routeStopDetails?.id;
  const stop = named === undefined ? undefined : data.route.stops.find((s) => s.id === named);
  return stop ?? latestBy(data.route.stops, time);
}

function location(stop: SamsaraStop): Record<string, unknown> | undefined {
  const address = stop.address;
  const name = asShortText(address?.name ?? stop.name, 200);
  const point = stop.singleUseLocation ?? address;
  const coordinates = point?.latitude !== undefined && point.longitude !== undefined ? { latitude: point.latitude, longitude: point.longitude } : undefined;
  const result = compact({ locationId: asIdentifier(address?.id), name, coordinates });
  return Object.keys(result).length > 0 ? result : undefined;
}

function routeStopRefs(data: SamsaraRouteStopData, stop: SamsaraStop): CanonicalRefs {
  return compact({ ...fleetRefs(stop.externalIds, data.route.externalIds), routeId: data.route.id, stopId: stop.id });
}

interface Context {
  readonly decoded: DecodedEvent<SamsaraWebhook>;
  readonly receivedAt: string;
}

function event<T extends object>(ctx: Context, eventType: string, occurredAt: string, refs: CanonicalRefs, data: T, index = 0, fact?: string): CanonicalDetail<T> {
  return buildCanonicalEvent({
    eventType,
    system: 'fleet',
    vendor: VENDOR,
    vendorEventId: ctx.decoded.vendorEventId,
    index,
    ...(fact ? { fact } : {}),
    occurredAt,
    receivedAt: ctx.receivedAt,
    refs,
    data,
  });
}

/**
 * The fact a route-stop milestone reports: this stop of this route departed (or was reached) at this time. The
 * webhook and the reconciliation sweep (which reads the route from the Routes API) both know these, so both give
 * the event the same id (canonical-event.ts, `factKey`); a stop departed again later is another fact.
 */
export function stopMilestoneFact(routeId: string, stopId: string, milestone: 'departed' | 'arrived', at: string): string {
  return factKey('samsara-route', routeId, 'stop', stopId, milestone, utcIso(at));
}

const noShipment = (what: string): MapResult => ({ kind: 'ignored', reason: `${what} carries no logistics-sync shipment id (externalIds "logisticsSync.shipment" or "logisticsSync.stop")` });

function mapDeparture(ctx: Context, data: SamsaraRouteStopData): MapResult {
  const stop = eventStop(data, 'actualDepartureTime');
  if (!stop) throw new ValidationError('RouteStopDeparture: no stop has an actualDepartureTime', 'data.route.stops');
  const kind = stopKind(data.route.stops, stop);
  // Leaving the customer after unloading is not a shipment milestone (delivery is reported by the POD).
  if (kind === 'delivery') return { kind: 'ignored', reason: 'departure from the delivery stop is not a shipment milestone' };
  const refs = routeStopRefs(data, stop);
  if (!refs.shipmentId) return noShipment('the route');
  const at = stop.actualDepartureTime ?? ctx.decoded.event.eventTime;
  const detail = event(
    ctx,
    'shipment.departed',
    at,
    refs,
    compact({ stopKind: kind, location: location(stop), vehicleId: asIdentifier(data.vehicle?.id), scheduledDepartureAt: stop.scheduledDepartureTime }),
    0,
    stopMilestoneFact(data.route.id, stop.id, 'departed', at),
  );
  return { kind: 'events', events: [detail] };
}

function mapArrival(ctx: Context, data: SamsaraRouteStopData): MapResult {
  const stop = eventStop(data, 'actualArrivalTime');
  if (!stop) throw new ValidationError('RouteStopArrival: no stop has an actualArrivalTime', 'data.route.stops');
  const refs = routeStopRefs(data, stop);
  if (!refs.shipmentId) return noShipment('the route');
  const late = minutesBetween(stop.scheduledArrivalTime, stop.actualArrivalTime);
  const at = stop.actualArrivalTime ?? ctx.decoded.event.eventTime;
  const detail = event(
    ctx,
    'shipment.arrived',
    at,
    refs,
    compact({
      stopKind: stopKind(data.route.stops, stop),
      location: location(stop),
      scheduledArrivalAt: stop.scheduledArrivalTime,
      lateByMinutes: late === undefined ? undefined : Math.max(-10080, Math.min(10080, late)),
    }),
    0,
    stopMilestoneFact(data.route.id, stop.id, 'arrived', at),
  );
  return { kind: 'events', events: [detail] };
}

function mapEta(ctx: Context, data: SamsaraRouteStopData): MapResult {
  const stops = data.route.stops;
  const last = stops.at(-1);
  // The customer cares about the delivery stop's ETA; else the next stop still to be reached.
  const stop =
    (data.routeStopDetails ? stops.find((s) => s.id === data.routeStopDetails?.id) : undefined) ??
    (last?.eta && !last.actualArrivalTime ? last : undefined) ??
    stops.find((s) => s.eta !== undefined && s.actualArrivalTime === undefined);
  if (!stop?.eta) return { kind: 'ignored', reason: 'no stop still to be reached has an ETA' };
  const refs = routeStopRefs(data, stop);
  if (!refs.shipmentId) return noShipment('the route');
  const detail = event(ctx, 'shipment.eta-updated', ctx.decoded.event.eventTime, refs, { etaAt: stop.eta, stopKind: stopKind(stops, stop) });
  return { kind: 'events', events: [detail] };
}

type PodDocumentType = 'proof-of-delivery' | 'bill-of-lading' | 'delivery-note';

function documentKind(name: string): PodDocumentType | undefined {
  if (/proof\s*of\s*delivery|\bpod\b/i.test(name)) return 'proof-of-delivery';
  if (/bill\s*of\s*lading|\bbol\b/i.test(name)) return 'bill-of-lading';
  if (/delivery\s*note/i.test(name)) return 'delivery-note';
  return undefined;
}

function mapDocument(ctx: Context, data: SamsaraDocumentData): MapResult {
  const doc = data.document;
  const documentType = documentKind(doc.documentType.name);
  if (!documentType) return { kind: 'ignored', reason: `document type "${asShortText(doc.documentType.name, 80)}" is not a delivery document` };
  const refs = compact({
    ...fleetRefs(doc.routeStop?.externalIds, doc.route?.externalIds),
    routeId: asIdentifier(doc.route?.id),
    stopId: asIdentifier(doc.routeStop?.id),
  });
  if (!refs.shipmentId) return noShipment('the document');
  const fields = doc.fields ?? [];
  const signatureCaptured = fields.some((f) => f.type === 'signature' && f.value !== undefined && Object.keys(f.value).length > 0);
  const photoCount = fields
    .filter((f) => f.type === 'photo')
    .reduce((n, f) => n + (Array.isArray(f.value?.photoValue) ? (f.value.photoValue as unknown[]).length : 0), 0);
  const temperature = fields.find((f) => f.type === 'number' && /temp/i.test(f.label ?? '') && typeof f.value?.numberValue === 'number');
  const temperatureAtDeliveryCelsius = temperature ? (temperature.value!.numberValue as number) : undefined;
  const exceptionField = fields.find((f) => /exception|damage/i.test(f.label ?? ''));
  const exceptionsNoted = exceptionField ? documentFieldIsYes(exceptionField.value) : undefined;
  const documentId = asIdentifier(doc.id) ?? `samsara-document-${ctx.decoded.vendorEventId}`.slice(0, 128);
  const occurredAt = doc.createdAtTime ?? ctx.decoded.event.eventTime;
  const inRange = temperatureAtDeliveryCelsius !== undefined && temperatureAtDeliveryCelsius >= -100 && temperatureAtDeliveryCelsius <= 100;
  const pod = event(
    ctx,
    'pod.captured',
    occurredAt,
    refs,
    compact({
      documentId,
      documentType,
      signatureCaptured,
      photoCount: Math.min(photoCount, 100),
      exceptionsNoted,
      temperatureAtDeliveryCelsius: inRange ? temperatureAtDeliveryCelsius : undefined,
    }),
  );
  if (documentType !== 'proof-of-delivery') return { kind: 'events', events: [pod] };
  // A signed proof of delivery is the delivery: both facts travel, with distinct deterministic ids.
  const delivered = event(
    ctx,
    'shipment.delivered',
    occurredAt,
    refs,
    compact({ complete: exceptionsNoted !== true, temperatureAtDeliveryCelsius: inRange ? temperatureAtDeliveryCelsius : undefined }),
    1,
  );
  return { kind: 'events', events: [pod, delivered] };
}

function documentFieldIsYes(value: Record<string, unknown> | undefined): boolean | undefined {
  if (!value) return undefined;
  if (typeof value.booleanValue === 'boolean') return value.booleanValue;
  if (typeof value.stringValue === 'string') return /^(yes|true|y)$/i.test(value.stringValue.trim());
  if (Array.isArray(value.multipleChoiceValue)) {
    // Field values are free-form in our schema: a choice may be anything, null included.
    return (value.multipleChoiceValue as unknown[]).some((c) => {
      const choice = c !== null && typeof c === 'object' ? (c as { selected?: unknown; value?: unknown }) : undefined;
      return choice?.selected === true && typeof choice.value === 'string' && /^(yes|true|y)$/i.test(choice.value);
    });
  }
  return undefined;
}

/**
 * The route-stop milestones a route read from the Routes API shows (`GET /fleet/routes/{id}`, the same route object
 * the route-stop webhooks carry): for each stop that has an actual departure or arrival time, the event its webhook
 * maps to, with the same id (`stopMilestoneFact`). The reconciliation sweep (lambdas/fleet/reconciliation) publishes
 * the ones the index lacks. Pure.
 */
export function routeStopMilestones(route: SamsaraRouteStopData['route'], vehicle: SamsaraEntity | undefined, receivedAt: string): CanonicalDetail[] {
  const events: CanonicalDetail[] = [];
  for (const stop of route.stops) {
    const observed: [string, 'actualDepartureTime' | 'actualArrivalTime', typeof mapDeparture][] = [
      ['RouteStopDeparture', 'actualDepartureTime', mapDeparture],
      ['RouteStopArrival', 'actualArrivalTime', mapArrival],
    ];
    for (const [eventType, time, map] of observed) {
      const at = stop[time];
      if (at === undefined) continue;
      const fact = stopMilestoneFact(route.id, stop.id, time === 'actualDepartureTime' ? 'departed' : 'arrived', at);
      const decoded: DecodedEvent<SamsaraWebhook> = { event: { eventId: fact, eventTime: at, eventType, data: {} }, vendorEventId: fact, vendorEventType: eventType };
      const result = map({ decoded, receivedAt }, { route, routeStopDetails: { id: stop.id }, ...(vehicle ? { vehicle } : {}) });
      if (result.kind === 'events') events.push(...(result.events as CanonicalDetail[]));
    }
  }
  return events;
}

/** Samsara event types we map; any other valid event is answered 202 ignored. */
export const SAMSARA_MAPPED_EVENT_TYPES = ['RouteStopDeparture', 'RouteStopArrival', 'RouteStopEtaUpdated', 'DocumentSubmitted', 'AlertIncident'] as const;

/**
 * Mapping of a decoded Samsara webhook: pure, except that a temperature alert is deferred to read the reading and
 * the carried shipments through `alerts` (samsara-alerts.ts).
 */
export function mapSamsara(decoded: DecodedEvent<SamsaraWebhook>, receivedAt: string, alerts?: SamsaraAlertPorts): MapResult | DeferredMapResult {
  const ctx: Context = { decoded, receivedAt };
  const { eventType, data } = decoded.event;
  switch (eventType) {
    case 'RouteStopDeparture':
      return mapDeparture(ctx, data as SamsaraRouteStopData);
    case 'RouteStopArrival':
      return mapArrival(ctx, data as SamsaraRouteStopData);
    case 'RouteStopEtaUpdated':
      return mapEta(ctx, data as SamsaraRouteStopData);
    case 'DocumentSubmitted':
      return mapDocument(ctx, data as SamsaraDocumentData);
    case 'AlertIncident':
      return mapSamsaraAlert(decoded, receivedAt, alerts);
    default:
      return { kind: 'ignored', reason: `Samsara event type ${eventType} is not mapped` };
  }
}

/**
 * The Samsara dialect. With `alerts` (the fleet API and the correlation index), temperature alerts are mapped;
 * without, they are answered 503 (our side cannot map them) so Samsara retries.
 */
export function createSamsaraDialect(alerts?: SamsaraAlertPorts): Dialect<SamsaraWebhook> {
  return { ...samsaraDialect, map: (decoded, receivedAt) => mapSamsara(decoded, receivedAt, alerts) };
}

export const samsaraDialect: Dialect<SamsaraWebhook> = {
  ...dialectIdentity(VENDOR_DIALECTS.samsara),
  verify(request, secret, now, toleranceSeconds) {
    verifySamsara({
      timestamp: signatureHeader(request, SAMSARA_TIMESTAMP_HEADER),
      signature: signatureHeader(request, SAMSARA_SIGNATURE_HEADER),
      body: request.body,
      secret,
      now,
      toleranceSeconds,
    });
  },
  decode(_request, json) {
    const event = validateOrThrow(validateSamsara, json, 'invalid Samsara webhook');
    return { event, vendorEventId: event.eventId, vendorEventType: event.eventType };
  },
  map: mapSamsara,
};
