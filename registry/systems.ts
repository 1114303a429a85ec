import type { TargetSystem } from '../lambdas/shared/generated/canonical-types';

/**
 * The systems every stage connects, in the order the product lists them (stage config, dashboard, stack,
 * scenario). Each is a source of webhooks and a target of outbound calls. The canonical schema's `TargetSystem`
 * (schemas/canonical/common.schema.json) names the same three: the type below fails to compile when they differ.
 */
export const SYSTEMS = ['erp', 'fleet', 'cs'] as const;

/** A connected system: a webhook source and an outbound target. */
export type SystemName = (typeof SYSTEMS)[number];

/** Where a canonical event comes from: a connected system, or the product's own workflows. */
export type EventSourceSystem = SystemName | 'orchestrator';

// Compile-time agreement with the canonical model (two independent sources, each checked against the other).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SYSTEMS_MATCH_THE_CANONICAL_MODEL: Same<SystemName, TargetSystem> = true;
void SYSTEMS_MATCH_THE_CANONICAL_MODEL;

/** What each system is, for people. */
export const SYSTEM_TITLES: Readonly<Record<SystemName, string>> = {
  erp: 'ERP',
  fleet: 'fleet / telematics',
  cs: 'customer service',
};

/**
 * The systems with a reconciliation sweep (docs/reconciliation.md): each has its observer and handler at
 * `lambdas/<system>/reconciliation/handler.ts` (registry/functions.ts), and the stack gives each a schedule, a queue
 * and the function.
 */
export const RECONCILED_SYSTEMS = ['erp', 'fleet', 'cs'] as const satisfies readonly SystemName[];
export type ReconciledSystem = (typeof RECONCILED_SYSTEMS)[number];
