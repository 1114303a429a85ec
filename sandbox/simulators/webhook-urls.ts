/** Paths of our webhook endpoints, relative to the API's base URL. */
export const DEFAULT_WEBHOOK_PATHS = {
  cloudevents: '/webhooks/erp/cloudevents',
  samsara: '/webhooks/fleet/samsara',
  motive: '/webhooks/fleet/motive',
  zendesk: '/webhooks/cs/zendesk',
  erpCanonical: '/webhooks/erp/canonical',
  fleetCanonical: '/webhooks/fleet/canonical',
  csCanonical: '/webhooks/cs/canonical',
} as const;

/**
 * Where the simulators send webhooks. Every URL left out defaults to `baseUrl` + its default path;
 * without `baseUrl` it stays unset (webhooks of that dialect cannot be sent until set).
 */
export interface WebhookUrls {
  /** Base URL of our API, e.g. `http://127.0.0.1:3000`. */
  baseUrl?: string;
  /** ERP CloudEvents endpoint. @default `${baseUrl}/webhooks/erp/cloudevents` */
  erp?: string;
  /** Samsara endpoint. @default `${baseUrl}/webhooks/fleet/samsara` */
  fleet?: string;
  /** Motive endpoint. @default `${baseUrl}/webhooks/fleet/motive` */
  motive?: string;
  /** Zendesk endpoint. @default `${baseUrl}/webhooks/cs/zendesk` */
  cs?: string;
  /** Canonical-dialect endpoints. @default `${baseUrl}/webhooks/{erp|fleet|cs}/canonical` */
  canonical?: { erp?: string; fleet?: string; cs?: string };
}

/** Webhook targets by simulator and dialect, as the simulators take them. */
export interface ResolvedWebhookTargets {
  erp: { cloudevents?: string; canonical?: string };
  fleet: { samsara?: string; motive?: string; canonical?: string };
  cs: { zendesk?: string; canonical?: string };
}

function join(base: string | undefined, path: string): string | undefined {
  return base === undefined ? undefined : base.replace(/\/+$/, '') + path;
}

/** Resolves explicit URLs and defaults; a string is shorthand for `{ baseUrl }`. */
export function resolveWebhookTargets(urls: WebhookUrls | string): ResolvedWebhookTargets {
  const u: WebhookUrls = typeof urls === 'string' ? { baseUrl: urls } : urls;
  const base = u.baseUrl;
  const targets: ResolvedWebhookTargets = {
    erp: { cloudevents: u.erp ?? join(base, DEFAULT_WEBHOOK_PATHS.cloudevents), canonical: u.canonical?.erp ?? join(base, DEFAULT_WEBHOOK_PATHS.erpCanonical) },
    fleet: {
      samsara: u.fleet ?? join(base, DEFAULT_WEBHOOK_PATHS.samsara),
      motive: u.motive ?? join(base, DEFAULT_WEBHOOK_PATHS.motive),
      canonical: u.canonical?.fleet ?? join(base, DEFAULT_WEBHOOK_PATHS.fleetCanonical),
    },
    cs: { zendesk: u.cs ?? join(base, DEFAULT_WEBHOOK_PATHS.zendesk), canonical: u.canonical?.cs ?? join(base, DEFAULT_WEBHOOK_PATHS.csCanonical) },
  };
  for (const [system, dialects] of Object.entries(targets)) {
    for (const [dialect, url] of Object.entries(dialects as Record<string, string | undefined>)) {
      if (url === undefined) continue;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new Error(`webhook URL for ${system}/${dialect} is not a URL: ${JSON.stringify(url)}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`webhook URL for ${system}/${dialect} must be http(s), got ${JSON.stringify(url)}`);
    }
  }
  return targets;
}
