import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { FunctionRegistry } from '../functions';
import { prepareDefinition, replacePlaceholder, type StateNode } from './definition';
import { SfnApiError, TaskError } from './errors';
import { ServiceIntegrations } from './integrations';
import type { StateMachineSpec } from './specs';
import { TaskTokens } from './task-tokens';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  readonly history: HistoryEvent[];
  /** Settles when the execution ends. */
  readonly done: Promise<void>;
  abort?: () => void;
}

export interface StepFunctionsStats {
  executions: number;
  succeeded: number;
  failed: number;
  /** State transitions (entered states), what Standard workflows bill. */
  stateTransitions: number;
}

export interface LocalStepFunctionsOptions {
  /** Where Lambda tasks find their function (name or ARN). */
  readonly functions: Pick<FunctionRegistry, 'find'>;
  /** Emulator endpoint: direct service integrations run against it. */
  readonly endpoint: string;
  readonly log?: (line: string) => void;
}

/**
 * Runs the template's state machines with a real ASL interpreter (aws-local-stepfunctions): Lambda tasks
 * go to the local function workers, service integrations (DynamoDB, EventBridge, SQS, SNS, any installed
 * `aws-sdk:*` client) to the emulator, `.waitForTaskToken` tasks wait for SendTaskSuccess/Failure.
 * Implements the execution APIs the product uses; `StepFunctionsApiServer` (api-server.ts) serves them over HTTP.
 */
export class LocalStepFunctions {
  readonly stats: StepFunctionsStats = { executions: 0, succeeded: 0, failed: 0, stateTransitions: 0 };
  private readonly machines = new Map<string, StateMachineSpec & { prepared: ReturnType<typeof prepareDefinition> }>();
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new TaskTokens();
  private readonly integrations: ServiceIntegrations;
  private stopped = false;

  constructor(
    specs: readonly StateMachineSpec[],
    options: LocalStepFunctionsOptions,
  ) {
    for (const spec of specs) this.machines.set(spec.arn, { ...spec, prepared: prepareDefinition(spec.definition) });
    this.integrations = new ServiceIntegrations(options.functions, options.endpoint, (request) => this.startExecution(request));
  }

  stateMachines(): StateMachineSpec[] {
    return [...this.machines.values()];
  }

  private machine(arn: string) {
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** StartExecution: a name reused with the same input while running returns that execution (AWS semantics for Standard). */
  startExecution(request: { stateMachineArn: string; name?: string; input?: string }): { executionArn: string; startDate: Date } {
    if (this.stopped) throw new SfnApiError('ServiceUnavailable', 'the sandbox is stopping', 503);
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!validExecutionName(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = request.input ?? '{}';
    let input: unknown;
    try {
      input = JSON.parse(inputText);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === inputText) return { executionArn, startDate: existing.startDate };
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    this.stats.executions += 1;
    const history: HistoryEvent[] = [];
    let resolveDone!: () => void;
    const execution: Execution = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      input: inputText,
      startDate: new Date(),
      status: 'RUNNING',
      history,
      done: new Promise((r) => (resolveDone = r)),
    };
    this.executions.set(executionArn, execution);
    history.push({ id: 1, previousEventId: 0, timestamp: execution.startDate.getTime() / 1000, type: 'ExecutionStarted', executionStartedEventDetails: { input: inputText, roleArn: machine.roleArn } });
    const record = (type: string, details: Record<string, unknown> = {}, at = Date.now()) => {
      history.push({ id: history.length + 1, previousEventId: history.length, timestamp: at / 1000, type, ...details });
    };

    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of machine.prepared.tasks) {
      overrides[stateName] = (taskInput) => this.runTask(execution, stateName, state, taskInput, record);
    }
    const sm = new StateMachine(machine.prepared.definition, { validationOptions: { checkArn: false } });
    const run = sm.run(input as never, {
      overrides: { taskResourceLocalHandlers: overrides as never },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: machine.roleArn ?? '', StartTime: execution.startDate.toISOString() },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    execution.abort = run.abort;
    void (async () => {
      for await (const event of run.eventLogs) {
        // The interpreter's events arrive asynchronously: they carry their own timestamps, and
        // historyOf() puts everything in order.
        const e = event as { type: string; timestamp: number; state?: { name: string; type: string; input?: unknown; output?: unknown } };
        if (e.type === 'StateEntered') {
          this.stats.stateTransitions += 1;
          record(`${e.state!.type}StateEntered`, { stateEnteredEventDetails: { name: e.state!.name, input: JSON.stringify(e.state!.input ?? null) } }, e.timestamp);
        } else if (e.type === 'StateExited') {
          record(`${e.state!.type}StateExited`, { stateExitedEventDetails: { name: e.state!.name, output: JSON.stringify(e.state!.output ?? null) } }, e.timestamp);
        }
      }
    })().catch(() => undefined);

    void run.result.then(
      (output) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output ?? null);
        this.stats.succeeded += 1;
        record('ExecutionSucceeded', { executionSucceededEventDetails: { output: execution.output } });
      },
      (error: Error) => {
        if (error instanceof ExecutionAbortedError) {
          execution.status = 'ABORTED';
          record('ExecutionAborted', { executionAbortedEventDetails: { error: execution.error, cause: execution.cause } });
        } else if (error instanceof ExecutionTimeoutError) {
          execution.status = 'TIMED_OUT';
          execution.error = 'States.Timeout';
          record('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        } else {
          const cause = (error.cause ?? error) as Error;
          execution.status = 'FAILED';
          execution.error = cause.name;
          execution.cause = cause.message;
          record('ExecutionFailed', { executionFailedEventDetails: { error: execution.error, cause: execution.cause } });
        }
        this.stats.failed += execution.status === 'FAILED' ? 1 : 0;
      },
    ).finally(() => {
      execution.stopDate = new Date();
      this.tokens.closeExecution(executionArn);
      resolveDone();
    });
    return { executionArn, startDate: execution.startDate };
  }

  private async runTask(
    execution: Execution,
    stateName: string,
    state: StateNode,
    input: unknown,
    record: (type: string, details?: Record<string, unknown>) => void,
  ): Promise<unknown> {
    const resource = String(state.Resource);
    const waitForToken = resource.endsWith('.waitForTaskToken');
    const base = resource.replace(/\.(waitForTaskToken|sync(:2)?)$/, '');
    if (/\.sync(:2)?$/.test(resource)) throw new TaskError('States.Runtime', `sandbox: the .sync integration pattern (${resource}) is not supported`);
    const [resourceType, action] = base.startsWith('arn:aws:states:::') ? base.slice('arn:aws:states:::'.length).split(/:(.*)/s) : ['lambda', 'function'];
    record('TaskScheduled', { taskScheduledEventDetails: { resourceType, resource: action, region: 'us-east-1', parameters: JSON.stringify(input) } });

    let token: string | undefined;
    let waiter: Promise<unknown> | undefined;
    if (waitForToken) {
      token = this.tokens.issue();
      input = replacePlaceholder(input, token);
      waiter = this.tokens.waitFor(execution.executionArn, stateName, token, Number(state.HeartbeatSeconds ?? 0));
      waiter.catch(() => undefined);
    }
    try {
      let result = await this.integrations.call(resource, base, resourceType!, action, input);
      if (waiter) {
        record('TaskSubmitted', { taskSubmittedEventDetails: { resourceType, resource: action, output: JSON.stringify(result ?? null) } });
        result = await waiter;
      }
      record('TaskSucceeded', { taskSucceededEventDetails: { resourceType, resource: action, output: JSON.stringify(result ?? null) } });
      return result;
    } catch (error) {
      if (token) this.tokens.discard(token);
      const e = error as Error;
      record('TaskFailed', { taskFailedEventDetails: { resourceType, resource: action, error: e.name, cause: e.message } });
      throw error;
    }
  }


  describeExecution(executionArn: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  /** The execution's history in order (AWS GetExecutionHistory shape, ids renumbered). */
  historyOf(executionArn: string): HistoryEvent[] {
    const rank = (type: string) =>
      type === 'ExecutionStarted' ? 0 : type.endsWith('StateEntered') ? 1 : type === 'TaskScheduled' ? 2 : type === 'TaskSubmitted' ? 3 : type.startsWith('Task') ? 4 : type.endsWith('StateExited') ? 5 : 6;
    return this.describeExecution(executionArn)
      .history.map((event, index) => ({ event, index }))
      .sort((a, b) => a.event.timestamp - b.event.timestamp || rank(a.event.type) - rank(b.event.type) || a.index - b.index)
      .map(({ event }, i) => ({ ...event, id: i + 1, previousEventId: i }));
  }

  listExecutions(stateMachineArn: string, statusFilter?: string): Execution[] {
    this.machine(stateMachineArn);
    return [...this.executions.values()]
      .filter((e) => e.stateMachineArn === stateMachineArn && (!statusFilter || e.status === statusFilter))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /** Every execution of every state machine, oldest first. */
  allExecutions(): Execution[] {
    return [...this.executions.values()].sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
  }

  stopExecution(executionArn: string, error?: string, cause?: string): Date {
    const execution = this.describeExecution(executionArn);
    if (execution.status === 'RUNNING') {
      execution.error = error;
      execution.cause = cause;
      execution.abort?.();
    }
    return execution.stopDate ?? new Date();
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    this.tokens.success(taskToken, output);
  }

  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    this.tokens.failure(taskToken, error, cause);
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  /** Waits until an execution ends (tests, scenario). */
  async waitForExecution(executionArn: string, timeoutMs = 30_000): Promise<Execution> {
    const execution = this.describeExecution(executionArn);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([execution.done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`execution ${executionArn} still ${execution.status} after ${timeoutMs} ms`)), timeoutMs)))]);
    clearTimeout(timer);
    return execution;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const execution of this.executions.values()) if (execution.status === 'RUNNING') execution.abort?.();
    await Promise.allSettled([...this.executions.values()].map((e) => e.done));
    this.integrations.destroy();
  }
}

/** Step Functions execution names: 1–80 characters, no whitespace, brackets, wildcards, punctuation or control characters. */
function validExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(ch)) return false;
  }
  return true;
}
