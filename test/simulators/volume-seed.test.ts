import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErpSimulator } from '../../sandbox/simulators/erp';
import { FleetSimulator } from '../../sandbox/simulators/fleet';
import { SECRETS, startReceiver, type Receiver } from './helpers';

// Volume runs (npm run chaos) need more orders and trucks than the seed: the ERP's createOrder and the fleet's
// addVehicle actions, vendor-side (no API the product calls is added).
describe('ERP createOrder and fleet addVehicle', () => {
  let receiver: Receiver;
  let erp: ErpSimulator;
  let fleet: FleetSimulator;

  beforeAll(async () => {
    receiver = await startReceiver();
    erp = new ErpSimulator({ cloudEventsSecret: SECRETS.cloudevents, webhookUrl: `${receiver.url}/webhooks/erp/cloudevents` });
    fleet = new FleetSimulator({ samsaraSecret: SECRETS.samsara });
    await Promise.all([erp.start(), fleet.start()]);
  });
  afterAll(async () => {
    await Promise.all([erp.stop(), fleet.stop()]);
    await receiver.close();
  });

  test('a new order copies the seed order it is modelled on, with its own id, assets and a window as far from now', async () => {
    const seed = (erp.snapshot() as { orders: { orderId: string; deliveryWindow: { from: string }; createdAt: string }[] }).orders.find((o) => o.orderId === 'SO-1001')!;
    const order = erp.createOrder({ orderId: 'VOL-1', likeOrderId: 'SO-1001', assignment: { vehicleId: 'erp.vehicle:TRK-V1', trailerId: 'erp.trailer:RF-V1' } });
    expect(order).toMatchObject({ orderId: 'VOL-1', customerId: 'C-77', status: 'open', assignment: { vehicleId: 'erp.vehicle:TRK-V1', trailerId: 'erp.trailer:RF-V1' } });
    expect(order.lines).toHaveLength(2);
    // The seed's window is 4 h after its base (2 h after its createdAt); the new one is as far from now.
    const lead = Date.parse(seed.deliveryWindow.from) - Date.parse(seed.createdAt);
    expect(Math.abs(Date.parse(order.deliveryWindow.from) - Date.parse(order.createdAt) - lead + 2 * 3_600_000)).toBeLessThan(5_000);
    const delivery = await erp.releaseOrder('VOL-1');
    expect(delivery.ok).toBe(true);
    expect((delivery.body as { subject: string }).subject).toBe('VOL-1');
  });

  test('an id already in the books, an unknown model order and a malformed id are refused', async () => {
    await expect(erp.runAction('createOrder', { orderId: 'SO-1002', likeOrderId: 'SO-1001' })).rejects.toMatchObject({ status: 409 });
    await expect(erp.runAction('createOrder', { orderId: 'VOL-2', likeOrderId: 'VOL-1' })).rejects.toThrow(/likeOrderId must be one of SO-1001/);
    await expect(erp.runAction('createOrder', { orderId: 'bad id', likeOrderId: 'SO-1001' })).rejects.toThrow(/orderId must be/);
    expect(await erp.runAction('createOrder', { orderId: 'VOL-3', likeOrderId: 'SO-1002', assignment: { vehicleId: 'erp.vehicle:TRK-V3' } })).toMatchObject({ customerId: 'C-12' });
  });

  test('a reset forgets created orders', () => {
    erp.createOrder({ orderId: 'VOL-4', likeOrderId: 'SO-1003' });
    erp.reset();
    expect((erp.snapshot() as { orders: unknown[] }).orders).toHaveLength(3);
  });

  test('an added truck and its reefer are found by their ERP ids, and a route on it names the reefer in a temperature alert', async () => {
    const { vehicle, trailer } = fleet.addVehicle({ erpVehicleId: 'TRK-V9', erpTrailerId: 'RF-V9', reeferCelsius: 4 });
    expect(trailer?.coupledVehicleId).toBe(vehicle.id);
    expect(() => fleet.addVehicle({ erpVehicleId: 'TRK-V9' })).toThrow(/exists/);
    const route = fleet.createRoute({
      name: 'volume',
      vehicleId: 'erp.vehicle:TRK-V9',
      stops: [
        { name: 'DC', singleUseLocation: { address: 'Distributieweg 12, Rotterdam', latitude: 51.8856, longitude: 4.4236 }, scheduledDepartureTime: new Date().toISOString() },
        { name: 'Dock', singleUseLocation: { address: 'Koelhuisweg 4, Utrecht', latitude: 52.1093, longitude: 5.0708 }, scheduledArrivalTime: new Date(Date.now() + 3_600_000).toISOString() },
      ],
    });
    expect(route.vehicle?.id).toBe(vehicle.id);
    fleet.setWebhookTarget('samsara', `${receiver.url}/webhooks/fleet/samsara`);
    const alert = await fleet.raiseTemperatureAlert(route.id);
    expect(alert.rawBody).toContain(trailer!.id);
    expect(alert.rawBody).toContain('RF-V9');
  });
});
