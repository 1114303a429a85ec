import type { SimRequest, SimResponse } from './http';
import type { RetryPolicy } from './webhooks';

export type SimLogger = (message: string, fields?: Record<string, unknown>) => void;

/** Options every simulator accepts. */
export interface SimulatorOptions {
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind. @default 0 - a free port */
  port?: number;
  /** Receives one line per notable event (start, stop, webhook delivered, handler error). @default - silent */
  log?: SimLogger;
  /** Clock for timestamps, token expiry, fault windows and idempotency TTLs. @default - the system clock */
  now?: () => Date;
  /** How webhooks are retried. @default DEFAULT_RETRY_POLICY */
  webhookRetry?: Partial<RetryPolicy>;
  /** Larger request bodies get 413. @default 1 MiB */
  maxBodyBytes?: number;
  /**
   * Secret of the logistics-sync canonical dialect (X-Lsync-Signature). With it the simulator can send
   * canonical events with `sendCanonical()`. @default - canonical webhooks cannot be sent
   */
  canonicalSecret?: string;
  /** Where canonical webhooks go. @default - unset until setWebhookTarget('canonical', url) */
  canonicalWebhookUrl?: string;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export interface RouteOptions {
  /** The route needs the vendor's credentials. @default true */
  auth?: boolean;
  /** The route honours the `Idempotency-Key` header with the simulator's policy. @default false */
  idempotent?: boolean;
}

/** A vendor-side action (e.g. "the driver departs"), callable in-process and over `POST /__sim/actions/{name}`. */
export type ActionHandler = (args: Record<string, unknown>) => unknown;
