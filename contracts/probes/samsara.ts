import { readFileSync } from 'node:fs';
import { FleetClient } from '../../lambdas/fleet/fleet-client';
import { SamsaraTelemetryClient } from '../../lambdas/fleet/fleet-telemetry';
import { FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { planFleetActions } from '../../lambdas/fleet/outbound/fleet-outbound';
import { HttpJsonClient } from '../../lambdas/shared/outbound/http-client';
import { parseCanonicalMessage } from '../../lambdas/shared/outbound/message';
import type { VendorProbe } from '../conformance';
import { dialectOutcome } from './intake';

const token = async () => ({ apiToken: 'probe-token' });
const releasedOrder = () =>
  parseCanonicalMessage(
    JSON.stringify({ detail: JSON.parse(readFileSync(new URL('../../schemas/examples/order.released.json', import.meta.url), 'utf8')), source: 'logistics-sync.erp', 'detail-type': 'order.released' }),
  );

/** Samsara: dispatch (Routes API, trailers) and the reads of a temperature alert (sensors, trailer stats). */
export const samsaraProbe: VendorProbe = {
  contract: 'samsara',
  vendor: 'Samsara (fleet)',
  async exercise(fetchFor, baseUrl) {
    const http = (caller: string) => new HttpJsonClient({ target: 'fleet', baseUrl, timeoutMs: 1000, fetch: fetchFor(caller) });
    const [coordinates] = planFleetActions(releasedOrder());
    await new FleetClient(http('FleetClient.createRoute'), token).createRoute(coordinates.route, 'probe-1');
    const addressBook = releasedOrder();
    for (const place of ['shipFrom', 'shipTo'] as const) delete (addressBook.detail.data as Record<string, { coordinates?: unknown }>)[place].coordinates;
    const [byAddress] = planFleetActions(addressBook, { addressBookKey: 'erp.location' });
    await new FleetClient(http('FleetClient.createRoute (address book)'), token).createRoute(byAddress.route, 'probe-2');
    // A second dispatch of the same shipment: Samsara refuses the reused external ids, the client reads the route back.
    await new FleetClient(http('FleetClient.createRoute (again)'), token).createRoute(coordinates.route, 'probe-3');
    await new FleetClient(http('FleetClient.trailerId'), token).trailerId('erp.trailer:RF-204');
    await new SamsaraTelemetryClient(http('SamsaraTelemetryClient.sensorTemperature'), token).sensorTemperature('122');
    await new SamsaraTelemetryClient(http('SamsaraTelemetryClient.reeferTemperature'), token).reeferTemperature('281474977110204');
  },
  answer: (operationId, n) => (operationId === 'createRoute' && n === 3 ? { status: 400, body: { message: 'external id logisticsSync.shipment:SO-1001~SHP-1001-01 is already used', requestId: 'probe' } } : undefined),
  webhook: (_event, example) => dialectOutcome(FLEET_DIALECTS, 'samsara', example),
};
