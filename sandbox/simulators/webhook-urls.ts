import { SYSTEMS, type SystemName } from '../../registry/systems';
import { dialectsOf, webhookPath } from '../../registry/vendors';

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

/** Webhook targets by simulator (system) and dialect route, as the simulators take them. */
export type ResolvedWebhookTargets = Record<SystemName, Record<string, string | undefined>>;

function join(base: string | undefined, path: string): string | undefined {
  return base === undefined ? undefined : base.replace(/\/+$/, '') + path;
}

/** Resolves explicit URLs and defaults; a string is shorthand for `{ baseUrl }`. */
export function resolveWebhookTargets(urls: WebhookUrls | string): ResolvedWebhookTargets {
  const u: WebhookUrls = typeof urls === 'string' ? { baseUrl: urls } : urls;
  const base = u.baseUrl;
  // The explicit URL of each vendor dialect (option names as the simulators' systems), else the route's default path.
  const explicit: Record<string, string | undefined> = { cloudevents: u.erp, samsara: u.fleet, motive: u.motive, zendesk: u.cs };
  const targets = Object.fromEntries(
    SYSTEMS.map((system) => [
      system,
      Object.fromEntries(
        dialectsOf(system).map((d) => [d.route, (d.route === 'canonical' ? u.canonical?.[system] : explicit[d.route]) ?? join(base, webhookPath(system, d.route))]),
      ),
    ]),
  ) as ResolvedWebhookTargets;
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
