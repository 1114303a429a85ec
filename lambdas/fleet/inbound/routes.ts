import {
  podCapturedV1,
  shipmentArrivedV1,
  shipmentDeliveredV1,
  shipmentDepartedV1,
  shipmentEtaUpdatedV1,
  shipmentExceptionRaisedV1,
} from '../../shared/generated/canonical-validators.js';
import { canonicalDialect } from '../../shared/webhook/canonical-dialect';
import { dialectTable, type Dialect } from '../../shared/webhook/dialect';
import type { CanonicalValidators } from '../../shared/webhook/pipeline';
import { motiveDialect } from './motive';
import { createSamsaraDialect } from './samsara';
import type { SamsaraAlertPorts } from './samsara-alerts';

/**
 * The fleet system's webhook routes (`/webhooks/fleet/{samsara,motive,canonical}`) and the canonical events it
 * may originate: each is validated before publishing, and they are what the canonical route accepts.
 */
export const FLEET_CANONICAL_VALIDATORS = {
  'shipment.departed': { '1': shipmentDepartedV1 },
  'shipment.arrived': { '1': shipmentArrivedV1 },
  'shipment.eta-updated': { '1': shipmentEtaUpdatedV1 },
  'shipment.delivered': { '1': shipmentDeliveredV1 },
  'pod.captured': { '1': podCapturedV1 },
  'shipment.exception-raised': { '1': shipmentExceptionRaisedV1 },
} satisfies CanonicalValidators;

/** The fleet dialects; with `alerts`, Samsara temperature alerts are mapped (they need the fleet API and the index). */
export function fleetDialects(alerts?: SamsaraAlertPorts): readonly Dialect[] {
  return dialectTable('fleet', {
    samsara: createSamsaraDialect(alerts),
    motive: motiveDialect,
    canonical: canonicalDialect('fleet', Object.keys(FLEET_CANONICAL_VALIDATORS)),
  });
}

/** The fleet dialects without the alert ports (temperature alerts answer 503). */
export const FLEET_DIALECTS: readonly Dialect[] = fleetDialects();
