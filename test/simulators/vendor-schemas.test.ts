import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSimulators, type Simulators } from '../../sandbox/simulators/index';
import { SECRETS, getJson, jsonInit, startReceiver, type Receiver } from './helpers';

/**
 * Contract between the simulators and our inbound adapters: every webhook the simulators send must be
 * valid against the vendor schema our API validates it with (schemas/vendors/).
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const schemaDir = path.resolve(import.meta.dirname, '..', '..', 'schemas', 'vendors');
const validators = new Map<string, ReturnType<Ajv2020['compile']>>();

function expectValid(schema: string, value: unknown): void {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, `${schema}.schema.json`), 'utf8')) as object);
    validators.set(schema, validate);
  }
  const valid = validate(value);
  expect(valid ? [] : ajv.errorsText(validate.errors, { separator: '\n' }).split('\n'), `${schema}: ${JSON.stringify(value).slice(0, 300)}`).toEqual([]);
}

describe('simulator webhooks are valid against our vendor schemas', () => {
  let receiver: Receiver;
  let sims: Simulators;
  const basic = { authorization: 'Basic ' + Buffer.from('integration@example.com/token:zendesk-sandbox-api-token').toString('base64') };

  beforeAll(async () => {
    receiver = await startReceiver();
    sims = await startSimulators({ secrets: SECRETS, webhookUrls: receiver.url, erp: { invoiceDelayMs: 0 } });
  });
  afterAll(async () => {
    await sims.stop();
    await receiver.close();
  });

  const bodies = (pathSuffix: string) => receiver.requests.filter((r) => r.path.endsWith(pathSuffix)).map((r) => JSON.parse(r.body) as Record<string, unknown>);

  test('ERP CloudEvents: order released (generic and SAP), invoice posted, quality hold released', async () => {
    await sims.erp.releaseOrder('SO-1001');
    await sims.erp.releaseOrder('SO-1001', { flavor: 'sap' });
    const token = (await getJson(`${sims.urls.erp}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${sims.credentials.erp.clientId}&client_secret=${sims.credentials.erp.clientSecret}`,
    })).body as { access_token: string };
    const bearer = { authorization: `Bearer ${token.access_token}` };
    await getJson(`${sims.urls.erp}/orders/SO-1001/billing-ready`, jsonInit('POST', { shipmentId: 'SHP-1001-01', podDocumentId: 'D-1', deliveredAt: '2026-03-12T13:40:00Z' }, bearer));
    await getJson(`${sims.urls.erp}/quality-holds`, jsonInit('POST', { orderId: 'SO-1001', shipmentId: 'SHP-1001-01', reason: 'excursion', severity: 'critical' }, bearer));
    await sims.erp.releaseQualityHold('QH-000001');
    await sims.settled();

    const events = bodies('/webhooks/erp/cloudevents');
    expect(events.map((e) => e.type)).toEqual([
      'com.example.erp.order.released.v1',
      'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1',
      'com.example.erp.invoice.posted.v1',
      'com.example.erp.quality-hold.released.v1',
    ]);
    events.forEach((event) => expectValid('cloudevent', event));
    const [generic, sap, invoice, hold] = events.map((e) => e.data);
    expectValid('generic-erp-order', generic);
    expectValid('sap-s4hana-salesorder', sap);
    expectValid('generic-erp-invoice', invoice);
    expectValid('generic-erp-quality-hold', hold);
  });

  test('Samsara webhooks 2.0: departure, ETA, arrival, proof of delivery, temperature alert', async () => {
    const route = sims.fleet.createRoute({
      name: 'SO-1001',
      externalIds: { 'logisticsSync.shipment': 'SO-1001~SHP-1001-01' },
      vehicleId: 'erp.vehicle:TRK-17',
      stops: [
        { name: 'DC', singleUseLocation: { address: 'Distributieweg 12, Rotterdam', latitude: 51.8856, longitude: 4.4236 }, scheduledDepartureTime: new Date().toISOString() },
        { name: 'C-77', addressId: 'erp.location:C-77-DOCK-1', externalIds: { 'logisticsSync.stop': 'SO-1001~SHP-1001-01~2' } },
      ],
    });
    await sims.fleet.departStop(route.id);
    await sims.fleet.raiseTemperatureAlert(route.id);
    await sims.fleet.raiseTemperatureAlert(route.id, { trigger: 'ambient' });
    await sims.fleet.updateEta(route.id, new Date(Date.now() + 3_600_000));
    await sims.fleet.arriveAtStop(route.id);
    await sims.fleet.submitProofOfDelivery(route.id);
    await sims.fleet.sendMotiveLocationUpdate(route.id, { lat: 52.1, lon: 5.1 });
    const samsara = bodies('/webhooks/fleet/samsara');
    expect(samsara.map((e) => e.eventType)).toEqual(['RouteStopDeparture', 'AlertIncident', 'AlertIncident', 'RouteStopEtaUpdated', 'RouteStopArrival', 'DocumentSubmitted']);
    samsara.forEach((event) => expectValid('samsara-webhook', event));
    bodies('/webhooks/fleet/motive').forEach((event) => expectValid('motive-webhook', event));
  });

  test('Zendesk ticket events: status, priority and comment changes', async () => {
    await getJson(`${sims.urls.cs}/api/v2/tickets.json`, jsonInit('POST', { ticket: { subject: 's', comment: { body: 'b' }, priority: 'high', external_id: 'SHP-1001-01' } }, basic));
    await sims.cs.setTicketPriority(1, 'urgent');
    await sims.cs.solveTicket(1, { comment: 'Resolved with the customer.' });
    const events = bodies('/webhooks/cs/zendesk');
    expect(events.map((e) => e.type)).toEqual(['zen:event-type:ticket.priority_changed', 'zen:event-type:ticket.comment_added', 'zen:event-type:ticket.status_changed']);
    events.forEach((event) => expectValid('zendesk-webhook', event));
  });
});
