import type { SystemName } from './systems';
import type { ContractName } from './vendors';

/**
 * The vendor APIs the outbound adapters (and the workflows' tasks) call: one per system is configured per stage
 * (`systems.<system>.vendor`, default below). One entry per vendor is the single place for its system, the fields
 * its client reads from the system's secret, its published contract and the documented rate limit the paced
 * adapter must stay under. The handlers pick the client by the `TARGET_VENDOR` the constructs set, through a
 * table typed by this registry (a vendor without a client is a type error). Pure data.
 */

/** A vendor's documented rate limit on the calls an outbound adapter makes. */
export interface VendorRateLimit {
  /** The limited operation, as the vendor names it. */
  readonly operation: string;
  readonly requestsPerMinute: number;
  /** Where the vendor documents it. */
  readonly source: string;
  /** The limit counts every request (an account-wide limit), so the paced writes take their share of it too. */
  readonly includesWrites?: true;
}

export interface ApiVendorEntry {
  readonly system: SystemName;
  readonly title: string;
  /** Fields of the system's Secrets Manager JSON the client reads (optional ones end in `?`). */
  readonly secretFields: readonly string[];
  /** The vendor's published contract (contracts/<name>/openapi.json). */
  readonly contract?: ContractName;
  /** The tightest documented limit the adapter runs into; none when the API is the customer's own. */
  readonly rateLimit?: VendorRateLimit;
  /**
   * The tightest documented limit on the adapter's lookups (GET requests), when the vendor limits them apart from the
   * operation above: a stage may then pace them on their own (`outbound.lookupRateLimitPerSecond`). @default - lookups
   * count against `rateLimit` and share its pace
   */
  readonly lookupRateLimit?: VendorRateLimit;
  /**
   * Why a stage cannot choose this vendor yet (its handlers exist, the stack does not deploy what they need):
   * synthesis refuses the stage with this reason. @default - deployable
   */
  readonly notDeployable?: string;
  /**
   * Why the system's reconciliation sweep cannot read this vendor: a stage choosing it gets no sweep for the system
   * (registry/systems.ts RECONCILED_SYSTEMS). @default - swept like the system's other vendors
   */
  readonly notSwept?: string;
}

export const API_VENDORS = {
  'generic-erp': {
    system: 'erp',
    title: 'the generic ERP API (logistics-sync contract; an ERP or a facade in front of one)',
    secretFields: ['clientId', 'clientSecret', 'scope?'],
    contract: 'generic-erp',
  },
  'business-central': {
    system: 'erp',
    title: 'Dynamics 365 Business Central API v2.0 (and the logistics-sync extension\'s custom API pages)',
    secretFields: ['clientId', 'clientSecret', 'scope?'],
    // BC online: 6,000 OData requests per 5 minutes per user (environment), i.e. 1,200/min
    // (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online).
    rateLimit: { operation: 'OData/API requests', requestsPerMinute: 1200, source: 'https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online' },
    // The sweep reads quality holds through the generic ERP API and maps them with its webhook mapper; BC's holds live
    // in the extension's custom API pages and have no release event to restore (docs/reconciliation.md).
    notSwept: "the ERP sweep reads quality holds through the generic ERP API; Business Central's live in the extension's custom API pages",
  },
  samsara: {
    system: 'fleet',
    title: 'Samsara API',
    secretFields: ['apiToken'],
    contract: 'samsara',
    // Create Route: 100 requests/min per organisation (the Routes API reference, and the official SDK's doc comment
    // on CreateRouteAsync, samsarahq/samsara-dotnet src/Samsara.Net/Routes/IRoutesClient.cs).
    rateLimit: { operation: 'Create Route', requestsPerMinute: 100, source: 'https://developers.samsara.com/docs/rate-limits' },
    // Every limit is per endpoint (the rate-limits page; the SDK's doc comments): the adapter's lookups are Retrieve a
    // trailer, 5 requests/s (ITrailersClient.cs), and Retrieve a route, 25 requests/s (IRoutesClient.cs).
    lookupRateLimit: {
      operation: 'Retrieve a trailer',
      requestsPerMinute: 300,
      source: 'https://github.com/samsarahq/samsara-dotnet/blob/fb1d5df15e96bd6950831ff273fd0a21fb3e0f7c/src/Samsara.Net/Trailers/ITrailersClient.cs',
    },
  },
  zendesk: {
    system: 'cs',
    title: 'Zendesk Support API',
    secretFields: ['apiToken', 'email?'],
    contract: 'zendesk',
    // Update Ticket: 100 requests/min per account, within the plan's account-wide limit (200/min on the smallest plan).
    rateLimit: { operation: 'Update Ticket', requestsPerMinute: 100, source: 'https://support.zendesk.com/hc/en-us/articles/8638126078234' },
    // Lookups (List Tickets by external id, before each note) have no endpoint limit of their own: they count against
    // the account-wide limit, 200 requests/min on the smallest plan (Suite Team), which the writes share.
    lookupRateLimit: { operation: 'account-wide (Suite Team)', requestsPerMinute: 200, source: 'https://developer.zendesk.com/api-reference/introduction/rate-limits/', includesWrites: true },
  },
  freshdesk: {
    system: 'cs',
    title: 'Freshdesk API v2',
    secretFields: ['apiKey', 'requesterEmail'],
    contract: 'freshdesk',
    // Tickets Create and Update: 80 requests/min each on the Growth plan (the smallest with automation webhooks),
    // within its account-wide 200/min; Pro 160, Enterprise 280 (set vendorLimitPerMinute for a larger plan).
    rateLimit: { operation: 'Update a Ticket (Growth plan)', requestsPerMinute: 80, source: 'https://developers.freshdesk.com/api/#ratelimit' },
    // Swept: the CS sweep and the intake both read a resolution's time from the ticket's stats (View a Ticket,
    // include=stats), so a restored resolution and a late webhook share one id (docs/reconciliation.md).
  },
} as const satisfies Record<string, ApiVendorEntry>;

export type ApiVendorName = keyof typeof API_VENDORS;

/** The API vendors of one system, e.g. `'zendesk'` for customer service. */
export type ApiVendorsOf<S extends SystemName> = { [V in ApiVendorName]: (typeof API_VENDORS)[V]['system'] extends S ? V : never }[ApiVendorName];

/** The vendor each system calls when the stage does not say. */
export const DEFAULT_API_VENDOR = { erp: 'generic-erp', fleet: 'samsara', cs: 'zendesk' } as const satisfies { readonly [S in SystemName]: ApiVendorsOf<S> };

/** The entry of a system's configured vendor; throws naming the choices when it is not one of the system's. */
export function apiVendor(system: SystemName, configured?: string): ApiVendorEntry & { readonly name: ApiVendorName } {
  const name = (configured ?? DEFAULT_API_VENDOR[system]) as ApiVendorName;
  const entry = (API_VENDORS as Readonly<Record<string, ApiVendorEntry>>)[name];
  if (!entry || entry.system !== system) {
    const choices = Object.entries(API_VENDORS).filter(([, e]) => e.system === system).map(([n]) => n);
    throw new Error(`systems.${system}.vendor "${configured}" is not one of the ${system} vendors (known: ${choices.join(', ')})`);
  }
  return { ...entry, name };
}

/**
 * A system's implementations, one per vendor the registry lists for it, picked by name: a registry vendor without
 * an implementation is a type error, an unknown name throws (the cold start fails loudly).
 */
export function pickVendor<S extends SystemName, T>(system: S, implementations: { readonly [V in ApiVendorsOf<S>]: () => T }, configured?: string): T {
  const { name } = apiVendor(system, configured);
  return (implementations as Readonly<Record<string, () => T>>)[name]!();
}
