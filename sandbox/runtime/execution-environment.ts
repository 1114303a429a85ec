import { Worker } from 'node:worker_threads';
import path from 'node:path';
import type { WriteStream } from 'node:fs';
import type { FunctionSpec } from './function-specs';

/** The error shape Lambda returns for a failed invocation. */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

const WORKER = path.join(import.meta.dirname, 'function-worker.mjs');

interface Pending {
  resolve(value: { ok: true; result: unknown } | { ok: false; error: LambdaError }): void;
}

/**
 * One execution environment of a function: a worker thread (function-worker.mjs) with the function's own
 * `process.env`, its output appended to the function's log (and echoed line by line), one invocation at a
 * time; a handler module that fails to load fails every invocation with that error, as in Lambda.
 */
export class ExecutionEnvironment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  private readonly pending = new Map<string, Pending>();
  initDurationMs = 0;
  /** The most JavaScript memory the environment reported after its init or an invocation (bytes; function-worker.mjs). */
  peakHeapBytes = 0;
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
      this.worker.once('message', (message: { type: string; initDurationMs: number; error?: LambdaError; heapBytes?: number }) => {
        this.initDurationMs = message.initDurationMs;
        this.notePeakHeap(message.heapBytes);
        this.initError = message.error;
        resolve();
      });
      this.worker.once('error', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    this.worker.on('message', (message: { type: string; id: string; ok: boolean; result?: unknown; error?: LambdaError; heapBytes?: number }) => {
      if (message.type !== 'result') return;
      this.notePeakHeap(message.heapBytes);
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

  private notePeakHeap(bytes: number | undefined): void {
    if (typeof bytes === 'number' && bytes > this.peakHeapBytes) this.peakHeapBytes = bytes;
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

