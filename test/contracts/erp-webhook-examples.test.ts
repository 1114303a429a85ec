/**
 * Every documented webhook example of contracts/sap-s4hana, contracts/cloudevents and contracts/generic-erp
 * validates against its schema and maps through the ERP CloudEvents route as expected.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, readContractDocument, type Contract, type ContractName } from '../../contracts/contract';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../lambdas/erp/inbound/routes';
import { apiEvent, expectCanonical, harness, json, lsyncHeaders, NOW_SECONDS, SECRETS } from '../inbound/support';

const NAMES = ['sap-s4hana', 'cloudevents', 'generic-erp'] as const satisfies readonly ContractName[];

/** What each documented example must become: 202 with this status, and the canonical event types published. */
const EXPECTED: Record<string, { status: 'queued' | 'ignored' | 'accepted'; eventTypes?: string[]; salesOrder?: string }> = {
  'sap.s4.beh.salesorder.v1.SalesOrder.Created.v1': { status: 'queued', salesOrder: '1' },
  'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1': { status: 'queued', salesOrder: '1' },
  // Thin: the delivery has no read-back; only enriched events map (schemas/vendors/sap-s4hana-outbounddelivery.schema.json).
  'sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1': { status: 'ignored' },
  'com.github.pull_request.opened': { status: 'ignored' },
  'com.example.someevent': { status: 'ignored' },
  'com.example.erp.order.released.v1': { status: 'accepted', eventTypes: ['order.released'] },
  'com.example.erp.invoice.posted.v1': { status: 'accepted', eventTypes: ['invoice.posted'] },
  'com.example.erp.quality-hold.released.v1': { status: 'accepted', eventTypes: ['quality-hold.released'] },
};

const examples = NAMES.flatMap((name) =>
  Object.entries(readContractDocument(name)['x-webhooks'] ?? {}).flatMap(([event, webhook]) =>
    (webhook.examples ?? []).map((example) => ({ name, event, summary: example.summary, value: example.value as Record<string, unknown> })),
  ),
);

const contracts = new Map<string, Contract>();
beforeAll(async () => {
  for (const name of NAMES) contracts.set(name, await loadContract(name));
});

describe('documented webhook examples', () => {
  test('there are examples for every event the ERP route maps or documents', () => {
    expect(new Set(examples.map((e) => String(e.value.type)))).toEqual(new Set(Object.keys(EXPECTED)));
  });

  test.each(examples.map((e) => [`${e.name} ${e.event}: ${e.summary}`, e] as const))('%s — valid, and maps as expected', async (_title, example) => {
    expect(contracts.get(example.name)!.checkWebhook(example.event, example.value)).toEqual([]);
    const expected = EXPECTED[String(example.value.type)];
    const queue = new InMemorySapReadBackQueue();
    const h = harness('erp', erpDialects(queue), ERP_CANONICAL_VALIDATORS);
    const body = JSON.stringify(example.value);
    const response = await h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json')));
    expect(response.statusCode, response.body).toBe(202);
    expect(json(response).status).toBe(expected.status);
    expect(h.publisher.published.map((e) => e.metadata.eventType)).toEqual(expected.eventTypes ?? []);
    expectCanonical(h.publisher.published);
    expect(queue.requests.map((r) => r.salesOrder)).toEqual(expected.salesOrder ? [expected.salesOrder] : []);
  });

  test('the generic ERP order example carries coordinates and the planned assignment into order.released', async () => {
    const example = examples.find((e) => e.value.type === 'com.example.erp.order.released.v1')!;
    const h = harness('erp', erpDialects(new InMemorySapReadBackQueue()), ERP_CANONICAL_VALIDATORS);
    const body = JSON.stringify(example.value);
    await h.handler(apiEvent('/webhooks/erp/cloudevents', body, lsyncHeaders(body, SECRETS.cloudevents, NOW_SECONDS, 'application/cloudevents+json')));
    expect(h.publisher.published[0].data).toMatchObject({
      shipFrom: { locationId: 'DC-01', coordinates: { latitude: 51.8856, longitude: 4.4236 } },
      shipTo: { locationId: 'C-77-DOCK-1', coordinates: { latitude: 52.1093, longitude: 5.0708 } },
      assignment: { vehicleId: 'erp.vehicle:TRK-17', trailerId: 'erp.trailer:RF-204' },
    });
  });
});
