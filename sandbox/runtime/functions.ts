import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SANDBOX_ACCOUNT, SANDBOX_CREDENTIALS, SANDBOX_PRINCIPALS, SANDBOX_REGION } from '../aws';
import type { DeployedStack } from '../deploy/deployer';

/** Everything the sandbox needs to run one AWS::Lambda::Function from the template. */
export interface FunctionSpec {
  readonly stackName: string;
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** `index.handler` */
  readonly handler: string;
  /** Directory with the function's code: the asset bundle synth produced. */
  readonly codeDir: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The template's Environment.Variables, resolved to the emulator's physical ids. */
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  readonly logGroupName: string;
  readonly logFormat?: string;
  readonly applicationLogLevel?: string;
}

/** The error shape Lambda returns for a failed invocation. */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown; readonly durationMs: number; readonly requestId: string }
  | { readonly ok: false; readonly error: LambdaError; readonly durationMs: number; readonly requestId: string };

export interface FunctionStats {
  readonly functionName: string;
  readonly memorySize: number;
  invocations: number;
  errors: number;
  timeouts: number;
  coldStarts: number;
  /** Sum of invocation durations (ms), what Lambda bills (rounded up per invocation). */
  billedDurationMs: number;
  initDurationMs: number;
}

export interface FunctionHostOptions {
  /** Variables every function gets from the "Lambda service": endpoints of the emulator and shims. */
  readonly serviceEnvironment: Readonly<Record<string, string>>;
  /** Directory for per-function log files (`<functionName>.log`), like CloudWatch log groups. */
  readonly logDir: string;
  /** Also echo function output to this sink, line by line. @default - log files only */
  readonly echo?: (functionName: string, line: string) => void;
  /** Cap on concurrent execution environments per function when the template reserves none. @default 10 */
  readonly defaultMaxEnvironments?: number;
}

const WORKER = path.join(import.meta.dirname, 'function-worker.mjs');

interface Pending {
  resolve(value: { ok: true; result: unknown } | { ok: false; error: LambdaError }): void;
}

class ExecutionEnvironment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  private readonly pending = new Map<string, Pending>();
  initDurationMs = 0;
  /** Set when the handler module failed to load (every invocation then fails with it, as in Lambda). */
  initError?: LambdaError;

  constructor(spec: FunctionSpec, env: Record<string, string>, log: WriteStream, echo?: (line: string) => void) {
    this.worker = new Worker(WORKER, {
      workerData: {
        codeDir: spec.codeDir,
        handler: spec.handler,
        functionName: spec.functionName,
        functionArn: spec.functionArn,
        memorySize: spec.memorySize,
        logGroupName: spec.logGroupName,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        sourceMaps: /--enable-source-maps/.test(spec.environment.NODE_OPTIONS ?? ''),
      },
      // The function's own process.env: nothing of the sandbox's environment leaks in.
      env,
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, spec.memorySize) },
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      // Whole lines only: a chunk may end in the middle of one (an EMF record cut in two would be lost).
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        log.write(chunk);
        if (!echo) return;
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) echo(line);
      });
      stream.on('end', () => {
        if (echo && partial.trim()) echo(partial);
        partial = '';
      });
    }
    this.ready = new Promise((resolve) => {
      this.worker.once('message', (message: { type: string; initDurationMs: number; error?: LambdaError }) => {
        this.initDurationMs = message.initDurationMs;
        this.initError = message.error;
        resolve();
      });
      this.worker.once('error', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.on('message', (message: { type: string; id: string; ok: boolean; result?: unknown; error?: LambdaError }) => {
      if (message.type !== 'result') return;
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message.ok ? { ok: true, result: message.result } : { ok: false, error: message.error! });
    });
    const crash = (error: LambdaError) => {
      this.dead = true;
      for (const pending of this.pending.values()) pending.resolve({ ok: false, error });
      this.pending.clear();
    };
    this.worker.on('error', (error) => crash({ errorType: 'Runtime.ExitError', errorMessage: `the execution environment crashed: ${error.message}` }));
    this.worker.on('exit', (code) => crash({ errorType: 'Runtime.ExitError', errorMessage: `the execution environment exited with code ${code}` }));
  }

  run(message: Record<string, unknown>): Promise<{ ok: true; result: unknown } | { ok: false; error: LambdaError }> {
    const id = String(message.id);
    return new Promise((resolve) => {
      if (this.dead) {
        resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: 'the execution environment is gone' } });
        return;
      }
      this.pending.set(id, { resolve });
      this.worker.postMessage({ type: 'invoke', ...message });
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

/**
 * One Lambda function of the template, run locally: a pool of execution environments (worker threads,
 * each with the function's own environment variables, created on demand up to the function's reserved
 * concurrency), one invocation at a time per environment, the template's timeout enforced by
 * discarding the environment, as Lambda does.
 */
export class LocalFunction {
  readonly stats: FunctionStats;
  private readonly environments: ExecutionEnvironment[] = [];
  private readonly waiting: ((env: ExecutionEnvironment) => void)[] = [];
  private readonly maxEnvironments: number;
  private readonly log: WriteStream;
  private stopped = false;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: FunctionHostOptions,
  ) {
    this.maxEnvironments = spec.reservedConcurrency ?? options.defaultMaxEnvironments ?? 10;
    mkdirSync(options.logDir, { recursive: true });
    this.log = createWriteStream(path.join(options.logDir, `${spec.functionName}.log`), { flags: 'a' });
    this.stats = { functionName: spec.functionName, memorySize: spec.memorySize, invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, billedDurationMs: 0, initDurationMs: 0 };
  }

  /** The function's complete environment, as its handler sees it in process.env. */
  environmentFor(logStream: string): Record<string, string> {
    const { spec } = this;
    const env: Record<string, string> = {
      ...spec.environment,
      ...this.options.serviceEnvironment,
      AWS_REGION: SANDBOX_REGION,
      AWS_DEFAULT_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: SANDBOX_PRINCIPALS.functions,
      AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: 'sandbox',
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      LAMBDA_TASK_ROOT: spec.codeDir,
      LAMBDA_RUNTIME_DIR: spec.codeDir,
      _HANDLER: spec.handler,
      LANG: 'en_US.UTF-8',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // No X-Ray daemon in the sandbox: traces are not sampled, and a missing context is not an error.
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
    if (spec.logFormat) env.AWS_LAMBDA_LOG_FORMAT = spec.logFormat;
    if (spec.applicationLogLevel) env.AWS_LAMBDA_LOG_LEVEL = spec.applicationLogLevel;
    return env;
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    for (const env of this.environments) {
      if (!env.busy && !env.dead) {
        env.busy = true;
        return env;
      }
    }
    const alive = this.environments.filter((e) => !e.dead);
    if (alive.length < this.maxEnvironments) {
      const date = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
      const stream = `${date}/[$LATEST]${randomBytes(16).toString('hex')}`;
      const env = new ExecutionEnvironment(this.spec, this.environmentFor(stream), this.log, this.options.echo ? (line) => this.options.echo!(this.spec.functionName, line) : undefined);
      env.busy = true;
      this.environments.splice(0, this.environments.length, ...alive, env);
      this.stats.coldStarts += 1;
      await env.ready;
      this.stats.initDurationMs += env.initDurationMs;
      return env;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(env: ExecutionEnvironment): void {
    if (env.dead) {
      const index = this.environments.indexOf(env);
      if (index >= 0) this.environments.splice(index, 1);
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(env);
    else env.busy = false;
  }

  /**
   * Starts one execution environment ahead of the first invocation (a provisioned cold start) and returns
   * the error the handler module raised while loading, if any.
   */
  async warm(): Promise<LambdaError | undefined> {
    const env = await this.acquire();
    const error = env.initError;
    this.release(env);
    return error;
  }

  /** Invokes the function synchronously (RequestResponse), as Lambda's Invoke API would. */
  async invoke(event: unknown): Promise<InvokeResult> {
    if (this.stopped) throw new Error(`function ${this.spec.functionName} is stopped`);
    const requestId = randomUUID();
    const env = await this.acquire();
    const started = performance.now();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ ok: false; error: LambdaError; timeout: true }>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, timeout: true, error: { errorType: 'Sandbox.Timedout', errorMessage: `${requestId} Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` } }),
        timeoutMs,
      );
    });
    const outcome = await Promise.race([env.run({ id: requestId, event, requestId, deadline: Date.now() + timeoutMs, traceId }), timedOut]);
    clearTimeout(timer);
    const durationMs = performance.now() - started;
    this.stats.invocations += 1;
    this.stats.billedDurationMs += Math.ceil(durationMs);
    if ('timeout' in outcome) {
      // Lambda discards an environment whose invocation timed out.
      this.stats.timeouts += 1;
      await env.terminate();
    }
    if (!outcome.ok) this.stats.errors += 1;
    this.release(env);
    return outcome.ok ? { ok: true, payload: outcome.result, durationMs, requestId } : { ok: false, error: outcome.error, durationMs, requestId };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.environments.map((env) => env.terminate()));
    this.environments.length = 0;
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

/** The functions of all deployed stacks, found by name, ARN (with or without qualifier) or logical id. */
export class FunctionRegistry {
  private readonly byKey = new Map<string, LocalFunction>();

  constructor(readonly functions: readonly LocalFunction[]) {
    for (const fn of functions) {
      this.byKey.set(fn.spec.functionName, fn);
      this.byKey.set(fn.spec.functionArn, fn);
      this.byKey.set(`${fn.spec.stackName}/${fn.spec.logicalId}`, fn);
    }
  }

  /** Looks a function up the way Lambda's `FunctionName` parameter does (name, ARN, ARN:qualifier, partial ARN). */
  find(reference: string): LocalFunction | undefined {
    const direct = this.byKey.get(reference);
    if (direct) return direct;
    const match = /^(?:arn:[^:]+:lambda:[^:]+:[^:]+:function:|[0-9]{12}:function:)?([^:]+)(?::[^:]+)?$/.exec(reference);
    return match ? this.byKey.get(match[1]!) : undefined;
  }

  async stop(): Promise<void> {
    await Promise.all(this.functions.map((fn) => fn.stop()));
  }
}

/** Functions the sandbox cannot run (with the reason), reported once. */
export interface UnsupportedFunction {
  readonly logicalId: string;
  readonly reason: string;
}

/**
 * Reads every AWS::Lambda::Function of a deployed stack into a {@link FunctionSpec}: code from the
 * asset the template points at, environment variables resolved to the emulator's physical ids.
 */
export function functionSpecs(deployed: DeployedStack, inlineDir: string): { specs: FunctionSpec[]; unsupported: UnsupportedFunction[] } {
  const specs: FunctionSpec[] = [];
  const unsupported: UnsupportedFunction[] = [];
  for (const resource of deployed.ofType('AWS::Lambda::Function')) {
    const props = deployed.properties(resource.logicalId);
    const runtime = String(props.Runtime ?? '');
    const code = (props.Code ?? {}) as { S3Key?: string; ZipFile?: string; ImageUri?: string };
    if (props.PackageType === 'Image' || code.ImageUri) {
      unsupported.push({ logicalId: resource.logicalId, reason: 'container image functions are not supported' });
      continue;
    }
    if (!runtime.startsWith('nodejs')) {
      unsupported.push({ logicalId: resource.logicalId, reason: `runtime ${runtime || '(none)'} is not supported (Node.js only)` });
      continue;
    }
    let codeDir: string | undefined;
    if (code.S3Key) {
      codeDir = deployed.assembly.assets.find((asset) => asset.objectKey === code.S3Key)?.sourcePath;
    } else if (typeof code.ZipFile === 'string') {
      // Inline code is CommonJS in Lambda (index.js).
      codeDir = path.join(inlineDir, deployed.stackName, resource.logicalId);
      mkdirSync(codeDir, { recursive: true });
      writeFileSync(path.join(codeDir, 'index.js'), code.ZipFile);
      writeFileSync(path.join(codeDir, 'package.json'), '{"type":"commonjs"}');
    }
    if (!codeDir || !existsSync(codeDir)) {
      unsupported.push({ logicalId: resource.logicalId, reason: 'its code asset is not in the cloud assembly' });
      continue;
    }
    const functionName = String(resource.physicalId ?? props.FunctionName ?? `${deployed.stackName}-${resource.logicalId}`);
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const logging = (props.LoggingConfig ?? {}) as { LogFormat?: string; LogGroup?: string; ApplicationLogLevel?: string };
    specs.push({
      stackName: deployed.stackName,
      logicalId: resource.logicalId,
      functionName,
      functionArn: `arn:aws:lambda:${SANDBOX_REGION}:${SANDBOX_ACCOUNT}:function:${functionName}`,
      handler: String(props.Handler ?? 'index.handler'),
      codeDir,
      runtime,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
      reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
      logGroupName: logging.LogGroup ?? `/aws/lambda/${functionName}`,
      logFormat: logging.LogFormat,
      applicationLogLevel: logging.ApplicationLogLevel,
    });
  }
  return { specs, unsupported };
}
