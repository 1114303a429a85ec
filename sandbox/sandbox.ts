import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseStageConfig, type StageConfig } from '../lib/config/stage-config';
import { SANDBOX_ACCOUNT, SANDBOX_CREDENTIALS, SANDBOX_REGION } from './aws';
import { ControlServer } from './control';
import { readAssembly } from './deploy/assembly';
import { deployStack, type DeployedStack, type DeployReport } from './deploy/deployer';
import { synthesizeInChildProcess } from './deploy/synthesize';
import { startEmulator, type Emulator } from './emulator';
import { acquireLock } from './lock';
import { PROJECT_ROOT } from './python-env';
import { EmfForwarder } from './runtime/emf';
import { LocalRestApi, startRestApis } from './runtime/api-gateway';
import { BusTap } from './runtime/bus-tap';
import { FunctionRegistry, functionSpecs, LocalFunction, type UnsupportedFunction } from './runtime/functions';
import { LambdaApiServer } from './runtime/lambda-api';
import { startSqsPollers, type SqsPoller } from './runtime/sqs-pollers';
import { LocalStepFunctions, stateMachineSpecs, StepFunctionsApiServer } from './runtime/step-functions';
import { createSecrets, generateSecrets, type SandboxSecrets, type WebhookSecrets } from './secrets';
import { startSimulators, type Simulators } from './simulators/index';
import { XSUAA_PATH } from './simulators/erp';

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
}

/** What tools and tests need to reach the sandbox; also written to `<workDir>/endpoints.json`. */
export interface SandboxEndpoints {
  readonly stackName: string;
  /** Stage the product was synthesized for. */
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  /** The emulator: every AWS API (`AWS_ENDPOINT_URL`). */
  readonly awsEndpoint: string;
  /** The local Step Functions API (`AWS_ENDPOINT_URL_SFN`); other Step Functions calls are forwarded to the emulator. */
  readonly sfnEndpoint: string;
  /** The local Lambda Invoke API (`AWS_ENDPOINT_URL_LAMBDA`); other Lambda calls are forwarded to the emulator. */
  readonly lambdaEndpoint: string;
  /** The sandbox's control API (runtime stats, bus events, warm-up, scenario): see sandbox/control.ts. */
  readonly controlEndpoint: string;
  /** Base URL (with stage) of the product's webhook API, or null when the product has no REST API yet. */
  readonly webhookBaseUrl: string | null;
  /** Every REST API served locally, by `<stack>/<logicalId>`. */
  readonly apis: Readonly<Record<string, { readonly restApiId: string; readonly url: string; readonly stages: readonly string[] }>>;
  readonly secrets: WebhookSecrets;
  /** Each system's secret (name → JSON), as created in the emulator's Secrets Manager. */
  readonly systemSecrets: Readonly<Record<string, Record<string, string>>>;
  readonly simulators: { readonly erp: string; readonly fleet: string; readonly cs: string } | null;
  /** Outputs of every deployed stack, by stack name; API Gateway invoke URLs in them point at the local REST API servers. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Environment variables that point an AWS SDK or the AWS CLI at the sandbox. */
  readonly env: Readonly<Record<string, string>>;
  readonly pid: number;
  readonly startedAt: string;
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

export interface Sandbox {
  readonly endpoints: SandboxEndpoints;
  readonly timings: SandboxTimings;
  readonly workDir: string;
  readonly config: StageConfig;
  readonly emulator: Emulator;
  /** Deployed stacks, the product first when deployed. */
  readonly stacks: readonly DeployedStack[];
  readonly product?: DeployedStack;
  readonly functions: FunctionRegistry;
  readonly pollers: readonly SqsPoller[];
  readonly apis: readonly LocalRestApi[];
  readonly stepFunctions: LocalStepFunctions;
  /** Every event published to the stacks' custom buses (sandbox instrumentation, see docs/sandbox.md). */
  readonly busTap: BusTap;
  readonly simulators?: Simulators;
  readonly secrets: SandboxSecrets;
  /** Resource types the emulator does not create, by stack (reported once at start). */
  readonly reports: Readonly<Record<string, DeployReport>>;
  readonly unsupportedFunctions: readonly UnsupportedFunction[];
  /** Stops everything (pollers, executions, servers, workers, simulators, emulator) and releases the lock. Idempotent. */
  stop(): Promise<void>;
}

function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

function contextJson(value: unknown): unknown {
  return typeof value === 'string' && /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
}

const elapsed = (since: number) => Math.round(performance.now() - since);

/**
 * Rewrites API Gateway invoke URLs (`https://<restApiId>.execute-api.<region>.amazonaws.com/<stage>/...`) in
 * a text to the local REST API server of that API. Pure apart from reading the servers' ports.
 */
export function localizeApiUrls(text: string, apis: readonly LocalRestApi[]): string {
  return text.replace(/https:\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com/g, (whole, restApiId: string) => {
    const api = apis.find((a) => a.spec.restApiId === restApiId);
    return api ? api.baseUrl : whole;
  });
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

/**
 * Brings up the whole stack on this machine: moto (emulator), vendor simulators, synthesis of the product
 * app for the sandbox stage (its systems pointed at the simulators), CloudFormation deployment into moto,
 * and the local runtime (functions, SQS pollers, REST APIs, Step Functions) read from the same template.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const t0 = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`[sandbox] ${line}\n`));
  const workDir = path.resolve(options.workDir ?? path.join(PROJECT_ROOT, '.sandbox'));
  // Bundles import @aws-sdk/* from the project's node_modules, so assemblies must live inside the project.
  if (path.relative(PROJECT_ROOT, workDir).startsWith('..')) throw new Error(`workDir must be inside the project (${PROJECT_ROOT}), got ${workDir}`);
  mkdirSync(workDir, { recursive: true });
  const releaseLock = acquireLock(workDir);
  const stage = options.stage ?? 'sandbox';
  const deployProduct = options.product ?? true;
  const logDir = path.join(workDir, 'logs');
  // Logs are per run (function names change with every deployment).
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });

  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        log(`shutdown: ${(error as Error).message}`);
      }
    }
    cleanups.length = 0;
  };

  try {
    const timings: SandboxTimings = { emulatorMs: 0, simulatorsMs: 0, synthMs: 0, deployMs: 0, runtimeMs: 0, readyMs: 0 };
    const context = cdkJsonContext();
    const config = parseStageConfig(contextJson(context.stages), stage);
    const secrets = generateSecrets(config);

    // 1. The emulator boots in a child process while simulators start and the app synthesizes.
    const motoLog = createWriteStream(path.join(logDir, 'moto.log'));
    cleanups.push(() => new Promise<void>((resolve) => motoLog.end(resolve)));
    const tEmulator = performance.now();
    const emulatorStarting = startEmulator({ log, serverLog: (line) => motoLog.write(`${line}\n`), recordingFile: path.join(logDir, 'moto-recording.jsonl') }).then((emulator) => {
      timings.emulatorMs = elapsed(tEmulator);
      return emulator;
    });
    emulatorStarting.catch(() => undefined);

    let simulators: Simulators | undefined;
    if (options.simulators ?? true) {
      const tSim = performance.now();
      simulators = await startSimulators({
        secrets: secrets.webhooks,
        credentials: {
          erp: { clientId: secrets.systems.erp.clientId, clientSecret: secrets.systems.erp.clientSecret },
          fleet: { apiToken: secrets.systems.fleet.apiToken },
          // Without an email in the secret the CS client sends the token as a Bearer (OAuth) token.
          cs: { apiToken: secrets.systems.cs.apiToken, oauthToken: secrets.systems.cs.apiToken },
        },
      });
      cleanups.push(() => simulators!.stop());
      timings.simulatorsMs = elapsed(tSim);
    }

    // 2. Synthesize: the product for the stage (its systems pointed at the simulators) in a child process, as
    //    the CDK CLI does, and any extra apps in this one. See deploy/synthesize.ts about CDK_VALIDATION.
    const tSynth = performance.now();
    const assemblies: string[] = [];
    if (deployProduct) {
      const outdir = path.join(workDir, 'cdk.out');
      rmSync(outdir, { recursive: true, force: true });
      // The ERP simulator issues tokens as SAP BTP's XSUAA does, on its own path (systems.erp.tokenUrl).
      const configOverrides = simulators
        ? { systems: Object.fromEntries(Object.entries(simulators.urls).map(([system, url]) => [system, system === 'erp' ? { apiBaseUrl: url, tokenUrl: `${url}${XSUAA_PATH}/oauth/token` } : { apiBaseUrl: url }])) }
        : undefined;
      await synthesizeInChildProcess({ ...context, stage, ...(configOverrides ? { configOverrides } : {}) }, outdir, path.join(logDir, 'synth.log'));
      assemblies.push(outdir);
    }
    const previousValidation = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'false';
    try {
      for (const extra of options.extraApps ?? []) {
        const outdir = path.join(workDir, `${extra.name}.out`);
        rmSync(outdir, { recursive: true, force: true });
        extra.synth(outdir);
        assemblies.push(outdir);
      }
    } finally {
      if (previousValidation === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = previousValidation;
    }
    timings.synthMs = elapsed(tSynth);

    const emulator = await emulatorStarting;
    cleanups.push(() => emulator.stop());

    // 3. Deploy every stack into the emulator, then the secrets the functions read.
    const tDeploy = performance.now();
    const capabilities = await emulator.capabilities();
    const assemblyStacks = assemblies.flatMap((dir) => readAssembly(dir));
    // The product's stack is the one its own cloud assembly holds (no naming rule repeated here).
    const productStackName = deployProduct ? (readAssembly(assemblies[0]!)[0]?.stackName ?? '') : '';
    const stacks = await Promise.all(assemblyStacks.map((stack) => deployStack(stack, { endpoint: emulator.endpoint, emulatorTypes: capabilities.cloudFormationTypes, log })));
    stacks.sort((a, b) => Number(b.stackName === productStackName) - Number(a.stackName === productStackName));
    await createSecrets(emulator.endpoint, secrets);
    timings.deployMs = elapsed(tDeploy);
    const reports = Object.fromEntries(stacks.map((s) => [s.stackName, s.report]));
    const busTap = await BusTap.start(stacks, emulator.endpoint);
    cleanups.push(() => busTap.stop());

    // 4. The local runtime, all from the deployed templates.
    const tRuntime = performance.now();
    const unsupportedFunctions: UnsupportedFunction[] = [];
    const specs = stacks.flatMap((stack) => {
      const { specs: found, unsupported } = functionSpecs(stack, path.join(workDir, 'inline-code'));
      unsupportedFunctions.push(...unsupported);
      return found;
    });
    // Functions call Step Functions through the local API, which needs the function registry: a late binding.
    const bound: { registry?: FunctionRegistry; sandbox?: Sandbox } = {};
    const stepFunctions = new LocalStepFunctions(stacks.flatMap(stateMachineSpecs), { functions: { find: (ref) => bound.registry?.find(ref) }, endpoint: emulator.endpoint, log });
    const sfnServer = new StepFunctionsApiServer(stepFunctions, emulator.endpoint);
    await sfnServer.listen();
    cleanups.push(() => sfnServer.close());

    const lambdaServer = new LambdaApiServer({ find: (ref) => bound.registry?.find(ref) }, emulator.endpoint);
    await lambdaServer.listen();
    cleanups.push(() => lambdaServer.close());

    const serviceEnvironment = { AWS_ENDPOINT_URL: emulator.endpoint, AWS_ENDPOINT_URL_SFN: sfnServer.url, AWS_ENDPOINT_URL_LAMBDA: lambdaServer.url };
    // CloudWatch Logs' EMF extraction, which moto lacks: Powertools metrics reach moto's CloudWatch.
    const emf = new EmfForwarder(emulator.endpoint, log);
    const onLine = (functionName: string, line: string) => {
      emf.accept(line);
      options.functionLog?.(functionName, line);
    };
    const functions = new FunctionRegistry(specs.map((spec) => new LocalFunction(spec, { serviceEnvironment, logDir: path.join(logDir, 'functions'), echo: onLine })));
    bound.registry = functions;
    // Functions stop first (their last lines are read), then the last metrics are put.
    cleanups.push(() => emf.stop());
    cleanups.push(() => functions.stop());
    // Executions stop before the functions they call.
    cleanups.push(() => stepFunctions.stop());
    if (options.prewarm) await Promise.all(functions.functions.map((fn) => fn.warm()));

    const pollers = startSqsPollers(stacks, functions, emulator.endpoint, log);
    cleanups.push(() => pollers.stop());
    const apis = await startRestApis(stacks, functions);
    cleanups.push(() => Promise.all(apis.map((api) => api.close())).then(() => undefined));
    timings.runtimeMs = elapsed(tRuntime);

    // 5. Webhooks of the simulators go to the product's webhook API: the URL of its `WebhookBaseUrl` output,
    //    made local; without that output, the product's API that serves /webhooks (or its only API).
    const product = stacks.find((s) => s.stackName === productStackName);
    const localize = (value: string) => localizeApiUrls(value, apis);
    const productApis = apis.filter((api) => api.spec.stackName === productStackName);
    const declared = product?.outputs.WebhookBaseUrl;
    const fallbackApi = productApis.find((api) => api.spec.methods.some((m) => m.resourcePath.startsWith('/webhooks'))) ?? productApis[0];
    const webhookBaseUrl = declared && localize(declared) !== declared ? localize(declared).replace(/\/$/, '') : fallbackApi ? fallbackApi.stageUrl().replace(/\/$/, '') : null;
    if (simulators && webhookBaseUrl) simulators.setWebhookUrls(webhookBaseUrl);

    const control = new ControlServer(() => bound.sandbox!);
    await control.listen();
    cleanups.push(() => control.close());

    timings.readyMs = elapsed(t0);
    const endpoints: SandboxEndpoints = {
      stackName: productStackName,
      stage,
      region: SANDBOX_REGION,
      accountId: SANDBOX_ACCOUNT,
      awsEndpoint: emulator.endpoint,
      sfnEndpoint: sfnServer.url,
      lambdaEndpoint: lambdaServer.url,
      controlEndpoint: control.url,
      webhookBaseUrl,
      apis: Object.fromEntries(apis.map((api) => [`${api.spec.stackName}/${api.spec.logicalId}`, { restApiId: api.spec.restApiId, url: api.stageUrl(), stages: api.spec.stages.map((s) => s.stageName) }])),
      secrets: secrets.webhooks,
      systemSecrets: secrets.byName,
      simulators: simulators ? simulators.urls : null,
      outputs: Object.fromEntries(stacks.map((s) => [s.stackName, Object.fromEntries(Object.entries(s.outputs).map(([k, v]) => [k, localize(v)]))])),
      env: {
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_ENDPOINT_URL_SFN: sfnServer.url,
        AWS_ENDPOINT_URL_LAMBDA: lambdaServer.url,
        AWS_REGION: SANDBOX_REGION,
        AWS_DEFAULT_REGION: SANDBOX_REGION,
        AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
      },
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    const endpointsFile = path.join(workDir, 'endpoints.json');
    writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 2)}\n`);
    writeFileSync(path.join(workDir, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    cleanups.splice(1, 0, () => rmSync(endpointsFile, { force: true }));

    let stopping: Promise<void> | undefined;
    const sandbox: Sandbox = {
      endpoints,
      timings,
      workDir,
      config,
      emulator,
      stacks,
      product,
      functions,
      pollers: pollers.pollers,
      apis,
      stepFunctions,
      busTap,
      simulators,
      secrets,
      reports,
      unsupportedFunctions,
      stop: () => (stopping ??= cleanup()),
    };
    bound.sandbox = sandbox;
    return sandbox;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
