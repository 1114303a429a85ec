import { SimHttpError } from './common';
import type { FleetSeed } from './fleet-organisation';
import { alertIncidentData, ambientTemperatureDetails, reeferTemperatureDetails, type SamsaraRoute } from './fleet-payloads';
import type { SamsaraEventOptions } from './fleet-webhooks';

const MINUTE = 60_000;

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

/**
 * A temperature excursion on a route's vehicle (default 11.5 °C for 25 minutes): the reefer of the trailer
 * coupled to the vehicle (or its cargo sensor) reports the temperature from `at` on (the seed's reading is
 * changed), and the `data` of the AlertIncident Samsara sends — naming the driver, trailer and vehicle
 * (`reeferTemperature`) or the sensor (`ambientTemperature`), never the route, the shipment or the reading.
 */
export function temperatureAlertIncident(route: SamsaraRoute, seed: FleetSeed, options: TemperatureAlertOptions & { at: Date; orgId: number }): Record<string, unknown> {
  const { at } = options;
  const vehicle = route.vehicle ? seed.vehicles.find((v) => v.id === route.vehicle!.id) : undefined;
  const trailer = vehicle ? seed.trailers.find((t) => t.coupledVehicleId === vehicle.id) : undefined;
  const milli = Math.round((options.temperatureCelsius ?? 11.5) * 1000);
  const duration = options.durationMinutes ?? 25;
  const trigger = options.trigger ?? 'reefer';
  let details: Record<string, unknown>;
  if (trigger === 'ambient') {
    const sensor = seed.sensors.find((s) => (trailer && s.trailerId === trailer.id) || (vehicle && s.vehicleId === vehicle.id));
    if (!sensor) throw new SimHttpError(409, 'no_sensor', `no temperature sensor is on the vehicle or trailer of route ${route.id}`);
    sensor.ambient = { value: milli, time: at.toISOString() };
    details = ambientTemperatureDetails(sensor);
  } else {
    if (trailer) trailer.reeferReturnAir = { value: milli, time: at.toISOString() };
    details = reeferTemperatureDetails({ driver: route.driver, trailer, vehicle });
  }
  const happenedAt = new Date(at.getTime() - duration * MINUTE).toISOString();
  return alertIncidentData({
    configurationId: '5b2f0c8e-3d7a-4e61-9c4b-2a7e1f0d9c33',
    incidentUrl: `https://cloud.samsara.com/o/${options.orgId}/fleet/workflows/incidents/${route.id}/${at.getTime()}`,
    happenedAtTime: happenedAt,
    updatedAtTime: at.toISOString(),
    ...(options.resolved ? { resolvedAtTime: at.toISOString() } : {}),
    description: trigger === 'ambient' ? 'Cargo temperature out of range' : 'Reefer temperature out of range',
    triggerId: trigger === 'ambient' ? 1034 : 1033,
    details,
  });
}
