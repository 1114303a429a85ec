import { buildCanonicalEvent, type CanonicalDetail } from '../../shared/canonical-event';
import { UpstreamUnavailableError, ValidationError } from '../../shared/errors';
import type { DecodedEvent, DeferredMapResult, MapResult } from '../../shared/webhook/dialect';
import { asIdentifier, asShortText, compact, minutesBetween } from '../../shared/webhook/mapping';
import type { AssetKind } from '../../../registry/correlation-keys';
import type { AlertAssets } from '../../shared/parked-alerts';

/**
 * Samsara temperature alerts → `shipment.exception-raised` (temperature-excursion).
 *
 * Samsara's alert webhook 2.0 carries no route and no reading (https://developers.samsara.com/docs/alert-webhook-payload;
 * SDK types `AmbientTemperatureResponseBody` = `{sensor}`, `ReeferTemperatureResponseBody` = `{driver, trailer,
 * vehicle}`): the temperature triggers name the asset. So the mapping reads (in the alert check consumer, or inside
 * the intake's idempotent step when it has no check queue; either way a vendor retry of a processed alert reads nothing):
 *
 * 1. the reading, from the Samsara API: an ambient-temperature alert's sensor (`POST /v1/sensors/temperature`, which
 *    also names the sensor's trailer and vehicle), a reefer alert's trailer (its reefer temperature stat);
 * 2. the shipments on that vehicle or trailer during the incident, from the correlation index (an assignment begins
 *    when the shipment is dispatched and ends at its delivery, with the load's allowed range);
 * 3. one exception per shipment carried (a multi-drop trailer carries several), judged against that shipment's
 *    range: the alert's own threshold is the fleet manager's setting, the shipment's range is the contract.
 *
 * With the alert check queue (lambdas/fleet/alert-recheck, the deployed stack), the intake validates, dedupes and
 * answers 202 queued at once, and the check consumer does the reads: an asset with none of our shipments yet is
 * checked again later (the index may be behind the dispatch). Without it, the intake reads in the request: an alert
 * on an asset that carries none of our shipments, or only loads without a temperature range, is answered 202
 * ignored with the reason, and a reading the API cannot give is our failure to answer (503): Samsara retries.
 */

/** A reading of the Samsara API, in °C. */
export interface TemperatureReading {
  readonly celsius: number;
  /** When the device reported it (RFC 3339). */
  readonly at: string;
}

/** The Samsara API reads a temperature alert needs. */
export interface FleetTelemetry {
  /** The sensor's current ambient reading and the trailer / vehicle it is on; undefined when Samsara reports none. */
  sensorTemperature(sensorId: string): Promise<(TemperatureReading & { trailerId?: string; vehicleId?: string }) | undefined>;
  /** The reefer temperature of a trailer; undefined when Samsara reports none. */
  reeferTemperature(trailerId: string): Promise<TemperatureReading | undefined>;
}

/** A shipment a fleet asset carried at a given time (an assignment of the correlation index). */
export interface CarriedShipment {
  readonly shipmentId: string;
  readonly orderId?: string;
  readonly routeId?: string;
  readonly correlationId: string;
  readonly minCelsius?: number;
  readonly maxCelsius?: number;
}

/** The time an incident covers: from `happenedAtTime` to its resolution, its last update, or now. */
export interface IncidentSpan {
  readonly from: string;
  readonly until: string;
}

/** Port: which shipments an asset carried during an incident (lambdas/fleet/inbound/asset-assignments.ts). */
export interface AssetAssignments {
  /**
   * Shipments assigned to any of the asset's ids (its Samsara id and its external ids `key:value`) at some time
   * during `span`: dispatched before the incident ended, not delivered before it began.
   */
  carriedDuring(kind: AssetKind, assetIds: readonly string[], span: IncidentSpan): Promise<CarriedShipment[]>;
}

export interface SamsaraAlertPorts {
  readonly telemetry: FleetTelemetry;
  readonly assignments: AssetAssignments;
  /**
   * Where every temperature alert goes to be checked (lambdas/fleet/alert-recheck): at once, and again later while
   * the index knows no shipment on its asset. @default - the intake reads in the request; unmatched is ignored
   */
  readonly recheck?: AlertRecheckQueue;
}

/** An alert the index could not place, as the recheck consumer needs it: the decoded webhook and when it came. */
export interface AlertRecheckRequest {
  readonly decoded: DecodedEvent<AlertEnvelope & { data: unknown }>;
  readonly receivedAt: string;
  /** Checks made so far (0: the intake queued it without reading). */
  readonly checks: number;
}

/** Port: the recheck queue (SQS with a delay; lambdas/fleet/alert-recheck/queue.ts). */
export interface AlertRecheckQueue {
  /** Sends the alert to be checked again after `delaySeconds`; a failure is UpstreamUnavailable (the vendor retries). */
  later(request: AlertRecheckRequest, delaySeconds: number): Promise<void>;
}

/** The wait before the first recheck; each later one doubles it up to MAX_RECHECK_DELAY_SECONDS. */
export const FIRST_RECHECK_DELAY_SECONDS = 30;
/**
 * The longest wait between two checks: once the index knows the shipment (its dispatch was in a batch retried after
 * a crash, or behind a backlog), the excursion is published at most this long after. Doubling without a cap (8 min
 * for the last wait) left a temperature ticket up to 8 minutes behind an index that had caught up.
 */
export const MAX_RECHECK_DELAY_SECONDS = 120;

interface AlertEntity {
  id?: string;
  name?: string;
  externalIds?: Readonly<Record<string, string>>;
}

export interface SamsaraAlertIncidentData {
  configurationId?: string;
  happenedAtTime: string;
  updatedAtTime?: string;
  resolvedAtTime?: string;
  isResolved?: boolean;
  incidentUrl?: string;
  conditions: { description?: string; triggerId?: number; details?: Record<string, unknown> }[];
}

interface AlertEnvelope {
  readonly eventId: string;
  readonly eventTime: string;
}

/** What a temperature condition names, and where it is in the alert (`index` of `data.conditions`). */
type TemperatureTrigger =
  | { readonly kind: 'ambient'; readonly sensor: AlertEntity; readonly description?: string; readonly index: number }
  | { readonly kind: 'reefer'; readonly trailer?: AlertEntity; readonly vehicle?: AlertEntity; readonly description?: string; readonly index: number };

/** The first temperature condition of an alert, if any (pure). */
export function temperatureTrigger(data: SamsaraAlertIncidentData): TemperatureTrigger | undefined {
  for (const [index, condition] of data.conditions.entries()) {
    const ambient = condition.details?.ambientTemperature as { sensor?: AlertEntity } | undefined;
    if (ambient?.sensor?.id) return { kind: 'ambient', sensor: ambient.sensor, description: condition.description, index };
    const reefer = condition.details?.reeferTemperature as { trailer?: AlertEntity; vehicle?: AlertEntity } | undefined;
    if (reefer && (reefer.trailer?.id || reefer.vehicle?.id)) return { kind: 'reefer', trailer: reefer.trailer, vehicle: reefer.vehicle, description: condition.description, index };
  }
  return undefined;
}

/** An asset's ids as the correlation index may know them: its Samsara id and each external id `key:value` (pure). */
export function assetIds(entity: AlertEntity | undefined, samsaraId?: string): string[] {
  const ids = new Set<string>();
  if (entity?.id) ids.add(entity.id);
  if (samsaraId) ids.add(samsaraId);
  for (const [key, value] of Object.entries(entity?.externalIds ?? {})) if (value) ids.add(`${key}:${value}`);
  return [...ids];
}

/** The exceptions for the shipments an alerting asset carried (pure). */
export function temperatureExceptions(input: {
  envelope: AlertEnvelope;
  data: SamsaraAlertIncidentData;
  trigger: TemperatureTrigger;
  reading: TemperatureReading;
  shipments: readonly CarriedShipment[];
  receivedAt: string;
}): MapResult {
  const { envelope, data, trigger, reading, receivedAt } = input;
  const judged = input.shipments.filter((s) => s.minCelsius !== undefined || s.maxCelsius !== undefined);
  if (judged.length === 0) return { kind: 'ignored', reason: `the ${input.shipments.length} shipment(s) on the alerting asset have no temperature range` };
  const until = data.resolvedAtTime ?? data.updatedAtTime ?? envelope.eventTime;
  const durationMinutes = Math.min(Math.max(0, minutesBetween(data.happenedAtTime, until) ?? 0), 100_000);
  const exceptionId = asIdentifier(data.incidentUrl?.replace(/^https?:\/\//, '')) ?? asIdentifier(data.configurationId);
  const sensorId = trigger.kind === 'ambient' ? asIdentifier(trigger.sensor.id) : undefined;
  const events = [...judged]
    .sort((a, b) => a.shipmentId.localeCompare(b.shipmentId))
    .map(
      (shipment, index): CanonicalDetail<object> =>
        buildCanonicalEvent({
          eventType: 'shipment.exception-raised',
          system: 'fleet',
          vendor: 'samsara',
          vendorEventId: envelope.eventId,
          index,
          occurredAt: data.happenedAtTime,
          receivedAt,
          refs: compact({ orderId: shipment.orderId, shipmentId: shipment.shipmentId, routeId: shipment.routeId }),
          correlationId: shipment.correlationId,
          data: compact({
            kind: 'temperature-excursion' as const,
            exceptionId,
            description: asShortText(trigger.description),
            readingCelsius: Math.round(reading.celsius * 100) / 100,
            limits: compact({ minCelsius: shipment.minCelsius, maxCelsius: shipment.maxCelsius }),
            durationMinutes,
            sensorId,
            resolved: data.isResolved,
          }),
        }),
    );
  return { kind: 'events', events };
}

/**
 * Maps a Samsara AlertIncident (pure until `complete`): not a temperature alert → ignored; otherwise a deferred
 * result that reads the reading and the carried shipments through the ports.
 */
export function mapSamsaraAlert(
  decoded: DecodedEvent<AlertEnvelope & { data: unknown }>,
  receivedAt: string,
  ports: SamsaraAlertPorts | undefined,
): MapResult | DeferredMapResult {
  const data = decoded.event.data as SamsaraAlertIncidentData;
  const trigger = temperatureTrigger(data);
  if (!trigger) return { kind: 'ignored', reason: 'alert incident is not a temperature alert' };
  // The reading of a reefer alert is its trailer's reefer temperature: one that names only a vehicle can never be
  // read, so it is refused (a 5xx would have Samsara retry what no retry can fix). Reefer alerts belong on trailers.
  if (trigger.kind === 'reefer' && !trigger.trailer?.id) {
    throw new ValidationError(
      'a reefer temperature alert must name the trailer: its reading is the trailer\'s reefer temperature (set the alert on the reefer trailers)',
      `data.conditions[${trigger.index}].details.reeferTemperature.trailer`,
    );
  }
  return {
    kind: 'deferred',
    async complete() {
      // With a recheck queue, the intake reads nothing: the reads (the fleet API, the index) take seconds when the
      // index is behind, and Samsara gives a webhook 5 s (docs/webhooks.md); an answer it never got is a retry at
      // best. The recheck consumer makes the first check at once and the later ones with doubling waits.
      if (ports?.recheck) {
        await ports.recheck.later({ decoded, receivedAt, checks: 0 }, 0);
        return { kind: 'queued', reason: `temperature alert: its reading and the shipments on the ${trigger.kind === 'ambient' ? 'sensor' : 'trailer or vehicle'} are read by the alert check (checked at once, then again from ${FIRST_RECHECK_DELAY_SECONDS} s on, at most ${MAX_RECHECK_DELAY_SECONDS / 60} min apart, for about 15 minutes while the index knows no shipment on it)` };
      }
      if (!ports) throw new UpstreamUnavailableError('temperature alerts need the fleet API and the correlation index, which this adapter was not given');
      const resolution = await resolveAlert(decoded, receivedAt, ports);
      return resolution.kind === 'unmatched' ? { kind: 'ignored', reason: resolution.reason } : resolution;
    },
  };
}

/** An alert on an asset that, as far as the index knows now, carries none of our shipments. */
export interface UnmatchedAlert {
  readonly kind: 'unmatched';
  readonly reason: string;
  /** The assets it was looked up by, with every id each is known by (where it is parked after its last check). */
  readonly assets: readonly AlertAssets[];
  /** When the incident began. */
  readonly happenedAt: string;
}

/**
 * Reads an alert's reading and shipments through the ports and maps it (the intake's first check and each
 * recheck): the exceptions, ignored (no range), or unmatched (no shipment on the asset, as the index knows it now).
 */
export async function resolveAlert(
  decoded: DecodedEvent<AlertEnvelope & { data: unknown }>,
  receivedAt: string,
  ports: Pick<SamsaraAlertPorts, 'telemetry' | 'assignments'>,
): Promise<MapResult | UnmatchedAlert> {
  const data = decoded.event.data as SamsaraAlertIncidentData;
  const trigger = temperatureTrigger(data);
  if (!trigger) return { kind: 'ignored', reason: 'alert incident is not a temperature alert' };
  const trailerId = trigger.kind === 'reefer' ? trigger.trailer?.id : undefined;
  const at = data.happenedAtTime;
  const span: IncidentSpan = { from: at, until: data.resolvedAtTime ?? data.updatedAtTime ?? decoded.event.eventTime };
  let reading: TemperatureReading | undefined;
  const carried: CarriedShipment[] = [];
  // The assets looked up, by every id they are known by: where the alert is parked if no check places it.
  const looked: AlertAssets[] = [];
  if (trigger.kind === 'ambient') {
    const sensor = await ports.telemetry.sensorTemperature(trigger.sensor.id!);
    reading = sensor;
    if (sensor?.trailerId) looked.push({ kind: 'trailer', ids: [sensor.trailerId] });
    if (sensor?.vehicleId) looked.push({ kind: 'vehicle', ids: [sensor.vehicleId] });
    if (sensor?.trailerId) carried.push(...(await ports.assignments.carriedDuring('trailer', [sensor.trailerId], span)));
    if (sensor?.vehicleId) carried.push(...(await ports.assignments.carriedDuring('vehicle', [sensor.vehicleId], span)));
    if (!sensor?.trailerId && !sensor?.vehicleId) return { kind: 'ignored', reason: `sensor ${trigger.sensor.id} is on no trailer or vehicle` };
  } else {
    if (trigger.trailer?.id) looked.push({ kind: 'trailer', ids: assetIds(trigger.trailer) });
    if (trigger.vehicle?.id) looked.push({ kind: 'vehicle', ids: assetIds(trigger.vehicle) });
    if (trigger.trailer?.id) carried.push(...(await ports.assignments.carriedDuring('trailer', assetIds(trigger.trailer), span)));
    if (trigger.vehicle?.id) carried.push(...(await ports.assignments.carriedDuring('vehicle', assetIds(trigger.vehicle), span)));
    if (carried.length > 0 && trailerId) reading = await ports.telemetry.reeferTemperature(trailerId);
  }
  const shipments = [...new Map(carried.map((s) => [s.shipmentId, s])).values()];
  // The asset's ids in the reason: an alert ignored after its checks is found in the log by the trailer (docs/runbook.md).
  const named =
    trigger.kind === 'ambient'
      ? `sensor ${trigger.sensor.id}`
      : [trigger.trailer?.id ? `trailer ${trigger.trailer.id}` : undefined, trigger.vehicle?.id ? `vehicle ${trigger.vehicle.id}` : undefined].filter(Boolean).join(', ');
  if (shipments.length === 0) {
    return { kind: 'unmatched', reason: `no logistics-sync shipment was on the alerting ${trigger.kind === 'ambient' ? 'sensor' : 'trailer or vehicle'} (${named}) between ${span.from} and ${span.until}`, assets: looked, happenedAt: at };
  }
  if (!reading) throw new UpstreamUnavailableError(`Samsara reported no temperature for the alerting ${trigger.kind === 'ambient' ? `sensor ${trigger.sensor.id}` : `trailer ${trailerId}`}`);
  return temperatureExceptions({ envelope: decoded.event, data, trigger, reading, shipments, receivedAt });
}
