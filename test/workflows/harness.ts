/**
 * Runs statemachines/*.asl.json in the aws-local-stepfunctions interpreter with every Task bound to an
 * in-process double: the Lambda tasks run the real task code (erp-actions, cs-actions, rules-actions) over
 * in-memory ERP and CS ports; the direct service integrations (EventBridge PutEvents, SNS Publish,
 * DynamoDB PutItem/UpdateItem, PutItem.waitForTaskToken) are recorded by {@link FakeAws}. No real AWS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { csActions, type CsTaskInput } from '../../lambdas/workflows/cs-actions';
import { erpActions, type ErpTaskInput } from '../../lambdas/workflows/erp-actions';
import type { ExceptionThresholds, FlowName, WorkflowInput } from '../../lambdas/workflows/model';
import { rulesActions, type RulesTaskInput } from '../../lambdas/workflows/rules-actions';
import { FakeAws, FakeCs, FakeErp, Faults } from './doubles';

export * from './doubles';

const root = path.resolve(import.meta.dirname, '..', '..');

export const THRESHOLDS: ExceptionThresholds = {
  temperature: { minorMinutes: 10, majorMinutes: 20, criticalDeltaCelsius: 5 },
  delay: { graceMinutes: 15, majorMinutes: 120 },
  failedDelivery: { maxAttempts: 3 },
};

/** What CloudFormation would put in for each `${…}` (fake, but well-formed ARNs and names). */
export const SUBSTITUTIONS: Readonly<Record<string, string>> = {
  ErpTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ErpTask',
  CsTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:CsTask',
  RulesTaskFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:RulesTask',
  EventBusName: 'test-bus',
  CorrelationTableName: 'test-correlation',
  NotificationTopicArn: 'arn:aws:sns:us-east-1:123456789012:notifications',
  OnCallTopicArn: 'arn:aws:sns:us-east-1:123456789012:on-call',
};

export function definitionPath(flow: FlowName): string {
  return path.join(root, 'statemachines', `${flow}.asl.json`);
}

export function rawDefinition(flow: FlowName): Record<string, unknown> {
  return JSON.parse(readFileSync(definitionPath(flow), 'utf8')) as Record<string, unknown>;
}

/** The definition as CloudFormation's DefinitionSubstitutions would leave it. */
export function substitutedDefinition(flow: FlowName, substitutions: Readonly<Record<string, string>> = SUBSTITUTIONS): Record<string, unknown> {
  const text = readFileSync(definitionPath(flow), 'utf8').replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, key: string) => substitutions[key] ?? whole);
  return JSON.parse(text) as Record<string, unknown>;
}

type StateDef = Record<string, unknown> & { Type: string; Resource?: string; Branches?: { States: Record<string, StateDef> }[] };

/** Every state of a definition, including those inside Parallel branches, by name. */
export function allStates(definition: { States: Record<string, StateDef> } | Record<string, unknown>): [string, StateDef][] {
  const out: [string, StateDef][] = [];
  const visit = (states: Record<string, StateDef>) => {
    for (const [name, state] of Object.entries(states)) {
      out.push([name, state]);
      for (const branch of state.Branches ?? []) visit(branch.States);
      const processor = (state as { ItemProcessor?: { States: Record<string, StateDef> } }).ItemProcessor;
      if (processor) visit(processor.States);
    }
  };
  visit((definition as { States: Record<string, StateDef> }).States);
  return out;
}

export interface World {
  readonly erp: FakeErp;
  readonly cs: FakeCs;
  readonly aws: FakeAws;
  /** Errors a Task state (by name) fails with before its double runs: a Lambda error or a service error. */
  readonly states: Faults;
  readonly now: Date;
}

export function newWorld(now = new Date('2026-03-12T10:41:00Z')): World {
  return { erp: new FakeErp(), cs: new FakeCs(), aws: new FakeAws(), states: new Faults(), now };
}

export interface RunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Record<string, unknown>;
  readonly error?: string;
  readonly cause?: unknown;
  /** State transitions as Step Functions bills them: every state entered, every retry. */
  readonly transitions: number;
  readonly entered: string[];
  readonly retries: Record<string, number>;
  readonly caught: string[];
}

function jsonClean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Binds each Task state (by name, as the interpreter's overrides want) to its double. */
export function taskHandlers(definition: Record<string, unknown>, world: World): Record<string, (input: unknown) => Promise<unknown>> {
  const clock = () => world.now;
  const lambdas: Record<string, (input: never) => Promise<unknown>> = {
    [SUBSTITUTIONS.ErpTaskFunctionArn]: erpActions(world.erp, clock) as (input: ErpTaskInput) => Promise<unknown>,
    [SUBSTITUTIONS.CsTaskFunctionArn]: csActions(world.cs, clock) as (input: CsTaskInput) => Promise<unknown>,
    [SUBSTITUTIONS.RulesTaskFunctionArn]: rulesActions({ thresholds: THRESHOLDS, recordTtlDays: 30 }, clock) as (input: RulesTaskInput) => Promise<unknown>,
  };
  const services: Record<string, (input: never) => unknown> = {
    'arn:aws:states:::events:putEvents': (input: never) => world.aws.putEvents(input),
    'arn:aws:states:::sns:publish': (input: never) => world.aws.snsPublish(input),
    'arn:aws:states:::dynamodb:putItem': (input: never) => world.aws.putItem(input),
    'arn:aws:states:::dynamodb:updateItem': (input: never) => world.aws.updateItem(input),
    'arn:aws:states:::dynamodb:putItem.waitForTaskToken': (input: never) => world.aws.waitForTaskToken(input),
  };
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const lambda = lambdas[resource];
    const service = services[resource];
    if (!lambda && !service) throw new Error(`no test double for ${name} (${resource})`);
    handlers[name] = async (input) => {
      world.states.check(name);
      const call = (lambda ?? service) as (input: never) => unknown;
      return jsonClean(await call(jsonClean(input) as never));
    };
  }
  return handlers;
}

const machines = new Map<FlowName, { definition: Record<string, unknown>; machine: StateMachine }>();

/** The interpreter validates a definition (asl-validator) when constructed: once per flow is enough. */
function machineFor(flow: FlowName): { definition: Record<string, unknown>; machine: StateMachine } {
  let entry = machines.get(flow);
  if (!entry) {
    const definition = substitutedDefinition(flow);
    entry = { definition, machine: new StateMachine(structuredClone(definition) as never, { validationOptions: { checkPaths: true, checkArn: true } }) };
    machines.set(flow, entry);
  }
  return entry;
}

/** Runs one execution to its end (or until a manual wait is released). */
export async function runFlow(flow: FlowName, input: WorkflowInput, world: World, executionName = `exec-${input.event.metadata.eventId.slice(0, 12)}`): Promise<RunResult> {
  const { definition, machine } = machineFor(flow);
  const handlers = taskHandlers(definition, world);
  // Retries happen at once (their policy is asserted on the definition, not waited out).
  const retryIntervalOverrides = Object.fromEntries(allStates(definition).filter(([, s]) => 'Retry' in s).map(([name]) => [name, 0]));
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
    context: {
      Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:${flow}:${executionName}`, Name: executionName },
      // One token per execution is enough: an execution waits at one state at a time.
      Task: { Token: `token-${executionName}` },
    },
  });
  const entered: string[] = [];
  const retries: Record<string, number> = {};
  const caught: string[] = [];
  const logs = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered.push(event.state.name);
      if (event.type === 'StateRetried') retries[event.state.name] = (retries[event.state.name] ?? 0) + 1;
      if (event.type === 'StateCaught') caught.push(event.state.name);
    }
  })();
  let result: RunResult;
  try {
    const output = (await execution.result) as Record<string, unknown>;
    await logs;
    result = { status: 'SUCCEEDED', output, transitions: 0, entered, retries, caught };
  } catch (error) {
    await logs;
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    result = { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message, transitions: 0, entered, retries, caught };
  }
  const transitions = entered.length + Object.values(retries).reduce((a, b) => a + b, 0);
  return { ...result, transitions };
}

/** The canonical examples in schemas/examples, the workflows' triggers. */
export function example<T = WorkflowInput['event']>(name: string): T {
  return JSON.parse(readFileSync(path.join(root, 'schemas', 'examples', `${name}.json`), 'utf8')) as T;
}
