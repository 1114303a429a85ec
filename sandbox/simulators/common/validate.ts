import { timingSafeEqual } from 'node:crypto';

/** Thrown by handlers for an answer other than 200; the simulator renders it in the vendor's error shape. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'SimHttpError';
  }
}

/** Bad input; rendered with the simulator's validation status (400 or 422, per vendor). */
export class SimValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimValidationError';
  }
}

export function notFound(message: string): SimHttpError {
  return new SimHttpError(404, 'not_found', message);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: unknown): value is string {
  return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value));
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SimValidationError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function requiredString(obj: Record<string, unknown>, field: string, prefix = ''): string {
  const value = obj[field];
  if (typeof value !== 'string' || value.trim() === '') throw new SimValidationError(`${prefix}${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalString(obj: Record<string, unknown>, field: string, prefix = ''): string | undefined {
  return obj[field] === undefined || obj[field] === null ? undefined : requiredString(obj, field, prefix);
}

export function requiredTimestamp(obj: Record<string, unknown>, field: string, prefix = ''): string {
  const value = obj[field];
  if (!isRfc3339(value)) throw new SimValidationError(`${prefix}${field} must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalTimestamp(obj: Record<string, unknown>, field: string, prefix = ''): string | undefined {
  return obj[field] === undefined || obj[field] === null ? undefined : requiredTimestamp(obj, field, prefix);
}

export function oneOf<T extends string>(obj: Record<string, unknown>, field: string, allowed: readonly T[], prefix = ''): T {
  const value = obj[field];
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new SimValidationError(`${prefix}${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function optionalOneOf<T extends string>(obj: Record<string, unknown>, field: string, allowed: readonly T[], prefix = ''): T | undefined {
  return obj[field] === undefined || obj[field] === null ? undefined : oneOf(obj, field, allowed, prefix);
}

export function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined) return {};
  const obj = asObject(value, what);
  for (const [key, entry] of Object.entries(obj)) {
    if (typeof entry !== 'string') throw new SimValidationError(`${what}.${key} must be a string, got ${JSON.stringify(entry)}`);
  }
  return obj as Record<string, string>;
}

/** A date given to an in-process or HTTP action: a Date, or an RFC 3339 string. */
export function optionalDateArg(obj: Record<string, unknown>, field: string): Date | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value;
  if (isRfc3339(value)) return new Date(value);
  throw new SimValidationError(`${field} must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
}

/** `{ signedAt }` from action arguments, for spreading into emit options. */
export function signedAtOption(args: Record<string, unknown>): { signedAt?: Date } {
  const signedAt = optionalDateArg(args, 'signedAt');
  return signedAt ? { signedAt } : {};
}

/** Constant-time string comparison for credentials (length checked first, as timingSafeEqual requires). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
