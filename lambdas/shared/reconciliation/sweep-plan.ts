/**
 * Planning a reconciliation sweep (pure: no SDK, no clock). A sweep pages through the shipments in flight (the
 * `InFlight` index of the shipments' state items, registry/correlation-keys.ts), asks the system's vendor API what it shows for each,
 * turns that into the canonical events its webhooks would have produced (same mappers, same ids: canonical-event.ts
 * `factKey`), and publishes the ones the correlation index lacks. The messages carry the cursor, so a sweep is a
 * chain of small invocations that survives restarts and never holds more than one page.
 */
import { inFlightKeys, keys, utcIso } from '../../../registry/correlation-keys';
import type { SystemName } from '../../../registry/systems';
import type { CanonicalDetail } from '../canonical-event';
import { MILESTONE_RANK } from '../outbound/milestones';

/** The message on a sweep queue: the scheduler's (`system`, `scheduledAt`), or a continuation with its cursor. */
export interface SweepMessage {
  readonly system: SystemName;
  /** When this sweep was started (the schedule's time, or the first page's). */
  readonly startedAt: string;
  /** The page this message asks for (1 for the scheduler's message). */
  readonly page: number;
  /** Where the previous page ended (DynamoDB `LastEvaluatedKey` of the `InFlight` query, or of the legacy entries' `Lists` query). @default - the first page */
  readonly cursor?: Readonly<Record<string, string>>;
  /** What the earlier pages of this sweep counted. */
  readonly totals: SweepTotals;
}

export interface SweepTotals {
  /** Shipments whose vendor state was read. */
  readonly shipments: number;
  /** Milestones the vendor shows that the index lacked. */
  readonly found: number;
  /** Of those, published (the rest failed and are retried with the page). */
  readonly repaired: number;
  /** Shipments the vendor could not tell about (not found, refused): logged, counted, skipped. */
  readonly unreadable: number;
}

export const NO_TOTALS: SweepTotals = { shipments: 0, found: 0, repaired: 0, unreadable: 0 };

/** Thrown for a message that is not a sweep message: dead-lettered at once, with this reason. */
export class BadSweepMessageError extends Error {
  override name = 'BadSweepMessageError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a sweep message for `system`. The scheduler's message is `{"system":…,"scheduledAt":…}` (the time filled in
 * by EventBridge Scheduler's `<aws.scheduler.scheduled-time>`); `now` stands in when it has none.
 */
export function parseSweepMessage(body: string, system: SystemName, now: Date): SweepMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadSweepMessageError('the message body is not JSON');
  }
  if (!isRecord(parsed)) throw new BadSweepMessageError('the message body is not a JSON object');
  if (parsed.system !== system) throw new BadSweepMessageError(`the message is for system ${JSON.stringify(parsed.system)}, this sweep is ${system}'s`);
  const startedAt = typeof parsed.startedAt === 'string' ? parsed.startedAt : typeof parsed.scheduledAt === 'string' && !Number.isNaN(Date.parse(parsed.scheduledAt)) ? parsed.scheduledAt : now.toISOString();
  const page = typeof parsed.page === 'number' && Number.isInteger(parsed.page) && parsed.page > 0 ? parsed.page : 1;
  const cursor = isRecord(parsed.cursor) && Object.values(parsed.cursor).every((v) => typeof v === 'string') ? (parsed.cursor as Record<string, string>) : undefined;
  const t = isRecord(parsed.totals) ? parsed.totals : {};
  const count = (name: keyof SweepTotals) => (typeof t[name] === 'number' && Number.isFinite(t[name]) ? (t[name] as number) : 0);
  return {
    system,
    startedAt: utcIso(startedAt),
    page,
    ...(cursor ? { cursor } : {}),
    totals: { shipments: count('shipments'), found: count('found'), repaired: count('repaired'), unreadable: count('unreadable') },
  };
}

/** The message that continues a sweep after a page that ended at `cursor`. */
export function continuation(message: SweepMessage, cursor: Readonly<Record<string, string>>, totals: SweepTotals): SweepMessage {
  return { system: message.system, startedAt: message.startedAt, page: message.page + 1, cursor, totals };
}

export function addTotals(a: SweepTotals, b: Partial<SweepTotals>): SweepTotals {
  return { shipments: a.shipments + (b.shipments ?? 0), found: a.found + (b.found ?? 0), repaired: a.repaired + (b.repaired ?? 0), unreadable: a.unreadable + (b.unreadable ?? 0) };
}

/** One shipment in flight, as the `InFlight` index projects its state item (or a legacy `INFLIGHT` entry has it). */
export interface InFlightShipment {
  readonly shipmentId: string;
  readonly correlationId: string;
  readonly orderId?: string;
  readonly routeId?: string;
  readonly customerId?: string;
  /** Read from a legacy entry (`SHIPMENT#<id>` / `INFLIGHT`, written by versions before 2026-12-06). */
  readonly legacy?: true;
}

/** What the sweep reads of a shipment's state item: its rank and the visibility view's cases and holds. */
export interface ShipmentSnapshot {
  readonly rank?: number;
  /** Whether the state item is in the `InFlight` index (then a legacy entry of the shipment is superseded). */
  readonly inFlight?: boolean;
  readonly cases: readonly { readonly caseId: string; readonly status: string }[];
  readonly holds: readonly { readonly holdId: string; readonly status: string }[];
}

/** A delivered shipment is not in flight (its legacy entry left behind, or the index read while it was delivered). */
export function isStale(snapshot: ShipmentSnapshot | undefined): boolean {
  return snapshot?.rank !== undefined && snapshot.rank >= MILESTONE_RANK.delivered;
}

/**
 * Whether a legacy entry is to be dropped rather than swept: its shipment is delivered, or its state item is in the
 * `InFlight` index already (a milestone since the upgrade put it there: the sweep reads it there).
 */
export function legacyEntrySuperseded(snapshot: ShipmentSnapshot | undefined): boolean {
  return isStale(snapshot) || snapshot?.inFlight === true;
}

/** Where the indexer keeps an event's timeline entry (lambdas/indexer/index-plan.ts writes the same key). */
export function timelineKeyOf(event: CanonicalDetail): { readonly pk: string; readonly sk: string } {
  return { pk: keys.corrPk(event.metadata.correlationId), sk: keys.timelineSk(utcIso(event.metadata.occurredAt), event.metadata.eventId) };
}

/**
 * The observed events the index lacks (pure), each once. An event whose timeline entry exists was indexed, whoever
 * delivered it; one published but not indexed yet is published again, which is harmless: every consumer dedupes on
 * the canonical id.
 */
export function missingEvents(observed: readonly CanonicalDetail[], indexed: ReadonlySet<string>): CanonicalDetail[] {
  const seen = new Set<string>();
  return observed.filter((event) => {
    const { pk, sk } = timelineKeyOf(event);
    const id = `${pk}\u0000${sk}`;
    if (indexed.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Whether a sweep has run past its interval (the next one is due): a missed update would then wait longer than promised. */
export function isBehind(message: SweepMessage, now: Date, intervalSeconds: number): boolean {
  return now.getTime() - Date.parse(message.startedAt) > intervalSeconds * 1000;
}

/**
 * The cursor that continues a page after `shipment` (the index query's `ExclusiveStartKey`: the index keys and the
 * table keys of that shipment's item, in the `InFlight` index or, for a legacy entry, the `Lists` one), so a page cut
 * short (time running out, the vendor asking to slow down) resumes exactly after the last shipment it finished.
 */
export function cursorAfter(shipment: Pick<InFlightShipment, 'shipmentId' | 'legacy'>): Record<string, string> {
  const { shipmentId } = shipment;
  return shipment.legacy
    ? { listPk: inFlightKeys.legacyListPk, listSk: inFlightKeys.legacyListSk(shipmentId), pk: keys.shipmentPk(shipmentId), sk: inFlightKeys.legacySk }
    : { [inFlightKeys.pkAttribute]: inFlightKeys.pk, [inFlightKeys.skAttribute]: shipmentId, pk: keys.shipmentPk(shipmentId), sk: keys.stateSk };
}
