import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mergeConfig, parseStageConfig, type StageConfig } from '../lib/config/stage-config';
import { readAssembly } from './deploy/assembly';
import { deployStack, type DeployedStack, type DeployReport } from './deploy/deployer';
import { synthesizeInChildProcess } from './deploy/synthesize';
import { startEmulator, type Emulator } from './emulator';
import { localizeApiUrls, removeEndpointsFile, sandboxEndpoints, webhookBaseUrlOf, writeEndpointsFile, type SandboxEndpoints } from './endpoints';
import { acquireLock } from './lock';
import { PROJECT_ROOT } from './python-env';
import type { LocalRestApi } from './runtime/api-gateway/server';
import { BusTap } from './runtime/bus-tap';
import type { UnsupportedFunction } from './runtime/function-specs';
import type { FunctionRegistry } from './runtime/functions';
import type { SqsPoller } from './runtime/sqs-pollers';
import type { LocalSchedules } from './runtime/schedules';
import { startRuntime } from './runtime/start';
import type { LocalStepFunctions } from './runtime/step-functions/engine';
import { createSecrets, generateSecrets, type SandboxSecrets } from './secrets';
import { ShutdownStack } from './shutdown';
import { startSimulators, type Simulators, type StartSimulatorsOptions } from './simulators/index';
import { AwsFaultProxy } from './aws-fault-proxy';
import { systemVendorOverrides } from './systems';
import type { SystemSelection } from './systems-option';

/** A CDK app the sandbox deploys besides (or instead of) the product, e.g. a test fixture. */
export interface ExtraApp {
  /** Directory name under the work dir for its cloud assembly. */
  readonly name: string;
  /** Synthesizes the app into `outdir`. */
  synth(outdir: string): void;
}

export interface SandboxOptions {
  /** Where the sandbox keeps its files (cloud assemblies, logs, endpoints.json, timings.json, the lock). @default <project>/.sandbox */
  readonly workDir?: string;
  /** Stage of the product app to synthesize. @default 'sandbox' */
  readonly stage?: string;
  /** Deploy the product stack. @default true */
  readonly product?: boolean;
  /** Further apps to synthesize and deploy through the same deployer. @default - none */
  readonly extraApps?: readonly ExtraApp[];
  /** Start the vendor simulators (their URLs go into the stage config). @default true */
  readonly simulators?: boolean;
  /** Progress lines. @default - written to stderr */
  readonly log?: (line: string) => void;
  /** Echo function output (Powertools logs) to this sink as well as the log files. @default - log files only */
  readonly functionLog?: (functionName: string, line: string) => void;
  /** Start one execution environment per function before "ready" (surfaces import errors early). @default false */
  readonly prewarm?: boolean;
  /**
   * Put a fault proxy between the functions and the emulator (aws-fault-proxy.ts), so a run can make DynamoDB or
   * PutEvents fail for a window (`sandbox.awsFaults`). @default false
   */
  readonly awsFaultProxy?: boolean;
  /** Further simulator options (e.g. `fleet.createRouteLimitPerMinute`). @default - the simulators' defaults */
  readonly simulatorOptions?: Pick<StartSimulatorsOptions, 'erp' | 'fleet' | 'cs' | 'webhookRetry'>;
  /** Which vendor plays each system (`npm start -- --systems fleet=edi,cs=freshdesk`; sandbox/systems-option.ts): an API vendor also becomes the stage's `systems.<system>.vendor`. @default - the stage's */
  readonly systems?: SystemSelection;
  /** Which API Gateway serves the webhooks (`npm start -- --webhook-api http`): the stage's `webhooks.api` for this run. @default - the stage's (REST) */
  readonly webhookApi?: 'rest' | 'http';
  /** Further stage-config overrides for this run, deep-merged like `--systems`' (the cost bench's `COST_STAGE_OVERRIDES`). @default - none */
  readonly stageOverrides?: Record<string, unknown>;
}

/** Milliseconds spent in each phase of start-up; written to `<workDir>/timings.json`. */
export interface SandboxTimings {
  /** Until the emulator answered (it boots while the app synthesizes). */
  emulatorMs: number;
  simulatorsMs: number;
  synthMs: number;
  deployMs: number;
  runtimeMs: number;
  /** From startSandbox() to "ready". */
  readyMs: number;
}

/** A server started on a running sandbox (the control API: sandbox/control.ts), announced in its endpoints. */
export interface AttachedServer {
  readonly endpoints: Pick<SandboxEndpoints, 'controlEndpoint'>;
  close(): Promise<void>;
}

/**
 * The running sandbox, for the programs that start it (bin/sandbox.ts, the e2e setup, benchmarks, tests).
 * Modules that only use part of it declare that part as their own port (scenario/runner.ts, metering.ts,
 * control.ts), which this type satisfies.
 */
export interface Sandbox {
  /** What endpoints.json holds; attached servers add theirs. */
  readonly endpoints: SandboxEndpoints;
  readonly timings: SandboxTimings;
  readonly workDir: string;
  readonly config: StageConfig;
  /** Which vendor plays each system (the scenario sends the system's events that vendor's way). */
  readonly systems: SystemSelection;
  readonly emulator: Emulator;
  /** Deployed stacks, the product first when deployed. */
  readonly stacks: readonly DeployedStack[];
  readonly product?: DeployedStack;
  readonly functions: FunctionRegistry;
  readonly pollers: readonly SqsPoller[];
  readonly apis: readonly LocalRestApi[];
  readonly stepFunctions: LocalStepFunctions;
  /** EventBridge Scheduler's schedules, run locally (runtime/schedules.ts): `fire()` now, `startTimers()` at their rate. */
  readonly schedules: LocalSchedules;
  /** Every event published to the stacks' custom buses (sandbox instrumentation, see docs/sandbox.md). */
  readonly busTap: BusTap;
  readonly simulators?: Simulators;
  /** The functions' AWS fault proxy, when started with `awsFaultProxy`. */
  readonly awsFaults?: AwsFaultProxy;
  readonly secrets: SandboxSecrets;
  /** Resource types the emulator does not create, by stack (reported once at start). */
  readonly reports: Readonly<Record<string, DeployReport>>;
  readonly unsupportedFunctions: readonly UnsupportedFunction[];
  /** Puts the EMF metrics the functions have written so far into the emulator's CloudWatch now (runtime/emf.ts). */
  flushMetrics(): Promise<void>;
  /** Adds a server's endpoints to `endpoints` and endpoints.json; it is closed first when the sandbox stops. */
  attach(server: AttachedServer): void;
  /** Stops everything (attached servers, pollers, executions, servers, workers, simulators, emulator) and releases the lock. Idempotent. */
  stop(): Promise<void>;
}

/** Formats a deploy report as the one-time lines `npm start` prints. */
export function describeReports(reports: Readonly<Record<string, DeployReport>>): string[] {
  const lines: string[] = [];
  for (const [stack, report] of Object.entries(reports)) {
    const list = (counts: Record<string, number>) => Object.entries(counts).map(([type, n]) => (n > 1 ? `${type} ×${n}` : type)).join(', ');
    const emulated = Object.values(report.emulator).reduce((a, b) => a + b, 0);
    lines.push(`${stack}: ${emulated} resources created in the emulator (moto CloudFormation)`);
    if (Object.keys(report.runtime).length > 0) lines.push(`  run by the local runtime instead: ${list(report.runtime)}`);
    if (Object.keys(report.notEmulated).length > 0) lines.push(`  not emulated (moto cannot create them; no local behaviour): ${list(report.notEmulated)}`);
  }
  return lines;
}

const elapsed = (since: number) => Math.round(performance.now() - since);

/** The `context` of cdk.json as written (a JSON-valued entry such as `stages` may be a string: `contextJson` parses it). */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

function contextJson(value: unknown): unknown {
  return typeof value === 'string' && /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
}

/** Step 0: the work directory (inside the project: bundles import @aws-sdk/* from its node_modules), its lock and a fresh log directory. */
function prepareWorkDir(workDirOption: string | undefined, shutdown: ShutdownStack): { workDir: string; logDir: string } {
  const workDir = path.resolve(workDirOption ?? path.join(PROJECT_ROOT, '.sandbox'));
  if (path.relative(PROJECT_ROOT, workDir).startsWith('..')) throw new Error(`workDir must be inside the project (${PROJECT_ROOT}), got ${workDir}`);
  mkdirSync(workDir, { recursive: true });
  shutdown.push(acquireLock(workDir));
  // Logs are per run (function names change with every deployment).
  const logDir = path.join(workDir, 'logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  return { workDir, logDir };
}

/** Step 1: moto boots in a child process while the simulators start and the app synthesizes; its log goes to logs/moto.log. */
function bootEmulator(logDir: string, log: (line: string) => void, shutdown: ShutdownStack, onReady: (ms: number) => void): Promise<Emulator> {
  const motoLog = createWriteStream(path.join(logDir, 'moto.log'));
  shutdown.push(() => new Promise<void>((resolve) => motoLog.end(resolve)));
  const startedAt = performance.now();
  const starting = startEmulator({ log, serverLog: (line) => motoLog.write(`${line}\n`), recordingFile: path.join(logDir, 'moto-recording.jsonl') }).then((emulator) => {
    onReady(elapsed(startedAt));
    return emulator;
  });
  starting.catch(() => undefined);
  return starting;
}

/** Step 2: the vendor simulators, accepting this run's credentials and signing with its webhook secrets. */
async function startVendorSimulators(secrets: SandboxSecrets, config: StageConfig, shutdown: ShutdownStack, extra: SandboxOptions['simulatorOptions'] = {}): Promise<Simulators> {
  const cs = secrets.systems.cs;
  const simulators = await startSimulators({
    ...extra,
    secrets: secrets.webhooks,
    csVendor: config.systems.cs.vendor,
    erpVendor: config.systems.erp.vendor,
    credentials: {
      erp: { clientId: secrets.systems.erp.clientId, clientSecret: secrets.systems.erp.clientSecret },
      fleet: { apiToken: secrets.systems.fleet.apiToken },
      // Without an email in the secret the Zendesk client sends the token as a Bearer (OAuth) token.
      ...(cs.apiToken ? { cs: { apiToken: cs.apiToken, oauthToken: cs.apiToken } } : {}),
      ...(cs.apiKey ? { freshdesk: { apiKey: cs.apiKey } } : {}),
    },
  });
  shutdown.push(() => simulators.stop());
  return simulators;
}

/**
 * Step 3: synthesis: the product for the stage (its systems pointed at the simulators) in a child process, as
 * the CDK CLI does, and any extra apps in this one. See deploy/synthesize.ts about CDK_VALIDATION. Returns the
 * cloud assembly directories, the product's first.
 */
async function synthesizeApps(
  options: { workDir: string; logDir: string; stage: string; product: boolean; extraApps: readonly ExtraApp[]; overrides?: object },
  context: Record<string, unknown>,
  simulators: Simulators | undefined,
): Promise<string[]> {
  const assemblies: string[] = [];
  if (options.product) {
    const outdir = path.join(options.workDir, 'cdk.out');
    rmSync(outdir, { recursive: true, force: true });
    // Each system's simulator URL, the ERP's token URL and the chosen ERP vendor's settings (simulators/erp-vendors.ts).
    const simulatorUrls = simulators ? simulators.stageOverrides : undefined;
    const configOverrides = options.overrides && simulatorUrls ? mergeConfig(options.overrides, simulatorUrls) : (options.overrides ?? simulatorUrls);
    await synthesizeInChildProcess({ ...context, stage: options.stage, ...(configOverrides ? { configOverrides } : {}) }, outdir, path.join(options.logDir, 'synth.log'));
    assemblies.push(outdir);
  }
  const previousValidation = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    for (const extra of options.extraApps) {
      const outdir = path.join(options.workDir, `${extra.name}.out`);
      rmSync(outdir, { recursive: true, force: true });
      extra.synth(outdir);
      assemblies.push(outdir);
    }
  } finally {
    if (previousValidation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previousValidation;
  }
  return assemblies;
}

/**
 * Step 4: every stack of the assemblies deployed into the emulator (the product first in the result), then the
 * secrets the functions read. The product's stack is the one its own cloud assembly holds (no naming rule repeated here).
 */
async function deployAll(emulator: Emulator, assemblies: readonly string[], hasProduct: boolean, secrets: SandboxSecrets, log: (line: string) => void): Promise<{ stacks: DeployedStack[]; productStackName: string }> {
  const capabilities = await emulator.capabilities();
  const productStackName = hasProduct ? (readAssembly(assemblies[0]!)[0]?.stackName ?? '') : '';
  const stacks = await Promise.all(assemblies.flatMap((dir) => readAssembly(dir)).map((stack) => deployStack(stack, { endpoint: emulator.endpoint, emulatorTypes: capabilities.cloudFormationTypes, log })));
  stacks.sort((a, b) => Number(b.stackName === productStackName) - Number(a.stackName === productStackName));
  await createSecrets(emulator.endpoint, secrets);
  return { stacks, productStackName };
}

/**
 * Brings up the whole stack on this machine: moto (emulator), vendor simulators, synthesis of the product
 * app for the sandbox stage (its systems pointed at the simulators), CloudFormation deployment into moto,
 * and the local runtime (functions, SQS pollers, REST APIs, Step Functions) read from the same template.
 * Servers built on the running sandbox (the control API) are started by the caller and attached.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const t0 = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`[sandbox] ${line}\n`));
  const shutdown = new ShutdownStack(log);
  const { workDir, logDir } = prepareWorkDir(options.workDir, shutdown);
  let endpointsWritten = false;
  shutdown.push(() => {
    if (endpointsWritten) removeEndpointsFile(workDir);
  });
  const stage = options.stage ?? 'sandbox';
  const hasProduct = options.product ?? true;

  try {
    const timings: SandboxTimings = { emulatorMs: 0, simulatorsMs: 0, synthMs: 0, deployMs: 0, runtimeMs: 0, readyMs: 0 };
    const context = cdkJsonContext();
    const stageConfig = parseStageConfig(contextJson(context.stages), stage);
    // The vendors chosen for this run (--systems) are stage-config overrides, synthesized like the simulators' URLs.
    const systems = options.systems ?? {};
    const vendorOverrides = systemVendorOverrides(stageConfig, systems, log);
    // --webhook-api: the stage's webhook API for this run, an override like the vendors'.
    const apiOverride = options.webhookApi ? { webhooks: { api: options.webhookApi } } : undefined;
    const parts = [vendorOverrides, apiOverride, options.stageOverrides].filter((part): part is Record<string, unknown> => part !== undefined);
    const overrides = parts.length > 0 ? (parts.reduce<unknown>((merged, part) => mergeConfig(merged, part), {}) as Record<string, unknown>) : undefined;
    // The chosen vendors and secret names, before validation: a vendor's own settings (Business Central's company)
    // come from its simulator, so the stage is validated once the simulators run.
    const chosen = (overrides ? mergeConfig(stageConfig, overrides) : stageConfig) as StageConfig;
    const secrets = generateSecrets(chosen);

    const emulatorStarting = bootEmulator(logDir, log, shutdown, (ms) => (timings.emulatorMs = ms));

    let simulators: Simulators | undefined;
    if (options.simulators ?? true) {
      const tSim = performance.now();
      simulators = await startVendorSimulators(secrets, chosen, shutdown, options.simulatorOptions);
      timings.simulatorsMs = elapsed(tSim);
    }
    const validated = simulators && overrides ? mergeConfig(overrides, simulators.stageOverrides) : overrides;
    const config = validated ? parseStageConfig(contextJson(context.stages), stage, validated) : stageConfig;

    const tSynth = performance.now();
    const assemblies = await synthesizeApps({ workDir, logDir, stage, product: hasProduct, extraApps: options.extraApps ?? [], ...(overrides ? { overrides } : {}) }, context, simulators);
    timings.synthMs = elapsed(tSynth);

    const emulator = await emulatorStarting;
    shutdown.push(() => emulator.stop());

    const tDeploy = performance.now();
    const { stacks, productStackName } = await deployAll(emulator, assemblies, hasProduct, secrets, log);
    timings.deployMs = elapsed(tDeploy);
    const busTap = await BusTap.start(stacks, emulator.endpoint);
    shutdown.push(() => busTap.stop());

    let awsFaults: AwsFaultProxy | undefined;
    if (options.awsFaultProxy) {
      awsFaults = new AwsFaultProxy(emulator.endpoint);
      await awsFaults.start();
      const proxy = awsFaults;
      shutdown.push(() => proxy.stop());
    }

    // Step 5: the local runtime, all from the deployed templates.
    const tRuntime = performance.now();
    const runtime = await startRuntime(stacks, {
      endpoint: emulator.endpoint,
      inlineCodeDir: path.join(workDir, 'inline-code'),
      functionLogDir: path.join(logDir, 'functions'),
      accessLogDir: path.join(logDir, 'api'),
      log,
      functionLog: options.functionLog,
      prewarm: options.prewarm,
      ...(awsFaults ? { functionAwsEndpoint: awsFaults.url } : {}),
    });
    shutdown.push(() => runtime.stop());
    timings.runtimeMs = elapsed(tRuntime);

    // Step 6: the simulators' webhooks go to the product's webhook API; endpoints.json and timings.json: ready.
    const product = stacks.find((s) => s.stackName === productStackName);
    const webhookBaseUrl = webhookBaseUrlOf(product, runtime.apis);
    if (simulators && webhookBaseUrl) simulators.setWebhookUrls(webhookBaseUrl);
    // Business Central notifies the URL a subscription names (the stage's API Gateway URL): served by the local API.
    if (simulators) simulators.businessCentral.resolveUrl = (url) => localizeApiUrls(url, runtime.apis);

    timings.readyMs = elapsed(t0);
    let endpoints = sandboxEndpoints({
      stage,
      productStackName,
      awsEndpoint: emulator.endpoint,
      sfnEndpoint: runtime.sfnEndpoint,
      lambdaEndpoint: runtime.lambdaEndpoint,
      webhookBaseUrl,
      stacks,
      apis: runtime.apis,
      secrets,
      simulatorUrls: simulators ? simulators.urls : null,
    });
    writeEndpointsFile(workDir, endpoints);
    endpointsWritten = true;
    writeFileSync(path.join(workDir, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);

    let stopping: Promise<void> | undefined;
    return {
      get endpoints() {
        return endpoints;
      },
      timings,
      workDir,
      config,
      systems,
      emulator,
      stacks,
      product,
      functions: runtime.functions,
      pollers: runtime.pollers,
      apis: runtime.apis,
      stepFunctions: runtime.stepFunctions,
      schedules: runtime.schedules,
      busTap,
      simulators,
      awsFaults,
      secrets,
      reports: Object.fromEntries(stacks.map((s) => [s.stackName, s.report])),
      unsupportedFunctions: runtime.unsupportedFunctions,
      flushMetrics: () => runtime.flushMetrics(),
      attach(server) {
        if (stopping) throw new Error('the sandbox is stopping');
        endpoints = { ...endpoints, ...server.endpoints };
        writeEndpointsFile(workDir, endpoints);
        shutdown.push(() => server.close());
      },
      stop: () => (stopping ??= shutdown.run()),
    };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}
