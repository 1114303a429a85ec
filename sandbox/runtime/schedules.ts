import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../aws';
import type { DeployedStack } from '../deploy/deployer';
import type { FunctionRegistry } from './functions';

/**
 * EventBridge Scheduler, which moto's CloudFormation cannot create: every `AWS::Scheduler::Schedule` of the template
 * with an SQS target becomes a local schedule that sends the target's `Input` to the queue (a Lambda target: invokes
 * the local function with it, as Scheduler's LambdaInvoke target does), with the context
 * attributes filled in as Scheduler fills them (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 * `npm start` runs them on timers at their `rate(...)`; tests fire them when they choose (`fire`, or the control
 * API's `POST /schedules/fire`), so nothing in a test waits for a clock.
 */

/** One schedule of the template, resolved. */
export interface ScheduleSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly expression: string;
  /** The period of a `rate(...)` expression; undefined for `cron(...)` / `at(...)`, which run only when fired. */
  readonly intervalMs?: number;
  readonly enabled: boolean;
  /** An SQS target's queue (absent for a Lambda target). */
  readonly queueArn?: string;
  readonly queueUrl?: string;
  /** A Lambda target's function (absent for an SQS target). */
  readonly functionArn?: string;
  /** The target's `Input`, with its context-attribute placeholders. */
  readonly input: string;
}

export interface ScheduleFiring {
  readonly logicalId: string;
  readonly at: string;
  readonly messageId?: string;
  /** A Lambda target's error, when its invocation failed. */
  readonly error?: string;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** The period of a Scheduler `rate(value unit)` expression in ms; undefined for any other expression. */
export function rateMs(expression: string): number | undefined {
  const match = RATE.exec(expression.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

/** The input as Scheduler delivers it: each context attribute placeholder replaced by its value. */
export function renderInput(input: string, context: { scheduleArn: string; scheduledTime: Date; executionId: string; attemptNumber: number }): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', context.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', context.scheduledTime.toISOString().replace(/\.\d{3}Z$/, 'Z'))
    .replaceAll('<aws.scheduler.execution-id>', context.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attemptNumber));
}

function queueUrlFromArn(endpoint: string, arn: string): string {
  const [, , , , account, name] = arn.split(':');
  return `${endpoint}/${account}/${name}`;
}

/** Reads every `AWS::Scheduler::Schedule` with an SQS or Lambda target from a deployed stack. */
export function scheduleSpecs(deployed: DeployedStack, endpoint: string): ScheduleSpec[] {
  return deployed.ofType('AWS::Scheduler::Schedule').flatMap((resource) => {
    const props = deployed.properties(resource.logicalId);
    const target = (props.Target ?? {}) as { Arn?: unknown; Input?: unknown };
    const arn = String(target.Arn ?? '');
    const destination = arn.startsWith('arn:aws:sqs:') ? { queueArn: arn, queueUrl: queueUrlFromArn(endpoint, arn) } : arn.startsWith('arn:aws:lambda:') ? { functionArn: arn } : undefined;
    if (!destination) return [];
    const expression = String(props.ScheduleExpression ?? '');
    const intervalMs = rateMs(expression);
    return [
      {
        stackName: deployed.stackName,
        logicalId: resource.logicalId,
        expression,
        ...(intervalMs !== undefined ? { intervalMs } : {}),
        enabled: props.State !== 'DISABLED',
        ...destination,
        input: typeof target.Input === 'string' ? target.Input : '{}',
      },
    ];
  });
}

/** The stacks' schedules: fired on demand, and on timers once `startTimers()` is called. */
export class LocalSchedules {
  readonly specs: readonly ScheduleSpec[];
  readonly firings: ScheduleFiring[] = [];
  private readonly sqs: SQSClient;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    stacks: readonly DeployedStack[],
    endpoint: string,
    private readonly log: (line: string) => void = () => undefined,
    /** The local functions a Lambda target invokes. @default - Lambda targets fail when fired */
    private readonly functions?: FunctionRegistry,
  ) {
    this.specs = stacks.flatMap((stack) => scheduleSpecs(stack, endpoint));
    this.sqs = new SQSClient(clientConfig(endpoint));
  }

  /** Schedules whose logical id contains `name` (case-insensitive; every schedule without a name). */
  matching(name?: string): ScheduleSpec[] {
    return this.specs.filter((s) => name === undefined || s.logicalId.toLowerCase().includes(name.toLowerCase()));
  }

  /** Fires the matching schedules now, as Scheduler would at `at`; resolves when their messages are in the queues (a Lambda target: when the invocation returned). */
  async fire(name?: string, at = new Date()): Promise<ScheduleFiring[]> {
    const specs = this.matching(name);
    if (specs.length === 0) throw new Error(`no schedule matches ${JSON.stringify(name)} (schedules: ${this.specs.map((s) => s.logicalId).join(', ') || 'none'})`);
    return Promise.all(specs.map((spec) => this.send(spec, at)));
  }

  /** Runs every enabled `rate(...)` schedule on a timer (`npm start`); the first firing is one period from now, as in AWS. */
  startTimers(): void {
    for (const spec of this.specs) {
      if (!spec.enabled || spec.intervalMs === undefined) continue;
      const timer = setInterval(() => {
        this.send(spec, new Date()).catch((error: unknown) => this.log(`schedule ${spec.logicalId} could not send its message: ${String(error)}`));
      }, spec.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.sqs.destroy();
  }

  private async send(spec: ScheduleSpec, at: Date): Promise<ScheduleFiring> {
    const [, , , region, account] = (spec.queueArn ?? spec.functionArn ?? '').split(':');
    const scheduleArn = `arn:aws:scheduler:${region}:${account}:schedule/default/${spec.stackName}-${spec.logicalId}`;
    const body = renderInput(spec.input, { scheduleArn, scheduledTime: at, executionId: randomUUID(), attemptNumber: 1 });
    if (spec.functionArn) return this.invoke(spec, spec.functionArn, body, at);
    const result = await this.sqs.send(new SendMessageCommand({ QueueUrl: spec.queueUrl, MessageBody: body }));
    const firing = { logicalId: spec.logicalId, at: at.toISOString(), ...(result.MessageId ? { messageId: result.MessageId } : {}) };
    this.firings.push(firing);
    this.log(`schedule ${spec.logicalId} fired`);
    return firing;
  }

  /** A Lambda target: the function invoked with the input (Scheduler invokes asynchronously; here the firing waits, so a test knows the run is over). */
  private async invoke(spec: ScheduleSpec, functionArn: string, body: string, at: Date): Promise<ScheduleFiring> {
    const fn = this.functions?.find(functionArn);
    if (!fn) throw new Error(`schedule ${spec.logicalId}: no local function ${functionArn}`);
    const result = await fn.invoke(JSON.parse(body));
    const firing = { logicalId: spec.logicalId, at: at.toISOString(), ...(result.ok ? {} : { error: `${result.error.errorType}: ${result.error.errorMessage}` }) };
    this.firings.push(firing);
    this.log(`schedule ${spec.logicalId} fired: ${fn.spec.functionName} ${firing.error ? `failed (${firing.error})` : 'succeeded'}`);
    return firing;
  }
}
