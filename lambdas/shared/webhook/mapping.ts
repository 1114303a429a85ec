import type { CanonicalRefs } from '../canonical-event';
import { parseFleetExternalIds } from '../fleet-external-ids';

/** Helpers for pure vendor → canonical mappings. None reads the clock or the environment. */

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

/** The value when it is a valid canonical Identifier (schemas/canonical/common.schema.json), else undefined. */
export function asIdentifier(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined;
}

/** A canonical ShortText (1–500 characters, trimmed), or undefined. */
export function asShortText(value: unknown, max = 500): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Whole minutes from `from` to `to` (RFC 3339), rounded; undefined when either is missing. */
export function minutesBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.round(ms / 60_000) : undefined;
}

/** Drops undefined members, so optional canonical fields are absent rather than `undefined`. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Our order and shipment ids from fleet `externalIds` maps (lambdas/shared/fleet-external-ids.ts), the first
 * source that carries each one winning (pass the most specific first: stop, then route). A malformed value
 * fails canonical validation with a 400 naming `refs.shipmentId`, instead of the event silently losing its
 * shipment.
 */
export function fleetRefs(...sources: (Readonly<Record<string, string>> | undefined)[]): Pick<CanonicalRefs, 'orderId' | 'shipmentId'> {
  let orderId: string | undefined;
  let shipmentId: string | undefined;
  for (const ids of sources) {
    const parsed = parseFleetExternalIds(ids);
    orderId ||= parsed.orderId;
    shipmentId ||= parsed.shipmentId;
  }
  return compact({ orderId, shipmentId });
}
