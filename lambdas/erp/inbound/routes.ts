import { invoicePostedV1, orderReleasedV1, orderReleasedV2, qualityHoldPlacedV1, qualityHoldReleasedV1, shipmentCreatedV1 } from '../../shared/generated/canonical-validators.js';
import { canonicalDialect } from '../../shared/webhook/canonical-dialect';
import { dialectTable, type Dialect } from '../../shared/webhook/dialect';
import type { CanonicalValidators } from '../../shared/webhook/pipeline';
import { businessCentralDialect, type BcReadBackQueue } from '../business-central/notifications';
import { UNCONFIGURED_BC_QUEUE } from '../business-central/read-back-queue';
import { cloudEventsDialect } from './cloudevents';
import type { SapReadBackQueue } from './sap-s4hana';

/** The ERP's webhook routes (`/webhooks/erp/{cloudevents,canonical}`) and the canonical events it may originate. */
export const ERP_CANONICAL_VALIDATORS = {
  'order.released': { '1': orderReleasedV1, '2': orderReleasedV2 },
  'shipment.created': { '1': shipmentCreatedV1 },
  'invoice.posted': { '1': invoicePostedV1 },
  'quality-hold.placed': { '1': qualityHoldPlacedV1 },
  'quality-hold.released': { '1': qualityHoldReleasedV1 },
} satisfies CanonicalValidators;

/**
 * `readBack` takes thin SAP sales-order events, `bcReadBack` Business Central's change notifications (SQS
 * read-back queues in Lambda, in-memory queues in tests).
 */
export function erpDialects(readBack: SapReadBackQueue, bcReadBack: BcReadBackQueue = UNCONFIGURED_BC_QUEUE): readonly Dialect[] {
  return dialectTable('erp', {
    cloudevents: cloudEventsDialect(readBack),
    'business-central': businessCentralDialect(bcReadBack),
    canonical: canonicalDialect('erp', Object.keys(ERP_CANONICAL_VALIDATORS)),
  });
}
