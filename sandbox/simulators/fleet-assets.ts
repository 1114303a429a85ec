import { asObject, json, type SimRequest, type SimResponse } from './common';
import { matchesExternalRef, type FleetSeed } from './fleet-organisation';
import type { SamsaraTrailer } from './fleet-payloads';

/** The organisation's assets as Samsara's API serves them: trailers, their reefer stats, and temperature sensors. */

/** `GET /fleet/trailers/{id}`. */
export function trailerResource(trailer: SamsaraTrailer): Record<string, unknown> {
  return { id: trailer.id, name: trailer.name, ...(trailer.externalIds ? { externalIds: trailer.externalIds } : {}) };
}

/** `GET /fleet/trailers/stats?types=reeferReturnAirTemperatureMilliCZone1[&trailerIds=…]`: one page, milli-°C as Samsara reports them. */
export function trailerStats(req: SimRequest, seed: FleetSeed): SimResponse {
  const types = (req.query.get('types') ?? '').split(',').filter(Boolean);
  const wanted = (req.query.get('trailerIds') ?? '').split(',').filter(Boolean);
  const trailers = wanted.length > 0 ? wanted.flatMap((id) => seed.trailers.filter((t) => t.id === id || matchesExternalRef(t.externalIds ?? {}, id))) : seed.trailers;
  const data = trailers.map((trailer) => ({
    id: trailer.id,
    name: trailer.name,
    ...(trailer.externalIds ? { externalIds: trailer.externalIds } : {}),
    ...(types.includes('reeferReturnAirTemperatureMilliCZone1') ? { reeferReturnAirTemperatureMilliCZone1: trailer.reeferReturnAir } : {}),
  }));
  return json(200, { data, pagination: { endCursor: '', hasNextPage: false } });
}

/** `POST /v1/sensors/temperature` `{sensors: [id, …]}`: the ambient temperature of each sensor. */
export function sensorTemperatures(req: SimRequest, seed: FleetSeed): SimResponse {
  const ids = (asObject(req.body, 'body').sensors as number[]) ?? [];
  const sensors = ids.flatMap((id) => seed.sensors.filter((s) => s.id === id)).map((sensor) => ({
    id: sensor.id,
    name: sensor.name,
    ambientTemperature: sensor.ambient.value,
    ambientTemperatureTime: sensor.ambient.time,
    ...(sensor.trailerId ? { trailerId: Number(sensor.trailerId) } : {}),
    ...(sensor.vehicleId ? { vehicleId: Number(sensor.vehicleId) } : {}),
  }));
  return json(200, { groupId: 101, sensors });
}
