/**
 * Shipment milestones and their rank (docs/architecture.md, "Canonical model"): created < dispatched < departed < arrived < delivered.
 * Exceptions and every other event type carry no rank and never move the state. Used by the correlation
 * indexer's state guard and by the ERP adapter's status guard.
 */
export const MILESTONE_RANK = {
  created: 1,
  dispatched: 2,
  departed: 3,
  arrived: 4,
  delivered: 5,
} as const;

export type Milestone = keyof typeof MILESTONE_RANK;

const MILESTONE_OF_EVENT: Readonly<Record<string, Milestone>> = {
  'shipment.created': 'created',
  'shipment.dispatched': 'dispatched',
  'shipment.departed': 'departed',
  'shipment.arrived': 'arrived',
  'shipment.delivered': 'delivered',
};

/** The milestone a canonical event type reports, if any. */
export function milestoneOf(eventType: string): Milestone | undefined {
  return MILESTONE_OF_EVENT[eventType];
}

/** The milestone with a given rank (for "previous status" texts). */
export function milestoneByRank(rank: number): Milestone | undefined {
  return (Object.keys(MILESTONE_RANK) as Milestone[]).find((m) => MILESTONE_RANK[m] === rank);
}

export type GuardDecision = 'advance' | 'late' | 'repeat';

/**
 * The monotonic guard (pure): a milestone moves the state only when it ranks above the current one. A
 * lower rank is late (recorded, never applied); the same rank is a repeat (a second stop's arrival, a
 * redelivery) and changes nothing.
 */
export function guardMilestone(incomingRank: number, currentRank: number | undefined): GuardDecision {
  if (currentRank === undefined || incomingRank > currentRank) return 'advance';
  return incomingRank < currentRank ? 'late' : 'repeat';
}
