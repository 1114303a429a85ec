/**
 * One message of the exceptions queue → at most one workflow start. The message body is the EventBridge
 * event the routing rule delivered; only its canonical `detail` goes into the execution.
 */
import { createCanonicalValidator } from '../shared/canonical-validation';
import { ValidationError } from '../shared/errors';
import { shipmentEtaUpdatedV1, shipmentExceptionRaisedV1 } from '../shared/generated/canonical-validators';
import type { WorkflowStarter } from './aws-adapters';
import type { ExceptionThresholds, FlowName, TriggerEvent } from './model';
import { planStart } from './start-plan';

const validateTrigger = createCanonicalValidator({
  'shipment.exception-raised': { '1': shipmentExceptionRaisedV1 },
  'shipment.eta-updated': { '1': shipmentEtaUpdatedV1 },
});

export type StartOutcome =
  | { readonly outcome: 'started' | 'duplicate'; readonly flow: FlowName; readonly executionName: string; readonly event: TriggerEvent }
  | { readonly outcome: 'skipped'; readonly reason: string; readonly event: TriggerEvent };

/** Parses the SQS body (an EventBridge event) and validates its `detail`. Throws {@link ValidationError}. */
export function parseTrigger(body: string): TriggerEvent {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch (error) {
    throw new ValidationError('message body is not JSON', 'body', { cause: error });
  }
  const detail = (envelope as { detail?: unknown } | null)?.detail;
  const result = validateTrigger(detail);
  if (!result.ok) throw new ValidationError(`not a workflow trigger event: ${result.errors.slice(0, 3).join('; ')}`, 'detail');
  return result.event as TriggerEvent;
}

export async function handleExceptionMessage(body: string, deps: { readonly starter: WorkflowStarter; readonly thresholds: ExceptionThresholds }): Promise<StartOutcome> {
  const event = parseTrigger(body);
  const plan = planStart(event, deps.thresholds);
  if (plan.action === 'skip') return { outcome: 'skipped', reason: plan.reason, event };
  const outcome = await deps.starter.start(plan.flow, plan.executionName, plan.input);
  return { outcome, flow: plan.flow, executionName: plan.executionName, event };
}
