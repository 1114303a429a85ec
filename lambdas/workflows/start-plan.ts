/**
 * Which workflow a canonical event starts, under which execution name. Pure.
 *
 * The execution name is derived from the canonical event id: Standard workflows treat a second start with
 * the same name and input as a no-op, and a start with the same name and another input (a republished
 * event with a new `receivedAt`) fails with ExecutionAlreadyExists, which the starter also treats as a
 * duplicate. The input holds only the canonical `detail` (never the EventBridge envelope, whose id and
 * time differ per delivery), so a redelivered message yields the same input.
 */
import { assessDelay } from './delay-rules';
import type { ExceptionThresholds, FlowName, TriggerEvent, WorkflowInput } from './model';

/** Short prefixes keep names readable in the console: `temp-<64 hex>` is 69 of the 80 characters allowed. */
export const EXECUTION_NAME_PREFIX: Readonly<Record<FlowName, string>> = {
  'temperature-excursion': 'temp',
  delay: 'delay',
  'failed-delivery': 'fdel',
};

/** Exception kinds and the flow that handles each. Damage found at delivery goes with failed deliveries. */
export const FLOW_BY_KIND: Readonly<Record<string, FlowName>> = {
  'temperature-excursion': 'temperature-excursion',
  delay: 'delay',
  'failed-delivery': 'failed-delivery',
  damage: 'failed-delivery',
};

export type StartPlan =
  | { readonly action: 'start'; readonly flow: FlowName; readonly executionName: string; readonly input: WorkflowInput }
  | { readonly action: 'skip'; readonly reason: string };

export function executionName(flow: FlowName, eventId: string): string {
  return `${EXECUTION_NAME_PREFIX[flow]}-${eventId}`;
}

function start(flow: FlowName, event: TriggerEvent): StartPlan {
  return { action: 'start', flow, executionName: executionName(flow, event.metadata.eventId), input: { flow, event } };
}

export function planStart(event: TriggerEvent, thresholds: ExceptionThresholds): StartPlan {
  if (event.metadata.eventType === 'shipment.exception-raised') {
    const kind = (event.data as { kind: string }).kind;
    const flow = FLOW_BY_KIND[kind];
    return flow ? start(flow, event) : { action: 'skip', reason: `no workflow handles exception kind ${kind}` };
  }
  const data = event.data as { etaAt: string; previousEtaAt?: string; stopKind?: string; deliveryWindow?: { from: string; to: string } };
  if (data.stopKind && data.stopKind !== 'delivery') {
    return { action: 'skip', reason: `ETA of a ${data.stopKind} stop: only the delivery stop has a promised window` };
  }
  if (!data.deliveryWindow) {
    // Without a window on the event only the ERP order can tell: the workflow's Decide step does.
    return start('delay', event);
  }
  const verdict = assessDelay({ etaAt: data.etaAt, previousEtaAt: data.previousEtaAt, window: data.deliveryWindow }, thresholds.delay);
  return verdict.severity === 'none' ? { action: 'skip', reason: verdict.reason } : start('delay', event);
}
