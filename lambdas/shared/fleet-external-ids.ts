/**
 * How our ids travel in the fleet system's `externalIds` (Samsara routes and stops). Fleet webhooks carry
 * them back, which is how a fleet event finds its order and shipment.
 *
 * Samsara requires an external id *value* to be unique per key across all objects, whatever their class
 * (https://developers.samsara.com/docs/external-ids, "Uniqueness"). So neither an order id (several shipments
 * per order) nor a shipment id on both a route and its stops can be a value on its own. Each object gets one
 * value of its own, with the ids it belongs to joined by `~` (a character canonical identifiers never
 * contain, so splitting is unambiguous):
 *
 * - route (one per shipment): `logisticsSync.shipment` = `<orderId>~<shipmentId>`
 * - stop n (1-based):         `logisticsSync.stop`     = `<orderId>~<shipmentId>~<n>`
 *
 * A route is looked up by shipment with `GET /fleet/routes/logisticsSync.shipment:<orderId>~<shipmentId>`.
 */
export const FLEET_EXTERNAL_ID_KEYS = {
  route: 'logisticsSync.shipment',
  stop: 'logisticsSync.stop',
} as const;

const SEPARATOR = '~';

/** `externalIds` of the route of one shipment. */
export function routeExternalIds(orderId: string, shipmentId: string): Record<string, string> {
  return { [FLEET_EXTERNAL_ID_KEYS.route]: [orderId, shipmentId].join(SEPARATOR) };
}

/** `externalIds` of stop `index` (0-based) of a shipment's route. */
export function stopExternalIds(orderId: string, shipmentId: string, index: number): Record<string, string> {
  return { [FLEET_EXTERNAL_ID_KEYS.stop]: [orderId, shipmentId, String(index + 1)].join(SEPARATOR) };
}

/** The `key:value` reference of a shipment's route, as the Routes API accepts it in place of an id. */
export function routeExternalRef(orderId: string, shipmentId: string): string {
  return `${FLEET_EXTERNAL_ID_KEYS.route}:${routeExternalIds(orderId, shipmentId)[FLEET_EXTERNAL_ID_KEYS.route]}`;
}

/**
 * Order and shipment ids from one `externalIds` map (a route's or a stop's), or `{}` when it carries none of
 * ours. A value of ours that does not split as expected is returned whole as the shipment id: with a `~` in
 * it, it fails canonical validation (a 400 naming `refs.shipmentId`) instead of the event silently losing its
 * shipment; without one, it is read as a bare shipment id.
 */
export function parseFleetExternalIds(ids: Readonly<Record<string, string>> | undefined): { orderId?: string; shipmentId?: string } {
  if (!ids) return {};
  for (const [key, parts] of [
    [FLEET_EXTERNAL_ID_KEYS.stop, 3],
    [FLEET_EXTERNAL_ID_KEYS.route, 2],
  ] as const) {
    const value = ids[key];
    if (typeof value !== 'string' || value === '') continue;
    const split = value.split(SEPARATOR);
    if (split.length !== parts || split.slice(0, 2).some((s) => s === '')) return { shipmentId: value };
    return { orderId: split[0], shipmentId: split[1] };
  }
  return {};
}
