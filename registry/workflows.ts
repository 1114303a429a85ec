/**
 * The exception workflows the product ships: one state machine per flow (`statemachines/<flow>.asl.json`), and
 * the thresholds (stage configuration `exceptions`) the constructs pass to their Lambda tasks as JSON.
 * The construct (lib/workflows/exception-workflow.ts) and the tasks (lambdas/workflows/) both read them from here.
 */

/** The three exception workflows; each has `statemachines/<flow>.asl.json`. */
export const FLOWS = ['temperature-excursion', 'delay', 'failed-delivery'] as const;
export type FlowName = (typeof FLOWS)[number];

/** Stage configuration `exceptions` block (lib/config/stage-config.ts), passed to the tasks as JSON. */
export interface ExceptionThresholds {
  readonly temperature: { readonly minorMinutes: number; readonly majorMinutes: number; readonly criticalDeltaCelsius: number };
  readonly delay: { readonly graceMinutes: number; readonly majorMinutes: number };
  readonly failedDelivery: { readonly maxAttempts: number };
}
