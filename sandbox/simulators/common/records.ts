import { pathMatches, type PathPattern } from './paths';
import type { FaultKind } from './faults';

/** One request a simulator received, as tests see it. */
export interface CallRecord {
  /** Sequence number within this simulator (1-based, survives reset so numbers are never reused). */
  seq: number;
  /** When the request arrived (RFC 3339). */
  at: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Request headers, names lower-cased, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON, or null when empty. */
  body: unknown;
  /** The `Idempotency-Key` header, or null. */
  idempotencyKey: string | null;
  /** Response status; null while in flight or when the connection was dropped. */
  status: number | null;
  /** Time to respond, in ms (null while in flight or dropped). */
  durationMs: number | null;
  /** Faults applied to this request, if any. */
  faults?: FaultKind[];
  /** True when the answer was a replay of an earlier request (idempotency key or external id). */
  replayed?: boolean;
  /** A short explanation added by the simulator (e.g. which route an external id matched). */
  note?: string;
  /**
   * The vendor contract's verdict (contracts/<vendor>/openapi.json): the operation the request matched, what
   * in the request breaks the contract (the simulator then answered as the vendor answers a bad request), and
   * what in the simulator's own 2xx answer does (a simulator defect; the answer becomes a 500).
   */
  contract?: { operationId?: string; errors: readonly string[]; responseErrors?: readonly string[] };
}

export type CallRecordInit = Omit<CallRecord, 'seq' | 'status' | 'durationMs'>;

/** Keeps the call log of one simulator. */
export class CallRecorder {
  private records: CallRecord[] = [];
  private seq = 0;

  start(init: CallRecordInit): CallRecord {
    const record: CallRecord = { seq: ++this.seq, ...init, status: null, durationMs: null };
    this.records.push(record);
    return record;
  }

  get all(): readonly CallRecord[] {
    return this.records;
  }

  /** Calls whose method matches (case-insensitive, `*` for any) and whose path matches the pattern. */
  filter(method: string, pattern: PathPattern): CallRecord[] {
    const wanted = method.toUpperCase();
    return this.records.filter((r) => (wanted === '*' || r.method === wanted) && pathMatches(pattern, r.path));
  }

  clear(): void {
    this.records = [];
  }
}
