/**
 * The paths through each exception workflow (happy, retry, catch), their triggers and the checks every run gets:
 * shared by flows.test.ts (every path, every Task's retry and catch) and scenarios.test.ts (what each flow does).
 */
import { expect } from 'vitest';
import { validateCanonicalEvent } from '../../lambdas/shared/canonical-validation';
import type { FlowName, TriggerEvent, WorkflowInput } from '../../lambdas/workflows/model';
import { example, namedError, newWorld, runFlow, SUBSTITUTIONS, type RunResult, type World } from './harness';

export const TEMPERATURE = example<TriggerEvent>('shipment.exception-raised');
export const DELAY = example<TriggerEvent>('shipment.exception-raised.delay');
export const FAILED_DELIVERY = example<TriggerEvent>('shipment.exception-raised.failed-delivery');
export const ETA_UPDATED = example<TriggerEvent>('shipment.eta-updated');

export function withData(event: TriggerEvent, data: Record<string, unknown>): TriggerEvent {
  const copy = structuredClone(event) as unknown as { data: Record<string, unknown> };
  copy.data = { ...copy.data, ...data };
  return copy as unknown as TriggerEvent;
}

export interface Path {
  readonly name: string;
  readonly input: WorkflowInput;
  readonly setup?: (world: World) => void;
  readonly ends: { status: RunResult['status']; state: string };
}

export const NEEDS_HUMAN = { status: 'FAILED', state: 'NeedsHuman' } as const;
export const input = (flow: FlowName, event: TriggerEvent): WorkflowInput => ({ flow, event });
export const timeout = (world: World) => {
  world.aws.waitBehaviour = { kind: 'timeout' };
};
export const enrichFails = (world: World) => world.states.fail('Enrich', namedError('RejectedByTargetError', 'order SO-1001 not found'));
export const csDownDuringCompensation = (world: World) => {
  enrichFails(world);
  world.states.fail('AnnotateCaseForHuman', namedError('UpstreamUnavailableError', 'Zendesk 503'), 99);
};

/** Paths through each flow; together they enter every state (asserted below). */
export const PATHS: Record<FlowName, Path[]> = {
  'temperature-excursion': [
    { name: 'major excursion, resolved', input: input('temperature-excursion', TEMPERATURE), ends: { status: 'SUCCEEDED', state: 'Resolved' } },
    {
      name: 'tolerated blip',
      input: input('temperature-excursion', withData(TEMPERATURE, { readingCelsius: 9, peakCelsius: 9, durationMinutes: 4 })),
      ends: { status: 'SUCCEEDED', state: 'Observed' },
    },
    { name: 'no resolution in time', input: input('temperature-excursion', TEMPERATURE), setup: timeout, ends: { status: 'SUCCEEDED', state: 'Escalated' } },
    { name: 'ERP refuses the lookup', input: input('temperature-excursion', TEMPERATURE), setup: enrichFails, ends: NEEDS_HUMAN },
    { name: 'CS down during compensation', input: input('temperature-excursion', TEMPERATURE), setup: csDownDuringCompensation, ends: NEEDS_HUMAN },
  ],
  delay: [
    { name: 'reported delay, resolved', input: input('delay', DELAY), ends: { status: 'SUCCEEDED', state: 'Resolved' } },
    { name: 'ETA inside the window', input: input('delay', ETA_UPDATED), ends: { status: 'SUCCEEDED', state: 'Observed' } },
    { name: 'no resolution in time', input: input('delay', DELAY), setup: timeout, ends: { status: 'SUCCEEDED', state: 'Escalated' } },
    { name: 'ERP refuses the lookup', input: input('delay', DELAY), setup: enrichFails, ends: NEEDS_HUMAN },
    { name: 'CS down during compensation', input: input('delay', DELAY), setup: csDownDuringCompensation, ends: NEEDS_HUMAN },
  ],
  'failed-delivery': [
    { name: 'first attempt failed, resolved', input: input('failed-delivery', FAILED_DELIVERY), ends: { status: 'SUCCEEDED', state: 'Resolved' } },
    {
      name: 'delivery refused',
      input: input('failed-delivery', withData(FAILED_DELIVERY, { reason: 'refused', nextAttemptAt: undefined })),
      ends: { status: 'SUCCEEDED', state: 'Resolved' },
    },
    { name: 'no resolution in time', input: input('failed-delivery', FAILED_DELIVERY), setup: timeout, ends: { status: 'SUCCEEDED', state: 'Escalated' } },
    { name: 'ERP refuses the lookup', input: input('failed-delivery', FAILED_DELIVERY), setup: enrichFails, ends: NEEDS_HUMAN },
    { name: 'CS down during compensation', input: input('failed-delivery', FAILED_DELIVERY), setup: csDownDuringCompensation, ends: NEEDS_HUMAN },
  ],
};

export const FLOWS = Object.keys(PATHS) as FlowName[];

export async function run(path: Path, extra?: (world: World) => void): Promise<{ world: World; result: RunResult }> {
  const world = newWorld();
  path.setup?.(world);
  extra?.(world);
  const result = await runFlow(path.input.flow, path.input, world);
  // Whatever the path, everything the workflow published is a valid canonical event caused by the trigger.
  for (const published of world.aws.events) {
    const validation = validateCanonicalEvent(published.detail);
    expect(validation, `${published.DetailType} is not valid: ${JSON.stringify(validation)}`).toMatchObject({ ok: true });
    expect(published.Source).toBe('logistics-sync.orchestrator');
    expect(published.EventBusName).toBe(SUBSTITUTIONS.EventBusName);
    expect(published.DetailType).toBe(published.detail.metadata.eventType);
    expect(published.detail.metadata.causationId).toBe(path.input.event.metadata.eventId);
    expect(published.detail.metadata.correlationId).toBe(path.input.event.metadata.correlationId);
  }
  return { world, result };
}

export const baselines = new Map<Path, Promise<{ world: World; result: RunResult }>>();

/** A path's run without injected faults (memoized: the tables below compare against it many times). */
export function baselineOf(path: Path): Promise<{ world: World; result: RunResult }> {
  let baseline = baselines.get(path);
  if (!baseline) {
    baseline = run(path);
    baselines.set(path, baseline);
  }
  return baseline;
}

export function lastState(result: RunResult): string {
  return result.entered[result.entered.length - 1];
}

export function publishedTypes(world: World): string[] {
  return world.aws.events.map((e) => e.DetailType).sort();
}

/** Side effects a retry must not change. */
export function effects(world: World) {
  return {
    tickets: [...world.cs.tickets.values()].map((t) => ({ externalId: t.ticket.externalId, priority: t.ticket.priority, updates: t.updates.length })),
    holds: world.erp.holds.size,
    statusUpdates: world.erp.statusUpdates.length,
    events: publishedTypes(world),
    sns: world.aws.snsMessages.map((m) => m.TopicArn),
  };
}

export function path(flow: FlowName): WorkflowInput {
  return PATHS[flow][0].input;
}
