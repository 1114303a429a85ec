import { SimHttpError, notFound } from './common';
import type { SamsaraAddress, SamsaraRef, SamsaraSensor, SamsaraTrailer, SamsaraVehicle } from './fleet-payloads';

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

/** Whether `reference` is one of these external ids written `key:value`. */
export function matchesExternalRef(externalIds: Readonly<Record<string, string>>, reference: string): boolean {
  const colon = reference.indexOf(':');
  return colon > 0 && externalIds[reference.slice(0, colon)] === reference.slice(colon + 1);
}

/** The tiny reference Samsara puts on routes and webhooks: id, name, external ids. */
export function ref(object: SamsaraRef): SamsaraRef {
  return { id: object.id, name: object.name, ...(object.externalIds ? { externalIds: object.externalIds } : {}) };
}

/** An object of the organisation by Samsara id or external id `key:value`; 400 naming the field otherwise. */
export function resolveRef<T extends SamsaraRef>(objects: readonly T[], reference: string, field: string): T {
  const found = objects.find((o) => o.id === reference || matchesExternalRef(o.externalIds ?? {}, reference));
  if (!found) throw new SimHttpError(400, 'invalid_request', `${field} ${reference} does not match any object of the organization`);
  return found;
}

/** A trailer by Samsara id or external id `key:value`; 404 otherwise. */
export function findTrailer(seed: FleetSeed, trailerRef: string): SamsaraTrailer {
  const trailer = seed.trailers.find((t) => t.id === trailerRef || matchesExternalRef(t.externalIds ?? {}, trailerRef));
  if (!trailer) throw notFound(`trailer ${trailerRef} not found`);
  return trailer;
}

/** A vehicle (and the reefer trailer coupled to it) a fleet administrator adds to the organisation. */
export interface NewVehicleInput {
  /** Its ERP id, kept as the external id `erp.vehicle`. */
  erpVehicleId: string;
  /** A reefer trailer coupled to it, with its ERP id (`erp.trailer`). @default - no trailer */
  erpTrailerId?: string;
  /** The reefer's return-air reading. @default 5 */
  reeferCelsius?: number;
}

/**
 * Adds a vehicle (and its coupled reefer trailer) to the organisation, as an administrator does in the Samsara
 * dashboard; ids are numeric strings like Samsara's. An ERP id already in use is refused (external ids are unique
 * per object type, https://developers.samsara.com/docs/external-ids).
 */
export function addVehicle(seed: FleetSeed, input: NewVehicleInput, now: Date): { vehicle: SamsaraVehicle; trailer?: SamsaraTrailer } {
  if (seed.vehicles.some((v) => v.externalIds?.['erp.vehicle'] === input.erpVehicleId)) throw new SimHttpError(409, 'conflict', `a vehicle with erp.vehicle ${input.erpVehicleId} exists`);
  if (input.erpTrailerId && seed.trailers.some((t) => t.externalIds?.['erp.trailer'] === input.erpTrailerId)) throw new SimHttpError(409, 'conflict', `a trailer with erp.trailer ${input.erpTrailerId} exists`);
  const n = seed.vehicles.length + seed.trailers.length;
  const vehicle: SamsaraVehicle = { id: String(212014919000000 + n), name: `Truck ${input.erpVehicleId}`, serial: `SIM${String(n).padStart(7, '0')}`, externalIds: { 'erp.vehicle': input.erpVehicleId } };
  seed.vehicles.push(vehicle);
  if (!input.erpTrailerId) return { vehicle };
  const trailer: SamsaraTrailer = {
    id: String(281474978000000 + n),
    name: `Reefer ${input.erpTrailerId}`,
    externalIds: { 'erp.trailer': input.erpTrailerId },
    coupledVehicleId: vehicle.id,
    reeferReturnAir: { value: Math.round((input.reeferCelsius ?? 5) * 1000), time: now.toISOString() },
  };
  seed.trailers.push(trailer);
  return { vehicle, trailer };
}
