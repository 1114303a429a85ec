import { randomUUID } from 'node:crypto';
import { clientConfig } from '../../aws';
import type { FunctionRegistry } from '../functions';
import { SfnApiError, TaskError } from './errors';

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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * What Task states call: functions on the local workers, child executions of local state machines, and AWS
 * services in the emulator (optimized integrations and `aws-sdk:*` for every installed client, called as
 * Step Functions with the `stepFunctions` principal, sandbox/aws.ts).
 */
export class ServiceIntegrations {
  private readonly clients = new Map<string, Promise<{ client: SdkClient; module: Record<string, unknown> }>>();

  constructor(
    /** Where Lambda tasks find their function (name or ARN). */
    private readonly functions: Pick<FunctionRegistry, 'find'>,
    /** Emulator endpoint: direct service integrations run against it. */
    private readonly endpoint: string,
    /** Starts a child execution (the engine's StartExecution). */
    private readonly startExecution: (request: { stateMachineArn: string; name?: string; input?: string }) => { executionArn: string; startDate: Date },
  ) {}

  /**
   * Runs a task: `resource` as the state names it, `base` without its integration pattern suffix, split into
   * the integration's `resourceType` and `action` (`lambda`/`function` for a plain function ARN).
   */
  async call(resource: string, base: string, resourceType: string, action: string | undefined, input: unknown): Promise<unknown> {
    if (!base.startsWith('arn:aws:states:::')) return this.invokeLambda(base, input, false);
    if (resourceType === 'lambda' && action === 'invoke') return this.invokeLambdaIntegration(input as Record<string, unknown>);
    if (resourceType === 'states' && action === 'startExecution') return this.startChild(input as Record<string, unknown>);
    if (resourceType === 'aws-sdk') {
      const [service, sdkAction] = action!.split(':');
      return this.callSdk(service!, sdkAction!, input as Record<string, unknown>, SDK_PACKAGES[service!]?.prefix ?? service!);
    }
    if (OPTIMIZED_TO_SDK[resourceType]) return this.callOptimized(resourceType, action!, input as Record<string, unknown>);
    throw new TaskError('States.Runtime', `sandbox: task resource ${resource} is not supported`);
  }

  /** A Lambda task on a plain function ARN (the result is the function's payload), or `Event` invocations. */
  private async invokeLambda(functionName: string, payload: unknown, asEvent: boolean): Promise<unknown> {
    const fn = this.functions.find(functionName);
    if (!fn) throw new TaskError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
    if (asEvent) {
      void fn.invoke(payload);
      return undefined;
    }
    const outcome = await fn.invoke(payload);
    if (!outcome.ok) throw new TaskError(outcome.error.errorType, JSON.stringify({ errorMessage: outcome.error.errorMessage, errorType: outcome.error.errorType, trace: outcome.error.trace ?? [] }));
    return outcome.payload;
  }

  /** `arn:aws:states:::lambda:invoke`: Lambda's Invoke result shape (`Payload`, `StatusCode`, ...). */
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

  /** `arn:aws:states:::states:startExecution`: a child execution of a local state machine. */
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
        return { client: new ClientClass(clientConfig(this.endpoint, 'stepFunctions')), module };
      });
      this.clients.set(service, entry);
    }
    return entry;
  }

  /** `arn:aws:states:::aws-sdk:<service>:<action>`: the SDK command, errors named `<prefix>.<Exception>`. */
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

  /** Destroys the SDK clients created so far. */
  destroy(): void {
    for (const entry of this.clients.values()) void entry.then(({ client }) => client.destroy()).catch(() => undefined);
  }
}
