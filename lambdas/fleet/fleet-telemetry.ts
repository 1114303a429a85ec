import { RejectedByTargetError } from '../shared/errors';
import type { HttpJsonClient } from '../shared/outbound/http-client';
import type { CredentialsSource } from '../shared/outbound/secrets';
import type { FleetTelemetry, TemperatureReading } from './inbound/samsara-alerts';

interface SensorTemperatureResponse {
  sensors?: { id?: unknown; ambientTemperature?: unknown; ambientTemperatureTime?: unknown; trailerId?: unknown; vehicleId?: unknown }[];
}

interface TrailerStatsResponse {
  data?: { id?: unknown; [stat: string]: unknown }[];
}

const idOf = (value: unknown): string | undefined => (typeof value === 'number' || (typeof value === 'string' && value !== '') ? String(value) : undefined);

/** A milli-°C value with its time, as Samsara's stats report them. */
function milliReading(value: unknown, time: unknown): TemperatureReading | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || typeof time !== 'string') return undefined;
  return { celsius: value / 1000, at: time };
}

/**
 * The Samsara reads a temperature alert needs (contract: contracts/samsara/openapi.json), with the fleet API token:
 * - a sensor's ambient temperature: `POST /v1/sensors/temperature` `{sensors: [<id>]}` → `ambientTemperature`
 *   (milli-°C) and the trailer and vehicle the sensor is on (v1 ids are integers; the alert names them as strings);
 * - a trailer's reefer temperature: `GET /fleet/trailers/stats?types=<stat>&trailerIds=<id>` (the snapshot), by
 *   default the return-air temperature of zone 1 (the air coming back from the load; "for single zone reefers,
 *   this applies to the single zone").
 * A resource Samsara does not know (404) reads as "no reading"; anything else is an error the caller retries.
 */
export class SamsaraTelemetryClient implements FleetTelemetry {
  constructor(
    private readonly http: HttpJsonClient,
    private readonly credentials: CredentialsSource<{ apiToken: string }>,
    /** The trailer stat that carries the reefer temperature. */
    private readonly reeferStat: string = REEFER_TEMPERATURE_STAT,
  ) {}

  async sensorTemperature(sensorId: string): Promise<(TemperatureReading & { trailerId?: string; vehicleId?: string }) | undefined> {
    const numeric = Number(sensorId);
    if (!Number.isSafeInteger(numeric)) return undefined;
    const body = await this.read<SensorTemperatureResponse>({ method: 'POST', path: '/v1/sensors/temperature', json: { sensors: [numeric] } });
    const sensor = body?.sensors?.find((s) => idOf(s.id) === String(numeric));
    const reading = milliReading(sensor?.ambientTemperature, sensor?.ambientTemperatureTime);
    if (!sensor || !reading) return undefined;
    const trailerId = idOf(sensor.trailerId);
    const vehicleId = idOf(sensor.vehicleId);
    return { ...reading, ...(trailerId ? { trailerId } : {}), ...(vehicleId ? { vehicleId } : {}) };
  }

  async reeferTemperature(trailerId: string): Promise<TemperatureReading | undefined> {
    const body = await this.read<TrailerStatsResponse>({ method: 'GET', path: '/fleet/trailers/stats', query: { types: this.reeferStat, trailerIds: trailerId } });
    const trailer = body?.data?.find((t) => idOf(t.id) === trailerId);
    const stat = trailer?.[this.reeferStat] as { value?: unknown; time?: unknown } | undefined;
    return milliReading(stat?.value, stat?.time);
  }

  private async read<T>(request: Parameters<HttpJsonClient['request']>[0]): Promise<T | undefined> {
    const { apiToken } = await this.credentials();
    try {
      const { body } = await this.http.request<T>({ ...request, headers: { authorization: `Bearer ${apiToken}` } });
      return body;
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) return undefined;
      throw error;
    }
  }
}

/**
 * The trailer stat read as the load's temperature: the reefer's return air (the air as it leaves the cargo space
 * and enters the cooling unit). Samsara does not publish which stat its reefer-temperature alert watches.
 */
export const REEFER_TEMPERATURE_STAT = 'reeferReturnAirTemperatureMilliCZone1';
