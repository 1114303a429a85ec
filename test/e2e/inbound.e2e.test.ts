/**
 * Issue 4 end to end, in the sandbox: the product's webhook API (served from the synthesized template by
 * the local runtime, the inbound function's real bundle in its own worker, moto behind it) takes a signed
 * Samsara webhook to the bus as the right canonical event, deduplicates the vendor's retry, and refuses a
 * forged one. The test signs like Samsara does, with the sandbox's Samsara secret.
 *
 * The alert is Samsara's: it names the truck and the reefer (TRK-21, RF-207, assets of their own so no other test
 * shares them), not the route or a reading. The shipment is released through the ERP's canonical webhook and
 * dispatched by the product first, so the index knows it is on them.
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, test } from 'vitest';
import { createCanonicalAjv } from '../../schemas/tooling/ajv';
import { signLsync, signSamsara } from '../../lambdas/shared/webhook/signatures';
import type { Usage } from '../../sandbox/metering';
import { assignmentsOf, control, eventually, sandbox, sim } from './support';

interface TappedEvent {
  id: string;
  source: string;
  'detail-type': string;
  detail: { metadata: { eventId: string; eventType: string; schemaVersion: string; source: { eventId: string } }; refs: Record<string, string>; data: Record<string, unknown> };
}

const ajv = createCanonicalAjv();
const run = randomUUID().slice(0, 8);
const orderId = `SO-E2E-${run}`;
const shipmentId = `SHP-E2E-${run}`;
const TRAILER = { id: '281474977110207', name: 'Reefer RF-207', externalIds: { 'erp.trailer': 'RF-207' } };
const TRUCK = { id: '212014918087527', name: 'Truck 21', serial: 'G7E5GM59J1', externalIds: { 'erp.vehicle': 'TRK-21' } };

function temperatureAlert(eventId: string) {
  return {
    eventId,
    eventTime: new Date().toISOString(),
    eventType: 'AlertIncident',
    orgId: 20936,
    webhookId: '1411751028848270',
    data: {
      configurationId: '9814a1fa-f0c6-408b-bf85-51dc3bc71ac7',
      happenedAtTime: new Date(Date.now() - 25 * 60_000).toISOString(),
      updatedAtTime: new Date().toISOString(),
      incidentUrl: `https://cloud.samsara.com/o/20936/fleet/workflows/incidents/${eventId}`,
      isResolved: false,
      conditions: [{ description: 'Reefer temperature out of range', triggerId: 1033, details: { reeferTemperature: { trailer: TRAILER, vehicle: TRUCK } } }],
    },
  };
}

/** Releases the test's shipment on TRK-21 / RF-207 through the ERP's canonical webhook; resolves once the index has the assignment. */
async function dispatchOnTheReefer(): Promise<void> {
  const now = Date.now();
  await sim('erp', 'POST', '/__sim/actions/sendCanonical', {
    event: {
      eventId: `release-${shipmentId}`,
      eventType: 'order.released',
      occurredAt: new Date(now).toISOString(),
      correlationId: orderId,
      refs: { orderId, shipmentId, customerId: 'C-77' },
      data: {
        lines: [{ lineNumber: 10, sku: 'VAC-FLU-25', quantity: 2, unit: 'CS' }],
        temperature: { regime: 'chilled', range: { minCelsius: 2, maxCelsius: 8 } },
        deliveryWindow: { from: new Date(now + 4 * 3_600_000).toISOString(), to: new Date(now + 8 * 3_600_000).toISOString() },
        shipFrom: { locationId: 'DC-01', name: 'Central DC Rotterdam', coordinates: { latitude: 51.8856, longitude: 4.4236 } },
        shipTo: { locationId: 'C-77-DOCK-1', name: 'C-77 Utrecht receiving dock', coordinates: { latitude: 52.1093, longitude: 5.0708 } },
        assignment: { vehicleId: 'erp.vehicle:TRK-21', trailerId: 'erp.trailer:RF-207' },
      },
    },
  });
  await eventually(async () => ((await assignmentsOf(shipmentId)).length === 2 ? true : undefined), 60_000, 'the assignment of the shipment to the truck and the reefer in the index');
}

async function postSamsara(body: string, secret = sandbox().secrets.samsara, at = Math.floor(Date.now() / 1000)) {
  const response = await fetch(`${sandbox().webhookBaseUrl}/webhooks/fleet/samsara`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-samsara-timestamp': String(at), 'x-samsara-signature': signSamsara(secret, at, body) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The exceptions on the bus raised from one Samsara alert (its vendor event id). */
async function busEvents(vendorEventId: string): Promise<TappedEvent[]> {
  const events = await control<TappedEvent[]>('/bus-events?type=shipment.exception-raised');
  return events.filter((e) => e.detail.metadata.source.eventId === vendorEventId);
}


describe('webhook intake in the sandbox', () => {
  const vendorEventId = randomUUID();
  // Built once the shipment is on the reefer: the incident's span must cover the time it is carried.
  let body = '';
  beforeAll(async () => {
    await dispatchOnTheReefer();
    body = JSON.stringify(temperatureAlert(vendorEventId));
  }, 90_000);

  test('a signed Samsara temperature alert reaches the bus as shipment.exception-raised', async () => {
    expect(sandbox().webhookBaseUrl).toBeTruthy();
    const response = await postSamsara(body);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    // Answered at once, without a remote read (Samsara allows 5 s): the alert check function reads and publishes.
    expect(response.body).toMatchObject({ status: 'queued', reason: expect.stringMatching(/read by the alert check/) });
    const [event] = await eventually(async () => ((await busEvents(vendorEventId)).length > 0 ? busEvents(vendorEventId) : undefined), 20_000, 'the canonical event on the bus');
    expect(event.detail.metadata.eventId).toMatch(/^[0-9a-f]{64}$/);
    expect(event.source).toBe('logistics-sync.fleet');
    expect(event['detail-type']).toBe('shipment.exception-raised');
    expect(event.detail.metadata.source.eventId).toBe(vendorEventId);
    expect(event.detail.refs).toMatchObject({ shipmentId, orderId, routeId: expect.any(String) });
    // The reading is the reefer's (read from the fleet API), the limits the shipment's contracted range.
    expect(event.detail.data).toMatchObject({ kind: 'temperature-excursion', readingCelsius: 11.5, limits: { minCelsius: 2, maxCelsius: 8 }, durationMinutes: 25 });
    const validate = ajv.getSchema('https://logistics-sync.dev/schemas/canonical/events/shipment.exception-raised.v1.schema.json')!;
    expect(validate(event.detail) ? [] : validate.errors).toEqual([]);
  });

  test('the vendor retrying the same alert gets the same answer and nothing new is published', async () => {
    const first = await postSamsara(body);
    // Signed again a second later, as Samsara does on each attempt.
    const retry = await postSamsara(body, sandbox().secrets.samsara, Math.floor(Date.now() / 1000) + 1);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await busEvents(vendorEventId)).toHaveLength(1);
  });

  test('a forged alert (wrong key) is refused with 401 and never reaches the bus', async () => {
    const forgedId = randomUUID();
    const forged = JSON.stringify(temperatureAlert(forgedId));
    const response = await postSamsara(forged, Buffer.from(`forged-${run}-0123456789abcdefghij`).toString('base64'));
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid-signature' });
    await new Promise((r) => setTimeout(r, 1500));
    const events = await control<TappedEvent[]>('/bus-events?type=shipment.exception-raised');
    expect(events.filter((e) => e.detail.metadata.source.eventId === forgedId)).toEqual([]);
  });

  test('the sandbox meters what a webhook uses: the API request, the inbound function, its PutEvents and idempotency writes', async () => {
    await control('/metering/start', 'POST');
    let usage: Usage;
    try {
      const alertId = randomUUID();
      const response = await postSamsara(JSON.stringify(temperatureAlert(alertId)));
      expect(response.status).toBe(202);
      // The alert check publishes it: metered until it is on the bus.
      await eventually(async () => ((await busEvents(alertId)).length > 0 ? true : undefined), 20_000, 'the alert on the bus');
    } finally {
      usage = await control<Usage>('/metering/stop', 'POST');
    }
    const webhookApi = usage.restApis.find((a) => /Webhook/.test(a.name));
    expect(webhookApi?.requests).toBeGreaterThanOrEqual(1);
    // Its access log line (a JSON line of some 400 bytes in the stage's format) per request.
    expect(webhookApi?.accessLogBytes).toBeGreaterThanOrEqual(300 * webhookApi!.requests);
    const inbound = usage.lambda.find((f) => f.logicalId.startsWith('FleetInbound'));
    expect(inbound).toMatchObject({ architecture: 'arm64', memoryMb: expect.any(Number) });
    expect(inbound!.invocations).toBeGreaterThanOrEqual(1);
    expect(inbound!.billedMs).toBeGreaterThan(0);
    // Counted from moto's request log, attributed to the functions by their access key.
    expect(usage.awsCalls.find((c) => c.principal === 'functions' && c.service === 'events' && c.operation === 'PutEvents')?.items).toBeGreaterThanOrEqual(1);
    expect(usage.awsCalls.some((c) => c.principal === 'functions' && c.service === 'dynamodb' && ['PutItem', 'UpdateItem'].includes(c.operation))).toBe(true);
  });

  test("the function's Powertools metrics (EMF log lines) reach CloudWatch, as CloudWatch Logs extracts them in AWS", async () => {
    // A temperature alert is queued for the alert check (its reading and shipments are read there): WebhookQueued.
    const response = await postSamsara(JSON.stringify(temperatureAlert(randomUUID())));
    expect(response.status).toBe(202);
    const cloudwatch = new CloudWatchClient({ endpoint: sandbox().awsEndpoint, region: sandbox().region, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
    try {
      const metrics = await eventually(
        async () => {
          const { Metrics } = await cloudwatch.send(new ListMetricsCommand({ Namespace: 'LogisticsSync', MetricName: 'WebhookQueued' }));
          return Metrics?.some((m) => m.Dimensions?.some((d) => d.Value === 'fleet-inbound')) ? Metrics : undefined;
        },
        10_000,
        'WebhookQueued of fleet-inbound in CloudWatch',
      );
      const metric = metrics.find((m) => m.Dimensions?.some((d) => d.Value === 'fleet-inbound'))!;
      const end = new Date(Date.now() + 60_000);
      const { MetricDataResults } = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(end.getTime() - 3_600_000),
          EndTime: end,
          MetricDataQueries: [
            { Id: 'sum', MetricStat: { Metric: metric, Period: 3600, Stat: 'Sum' } },
            { Id: 'p95', MetricStat: { Metric: metric, Period: 3600, Stat: 'p95' } },
          ],
        }),
      );
      expect(MetricDataResults?.find((r) => r.Id === 'sum')?.Values?.[0]).toBeGreaterThanOrEqual(1);
      expect(MetricDataResults?.find((r) => r.Id === 'p95')?.Values?.[0]).toBe(1);
    } finally {
      cloudwatch.destroy();
    }
  });

  test('bad input through the real API: oversized, wrong content type and malformed JSON are 4xx JSON errors', async () => {
    const url = `${sandbox().webhookBaseUrl}/webhooks/fleet/canonical`;
    const post = async (payload: string, contentType = 'application/json') => {
      const at = Math.floor(Date.now() / 1000);
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-lsync-timestamp': String(at), 'x-lsync-signature': signLsync(sandbox().secrets.canonical, at, payload) }, body: payload });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await post(`{"pad":"${'x'.repeat(300_000)}"}`)).toMatchObject({ status: 413, body: { error: 'payload-too-large' } });
    expect(await post('{"eventId":1}', 'text/plain')).toMatchObject({ status: 415, body: { error: 'unsupported-media-type' } });
    expect(await post('{"eventId": ')).toMatchObject({ status: 400, body: { error: 'invalid-request', field: 'body' } });
  });
});
