import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CS_CANONICAL_VALIDATORS, CS_DIALECTS } from '../../../lambdas/cs/inbound/routes';
import { InMemoryBcReadBackQueue } from '../../../lambdas/erp/business-central/read-back-queue';
import { InMemorySapReadBackQueue } from '../../../lambdas/erp/inbound/read-back-queue';
import { ERP_CANONICAL_VALIDATORS, erpDialects } from '../../../lambdas/erp/inbound/routes';
import { InMemoryAssetAssignments } from '../../../lambdas/fleet/inbound/asset-assignments';
import { fleetDialects, FLEET_CANONICAL_VALIDATORS } from '../../../lambdas/fleet/inbound/routes';
import type { FleetTelemetry, TemperatureReading } from '../../../lambdas/fleet/inbound/samsara-alerts';
import { InMemoryCorrelationStore } from '../../../lambdas/indexer/correlation-store';
import { indexEvent } from '../../../lambdas/indexer/indexer';
import type { CanonicalDetail } from '../../../lambdas/shared/canonical-event';
import type { SystemName } from '../../../registry/systems';
import { dialectsOf, webhookPath, type DialectEntry } from '../../../registry/vendors';
import { example } from '../../outbound/support';
import { canonicalSubmission, cloudEvent, erpHold, erpInvoice, erpOrder, motiveFormEntry, samsaraArrival, samsaraDeparture, samsaraEta, samsaraPod, samsaraTemperatureAlert, sapOutboundDelivery, zendeskEvent } from '../fixtures/payloads';
import { harness, lsyncHeaders, motiveHeaders, NOW, NOW_SECONDS, samsaraHeaders, testSecret, zendeskHeaders, type Harness } from '../support';

/**
 * Every webhook route of the product as the hostile-input properties drive it: its registry entry, a fresh
 * in-memory harness per request (the real pipeline and dialects), valid seed documents, how to sign a body
 * with its scheme and the test secret. The oracle that classifies each request is in oracle.ts.
 */

export const MAX_BODY_BYTES = 262_144;

export interface SignOptions {
  /** Unix seconds the signature claims (the replay window is 300 s each way). */
  readonly at?: number;
  readonly contentType?: string;
}

export interface RouteSpec {
  /** `fleet/samsara`, `erp/canonical`, … */
  readonly id: string;
  readonly entry: DialectEntry;
  readonly path: string;
  /** Valid documents the mutations start from (each is accepted as it is: checked by the control test). */
  readonly seeds: readonly { readonly name: string; readonly value: unknown }[];
  make(): Harness;
  sign(body: Buffer, options?: SignOptions): Record<string, string>;
}

// --- Harnesses ----------------------------------------------------------------------------------------------

const TRAILER_ID = '281474977110204';

class FixedTelemetry implements FleetTelemetry {
  async sensorTemperature(): Promise<(TemperatureReading & { trailerId?: string; vehicleId?: string }) | undefined> {
    return { celsius: 11.2, at: '2026-03-12T10:39:40Z', trailerId: TRAILER_ID };
  }
  async reeferTemperature(): Promise<TemperatureReading | undefined> {
    return { celsius: 11.5, at: '2026-03-12T10:39:30Z' };
  }
}

/** SO-1001 dispatched on the reefer trailer of the alert fixture (as the indexer records it), readings always available. */
async function fleetWorld() {
  const store = new InMemoryCorrelationStore();
  await indexEvent(store, example('shipment.dispatched') as CanonicalDetail, new Date('2026-03-12T06:30:02Z'), 86_400);
  const assignments = new InMemoryAssetAssignments(() => store.items.values());
  return fleetDialects({ telemetry: new FixedTelemetry(), assignments });
}

// --- Signing -------------------------------------------------------------------------------------------------

const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function signer(entry: DialectEntry): RouteSpec['sign'] {
  const secret = testSecret(entry.route);
  return (body, { at = NOW_SECONDS, contentType = entry.contentTypes[0] } = {}) => {
    const headers: Record<string, string> = (() => {
      switch (entry.signature.scheme) {
        case 'samsara-v1':
          return samsaraHeaders(body, at, secret);
        case 'motive-sha1':
          return motiveHeaders(body, secret);
        case 'zendesk':
          return zendeskHeaders(body, rfc3339(at), secret);
        case 'lsync-v1':
          return lsyncHeaders(body, secret, at);
        case 'freshdesk':
          // A shared secret in a header (no signature, no timestamp): the body cannot break it.
          if (!entry.signature.signatureHeader) throw new Error(`sign ${entry.route}: the freshdesk scheme needs its secret header`);
          return { [entry.signature.signatureHeader]: secret };
        case 'bc-client-state':
          // No header: the credential is the clientState inside the body (the seeds carry the test secret).
          return {};
        default:
          // A runtime failure, not a type error: a vendor scaffolded by `npm run new:vendor` compiles, and its
          // hostile-input tests fail here (and on its missing seeds) until they are written.
          throw new Error(`sign ${entry.route}: no signer for scheme ${String(entry.signature.scheme)} in test/inbound/hostile/routes.ts`);
      }
    })();
    return { ...headers, 'Content-Type': contentType };
  };
}

// --- Seeds ---------------------------------------------------------------------------------------------------

/** A canonical submission made from the canonical example of an event type (schemas/examples). */
function submissionOf(name: string): unknown {
  const e = example(name);
  return { eventId: `producer-${name}`, eventType: e.metadata.eventType, occurredAt: e.metadata.occurredAt, correlationId: e.metadata.correlationId, refs: e.refs, data: e.data };
}

const EXAMPLES_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  'shipment.exception-raised': ['shipment.exception-raised', 'shipment.exception-raised.delay', 'shipment.exception-raised.damage', 'shipment.exception-raised.failed-delivery'],
};

/** The canonical event types each system's canonical route takes. */
export const CANONICAL_TYPES: Readonly<Record<SystemName, readonly string[]>> = {
  erp: Object.keys(ERP_CANONICAL_VALIDATORS),
  fleet: Object.keys(FLEET_CANONICAL_VALIDATORS),
  cs: Object.keys(CS_CANONICAL_VALIDATORS),
};

function canonicalSeeds(system: SystemName) {
  const seeds = CANONICAL_TYPES[system].flatMap((type) => (EXAMPLES_BY_TYPE[type] ?? [type]).map((name) => ({ name, value: submissionOf(name) })));
  return system === 'fleet' ? [{ name: 'docs example', value: canonicalSubmission() }, ...seeds] : seeds;
}

const VENDOR_SEEDS: Readonly<Record<string, readonly { name: string; value: unknown }[]>> = {
  'business-central': [{ name: 'documented notification (salesOrders)', value: JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../schemas/vendors/examples/business-central-notification.json'), 'utf8')) }],
  samsara: [
    { name: 'RouteStopDeparture', value: samsaraDeparture() },
    { name: 'RouteStopArrival', value: samsaraArrival() },
    { name: 'RouteStopEtaUpdated', value: samsaraEta() },
    { name: 'DocumentSubmitted (POD)', value: samsaraPod() },
    { name: 'AlertIncident (reefer)', value: samsaraTemperatureAlert() },
  ],
  motive: [
    { name: 'form_entry_upserted', value: motiveFormEntry() },
    { name: 'vehicle_location_updated', value: { action: 'vehicle_location_updated', trigger: 'updated', id: 5012, lat: 52.1, lon: 5.07, located_at: '2026-03-12T10:00:00Z' } },
  ],
  zendesk: [
    { name: 'status_changed', value: zendeskEvent('ticket.status_changed', { current: 'SOLVED', previous: 'OPEN' }) },
    { name: 'priority_changed', value: zendeskEvent('ticket.priority_changed', { current: 'URGENT', previous: 'HIGH' }) },
    { name: 'comment_added', value: zendeskEvent('ticket.comment_added', { comment: { id: '9001', is_public: true, body: 'Driver called ahead' } }) },
    { name: 'tags_changed', value: zendeskEvent('ticket.tags_changed', { tags_added: ['temperature-excursion', 'vip'], tags_removed: ['new'] }) },
  ],
  freshdesk: [
    { name: 'ticket.status_changed', value: { event: 'ticket.status_changed', ticket_id: '1042', status: 'Resolved', priority: 'High', shipment_id: 'SHP-1001-01' } },
    { name: 'ticket.priority_changed', value: { event: 'ticket.priority_changed', ticket_id: 1042, status: 'Open', priority: 'Urgent', shipment_id: 'SHP-1001-01' } },
    { name: 'ticket.note_added', value: { event: 'ticket.note_added', ticket_id: '1042', status: 'Pending', priority: 'Medium', shipment_id: 'SHP-1001-01', note_private: 'true' } },
  ],
  cloudevents: [
    { name: 'order.released', value: cloudEvent('com.example.erp.order.released.v1', erpOrder()) },
    { name: 'invoice.posted', value: cloudEvent('com.example.erp.invoice.posted.v1', erpInvoice(), { source: '/erp/billing', id: 'inv-evt-1' }) },
    { name: 'quality-hold.released', value: cloudEvent('com.example.erp.quality-hold.released.v1', erpHold(), { id: 'hold-evt-1' }) },
    { name: 'SAP SalesOrder.Created', value: cloudEvent('sap.s4.beh.salesorder.v1.SalesOrder.Created.v1', { SalesOrder: 'SO-1001' }, { source: '/default/sap.s4.beh/DEVCLNT001' }) },
    { name: 'SAP OutboundDelivery.Created', value: cloudEvent('sap.s4.beh.outbounddelivery.v1.OutboundDelivery.Created.v1', sapOutboundDelivery(), { source: '/default/sap.s4.beh/DEVCLNT001' }) },
  ],
};

// --- Routes --------------------------------------------------------------------------------------------------

/** Every dialect of the registry, vendor dialects and each system's canonical one. */
export async function routeSpecs(): Promise<RouteSpec[]> {
  const fleet = await fleetWorld();
  const dialects: Readonly<Record<SystemName, () => Harness>> = {
    fleet: () => harness('fleet', fleet, FLEET_CANONICAL_VALIDATORS, MAX_BODY_BYTES),
    cs: () => harness('cs', CS_DIALECTS, CS_CANONICAL_VALIDATORS, MAX_BODY_BYTES),
    erp: () => harness('erp', erpDialects(new InMemorySapReadBackQueue(), new InMemoryBcReadBackQueue()), ERP_CANONICAL_VALIDATORS, MAX_BODY_BYTES),
  };
  return (['fleet', 'cs', 'erp'] as const).flatMap((system) =>
    dialectsOf(system).map((entry) => ({
      id: `${system}/${entry.route}`,
      entry,
      path: webhookPath(system, entry.route),
      seeds: entry.route === 'canonical' ? canonicalSeeds(system) : (VENDOR_SEEDS[entry.route] ?? []),
      make: dialects[system],
      sign: signer(entry),
    })),
  );
}

export { NOW };
