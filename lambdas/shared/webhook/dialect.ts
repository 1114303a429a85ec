import type { CanonicalDetail } from '../canonical-event';
import type { SystemName } from '../../../registry/systems';
import { dialectRoutesOf, type DialectEntry, type DialectRoutesOf } from '../../../registry/vendors';
import type { WebhookRequest } from './request';

/** A signing secret as configured: the current value and, during a rotation, the previous one. */
export interface SigningSecret {
  readonly current: string;
  readonly previous?: string;
}

/** What a dialect's mapping decided for one verified, valid vendor event. */
export type MapResult =
  | { readonly kind: 'events'; readonly events: readonly CanonicalDetail<object>[] }
  /** A valid event we have no use for (unmapped type, no logistics-sync reference): 202 + metric. */
  | { readonly kind: 'ignored'; readonly reason: string };

/** The event was handed to a queue that finishes the mapping asynchronously (a read-back with its own retries and DLQ): 202. */
export interface QueuedResult {
  readonly kind: 'queued';
  readonly reason: string;
}

/**
 * A mapping that needs one more step first (a read from the source system, or handing a thin event to a
 * read-back queue). The pipeline runs `complete` inside the idempotent step, so a vendor retry of a
 * processed event causes no second read or message.
 */
export interface DeferredMapResult {
  readonly kind: 'deferred';
  complete(): Promise<MapResult | QueuedResult>;
}

/** The vendor event after parsing and validation, with what the pipeline needs to dedupe and log it. */
export interface DecodedEvent<T> {
  readonly event: T;
  /** The vendor's id for the event: the idempotency key (within this dialect) and the source of canonical ids. */
  readonly vendorEventId: string;
  /** Vendor event type, for logs and the ignored/accepted metrics (low cardinality). */
  readonly vendorEventType: string;
  /** Deduplication key when the vendor event id alone is not unique (CloudEvents: source + id). @default vendorEventId */
  readonly dedupeKey?: string;
}

/**
 * One vendor dialect (one webhook route): how to verify, decode and map it. Everything here is pure —
 * no SDK, no environment, no clock (the pipeline passes `now`) — so it is tested and benchmarked directly.
 */
export interface Dialect<T = unknown> {
  /** Route segment and `metadata.source.vendor`, e.g. `samsara`. */
  readonly name: string;
  readonly vendor: string;
  readonly system: SystemName;
  /** Media types accepted (without parameters). */
  readonly contentTypes: readonly string[];
  /** Key of the signing secret in the system's Secrets Manager JSON, e.g. `samsaraWebhookSecret`. */
  readonly secretKey: string;
  /** Verifies the request's signature against one secret value; throws SignatureError. */
  verify(request: WebhookRequest, secret: string, now: Date, toleranceSeconds: number): void;
  /** Parses/validates the verified request (`json` is the parsed body); throws ValidationError naming the field. */
  decode(request: WebhookRequest, json: unknown): DecodedEvent<T>;
  /** Maps a decoded event to canonical events or an "ignored" decision. */
  map(decoded: DecodedEvent<T>, receivedAt: string): MapResult | DeferredMapResult;
  /**
   * A subscription handshake the vendor performs on the webhook URL before it sends events (e.g. Business
   * Central's `?validationToken=`): the text to answer with 200 `text/plain`, or undefined when the request is
   * not a handshake. Runs before the media type and signature checks (the vendor sends no body or signature
   * then); pure, and must answer only with what the request carried, never with a secret.
   */
  handshake?(request: WebhookRequest): { readonly text: string } | undefined;
}

/** What a dialect takes from its registry entry (registry/vendors.ts): route, vendor, system, media types, secret. */
export function dialectIdentity(entry: DialectEntry): Pick<Dialect, 'name' | 'vendor' | 'system' | 'contentTypes' | 'secretKey'> {
  return { name: entry.route, vendor: entry.route, system: entry.system, contentTypes: entry.contentTypes, secretKey: entry.secretField };
}

/**
 * A system's dialects in registry order, from an object with one implementation per route the registry declares
 * for it (registry/vendors.ts): a registry entry without its implementation, or an implementation without an
 * entry, is a type error; an implementation registered under another route's name throws at load.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each dialect has its own event type; the pipeline treats them alike
export function dialectTable<S extends SystemName>(system: S, implementations: { readonly [R in DialectRoutesOf<S>]: Dialect<any> }): readonly Dialect[] {
  const byRoute = implementations as Readonly<Record<string, Dialect>>;
  return dialectRoutesOf(system).map((route) => {
    const dialect = byRoute[route];
    if (dialect?.name !== route || dialect.system !== system) throw new Error(`dialect table of ${system}: ${route} is implemented by ${dialect ? `${dialect.system}/${dialect.name}` : 'nothing'}`);
    return dialect;
  });
}
