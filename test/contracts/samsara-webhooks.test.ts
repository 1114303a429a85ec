/**
 * Samsara's documented webhook examples (contracts/samsara/openapi.json `x-webhooks`) through our intake: our own
 * inbound schema accepts every one, and each maps as stated here.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadContract, type Contract, type ContractExample } from '../../contracts/contract';
import { FLEET_CANONICAL_VALIDATORS, FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { routeExternalIds, stopExternalIds } from '../../lambdas/shared/fleet-external-ids';
import type { CanonicalDetail } from '../../lambdas/shared/canonical-event';
import { apiEvent, expectCanonical, harness, json, samsaraHeaders } from '../inbound/support';

let samsara: Contract;
beforeAll(async () => {
  samsara = await loadContract('samsara');
});

const examples = (event: string): readonly ContractExample[] => samsara.webhooks.find((w) => w.event === event)?.examples ?? [];

async function post(payload: unknown) {
  const h = harness('fleet', FLEET_DIALECTS, FLEET_CANONICAL_VALIDATORS);
  // Documented examples carry old timestamps: the signature is made now, as Samsara signs at send time.
  const body = JSON.stringify(payload);
  const response = await h.handler(apiEvent('/webhooks/fleet/samsara', body, samsaraHeaders(body)));
  return { response, published: h.publisher.published as CanonicalDetail<Record<string, unknown>>[] };
}

/** A documented route-stop example as it arrives for a route logistics-sync created: our external ids on it. */
function onOurRoute(example: ContractExample): { data: { route: { externalIds?: object; stops: { externalIds?: object }[] } } } {
  const payload = structuredClone(example.value) as { data: { route: { externalIds?: object; stops: { externalIds?: object }[] } } };
  payload.data.route.externalIds = routeExternalIds('SO-1001', 'SHP-1001-01');
  payload.data.route.stops.forEach((stop, i) => (stop.externalIds = stopExternalIds('SO-1001', 'SHP-1001-01', i)));
  return payload;
}

describe("Samsara's documented webhook examples through the fleet intake", () => {
  test('every documented example is accepted (202), none is refused as invalid', async () => {
    const all = samsara.webhooks.flatMap((w) => w.examples ?? []);
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const example of all) expect((await post(example.value)).response.statusCode, example.summary).toBe(202);
  });

  test('RouteStopArrival on a route of ours → shipment.arrived at the stop routeStopDetails names', async () => {
    const [example] = examples('RouteStopArrival');
    const { published } = await post(onOurRoute(example));
    expectCanonical(published);
    expect(published.map((e) => [e.metadata.eventType, e.refs.stopId, e.metadata.occurredAt])).toEqual([['shipment.arrived', '6066522713', '2024-08-28T18:48:36.400Z']]);
    expect(published[0].refs).toMatchObject({ orderId: 'SO-1001', shipmentId: 'SHP-1001-01', routeId: '6009862266' });
  });

  test('RouteStopDeparture on a route of ours → shipment.departed from the first stop', async () => {
    const [example] = examples('RouteStopDeparture');
    const { published } = await post(onOurRoute(example));
    expect(published.map((e) => [e.metadata.eventType, e.refs.stopId, e.data.stopKind])).toEqual([['shipment.departed', '6066522712', 'origin']]);
  });

  test('the documented examples as published (a route, a document and an alert that are not ours) are answered "ignored", with the reason', async () => {
    for (const event of ['RouteStopArrival', 'DocumentSubmitted', 'AlertIncident']) {
      const { response, published } = await post(examples(event)[0].value);
      expect(published).toEqual([]);
      expect(json(response)).toMatchObject({ status: 'ignored', reason: expect.any(String) });
    }
  });
});
