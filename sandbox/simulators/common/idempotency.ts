import { createHash } from 'node:crypto';
import type { SimResponse } from './http';

/** How a vendor treats the `Idempotency-Key` header. */
export interface IdempotencyPolicy {
  /** How long a key is remembered, in ms. */
  ttlMs: number;
  /** Headers added to the first (stored) answer. */
  missHeaders?: Record<string, string>;
  /** Headers added to a replayed answer. */
  hitHeaders: Record<string, string>;
  /** The answer when a key is reused with a different request. */
  mismatch: () => SimResponse;
  /** The answer when a key is reused while the first request is still being handled. */
  inFlight: () => SimResponse;
}

export type IdempotencyLookup =
  | { kind: 'miss' }
  | { kind: 'hit'; response: SimResponse }
  | { kind: 'mismatch' }
  | { kind: 'in-flight' };

interface Entry {
  fingerprint: string;
  storedAt: number;
  response?: SimResponse;
}

/** Fingerprint of a request for idempotency: method, path and raw body. */
export function requestFingerprint(method: string, path: string, rawBody: string): string {
  return createHash('sha256').update(`${method}\n${path}\n${rawBody}`).digest('hex');
}

/** Remembered answers by idempotency key. */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  /** Looks the key up; on a miss the key is reserved until `complete` or `abandon`. */
  begin(key: string, fingerprint: string): IdempotencyLookup {
    const now = this.now().getTime();
    const entry = this.entries.get(key);
    if (entry && now - entry.storedAt <= this.ttlMs) {
      if (entry.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return entry.response ? { kind: 'hit', response: entry.response } : { kind: 'in-flight' };
    }
    this.entries.set(key, { fingerprint, storedAt: now });
    return { kind: 'miss' };
  }

  /** Stores the answer. Server errors are not stored, so a retry after a 5xx is processed again. */
  complete(key: string, response: SimResponse): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (response.status >= 500) this.entries.delete(key);
    else entry.response = structuredClone(response);
  }

  abandon(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
