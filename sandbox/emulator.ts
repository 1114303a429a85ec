import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ensurePythonEnv, venvBin } from './python-env';

/** What moto reports once it is patched and ready for CloudFormation. */
export interface EmulatorCapabilities {
  /** Names of the moto patches the launcher applied (see moto_launcher.py and docs/sandbox.md). */
  readonly patches: readonly string[];
  /** Resource types moto's CloudFormation can create, as moto itself reports them. */
  readonly cloudFormationTypes: ReadonlySet<string>;
}

/** A running moto server. */
export interface Emulator {
  /** `http://127.0.0.1:<port>`: the endpoint every AWS SDK client of the sandbox talks to. */
  readonly endpoint: string;
  readonly port: number;
  /** Process id of the moto server (for diagnostics and orphan tests). */
  readonly pid: number;
  /** moto's version, as the server reported it. */
  readonly motoVersion: string;
  /**
   * Resolves once moto is patched and has listed its CloudFormation resource types (about a second after
   * start; the sandbox synthesizes meanwhile). Deploy nothing before this resolves.
   */
  capabilities(): Promise<EmulatorCapabilities>;
  /**
   * moto's request recorder (every API request it receives, with headers and body, appended to the
   * `recordingFile` given at start): `reset` empties the file, `start`/`stop` switch recording on and off.
   */
  recorder(action: 'reset' | 'start' | 'stop'): Promise<void>;
  /** The recorder's file (see StartEmulatorOptions.recordingFile). */
  readonly recordingFile?: string;
  /** Stops the server and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  /** File moto's request recorder appends to when switched on (Emulator.recorder). @default - no recording */
  readonly recordingFile?: string;
  /** Progress lines (venv install, start). @default - written to stderr */
  readonly log?: (line: string) => void;
  /** How long to wait for the server to answer. @default 30 seconds */
  readonly startTimeoutMs?: number;
  /** moto's request log and warnings, line by line. @default - discarded */
  readonly serverLog?: (line: string) => void;
}

const LAUNCHER = path.join(import.meta.dirname, 'moto_launcher.py');

/** Error raised when the emulator cannot be started or prepared; the message says why. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitUntilAnswering(endpoint: string, deadline: number): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      // moto's own API answers without any AWS signature: a cheap liveness probe.
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new EmulatorError(`moto server at ${endpoint} did not answer in time: ${(lastError as Error)?.message ?? 'no answer'}`);
}

/**
 * Ensures the project's Python virtual environment (the first run installs it, showing progress), starts
 * moto server on a free loopback port and resolves once it answers.
 *
 * Orphan guard: the server runs under `moto_launcher.py`, which exits as soon as its stdin pipe closes or
 * its parent pid changes. The pipe's write end lives only in this process, so when this process dies for
 * any reason — SIGKILL included — the kernel closes it and moto exits within a moment.
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[emulator] ${line}\n`));
  await ensurePythonEnv((line) => log(line));
  const child = spawn(venvBin('python'), ['-u', LAUNCHER, '127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...(options.recordingFile ? { MOTO_RECORDER_FILEPATH: options.recordingFile } : {}),
    },
  });
  // Nothing is ever written to stdin: it exists so that its closing tells the launcher to exit.
  child.stdin!.on('error', () => undefined);
  const serverLog = options.serverLog;
  const stderrTail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.shift();
    serverLog?.(line);
  });

  let capabilitiesSettled = false;
  let settleCapabilities: { resolve: (c: EmulatorCapabilities) => void; reject: (e: Error) => void } | undefined;
  const capabilities = new Promise<EmulatorCapabilities>((resolve, reject) => {
    settleCapabilities = { resolve, reject };
  });
  capabilities.catch(() => undefined);
  child.once('exit', (code, signal) => {
    if (!capabilitiesSettled) settleCapabilities!.reject(new EmulatorError(`moto server exited (${code ?? signal}) before it was ready:\n${stderrTail.join('\n')}`));
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const lines = createInterface({ input: child.stdout! });
  const announced = await new Promise<{ port: number; pid: number; moto: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new EmulatorError('moto server did not report its port in time')), deadline - Date.now());
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new EmulatorError(`moto server failed to start (${why}):\n${stderrTail.join('\n')}`));
    };
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
    let first = true;
    lines.on('line', (line) => {
      if (first) {
        first = false;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as { port: number; pid: number; moto: string });
        } catch {
          fail(`unexpected first line ${JSON.stringify(line)}`);
        }
        return;
      }
      if (!capabilitiesSettled && line.startsWith('{')) {
        try {
          const message = JSON.parse(line) as { patches?: string[]; cloudFormationTypes?: string[]; error?: string };
          capabilitiesSettled = true;
          if (message.error) settleCapabilities!.reject(new EmulatorError(`preparing moto failed: ${message.error}`));
          else settleCapabilities!.resolve({ patches: message.patches ?? [], cloudFormationTypes: new Set(message.cloudFormationTypes ?? []) });
          return;
        } catch {
          // not ours: log it
        }
      }
      serverLog?.(line);
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  const endpoint = `http://127.0.0.1:${announced.port}`;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      child.stdin?.end();
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 3_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 3_000);
      }
    })();
    return stopped;
  };
  try {
    await waitUntilAnswering(endpoint, deadline);
  } catch (error) {
    await stop();
    throw error;
  }
  const recorder = async (action: 'reset' | 'start' | 'stop') => {
    if (!options.recordingFile) throw new EmulatorError('the emulator was started without a recording file');
    const response = await fetch(`${endpoint}/moto-api/recorder/${action}-recording`, { method: 'POST' });
    await response.text();
    if (!response.ok) throw new EmulatorError(`moto's recorder refused ${action}: HTTP ${response.status}`);
  };
  return { endpoint, port: announced.port, pid: child.pid!, motoVersion: announced.moto, capabilities: () => capabilities, recorder, recordingFile: options.recordingFile, stop };
}
