import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { clientConfig } from '../aws';
import type { DeployedStack } from '../deploy/deployer';
import type { FunctionRegistry } from './functions';

/** A state machine of the template, with its definition resolved (substitutions applied). */
export interface StateMachineSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly roleArn?: string;
  readonly definition: string;
}

/** Reads every AWS::StepFunctions::StateMachine of a deployed stack. */
export function stateMachineSpecs(deployed: DeployedStack): StateMachineSpec[] {
  const specs: StateMachineSpec[] = [];
  for (const resource of deployed.ofType('AWS::StepFunctions::StateMachine')) {
    const definition = deployed.stateMachineDefinitions.get(resource.logicalId);
    if (!definition || !resource.physicalId) continue;
    const props = deployed.properties(resource.logicalId);
    specs.push({
      stackName: deployed.stackName,
      logicalId: resource.logicalId,
      arn: resource.physicalId,
      name: resource.physicalId.split(':').pop()!,
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      roleArn: typeof props.RoleArn === 'string' ? props.RoleArn : undefined,
      definition,
    });
  }
  return specs;
}

/** A Step Functions API error, answered as AWS does (HTTP 400, `__type`). */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** An error raised by a task, matched by `Retry`/`Catch` on `name`; `message` becomes the Cause. */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

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

interface TaskTokenWaiter {
  readonly executionArn: string;
  readonly stateName: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeat(): void;
  closed: boolean;
}

const TOKEN_PLACEHOLDER = '__SANDBOX_TASK_TOKEN__';
/** AWS has no default task timeout; the interpreter defaults to 60 s, so the sandbox sets one (~23 days, below Node's timer maximum). */
const UNBOUNDED_TASK_TIMEOUT_SECONDS = 2_000_000;

type StateNode = Record<string, unknown> & { Type?: string; Resource?: string; Parameters?: unknown };

function eachState(definition: { States?: Record<string, StateNode> }, visit: (name: string, state: StateNode) => void): void {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    visit(name, state);
    for (const branch of (state.Branches ?? []) as { States?: Record<string, StateNode> }[]) eachState(branch, visit);
    for (const key of ['Iterator', 'ItemProcessor'] as const) {
      if (state[key]) eachState(state[key] as { States?: Record<string, StateNode> }, visit);
    }
  }
}

/** `"TaskToken.$": "$$.Task.Token"` → a placeholder the task handler swaps for a fresh token per attempt. */
function replaceTokenPaths(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(replaceTokenPaths);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith('.$') && item === '$$.Task.Token') out[key.slice(0, -2)] = TOKEN_PLACEHOLDER;
    else out[key] = replaceTokenPaths(item);
  }
  return out;
}

function replacePlaceholder(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replacePlaceholder(v, token));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replacePlaceholder(v, token)]));
}

/**
 * Prepares a definition for the interpreter: every Task gets AWS's unbounded timeout unless it sets one,
 * and `$$.Task.Token` paths become a placeholder (the interpreter has no task tokens).
 */
export function prepareDefinition(definition: string): { definition: StateMachineDefinition; tasks: Map<string, StateNode> } {
  const parsed = JSON.parse(definition) as StateMachineDefinition & { States: Record<string, StateNode> };
  const tasks = new Map<string, StateNode>();
  eachState(parsed, (name, state) => {
    if (state.Type !== 'Task') return;
    if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = UNBOUNDED_TASK_TIMEOUT_SECONDS;
    if (String(state.Resource).endsWith('.waitForTaskToken') && state.Parameters !== undefined) state.Parameters = replaceTokenPaths(state.Parameters);
    tasks.set(name, state);
  });
  return { definition: parsed, tasks };
}

/** SDK service ids, used as error name prefixes (`DynamoDB.ConditionalCheckFailedException`). */
const OPTIMIZED_PREFIX: Record<string, string> = { dynamodb: 'DynamoDB', events: 'EventBridge', sqs: 'SQS', sns: 'SNS', lambda: 'Lambda', states: 'StepFunctions' };
/** Package and error prefix per service name used in `arn:aws:states:::aws-sdk:<service>:<action>`. */
const SDK_PACKAGES: Record<string, { pkg: string; prefix: string }> = {
  dynamodb: { pkg: '@aws-sdk/client-dynamodb', prefix: 'DynamoDb' },
  eventbridge: { pkg: '@aws-sdk/client-eventbridge', prefix: 'EventBridge' },
  sqs: { pkg: '@aws-sdk/client-sqs', prefix: 'Sqs' },
  sns: { pkg: '@aws-sdk/client-sns', prefix: 'Sns' },
  sfn: { pkg: '@aws-sdk/client-sfn', prefix: 'Sfn' },
  secretsmanager: { pkg: '@aws-sdk/client-secrets-manager', prefix: 'SecretsManager' },
  cloudwatch: { pkg: '@aws-sdk/client-cloudwatch', prefix: 'CloudWatch' },
  lambda: { pkg: '@aws-sdk/client-lambda', prefix: 'Lambda' },
};
const OPTIMIZED_TO_SDK: Record<string, string> = { dynamodb: 'dynamodb', events: 'eventbridge', sqs: 'sqs', sns: 'sns' };

type SdkClient = { send(command: unknown): Promise<Record<string, unknown>>; destroy(): void };

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
 * Implements the execution APIs the product uses; {@link StepFunctionsApiServer} serves them over HTTP.
 */
export class LocalStepFunctions {
  readonly stats: StepFunctionsStats = { executions: 0, succeeded: 0, failed: 0, stateTransitions: 0 };
  private readonly machines = new Map<string, StateMachineSpec & { prepared: ReturnType<typeof prepareDefinition> }>();
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, TaskTokenWaiter>();
  private readonly clients = new Map<string, Promise<{ client: SdkClient; module: Record<string, unknown> }>>();
  private stopped = false;

  constructor(
    specs: readonly StateMachineSpec[],
    private readonly options: LocalStepFunctionsOptions,
  ) {
    for (const spec of specs) this.machines.set(spec.arn, { ...spec, prepared: prepareDefinition(spec.definition) });
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
      for (const [token, waiter] of this.tokens) {
        if (waiter.executionArn === executionArn) {
          waiter.closed = true;
          this.tokens.delete(token);
        }
      }
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
      token = randomBytes(48).toString('base64url');
      input = replacePlaceholder(input, token);
      waiter = this.waitForToken(execution.executionArn, stateName, token, Number(state.HeartbeatSeconds ?? 0));
      waiter.catch(() => undefined);
    }
    try {
      let result: unknown;
      if (!base.startsWith('arn:aws:states:::')) result = await this.invokeLambda(base, input, false);
      else if (resourceType === 'lambda' && action === 'invoke') result = await this.invokeLambdaIntegration(input as Record<string, unknown>);
      else if (resourceType === 'states' && action === 'startExecution') result = await this.startChild(input as Record<string, unknown>);
      else if (resourceType === 'aws-sdk') {
        const [service, sdkAction] = action!.split(':');
        result = await this.callSdk(service!, sdkAction!, input as Record<string, unknown>, SDK_PACKAGES[service!]?.prefix ?? service!);
      } else if (OPTIMIZED_TO_SDK[resourceType!]) result = await this.callOptimized(resourceType!, action!, input as Record<string, unknown>);
      else throw new TaskError('States.Runtime', `sandbox: task resource ${resource} is not supported`);
      if (waiter) {
        record('TaskSubmitted', { taskSubmittedEventDetails: { resourceType, resource: action, output: JSON.stringify(result ?? null) } });
        result = await waiter;
      }
      record('TaskSucceeded', { taskSucceededEventDetails: { resourceType, resource: action, output: JSON.stringify(result ?? null) } });
      return result;
    } catch (error) {
      if (token) this.tokens.delete(token);
      const e = error as Error;
      record('TaskFailed', { taskFailedEventDetails: { resourceType, resource: action, error: e.name, cause: e.message } });
      throw error;
    }
  }

  private waitForToken(executionArn: string, stateName: string, token: string, heartbeatSeconds: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (!heartbeatSeconds) return;
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.tokens.delete(token);
          waiterState.closed = true;
          reject(new TaskError('States.HeartbeatTimeout', `no heartbeat for ${heartbeatSeconds} seconds`));
        }, heartbeatSeconds * 1000);
        timer.unref();
      };
      const waiterState: TaskTokenWaiter = {
        executionArn,
        stateName,
        closed: false,
        heartbeat: arm,
        resolve: (output) => {
          clearTimeout(timer);
          resolve(output);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.tokens.set(token, waiterState);
      arm();
    });
  }

  private async invokeLambda(functionName: string, payload: unknown, asEvent: boolean): Promise<unknown> {
    const fn = this.options.functions.find(functionName);
    if (!fn) throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
    if (asEvent) {
      void fn.invoke(payload);
      return undefined;
    }
    const outcome = await fn.invoke(payload);
    if (!outcome.ok) throw new TaskError(outcome.error.errorType, JSON.stringify({ errorMessage: outcome.error.errorMessage, errorType: outcome.error.errorType, trace: outcome.error.trace ?? [] }));
    return outcome.payload;
  }

  private async invokeLambdaIntegration(parameters: Record<string, unknown>): Promise<unknown> {
    const functionName = String(parameters.FunctionName);
    const asEvent = parameters.InvocationType === 'Event';
    const payload = typeof parameters.Payload === 'string' ? safeJson(parameters.Payload) : (parameters.Payload ?? {});
    const result = await this.invokeLambda(functionName, payload, asEvent);
    const requestId = randomUUID();
    return {
      ExecutedVersion: '$LATEST',
      Payload: asEvent ? '' : (result ?? null),
      SdkHttpMetadata: { HttpStatusCode: asEvent ? 202 : 200 },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: asEvent ? 202 : 200,
    };
  }

  private async startChild(parameters: Record<string, unknown>): Promise<unknown> {
    const input = typeof parameters.Input === 'string' ? parameters.Input : JSON.stringify(parameters.Input ?? {});
    try {
      const started = this.startExecution({ stateMachineArn: String(parameters.StateMachineArn), name: parameters.Name as string | undefined, input });
      return { ExecutionArn: started.executionArn, StartDate: started.startDate.toISOString() };
    } catch (error) {
      if (error instanceof SfnApiError) throw new TaskError(`StepFunctions.${error.type}Exception`, error.message);
      throw error;
    }
  }

  /** Optimized integrations: like the SDK call, but bodies given as JSON objects are serialized. */
  private async callOptimized(service: string, action: string, parameters: Record<string, unknown>): Promise<unknown> {
    const params = structuredClone(parameters);
    if (service === 'events' && Array.isArray(params.Entries)) {
      for (const entry of params.Entries as Record<string, unknown>[]) if (typeof entry.Detail !== 'string') entry.Detail = JSON.stringify(entry.Detail ?? {});
    }
    if (service === 'sqs' && typeof params.MessageBody !== 'string') params.MessageBody = JSON.stringify(params.MessageBody);
    if (service === 'sns' && params.Message !== undefined && typeof params.Message !== 'string') params.Message = JSON.stringify(params.Message);
    const result = (await this.callSdk(OPTIMIZED_TO_SDK[service]!, action, params, OPTIMIZED_PREFIX[service]!)) as Record<string, unknown>;
    if (service === 'events' && Number(result.FailedEntryCount ?? 0) > 0) {
      throw new TaskError('EventBridge.FailedEntry', JSON.stringify(result));
    }
    return result;
  }

  private client(service: string): Promise<{ client: SdkClient; module: Record<string, unknown> }> {
    let entry = this.clients.get(service);
    if (!entry) {
      const pkg = SDK_PACKAGES[service]?.pkg;
      if (!pkg) return Promise.reject(new TaskError('States.Runtime', `sandbox: no AWS SDK client installed for service ${service}`));
      entry = import(pkg).then((module: Record<string, unknown>) => {
        const ClientClass = Object.entries(module).find(([key, value]) => key.endsWith('Client') && typeof value === 'function' && !key.startsWith('__'))?.[1] as new (config: unknown) => SdkClient;
        return { client: new ClientClass(clientConfig(this.options.endpoint, 'stepFunctions')), module };
      });
      this.clients.set(service, entry);
    }
    return entry;
  }

  private async callSdk(service: string, action: string, parameters: Record<string, unknown>, errorPrefix: string): Promise<unknown> {
    const { client, module } = await this.client(service);
    const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
    const Command = module[commandName] as (new (input: unknown) => unknown) | undefined;
    if (!Command) throw new TaskError('States.Runtime', `sandbox: ${service} has no action ${action}`);
    try {
      const { $metadata: _metadata, ...result } = await client.send(new Command(parameters));
      return JSON.parse(JSON.stringify(result, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
    } catch (error) {
      const e = error as Error;
      throw new TaskError(`${errorPrefix}.${e.name}`, e.message);
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

  private waiter(taskToken: string): TaskTokenWaiter {
    const waiter = this.tokens.get(taskToken);
    if (!waiter) throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
    if (waiter.closed) throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    return waiter;
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    const waiter = this.waiter(taskToken);
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new SfnApiError('InvalidOutput', 'Invalid Output: not JSON');
    }
    this.tokens.delete(taskToken);
    waiter.closed = true;
    waiter.resolve(parsed);
  }

  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    const waiter = this.waiter(taskToken);
    this.tokens.delete(taskToken);
    waiter.closed = true;
    waiter.reject(new TaskError(error ?? 'States.TaskFailed', cause ?? ''));
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.waiter(taskToken).heartbeat();
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
    for (const entry of this.clients.values()) void entry.then(({ client }) => client.destroy()).catch(() => undefined);
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const epoch = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);

function describe(execution: Execution): Record<string, unknown> {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: epoch(execution.startDate),
    stopDate: epoch(execution.stopDate),
    input: execution.input,
    inputDetails: { included: true },
    output: execution.output,
    outputDetails: execution.output === undefined ? undefined : { included: true },
    error: execution.error,
    cause: execution.cause,
  };
}

function page<T>(items: readonly T[], maxResults: unknown, nextToken: unknown): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(String(nextToken), 'base64url').toString()) : 0;
  const size = Number(maxResults) > 0 ? Number(maxResults) : 100;
  const slice = items.slice(start, start + size);
  return { items: slice, nextToken: start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined };
}

/**
 * The Step Functions API on loopback (AWS JSON 1.0 protocol), for handlers and tools that call Step
 * Functions through the AWS SDK (`AWS_ENDPOINT_URL_SFN`): execution operations are answered by the local
 * interpreter; everything else (DescribeStateMachine, ListStateMachines, tags, ...) is forwarded to the
 * emulator, which holds the deployed state machines.
 */
export class StepFunctionsApiServer extends LoopbackServer {
  constructor(
    private readonly sfn: LocalStepFunctions,
    private readonly emulatorEndpoint: string,
  ) {
    super();
  }

  private operation(op: string, body: Record<string, unknown>): Record<string, unknown> | undefined {
    const sfn = this.sfn;
    switch (op) {
      case 'StartExecution': {
        const started = sfn.startExecution({ stateMachineArn: String(body.stateMachineArn), name: body.name as string | undefined, input: body.input as string | undefined });
        return { executionArn: started.executionArn, startDate: epoch(started.startDate) };
      }
      case 'DescribeExecution':
        return describe(sfn.describeExecution(String(body.executionArn)));
      case 'ListExecutions': {
        const executions = sfn.listExecutions(String(body.stateMachineArn), body.statusFilter as string | undefined);
        const { items, nextToken } = page(executions, body.maxResults, body.nextToken);
        return {
          executions: items.map((e) => ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: epoch(e.startDate), stopDate: epoch(e.stopDate) })),
          nextToken,
        };
      }
      case 'StopExecution':
        return { stopDate: epoch(sfn.stopExecution(String(body.executionArn), body.error as string | undefined, body.cause as string | undefined)) };
      case 'SendTaskSuccess':
        sfn.sendTaskSuccess(String(body.taskToken), String(body.output));
        return {};
      case 'SendTaskFailure':
        sfn.sendTaskFailure(String(body.taskToken), body.error as string | undefined, body.cause as string | undefined);
        return {};
      case 'SendTaskHeartbeat':
        sfn.sendTaskHeartbeat(String(body.taskToken));
        return {};
      case 'GetExecutionHistory': {
        const history = sfn.historyOf(String(body.executionArn));
        const events = body.reverseOrder ? history.reverse() : history;
        const { items, nextToken } = page(events, body.maxResults, body.nextToken);
        return { events: items, nextToken };
      }
      case 'DescribeStateMachineForExecution': {
        const execution = sfn.describeExecution(String(body.executionArn));
        const machine = sfn.stateMachines().find((m) => m.arn === execution.stateMachineArn)!;
        return { stateMachineArn: machine.arn, name: machine.name, definition: machine.definition, roleArn: machine.roleArn, updateDate: epoch(execution.startDate) };
      }
      default:
        return undefined;
    }
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.split('.').pop() ?? '';
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(payload));
    };
    try {
      const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const result = this.operation(op, body);
      if (result !== undefined) {
        send(200, JSON.parse(JSON.stringify(result)));
        return;
      }
      // Not an execution operation: the emulator answers (it holds the deployed state machines).
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value;
      const forwarded = await fetch(this.emulatorEndpoint, { method: req.method, headers, body: raw.length > 0 ? new Uint8Array(raw) : undefined });
      const text = await forwarded.text();
      res.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'application/x-amz-json-1.0' }).end(text);
    } catch (error) {
      if (error instanceof SfnApiError) send(error.status, { __type: error.type, message: error.message });
      else send(500, { __type: 'InternalFailure', message: `sandbox: ${(error as Error).message}` });
    }
  }
}
