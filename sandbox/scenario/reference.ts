import { DELIVERY_STEPS } from './steps-delivery';
import { DISPATCH_STEPS } from './steps-dispatch';
import { CS_FOLLOW_UP_STEPS } from './steps-cs';
import { EXCEPTION_WORKFLOW_STEPS } from './steps-exceptions';
import { VISIBILITY_STEPS } from './steps-visibility';
import type { SystemSelection } from '../systems-option';
import { runSteps, type ScenarioReport, type ScenarioSandbox, type ScenarioStep } from './runner';

export type { ScenarioContext, ScenarioReport, ScenarioSandbox, ScenarioStep } from './runner';

/**
 * The reference scenario (docs/architecture.md, "Reference scenario"), as far as the stack implements it: the
 * ERP releases SO-1001, dispatch, departure (steps-dispatch.ts), the temperature excursion and the vendor's
 * retries (steps-exceptions.ts), the exception ticket closed on the CS platform (steps-cs.ts; Zendesk or Freshdesk), arrival, proof of
 * delivery, invoice and the trace (steps-delivery.ts), the visibility page (steps-visibility.ts). Later steps are
 * added as the product grows.
 */
export const REFERENCE_SCENARIO: readonly ScenarioStep[] = [...DISPATCH_STEPS, ...EXCEPTION_WORKFLOW_STEPS, ...CS_FOLLOW_UP_STEPS, ...DELIVERY_STEPS, ...VISIBILITY_STEPS];

/** Runs the steps (by default the reference scenario) in order; a failed step stops the scenario (later steps depend on earlier ones). */
export function runScenario(sandbox: ScenarioSandbox, steps: readonly ScenarioStep[] = REFERENCE_SCENARIO, options: { log?: (line: string) => void; systems?: SystemSelection } = {}): Promise<ScenarioReport> {
  return runSteps(sandbox, steps, options);
}
