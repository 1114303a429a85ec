import type { VendorProbe } from '../conformance';
import { genericErpProbe, sapS4hanaProbe } from './erp';
import { samsaraProbe } from './samsara';
import { freshdeskProbe } from './freshdesk';
import { zendeskProbe } from './zendesk';

/**
 * Every vendor the product calls or accepts webhooks from, with its probe. CloudEvents (a format, no API) has no
 * probe: its documented examples go through the intake in test/contracts/erp-webhook-examples.test.ts.
 */
export const PROBES: readonly VendorProbe[] = [samsaraProbe, zendeskProbe, freshdeskProbe, sapS4hanaProbe, genericErpProbe];
