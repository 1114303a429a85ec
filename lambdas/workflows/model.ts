/**
 * Shared vocabulary of the exception workflows: flows, severities, thresholds, and the shapes that travel
 * between the state machines (statemachines/*.asl.json) and their Lambda tasks. Types only, no behaviour.
 */
import type { FlowName } from '../../registry/workflows';
import type { CasePriority, ShipmentEtaUpdatedV1, ShipmentExceptionRaisedV1 } from '../shared/generated/canonical-types';

/** Flows and thresholds are declared once, for the constructs and the tasks alike. */
export { FLOWS, type ExceptionThresholds, type FlowName } from '../../registry/workflows';

/**
 * Effective severity decided by the rules (the source's `reportedSeverity` is only a hint).
 * `none`: nothing to act on (inside the contract range, a tolerated blip, an ETA still inside the window);
 * the workflow records it and ends.
 */
export type Severity = 'none' | 'minor' | 'major' | 'critical';
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { none: 0, minor: 1, major: 2, critical: 3 };

/** The canonical events that start a workflow. */
export type TriggerEvent = ShipmentExceptionRaisedV1 | ShipmentEtaUpdatedV1;

/** Execution input: deterministic for a given canonical event, so a duplicate start is a no-op. */
export interface WorkflowInput {
  readonly flow: FlowName;
  readonly event: TriggerEvent;
}

export interface TemperatureRange {
  readonly minCelsius: number;
  readonly maxCelsius: number;
}

export interface TimeWindow {
  readonly from: string;
  readonly to: string;
}

/** What the Enrich task learned from the ERP: only the facts the rules need (no addresses, no e-mails). */
export interface Enrichment {
  readonly orderId: string | null;
  readonly customerId: string | null;
  readonly temperatureRange: TemperatureRange | null;
  readonly productCategory: string | null;
  readonly deliveryWindow: TimeWindow | null;
  /** Contract SLA: how fast the customer must hear about an exception. */
  readonly exceptionResponseMinutes: number | null;
}

/** Side effects a decision asks for. */
export interface ExceptionActions {
  /** ERP shipment status "exception". */
  readonly erpExceptionStatus: boolean;
  /** ERP quality hold on the shipment's goods. */
  readonly qualityHold: boolean;
  /** Priority of the CS case; null when no case is opened. */
  readonly casePriority: CasePriority | null;
  /** Who is told; null when nobody is. */
  readonly notify: 'customer' | 'account-team' | null;
}

/** The notification the workflow publishes to SNS, with the `customer.notified` event that records it. */
export interface PlannedNotification {
  readonly audience: 'customer' | 'account-team';
  readonly customerId: string;
  readonly notificationType: string;
  readonly subject: string;
  /** Facts only: ids, times, temperatures. Never personal data. */
  readonly message: string;
  /** `customer.notified` detail, published after the SNS publish succeeds. */
  readonly event: object;
}

/** Strings for the visibility record (every field present, so the ASL can address it without a Choice). */
export interface RecordSummary {
  readonly kind: string;
  readonly severity: Severity;
  readonly reason: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly shipmentId: string;
  /** Epoch seconds (string, as DynamoDB `N` wants it) after which the record and the wait item expire. */
  readonly expiresAt: string;
}

/** Output of the Decide task, stored at `$.decision`. */
export interface Decision {
  readonly flow: FlowName;
  readonly severity: Severity;
  /** Why, in one line (logged, recorded, put in the case). */
  readonly reason: string;
  readonly actions: ExceptionActions;
  readonly summary: RecordSummary;
  readonly notification: PlannedNotification | null;
}

/** `$.outcome[i]` of a Parallel branch: `ok` false carries the failure. */
export interface BranchOutcome {
  readonly ok: boolean;
  readonly caseId?: string;
  readonly holdId?: string;
  readonly step?: string;
  readonly targetSystem?: 'erp' | 'cs' | 'fleet';
  readonly Error?: string;
  readonly Cause?: string;
}

/** `$.failure`: set by a Catch (through a `…Failed` Pass naming the step) or by the outcome check. */
export interface WorkflowFailure {
  readonly step: string;
  readonly targetSystem?: 'erp' | 'cs' | 'fleet';
  readonly Error?: string;
  readonly Cause?: string;
  /** Present when one or more Parallel branches failed. */
  readonly outcome?: readonly BranchOutcome[];
}

/** Output of SendTaskSuccess sent by the resolution releaser (`$.resolution`). */
export interface ResolutionOutput {
  readonly resolvedBy: 'case.resolved' | 'shipment.delivered';
  readonly resolvedByEventId: string;
  readonly resolvedAt: string;
}
