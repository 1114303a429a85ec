import { pathMatches } from './paths';

export type FaultKind = 'rateLimit' | 'maintenance' | 'slow' | 'drop' | 'error';

export const FAULT_KINDS: readonly FaultKind[] = ['rateLimit', 'maintenance', 'slow', 'drop', 'error'];

/**
 * A switchable fault. Without `count` or `durationMs` it stays until cleared; with both it ends at
 * whichever comes first.
 */
export interface FaultSpec {
  kind: FaultKind;
  /** Only requests whose path matches this pattern (see paths.ts). @default - every request */
  path?: string;
  /** Only requests with this HTTP method. @default - every method */
  method?: string;
  /** Applies to the next N matching requests only. @default - no limit */
  count?: number;
  /** Active for this many ms from when it is set. @default - until cleared */
  durationMs?: number;
  /**
   * `Retry-After` seconds for `rateLimit` and `maintenance`.
   * @default - rateLimit: 1; maintenance: the seconds left in the window, or 60 without a window
   */
  retryAfterSeconds?: number;
  /** Delay before handling, for `slow` (required there). */
  delayMs?: number;
  /** Status for `error`. @default 500 */
  status?: number;
  /**
   * For `drop`: handle the request (side effects happen) and then drop the connection instead of
   * answering, like a response lost on the way back. @default false - drop before handling
   */
  afterHandling?: boolean;
}

/** A fault as it is currently set. */
export interface ActiveFault extends FaultSpec {
  id: string;
  setAt: string;
  /** When a `durationMs` fault ends (RFC 3339). */
  endsAt?: string;
  /** Requests left for a `count` fault. */
  remaining?: number;
  /** Requests this fault has affected so far. */
  hits: number;
}

/** What the fault layer decided for one request. */
export interface FaultDecision {
  /** Total delay from matching `slow` faults. */
  delayMs: number;
  /** The first matching fault that replaces the normal answer, if any. */
  blocking?: ActiveFault;
  /** Every fault kind applied. */
  applied: FaultKind[];
  /** Seconds to announce in `Retry-After` when `blocking` is rateLimit or maintenance. */
  retryAfterSeconds?: number;
}

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Problems with a fault spec, each naming the bad value; empty when valid. */
export function validateFaultSpec(spec: unknown): string[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [`a fault must be an object, got ${JSON.stringify(spec)}`];
  const s = spec as Record<string, unknown>;
  const errors: string[] = [];
  if (!FAULT_KINDS.includes(s.kind as FaultKind)) errors.push(`kind must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(s.kind)}`);
  for (const field of ['count', 'durationMs', 'retryAfterSeconds', 'delayMs'] as const) {
    if (s[field] !== undefined && !isNonNegativeInteger(s[field])) errors.push(`${field} must be a non-negative integer, got ${JSON.stringify(s[field])}`);
  }
  if (s.count === 0) errors.push('count must be at least 1, got 0');
  if (s.kind === 'slow' && s.delayMs === undefined) errors.push('delayMs is required for a slow fault');
  if (s.status !== undefined && !(Number.isInteger(s.status) && (s.status as number) >= 400 && (s.status as number) <= 599)) {
    errors.push(`status must be an HTTP error status (400-599), got ${JSON.stringify(s.status)}`);
  }
  for (const field of ['path', 'method'] as const) {
    if (s[field] !== undefined && (typeof s[field] !== 'string' || s[field] === '')) errors.push(`${field} must be a non-empty string, got ${JSON.stringify(s[field])}`);
  }
  if (s.afterHandling !== undefined && typeof s.afterHandling !== 'boolean') errors.push(`afterHandling must be a boolean, got ${JSON.stringify(s.afterHandling)}`);
  return errors;
}

export class FaultSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid fault: ${problems.join('; ')}`);
    this.name = 'FaultSpecError';
  }
}

/** The faults currently set on one simulator. */
export class FaultController {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly now: () => Date) {}

  add(spec: FaultSpec): ActiveFault {
    const problems = validateFaultSpec(spec);
    if (problems.length > 0) throw new FaultSpecError(problems);
    const setAt = this.now();
    const fault: ActiveFault = {
      ...spec,
      id: `fault-${this.nextId++}`,
      setAt: setAt.toISOString(),
      hits: 0,
      ...(spec.durationMs !== undefined ? { endsAt: new Date(setAt.getTime() + spec.durationMs).toISOString() } : {}),
      ...(spec.count !== undefined ? { remaining: spec.count } : {}),
    };
    this.faults.push(fault);
    return fault;
  }

  /** Clears one fault by id, or all of them. Returns how many were cleared. */
  clear(id?: string): number {
    const before = this.faults.length;
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
    return before - this.faults.length;
  }

  list(): ActiveFault[] {
    this.expire();
    return this.faults.map((f) => ({ ...f }));
  }

  /** Decides which faults apply to a request and consumes their counts. */
  evaluate(method: string, path: string): FaultDecision {
    this.expire();
    const decision: FaultDecision = { delayMs: 0, applied: [] };
    for (const fault of this.faults) {
      if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) continue;
      if (fault.path !== undefined && !pathMatches(fault.path, path)) continue;
      if (fault.kind === 'slow') {
        decision.delayMs += fault.delayMs ?? 0;
      } else if (decision.blocking) {
        continue;
      } else {
        decision.blocking = fault;
        decision.retryAfterSeconds = this.retryAfter(fault);
      }
      fault.hits += 1;
      if (fault.remaining !== undefined) fault.remaining -= 1;
      decision.applied.push(fault.kind);
    }
    this.expire();
    return decision;
  }

  private retryAfter(fault: ActiveFault): number | undefined {
    if (fault.retryAfterSeconds !== undefined) return fault.retryAfterSeconds;
    if (fault.kind === 'rateLimit') return 1;
    if (fault.kind !== 'maintenance') return undefined;
    if (fault.endsAt === undefined) return 60;
    return Math.max(1, Math.ceil((Date.parse(fault.endsAt) - this.now().getTime()) / 1000));
  }

  private expire(): void {
    const now = this.now().getTime();
    this.faults = this.faults.filter((f) => (f.remaining === undefined || f.remaining > 0) && (f.endsAt === undefined || Date.parse(f.endsAt) > now));
  }
}
