/** The rules tasks of the exception workflows: decide, and describe a failure for compensation. Pure over their inputs. */
import { ValidationError } from '../shared/errors';
import { decide } from './decision';
import { describeFailure, type FailureDescription } from './failure';
import type { Decision, Enrichment, ExceptionThresholds, FlowName, TriggerEvent, WorkflowFailure } from './model';

export type RulesTaskInput =
  | { readonly action: 'decide'; readonly flow: FlowName; readonly event: TriggerEvent; readonly enrichment: Enrichment }
  | { readonly action: 'describe-failure'; readonly flow: FlowName; readonly event: TriggerEvent; readonly failure: WorkflowFailure; readonly eventBusName: string };

export interface RulesOptions {
  readonly thresholds: ExceptionThresholds;
  readonly recordTtlDays: number;
}

export function rulesActions(options: RulesOptions, clock: () => Date = () => new Date()) {
  return async function run(input: RulesTaskInput): Promise<Decision | FailureDescription> {
    switch (input.action) {
      case 'decide':
        return decide(input, { thresholds: options.thresholds, recordTtlDays: options.recordTtlDays, now: clock() });
      case 'describe-failure':
        return describeFailure(input, clock());
      default:
        throw new ValidationError(`unknown rules task action ${(input as { action?: unknown }).action as string}`, 'action');
    }
  };
}
