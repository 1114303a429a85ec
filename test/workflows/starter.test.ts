import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, test } from 'vitest';
import { SfnWorkflowStarter } from '../../lambdas/workflows/aws-adapters';
import type { FlowName, TriggerEvent, WorkflowInput } from '../../lambdas/workflows/model';
import { handleExceptionMessage, parseTrigger } from '../../lambdas/workflows/start-message';
import { executionName, planStart } from '../../lambdas/workflows/start-plan';
import { example, newWorld, runFlow, THRESHOLDS, type RunResult, type World } from './harness';

const ARNS: Record<FlowName, string> = {
  'temperature-excursion': 'arn:aws:states:us-east-1:123456789012:stateMachine:temperature',
  delay: 'arn:aws:states:us-east-1:123456789012:stateMachine:delay',
  'failed-delivery': 'arn:aws:states:us-east-1:123456789012:stateMachine:failed-delivery',
};

/** The SQS message body a routing rule delivers: the whole EventBridge event. */
function sqsBody(detail: TriggerEvent, eventBridgeId = 'eb-1'): string {
  return JSON.stringify({
    version: '0',
    id: eventBridgeId,
    'detail-type': detail.metadata.eventType,
    source: `logistics-sync.${detail.metadata.source.system}`,
    account: '123456789012',
    time: detail.metadata.occurredAt,
    region: 'us-east-1',
    resources: [],
    detail,
  });
}

function awsError(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

/**
 * StartExecution as Step Functions Standard answers it — same name and input while running: the same
 * execution; same name otherwise: ExecutionAlreadyExists — with each new execution run by the interpreter.
 */
class FakeStepFunctions {
  readonly executions = new Map<string, { input: string; flow: FlowName; done: Promise<RunResult> }>();
  failWith?: Error;
  constructor(private readonly world: World) {}

  async send(command: StartExecutionCommand): Promise<object> {
    if (this.failWith) throw this.failWith;
    const { stateMachineArn, name, input } = command.input;
    const flow = (Object.entries(ARNS).find(([, arn]) => arn === stateMachineArn)?.[0] ?? 'unknown') as FlowName;
    const existing = this.executions.get(name!);
    if (existing) {
      if (existing.input === input) return { executionArn: `${stateMachineArn}:${name}` };
      throw awsError('ExecutionAlreadyExists');
    }
    const done = runFlow(flow, JSON.parse(input!) as WorkflowInput, this.world, name);
    this.executions.set(name!, { input: input!, flow, done });
    return { executionArn: `${stateMachineArn}:${name}` };
  }
}

const TEMPERATURE = example<TriggerEvent>('shipment.exception-raised');

describe('which workflow an event starts', () => {
  test('exception kinds map to their flow; damage goes with failed deliveries', () => {
    const kinds: [string, FlowName][] = [
      ['shipment.exception-raised', 'temperature-excursion'],
      ['shipment.exception-raised.delay', 'delay'],
      ['shipment.exception-raised.failed-delivery', 'failed-delivery'],
      ['shipment.exception-raised.damage', 'failed-delivery'],
    ];
    for (const [name, flow] of kinds) {
      const event = example<TriggerEvent>(name);
      expect(planStart(event, THRESHOLDS)).toEqual({ action: 'start', flow, executionName: executionName(flow, event.metadata.eventId), input: { flow, event } });
    }
  });

  test('the execution name is the flow prefix and the canonical event id: valid and at most 80 characters', () => {
    const name = executionName('temperature-excursion', TEMPERATURE.metadata.eventId);
    expect(name).toBe(`temp-${TEMPERATURE.metadata.eventId}`);
    expect(name).toMatch(/^[a-z]+-[0-9a-f]{64}$/);
    expect(name.length).toBeLessThanOrEqual(80);
  });

  test('an ETA update starts the delay workflow only for a new breach of the window it carries', () => {
    const eta = example<TriggerEvent>('shipment.eta-updated');
    const withEta = (data: Record<string, unknown>) => ({ ...eta, data: { ...eta.data, ...data } }) as TriggerEvent;
    const window = { from: '2026-03-12T12:00:00Z', to: '2026-03-12T16:00:00Z' };
    expect(planStart(withEta({ etaAt: '2026-03-12T15:00:00Z', deliveryWindow: window }), THRESHOLDS)).toMatchObject({ action: 'skip' });
    expect(planStart(withEta({ etaAt: '2026-03-12T17:00:00Z', previousEtaAt: '2026-03-12T15:00:00Z', deliveryWindow: window }), THRESHOLDS)).toMatchObject({
      action: 'start',
      flow: 'delay',
    });
    expect(planStart(withEta({ etaAt: '2026-03-12T17:05:00Z', previousEtaAt: '2026-03-12T17:00:00Z', deliveryWindow: window }), THRESHOLDS)).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/no new breach/),
    });
    expect(planStart(withEta({ stopKind: 'origin', etaAt: '2026-03-12T23:00:00Z', deliveryWindow: window }), THRESHOLDS)).toMatchObject({ action: 'skip' });
    // No window on the event: only the ERP order knows it, so the workflow decides.
    const { deliveryWindow: _dropped, ...noWindow } = eta.data as unknown as Record<string, unknown>;
    expect(planStart({ ...eta, data: noWindow } as unknown as TriggerEvent, THRESHOLDS)).toMatchObject({ action: 'start', flow: 'delay' });
  });

  test('a message that is not a valid trigger is a ValidationError naming the problem', () => {
    expect(() => parseTrigger('not json')).toThrow(expect.objectContaining({ name: 'ValidationError', message: 'message body is not JSON' }));
    const broken = structuredClone(TEMPERATURE) as unknown as { data: Record<string, unknown> };
    delete broken.data.durationMinutes;
    expect(() => parseTrigger(sqsBody(broken as unknown as TriggerEvent))).toThrow(/not a workflow trigger event: .*durationMinutes/);
    expect(() => parseTrigger(sqsBody(example<TriggerEvent>('case.opened')))).toThrow(/not accepted here/);
  });
});

describe('starting from the exceptions queue (reference scenario step 5)', () => {
  test('the fleet alert delivered three times (and once republished) starts one execution: one ticket, one hold', async () => {
    const world = newWorld();
    const sfn = new FakeStepFunctions(world);
    const starter = new SfnWorkflowStarter(sfn, ARNS);
    const deps = { starter, thresholds: THRESHOLDS };

    const outcomes = [];
    for (const id of ['eb-1', 'eb-2', 'eb-3']) outcomes.push((await handleExceptionMessage(sqsBody(TEMPERATURE, id), deps)).outcome);
    // A republished copy (the dedupe store had expired): same canonical id, another receivedAt, so another input.
    const republished = structuredClone(TEMPERATURE);
    (republished.metadata as { receivedAt: string }).receivedAt = '2026-03-12T10:45:00.000Z';
    outcomes.push((await handleExceptionMessage(sqsBody(republished, 'eb-4'), deps)).outcome);

    // While the execution runs, Step Functions answers a repeat of the same name and input like the original
    // start (idempotent); a different input under the same name is ExecutionAlreadyExists.
    expect(outcomes).toEqual(['started', 'started', 'started', 'duplicate']);
    expect([...sfn.executions.keys()]).toEqual([`temp-${TEMPERATURE.metadata.eventId}`]);
    const [execution] = sfn.executions.values();
    expect((await execution.done).status).toBe('SUCCEEDED');
    expect(world.cs.tickets.size).toBe(1);
    expect(world.erp.holds.size).toBe(1);
    expect(world.aws.events.filter((e) => e.DetailType === 'case.opened')).toHaveLength(1);
  });

  test('any other start failure is thrown, so the message returns to the queue and in the end its DLQ', async () => {
    const sfn = new FakeStepFunctions(newWorld());
    sfn.failWith = awsError('ThrottlingException');
    const starter = new SfnWorkflowStarter(sfn, ARNS);
    await expect(handleExceptionMessage(sqsBody(TEMPERATURE), { starter, thresholds: THRESHOLDS })).rejects.toMatchObject({
      name: 'UpstreamUnavailableError',
      message: expect.stringMatching(/StartExecution failed for temperature-excursion temp-[0-9a-f]{64}: ThrottlingException/),
    });
  });

  test('StartExecution is asked for the flow chosen by data.kind, with the canonical detail only as input', async () => {
    const sent: StartExecutionCommand['input'][] = [];
    const starter = new SfnWorkflowStarter({ send: async (command: StartExecutionCommand) => (sent.push(command.input), {}) } as never, ARNS);
    const delay = example<TriggerEvent>('shipment.exception-raised.delay');
    await handleExceptionMessage(sqsBody(delay, 'eb-9'), { starter, thresholds: THRESHOLDS });
    expect(sent).toEqual([{ stateMachineArn: ARNS.delay, name: `delay-${delay.metadata.eventId}`, input: JSON.stringify({ flow: 'delay', event: delay }) }]);
  });
});
