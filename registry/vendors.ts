import { SYSTEMS, type SystemName } from './systems';

/**
 * The webhook dialects the product accepts, one per vendor format, and the canonical dialect every system also
 * has. One entry per dialect is the single place for its route, signature scheme and header names, signing
 * secret, content types, vendor schema and published contract: the API routes (lib/adapters/webhook-api.ts), the inbound
 * handlers' dialects (lambdas/<system>/inbound), the signature checks (lambdas/shared/webhook/signatures.ts), the
 * sandbox's secrets and simulators, and docs derive from here. Pure data (no CDK, no AWS SDK).
 */

/** The vendors whose published contracts are kept in `contracts/<name>/openapi.json` (with source URL and date). */
export const CONTRACT_NAMES = ['samsara', 'zendesk', 'sap-s4hana', 'cloudevents', 'generic-erp', 'freshdesk'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** How a dialect's requests are signed (docs/webhooks.md, "Signature schemes", has each formula and its source). */
export type SignatureScheme = 'samsara-v1' | 'zendesk' | 'motive-sha1' | 'lsync-v1' | 'freshdesk' | 'bc-client-state';

export interface SignatureSpec {
  readonly scheme: SignatureScheme;
  /**
   * The header carrying the signature, as the vendor writes it; absent when the vendor sends no signature header
   * and the shared secret travels in the body (the dialect's `verify` checks it there, constant-time).
   */
  readonly signatureHeader?: string;
  /** The header carrying the signed timestamp; absent when the scheme signs none (no replay window). */
  readonly timestampHeader?: string;
}

export interface DialectEntry {
  /** Route segment (`POST /webhooks/<system>/<route>`) and `metadata.source.vendor` of what it publishes. */
  readonly route: string;
  readonly system: SystemName;
  /** What the vendor calls the format, for docs and reports. */
  readonly title: string;
  readonly signature: SignatureSpec;
  /** Key of the signing secret in the system's Secrets Manager JSON (a rotation adds `<key>Previous`). */
  readonly secretField: string;
  /** How the signing secret is written: Samsara and Zendesk issue base64 strings. @default 'text' */
  readonly secretEncoding?: 'base64' | 'text';
  /** Media types accepted (without parameters). */
  readonly contentTypes: readonly string[];
  /** The vendor schema our intake validates with (`schemas/vendors/<schema>.schema.json`). */
  readonly schema: string;
  /** The vendor's published contract (contracts/<name>/openapi.json), when it publishes one. */
  readonly contract?: ContractName;
  /**
   * The route also answers GET, for a subscription handshake the vendor may send that way (the dialect's
   * `handshake`; a GET that is not one is refused 405). @default false
   */
  readonly handshakeByGet?: boolean;
}

const LSYNC_V1 = { scheme: 'lsync-v1', signatureHeader: 'X-Lsync-Signature', timestampHeader: 'X-Lsync-Timestamp' } as const satisfies SignatureSpec;

/** Vendor dialects by route. */
export const VENDOR_DIALECTS = {
  samsara: {
    route: 'samsara',
    system: 'fleet',
    title: 'Samsara webhooks 2.0',
    signature: { scheme: 'samsara-v1', signatureHeader: 'X-Samsara-Signature', timestampHeader: 'X-Samsara-Timestamp' },
    secretField: 'samsaraWebhookSecret',
    secretEncoding: 'base64',
    contentTypes: ['application/json'],
    schema: 'samsara-webhook',
    contract: 'samsara',
  },
  motive: {
    route: 'motive',
    system: 'fleet',
    title: 'Motive company webhooks',
    signature: { scheme: 'motive-sha1', signatureHeader: 'X-KT-Webhook-Signature' },
    secretField: 'motiveWebhookSecret',
    contentTypes: ['application/json'],
    schema: 'motive-webhook',
  },
  zendesk: {
    route: 'zendesk',
    system: 'cs',
    title: 'Zendesk event webhooks',
    signature: { scheme: 'zendesk', signatureHeader: 'X-Zendesk-Webhook-Signature', timestampHeader: 'X-Zendesk-Webhook-Signature-Timestamp' },
    secretField: 'zendeskWebhookSecret',
    secretEncoding: 'base64',
    contentTypes: ['application/json'],
    schema: 'zendesk-webhook',
    contract: 'zendesk',
  },
  cloudevents: {
    route: 'cloudevents',
    system: 'erp',
    title: 'CloudEvents 1.0 (SAP S/4HANA business events, generic ERP)',
    signature: LSYNC_V1,
    secretField: 'cloudeventsWebhookSecret',
    contentTypes: ['application/cloudevents+json', 'application/json'],
    schema: 'cloudevent',
    contract: 'cloudevents',
  },
  freshdesk: {
    route: 'freshdesk',
    system: 'cs',
    title: 'Freshdesk automation webhooks ("Trigger webhook" action)',
    // Freshdesk signs nothing: the automation rule's "Trigger webhook" action sends a custom header the user enters,
    // holding the shared secret (docs/webhooks.md, "Freshdesk"). No timestamp header: see lambdas/cs/inbound/freshdesk/.
    signature: { scheme: 'freshdesk', signatureHeader: 'X-Lsync-Webhook-Secret' },
    secretField: 'freshdeskWebhookSecret',
    contentTypes: ['application/json'],
    schema: 'freshdesk-webhook',
    contract: 'freshdesk',
  },
  'business-central': {
    route: 'business-central',
    system: 'erp',
    title: 'Dynamics 365 Business Central webhook notifications (API v2.0 subscriptions)',
    // No signature header: BC echoes the subscription's clientState in the body of every notification, the only
    // shared secret it documents (contracts/business-central/README.md); the dialect compares it constant-time.
    signature: { scheme: 'bc-client-state' },
    secretField: 'businessCentralClientState',
    contentTypes: ['application/json'],
    schema: 'business-central-notification',
    // BC "issues a request to the notificationUrl, passing a validationToken parameter on the query string" without
    // naming the method (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-subscriptions):
    // POST and GET both answer it.
    handshakeByGet: true,
  },
} as const satisfies Record<string, DialectEntry>;

export type VendorDialectName = keyof typeof VENDOR_DIALECTS;

/** The vendor dialect routes of one system, e.g. `'samsara' | 'motive'` for the fleet. */
export type VendorRoutesOf<S extends SystemName> = {
  [K in VendorDialectName]: (typeof VENDOR_DIALECTS)[K]['system'] extends S ? K : never;
}[VendorDialectName];

/** The canonical dialect: our own JSON, for systems without a vendor format; one route per system. */
export const CANONICAL_DIALECT = {
  route: 'canonical',
  title: 'logistics-sync canonical JSON',
  signature: LSYNC_V1,
  secretField: 'canonicalWebhookSecret',
  contentTypes: ['application/json'],
  schema: 'canonical-submission',
} as const satisfies Omit<DialectEntry, 'system'>;

/** Every dialect route, vendor dialects first. */
export type DialectRoute = VendorDialectName | typeof CANONICAL_DIALECT.route;

/** The routes of one system's webhooks: its vendor dialects and the canonical one. */
export type DialectRoutesOf<S extends SystemName> = VendorRoutesOf<S> | typeof CANONICAL_DIALECT.route;

/** The dialects (entries) of one system: its vendor dialects, then the canonical one. */
export function dialectsOf(system: SystemName): DialectEntry[] {
  const vendors: DialectEntry[] = Object.values(VENDOR_DIALECTS).filter((d) => d.system === system);
  return [...vendors, { ...CANONICAL_DIALECT, system }];
}

/** The routes of one system's webhooks, e.g. `['samsara', 'motive', 'canonical']` for the fleet. */
export function dialectRoutesOf(system: SystemName): string[] {
  return dialectsOf(system).map((d) => d.route);
}

/** The path of a dialect's webhook route under the API's base URL. */
export function webhookPath(system: SystemName, route: string): string {
  return `/webhooks/${system}/${route}`;
}

/** The headers a dialect's requests must carry (API Gateway checks them before the function runs). */
export function signatureHeaders(entry: Pick<DialectEntry, 'signature'>): string[] {
  const { signatureHeader, timestampHeader } = entry.signature;
  return [...(signatureHeader ? [signatureHeader] : []), ...(timestampHeader ? [timestampHeader] : [])];
}

/** Every webhook signing secret field of one system's secret JSON. */
export function webhookSecretFields(system: SystemName): string[] {
  return dialectsOf(system).map((d) => d.secretField);
}

/** All systems' dialects, for reports and docs. */
export function allDialects(): DialectEntry[] {
  return SYSTEMS.flatMap((system) => dialectsOf(system));
}
