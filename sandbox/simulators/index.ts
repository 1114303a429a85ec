import { apiVendor, type ApiVendorsOf } from '../../registry/api-vendors';
import type { RetryPolicy, SimLogger } from './common';
import { CsSimulator, DEFAULT_CS_CREDENTIALS, type CsCredentials, type CsSimulatorOptions } from './cs';
import type { CsScenarioPort } from './cs-port';
import { CS_VENDOR_SIMULATORS } from './cs-vendors';
import { DEFAULT_FRESHDESK_CREDENTIALS, FreshdeskSimulator, type FreshdeskCredentials, type FreshdeskSimulatorOptions } from './vendors/freshdesk-api';
import { DEFAULT_ERP_CREDENTIALS, ErpSimulator, type ErpCredentials, type ErpSimulatorOptions } from './erp';
import { DEFAULT_FLEET_CREDENTIALS, FleetSimulator, type FleetCredentials, type FleetSimulatorOptions } from './fleet';
import { isBase64Secret } from './signing';
import { resolveWebhookTargets, type ResolvedWebhookTargets, type WebhookUrls } from './webhook-urls';
import { BusinessCentralServer } from './business-central-server';
import type { ErpScenarioPort } from './erp-port';
import { ERP_VENDOR_SIMULATORS } from './erp-vendors';

export { CsSimulator, DEFAULT_CS_CREDENTIALS, type CsCredentials } from './cs';
export type { CsScenarioPort, ScenarioTicket, ScenarioWrite } from './cs-port';
export type { ErpScenarioPort } from './erp-port';
export { BusinessCentralServer } from './business-central-server';
export { FreshdeskSimulator, DEFAULT_FRESHDESK_CREDENTIALS, type FreshdeskCredentials } from './vendors/freshdesk-api';
export { ErpSimulator, DEFAULT_ERP_CREDENTIALS, type ErpCredentials } from './erp';
export { FleetSimulator, DEFAULT_FLEET_CREDENTIALS, type FleetCredentials } from './fleet';
export { resolveWebhookTargets, type WebhookUrls } from './webhook-urls';
export type { ActiveFault, CallRecord, FaultSpec, RetryPolicy, SimLogger, WebhookDelivery } from './common';

/** Webhook secrets, one per dialect, as our API is configured with them. */
export interface SimulatorSecrets {
  /** Samsara webhook secret, base64 as Samsara shows it. */
  samsara: string;
  /** Motive shared secret. */
  motive: string;
  /** Zendesk signing secret. */
  zendesk: string;
  /** The shared secret Freshdesk's automation rules send in X-Lsync-Webhook-Secret. */
  freshdesk: string;
  /** Key of X-Lsync-Signature on the ERP's CloudEvents. */
  cloudevents: string;
  /** Key of X-Lsync-Signature on canonical-dialect webhooks. */
  canonical: string;
}

export interface StartSimulatorsOptions {
  secrets: SimulatorSecrets;
  /** Where webhooks go; may also be set after start with `setWebhookUrls`. @default - unset */
  webhookUrls?: WebhookUrls | string;
  /** API credentials the simulators accept. @default DEFAULT_*_CREDENTIALS */
  credentials?: { erp?: Partial<ErpCredentials>; fleet?: Partial<FleetCredentials>; cs?: Partial<CsCredentials>; freshdesk?: Partial<FreshdeskCredentials> };
  /** The CS vendor the stage calls (registry/api-vendors.ts): its simulator's URL is `urls.cs`, its port `csPort`. @default 'zendesk' */
  csVendor?: string;
  /** The ERP vendor the stage calls: its simulator's stage settings are `stageOverrides.systems.erp`, its port `erpPort`. @default 'generic-erp' */
  erpVendor?: string;
  log?: SimLogger;
  /** Applies to every simulator that sends webhooks (Business Central delivers once, as its simulator is written). @default DEFAULT_RETRY_POLICY */
  webhookRetry?: Partial<RetryPolicy>;
  /** Clock of every simulator. @default - the system clock */
  now?: () => Date;
  /** Further per-simulator options (e.g. `erp.invoiceDelayMs`, `cs.rateLimitPerMinute`). */
  erp?: Partial<Omit<ErpSimulatorOptions, 'cloudEventsSecret' | 'credentials'>>;
  fleet?: Partial<Omit<FleetSimulatorOptions, 'samsaraSecret' | 'motiveSecret' | 'credentials'>>;
  cs?: Partial<Omit<CsSimulatorOptions, 'zendeskSecret' | 'credentials'>>;
  freshdesk?: Partial<Omit<FreshdeskSimulatorOptions, 'webhookSecret' | 'credentials'>>;
}

export interface Simulators {
  /** Base URLs of the APIs the stage calls; `cs` is the configured CS vendor's simulator. */
  urls: { erp: string; fleet: string; cs: string };
  erp: ErpSimulator;
  fleet: FleetSimulator;
  /** The Zendesk-shaped CS platform (the default CS vendor). */
  cs: CsSimulator;
  /** The Freshdesk CS platform. */
  freshdesk: FreshdeskSimulator;
  /** The configured CS vendor, and its platform behind the vendor-neutral port the scenario drives (cs-port.ts). */
  csVendor: ApiVendorsOf<'cs'>;
  csPort: CsScenarioPort;
  /** Dynamics 365 Business Central with Entra ID, on its own port (business-central-server.ts). */
  businessCentral: BusinessCentralServer;
  /** The configured ERP vendor, and its simulator behind the port the scenario drives (erp-port.ts). */
  erpVendor: ApiVendorsOf<'erp'>;
  erpPort: ErpScenarioPort;
  /**
   * The stage-config overrides that point the stage at the simulators (`systems.<system>.apiBaseUrl`, the ERP's token
   * URL and vendor settings, and what the chosen vendors need of other systems).
   */
  stageOverrides: { systems: Record<string, Record<string, unknown>> };
  /** The credentials each simulator accepts (for the outbound clients' configuration). */
  credentials: { erp: ErpCredentials; fleet: FleetCredentials; cs: CsCredentials; freshdesk: FreshdeskCredentials };
  /** Points webhooks at our API (a base URL string, or explicit URLs); unset dialects stay unset. */
  setWebhookUrls(urls: WebhookUrls | string): ResolvedWebhookTargets;
  /** Resets all of them (records, faults, idempotency keys and data). */
  reset(): void;
  /** Resolves when every webhook (and BC notification) they have started is done. */
  settled(): Promise<void>;
  /** Stops all of them; no sockets or timers are left behind. */
  stop(): Promise<void>;
}

/** Problems with the secrets, naming the bad entry (never its value). */
export function validateSecrets(secrets: SimulatorSecrets): string[] {
  const problems: string[] = [];
  for (const name of ['samsara', 'motive', 'zendesk', 'freshdesk', 'cloudevents', 'canonical'] as const) {
    if (typeof secrets[name] !== 'string' || secrets[name] === '') problems.push(`secrets.${name} must be a non-empty string`);
  }
  if (typeof secrets.samsara === 'string' && secrets.samsara !== '' && !isBase64Secret(secrets.samsara)) problems.push('secrets.samsara must be base64 (Samsara secrets are base64-encoded)');
  return problems;
}

/** Starts the simulated ERP, fleet and CS systems (both CS vendors), each on its own free loopback port. */
export async function startSimulators(options: StartSimulatorsOptions): Promise<Simulators> {
  const problems = validateSecrets(options.secrets);
  if (problems.length > 0) throw new Error(`startSimulators: ${problems.join('; ')}`);
  const { secrets } = options;
  const shared = {
    ...(options.log ? { log: options.log } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.webhookRetry ? { webhookRetry: options.webhookRetry } : {}),
    canonicalSecret: secrets.canonical,
  };
  const erp = new ErpSimulator({ ...shared, ...options.erp, cloudEventsSecret: secrets.cloudevents, credentials: { ...DEFAULT_ERP_CREDENTIALS, ...options.credentials?.erp } });
  const fleet = new FleetSimulator({ ...shared, ...options.fleet, samsaraSecret: secrets.samsara, motiveSecret: secrets.motive, credentials: { ...DEFAULT_FLEET_CREDENTIALS, ...options.credentials?.fleet } });
  const cs = new CsSimulator({ ...shared, ...options.cs, zendeskSecret: secrets.zendesk, credentials: { ...DEFAULT_CS_CREDENTIALS, ...options.credentials?.cs } });
  const freshdesk = new FreshdeskSimulator({ ...shared, ...options.freshdesk, webhookSecret: secrets.freshdesk, credentials: { ...DEFAULT_FRESHDESK_CREDENTIALS, ...options.credentials?.freshdesk } });
  const csVendor = apiVendor('cs', options.csVendor).name as ApiVendorsOf<'cs'>;
  const erpVendor = apiVendor('erp', options.erpVendor).name as ApiVendorsOf<'erp'>;
  // BC posts the order's invoice after billing-ready, as the generic ERP does (and after the same delay).
  const businessCentral = new BusinessCentralServer({ ...DEFAULT_ERP_CREDENTIALS, ...options.credentials?.erp }, options.now, {
    autoPostInvoice: options.erp?.autoPostInvoice ?? true,
    ...(options.erp?.invoiceDelayMs !== undefined ? { invoiceDelayMs: options.erp.invoiceDelayMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const all = [erp, fleet, cs, freshdesk, businessCentral];

  // Each dialect's target goes to the simulator that sends it; the canonical dialect to every simulator of the system.
  const setWebhookUrls = (urls: WebhookUrls | string): ResolvedWebhookTargets => {
    const targets = resolveWebhookTargets(urls);
    for (const [sims, dialects] of [
      [[erp], targets.erp],
      [[fleet], targets.fleet],
      [[cs, freshdesk], targets.cs],
    ] as const) {
      for (const [dialect, url] of Object.entries(dialects)) {
        if (url === undefined) continue;
        for (const sim of sims) if (dialect in sim.webhookTargets) sim.setWebhookTarget(dialect, url);
      }
    }
    return targets;
  };
  if (options.webhookUrls !== undefined) setWebhookUrls(options.webhookUrls);

  const started = await Promise.allSettled(all.map((sim) => sim.start()));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.allSettled(all.map((sim) => sim.stop()));
    throw new Error(`startSimulators: a simulator failed to start: ${String(failed.reason)}`, { cause: failed.reason });
  }
  const csVendors = { zendesk: cs, freshdesk };
  const erpVendors = { 'generic-erp': erp, 'business-central': businessCentral };
  const erpStage = ERP_VENDOR_SIMULATORS[erpVendor].stage(erpVendors);
  const urls = { erp: String(erpStage.erp.apiBaseUrl), fleet: fleet.url, cs: CS_VENDOR_SIMULATORS[csVendor].url(csVendors) };
  return {
    urls,
    stageOverrides: { systems: { erp: erpStage.erp, fleet: { apiBaseUrl: urls.fleet, ...erpStage.fleet }, cs: { apiBaseUrl: urls.cs } } },
    erp,
    fleet,
    cs,
    freshdesk,
    csVendor,
    csPort: CS_VENDOR_SIMULATORS[csVendor].port(csVendors),
    businessCentral,
    erpVendor,
    erpPort: ERP_VENDOR_SIMULATORS[erpVendor].port(erpVendors),
    credentials: { erp: erp.credentials, fleet: fleet.credentials, cs: cs.credentials, freshdesk: freshdesk.credentials },
    setWebhookUrls,
    reset: () => all.forEach((sim) => sim.reset()),
    settled: async () => {
      await Promise.all(all.map((sim) => sim.settled()));
    },
    stop: async () => {
      await Promise.all(all.map((sim) => sim.stop()));
    },
  };
}
