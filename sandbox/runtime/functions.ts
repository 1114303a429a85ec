import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { functionAccessKey, SANDBOX_CREDENTIALS, SANDBOX_REGION } from '../aws';
import { ExecutionEnvironment, type LambdaError } from './execution-environment';
import type { FunctionSpec } from './function-specs';

export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown; readonly durationMs: number; readonly requestId: string }
  | { readonly ok: false; readonly error: LambdaError; readonly durationMs: number; readonly requestId: string };

export interface FunctionStats {
  readonly functionName: string;
  readonly memorySize: number;
  invocations: number;
  errors: number;
  timeouts: number;
  /** Environments killed mid-invocation by {@link LocalFunction.crashBusyEnvironment}. */
  crashes: number;
  coldStarts: number;
  /** Sum of invocation durations (ms), what Lambda bills (rounded up per invocation). */
  billedDurationMs: number;
  initDurationMs: number;
  /**
   * Of the billed time, what the function said it waited for a pacing slot (its `RateLimitWait` EMF metric, ms;
   * the outbound adapters'): Lambda bills the wait, which is long only while an adapter runs at its target's rate limit.
   */
  rateLimitWaitMs: number;
  /**
   * The most JavaScript memory one of its environments held after its init or an invocation (bytes: V8 heap as
   * allocated, garbage not yet collected included, and the buffers outside it); Node.js itself is not measured here.
   */
  peakHeapBytes: number;
  /**
   * Bytes its execution environments wrote to stdout and stderr (its log file): what Lambda sends to CloudWatch Logs,
   * beside its own records of each invocation, which the sandbox does not write (the cost model adds them:
   * cost-model.ts `PLATFORM_LOG_BYTES_PER_INVOCATION`).
   */
  readonly logBytes: number;
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
    const log = createWriteStream(path.join(options.logDir, `${spec.functionName}.log`), { flags: 'a' });
    this.log = log;
    this.stats = {
      functionName: spec.functionName,
      memorySize: spec.memorySize,
      invocations: 0,
      errors: 0,
      timeouts: 0,
      crashes: 0,
      coldStarts: 0,
      billedDurationMs: 0,
      initDurationMs: 0,
      rateLimitWaitMs: 0,
      peakHeapBytes: 0,
      // Every environment of the function writes its output to this one stream: what it was handed, written or not yet.
      get logBytes() {
        return log.bytesWritten + log.writableLength;
      },
    };
  }

  /** The function's complete environment, as its handler sees it in process.env. */
  environmentFor(logStream: string): Record<string, string> {
    const { spec } = this;
    const env: Record<string, string> = {
      ...spec.environment,
      ...this.options.serviceEnvironment,
      AWS_REGION: SANDBOX_REGION,
      AWS_DEFAULT_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: functionAccessKey(spec.logicalId),
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
      this.stats.peakHeapBytes = Math.max(this.stats.peakHeapBytes, env.peakHeapBytes);
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
    this.stats.peakHeapBytes = Math.max(this.stats.peakHeapBytes, env.peakHeapBytes);
    if ('timeout' in outcome) {
      // Lambda discards an environment whose invocation timed out.
      this.stats.timeouts += 1;
      await env.terminate();
    }
    if (!outcome.ok) this.stats.errors += 1;
    this.release(env);
    return outcome.ok ? { ok: true, payload: outcome.result, durationMs, requestId } : { ok: false, error: outcome.error, durationMs, requestId };
  }

  /**
   * Kills one execution environment that is running an invocation, as a crash of the runtime (out of memory, a
   * segfault in a native module) or the host would: the invocation fails with `Runtime.ExitError` whatever its
   * handler had done so far, and the environment is discarded. For fault-injection runs (bench/chaos). Returns
   * whether a busy environment was found.
   */
  async crashBusyEnvironment(): Promise<boolean> {
    const env = this.environments.find((e) => e.busy && !e.dead);
    if (!env) return false;
    this.stats.crashes += 1;
    await env.terminate();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.environments.map((env) => env.terminate()));
    this.environments.length = 0;
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

/**
 * The functions of all deployed stacks, found by name, ARN (with or without qualifier) or logical id.
 * Created empty when the servers that look functions up (the local Lambda and Step Functions APIs) must
 * exist before the functions, whose environment names those servers' URLs: see runtime/start.ts.
 */
export class FunctionRegistry {
  private readonly byKey = new Map<string, LocalFunction>();
  private readonly all: LocalFunction[] = [];

  constructor(functions: readonly LocalFunction[] = []) {
    this.register(functions);
  }

  get functions(): readonly LocalFunction[] {
    return this.all;
  }

  register(functions: readonly LocalFunction[]): void {
    for (const fn of functions) {
      this.all.push(fn);
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

