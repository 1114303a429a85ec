/**
 * Issue 4 end to end, in the sandbox: the product's webhook API (served from the synthesized template by
 * the local runtime, the inbound function's real bundle in its own worker, moto behind it) takes a signed
 * Samsara webhook to the bus as the right canonical event, deduplicates the vendor's retry, and refuses a
 * forged one. The test signs like Samsara does, with the sandbox's Samsara secret.
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, test } from 'vitest';
import { createCanonicalAjv } from '../../schemas/tooling/ajv';
import { signLsync, signSamsara } from '../../lambdas/shared/webhook/signatures';
import type { Usage } from '../../lib/sandbox/metering';
import { control, eventually, sandbox } from './support';

interface TappedEvent {
  id: string;
  source: string;
  'detail-type': string;
  detail: { metadata: { eventId: string; eventType: string; schemaVersion: string; source: { eventId: string } }; refs: Record<string, string>; data: Record<string, unknown> };
}

const ajv = createCanonicalAjv();
const run = randomUUID().slice(0, 8);
const shipmentId = `SHP-E2E-${run}`;
const ids = { 'logisticsSync.shipment': `SO-E2E-${run}~${shipmentId}` };

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
      isResolved: false,
      conditions: [
        {
          description: 'Reefer temperature above 8 °C',
          details: {
            ambientTemperature: {
              sensor: { id: 'TS-88231', name: 'Reefer probe 1' },
              temperatureCelsius: 11.5,
              thresholdCelsius: 8,
              thresholdDirection: 'above',
              durationMinutes: 25,
              route: { id: `RT-${run}`, name: 'e2e', externalIds: ids },
            },
          },
        },
      ],
    },
  };
}

async function postSamsara(body: string, secret = sandbox().secrets.samsara, at = Math.floor(Date.now() / 1000)) {
  const response = await fetch(`${sandbox().webhookBaseUrl}/webhooks/fleet/samsara`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-samsara-timestamp': String(at), 'x-samsara-signature': signSamsara(secret, at, body) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function busEvents(eventId: string): Promise<TappedEvent[]> {
  const events = await control<TappedEvent[]>('/bus-events?type=shipment.exception-raised');
  return events.filter((e) => e.detail.metadata.eventId === eventId);
}

describe('webhook intake in the sandbox', () => {
  const vendorEventId = randomUUID();
  const body = JSON.stringify(temperatureAlert(vendorEventId));

  test('a signed Samsara temperature alert reaches the bus as shipment.exception-raised', async () => {
    expect(sandbox().webhookBaseUrl).toBeTruthy();
    const response = await postSamsara(body);
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body).toEqual({ status: 'accepted', eventIds: [expect.stringMatching(/^[0-9a-f]{64}$/)] });
    const [eventId] = response.body.eventIds as string[];
    const [event] = await eventually(async () => ((await busEvents(eventId)).length > 0 ? busEvents(eventId) : undefined), 20_000, 'the canonical event on the bus');
    expect(event.source).toBe('logistics-sync.fleet');
    expect(event['detail-type']).toBe('shipment.exception-raised');
    expect(event.detail.metadata.source.eventId).toBe(vendorEventId);
    expect(event.detail.refs).toMatchObject({ shipmentId, orderId: `SO-E2E-${run}`, routeId: `RT-${run}` });
    expect(event.detail.data).toMatchObject({ kind: 'temperature-excursion', readingCelsius: 11.5, limits: { maxCelsius: 8 }, durationMinutes: 25, sensorId: 'TS-88231' });
    const validate = ajv.getSchema('https://logistics-sync.dev/schemas/canonical/events/shipment.exception-raised.v1.schema.json')!;
    expect(validate(event.detail) ? [] : validate.errors).toEqual([]);
  });

  test('the vendor retrying the same alert gets the same answer and nothing new is published', async () => {
    const first = await postSamsara(body);
    // Signed again a second later, as Samsara does on each attempt.
    const retry = await postSamsara(body, sandbox().secrets.samsara, Math.floor(Date.now() / 1000) + 1);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    const [eventId] = first.body.eventIds as string[];
    await new Promise((r) => setTimeout(r, 1500));
    expect(await busEvents(eventId)).toHaveLength(1);
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
      const response = await postSamsara(JSON.stringify(temperatureAlert(randomUUID())));
      expect(response.status).toBe(202);
    } finally {
      usage = await control<Usage>('/metering/stop', 'POST');
    }
    expect(usage.restApis.find((a) => /Webhook/.test(a.name))?.requests).toBeGreaterThanOrEqual(1);
    const inbound = usage.lambda.find((f) => f.logicalId.startsWith('FleetInbound'));
    expect(inbound).toMatchObject({ architecture: 'arm64', memoryMb: expect.any(Number) });
    expect(inbound!.invocations).toBeGreaterThanOrEqual(1);
    expect(inbound!.billedMs).toBeGreaterThan(0);
    // Counted from moto's request log, attributed to the functions by their access key.
    expect(usage.awsCalls.find((c) => c.principal === 'functions' && c.service === 'events' && c.operation === 'PutEvents')?.items).toBeGreaterThanOrEqual(1);
    expect(usage.awsCalls.some((c) => c.principal === 'functions' && c.service === 'dynamodb' && ['PutItem', 'UpdateItem'].includes(c.operation))).toBe(true);
  });

  test("the function's Powertools metrics (EMF log lines) reach CloudWatch, as CloudWatch Logs extracts them in AWS", async () => {
    const response = await postSamsara(JSON.stringify(temperatureAlert(randomUUID())));
    expect(response.status).toBe(202);
    const cloudwatch = new CloudWatchClient({ endpoint: sandbox().awsEndpoint, region: sandbox().region, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
    try {
      const metrics = await eventually(
        async () => {
          const { Metrics } = await cloudwatch.send(new ListMetricsCommand({ Namespace: 'LogisticsSync', MetricName: 'WebhookAccepted' }));
          return Metrics?.some((m) => m.Dimensions?.some((d) => d.Value === 'fleet-inbound')) ? Metrics : undefined;
        },
        10_000,
        'WebhookAccepted of fleet-inbound in CloudWatch',
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
