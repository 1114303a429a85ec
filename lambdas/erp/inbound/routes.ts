import { invoicePostedV1, orderReleasedV1, qualityHoldPlacedV1, qualityHoldReleasedV1, shipmentCreatedV1 } from '../../shared/generated/canonical-validators.js';
import { canonicalDialect } from '../../shared/webhook/canonical-dialect';
import type { Dialect } from '../../shared/webhook/dialect';
import type { CanonicalValidators } from '../../shared/webhook/pipeline';
import { cloudEventsDialect } from './cloudevents';
import type { OrderReader } from './sap-s4hana';

/** The ERP's webhook routes (`/webhooks/erp/{cloudevents,canonical}`) and the canonical events it may originate. */
export const ERP_CANONICAL_VALIDATORS = {
  'order.released': { '1': orderReleasedV1 },
  'shipment.created': { '1': shipmentCreatedV1 },
  'invoice.posted': { '1': invoicePostedV1 },
  'quality-hold.placed': { '1': qualityHoldPlacedV1 },
  'quality-hold.released': { '1': qualityHoldReleasedV1 },
} satisfies CanonicalValidators;

/** `orders` reads thin SAP sales-order events back (the ERP API client in Lambda, an in-memory reader in tests). */
export function erpDialects(orders: OrderReader): readonly Dialect[] {
  return [cloudEventsDialect(orders) as Dialect, canonicalDialect('erp', Object.keys(ERP_CANONICAL_VALIDATORS)) as Dialect];
}
