import type { VendorProbe } from '../conformance';
import { samsaraProbe } from './samsara';
import { zendeskProbe } from './zendesk';

/** Every vendor the product calls or accepts webhooks from, with its probe. */
export const PROBES: readonly VendorProbe[] = [samsaraProbe, zendeskProbe];
