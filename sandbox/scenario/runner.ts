import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '../aws';
import type { DeployedStack } from '../deploy/deployer';
import type { SandboxEndpoints } from '../endpoints';
import type { LocalRestApi } from '../runtime/api-gateway/server';
import type { BusTap } from '../runtime/bus-tap';
import type { FunctionRegistry } from '../runtime/functions';
import type { LocalSchedules } from '../runtime/schedules';
import type { SqsPoller } from '../runtime/sqs-pollers';
import type { LocalStepFunctions } from '../runtime/step-functions/engine';
import type { Simulators } from '../simulators/index';
import type { SystemSelection } from '../systems-option';

/**
 * How a scenario runs: a list of named steps with named expectations. A step runs only when the stack
 * implements what it needs (`skipUnless`), so a scenario grows with the product; expectations are polled until
 * `withinMs`. The reference scenario is in reference.ts.
 *
 * ```ts
 * const step: ScenarioStep = {
 *   name: 'fleet departs the DC',
 *   skipUnless: (ctx) => (ctx.sandbox.simulators ? undefined : 'no simulators'),
 *   run: async (ctx) => { await ctx.sandbox.simulators!.fleet.departStop(String(ctx.state.get('routeId'))); },
 *   expectations: [{ name: 'ERP shipment status is "in transit"', withinMs: 15_000, check: async (ctx) => { ... } }],
 * };
 * ```
 */

/**
 * What the scenario reads of the running sandbox (its port; a Sandbox satisfies it): the product's stack name and
 * outputs, the emulator's endpoint (its checks read DynamoDB), the product's template (rules and their targets),
 * the vendor simulators it drives, the bus tap, and the runtime's functions, pollers, REST APIs and executions.
 */
export interface ScenarioSandbox {
  readonly endpoints: Pick<SandboxEndpoints, 'stackName' | 'outputs' | 'awsEndpoint'>;
  readonly product?: Pick<DeployedStack, 'ofType' | 'properties'>;
  readonly simulators?: Simulators;
  readonly busTap: Pick<BusTap, 'events'>;
  readonly stepFunctions: Pick<LocalStepFunctions, 'stateMachines' | 'allExecutions' | 'historyOf'>;
  readonly apis: readonly Pick<LocalRestApi, 'spec' | 'methodFor'>[];
  readonly functions: Pick<FunctionRegistry, 'functions'>;
  readonly pollers: readonly Pick<SqsPoller, 'spec' | 'seen' | 'fn'>[];
  /** The product's schedules (fired by steps whose vendor needs a scheduled job first, e.g. a webhook subscription). */
  readonly schedules?: Pick<LocalSchedules, 'fire'>;
}

export interface ScenarioContext {
  readonly sandbox: ScenarioSandbox;
  /** Which vendor plays each system (`--systems`, sandbox/systems-option.ts); unset systems play their defaults. */
  readonly systems: SystemSelection;
  readonly log: (line: string) => void;
  /** Values a step hands to later steps (ids, deliveries, timestamps). */
  readonly state: Map<string, unknown>;
  /** Document client on the emulator's DynamoDB. */
  readonly dynamodb: DynamoDBDocumentClient;
  readonly events: EventBridgeClient;
}

export interface Expectation {
  readonly name: string;
  /**
   * Holds when it returns without throwing (or returns undefined). A thrown error or a returned string is
   * the reason it does not hold (yet): checked again until `withinMs` has passed.
   */
  check(ctx: ScenarioContext): Promise<string | void> | string | void;
  /** How long the pipeline may take to make it hold. @default 10 000 ms */
  readonly withinMs?: number;
}

export interface ScenarioStep {
  readonly name: string;
  /** Why the stack cannot run this step yet, or undefined when it can. */
  readonly skipUnless?: (ctx: ScenarioContext) => string | undefined;
  readonly run?: (ctx: ScenarioContext) => Promise<void>;
  /** Fixed, or derived from the stack and what `run` did (e.g. one per routing rule). */
  readonly expectations: readonly Expectation[] | ((ctx: ScenarioContext) => readonly Expectation[]);
}

export interface ExpectationResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
  readonly ms: number;
}

export interface StepResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly expectations: readonly ExpectationResult[];
  readonly ms: number;
}

export interface ScenarioReport {
  readonly ok: boolean;
  readonly steps: readonly StepResult[];
  /** The first expectation that did not hold, as `<step> › <expectation>: <reason>`. */
  readonly firstFailure?: string;
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function eventually(expectation: Expectation, ctx: ScenarioContext): Promise<ExpectationResult> {
  const started = performance.now();
  const deadline = Date.now() + (expectation.withinMs ?? 10_000);
  let reason: string;
  for (;;) {
    try {
      const result = await expectation.check(ctx);
      if (typeof result !== 'string') return { name: expectation.name, ok: true, ms: Math.round(performance.now() - started) };
      reason = result;
    } catch (error) {
      reason = reasonOf(error);
    }
    if (Date.now() >= deadline) return { name: expectation.name, ok: false, reason, ms: Math.round(performance.now() - started) };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the steps in order; a failed step stops the scenario (later steps depend on earlier ones). */
export async function runSteps(sandbox: ScenarioSandbox, steps: readonly ScenarioStep[], options: { log?: (line: string) => void; systems?: SystemSelection } = {}): Promise<ScenarioReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = new DynamoDBClient(clientConfig(sandbox.endpoints.awsEndpoint));
  const events = new EventBridgeClient(clientConfig(sandbox.endpoints.awsEndpoint));
  const ctx: ScenarioContext = { sandbox, log, systems: options.systems ?? {}, state: new Map(), dynamodb: DynamoDBDocumentClient.from(base), events };
  const results: StepResult[] = [];
  let firstFailure: string | undefined;
  try {
    for (const step of steps) {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      if (firstFailure) {
        results.push({ name: step.name, status: 'skipped', reason: 'an earlier step failed', expectations: [], ms: 0 });
        continue;
      }
      const skip = step.skipUnless?.(ctx);
      if (skip) {
        results.push({ name: step.name, status: 'skipped', reason: skip, expectations: [], ms: 0 });
        log(`  - ${step.name}: skipped (${skip})`);
        continue;
      }
      try {
        await step.run?.(ctx);
      } catch (error) {
        firstFailure = `${step.name}: ${reasonOf(error)}`;
        results.push({ name: step.name, status: 'failed', reason: reasonOf(error), expectations: [], ms: ms() });
        log(`  ✗ ${step.name}: ${reasonOf(error)}`);
        continue;
      }
      const expectations = typeof step.expectations === 'function' ? step.expectations(ctx) : step.expectations;
      if (expectations.length === 0) {
        results.push({ name: step.name, status: 'skipped', reason: 'nothing in the stack to check yet', expectations: [], ms: ms() });
        log(`  - ${step.name}: nothing in the stack to check yet`);
        continue;
      }
      const checked = await Promise.all(expectations.map((e) => eventually(e, ctx)));
      const failed = checked.find((c) => !c.ok);
      if (failed) firstFailure = `${step.name} › ${failed.name}: ${failed.reason}`;
      results.push({ name: step.name, status: failed ? 'failed' : 'passed', expectations: checked, ms: ms() });
      log(`  ${failed ? '✗' : '✓'} ${step.name} (${ms()} ms)`);
      for (const c of checked) log(`      ${c.ok ? '✓' : '✗'} ${c.name}${c.ok ? ` (${c.ms} ms)` : `: ${c.reason}`}`);
    }
  } finally {
    base.destroy();
    events.destroy();
  }
  return { ok: firstFailure === undefined, steps: results, firstFailure };
}
