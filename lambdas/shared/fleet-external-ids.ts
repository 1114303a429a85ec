/**
 * Keys under which our ids travel in the fleet system's `externalIds` (Samsara routes and stops).
 * Fleet webhooks carry them back, which is how a fleet event finds its order and shipment.
 */
export const FLEET_EXTERNAL_ID_KEYS = {
  orderId: 'logisticsSync.orderId',
  shipmentId: 'logisticsSync.shipmentId',
} as const;
