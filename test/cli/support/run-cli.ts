import { Writable } from 'node:stream';
import type { AwsClients } from '../../../cli/aws';
import { run } from '../../../cli/program';
import type { Target } from '../../../cli/target';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = Record<string, unknown>>(): T;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/** Runs `lsync` in-process against the fixture's endpoints file, capturing stdout and stderr. */
export async function lsync(
  endpointsFile: string,
  args: readonly string[],
  options: { makeClients?: (target: Target) => AwsClients; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await run(['--sandbox', endpointsFile, ...args], {
    stdout,
    stderr,
    env: { ...process.env, LSYNC_OPERATOR: 'test-operator', ...options.env },
    cwd: process.cwd(),
    signal: options.signal,
  }, { makeClients: options.makeClients });
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    json<T>() {
      try {
        return JSON.parse(stdout.text) as T;
      } catch (error) {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout.text}\nstderr:\n${stderr.text}`, { cause: error });
      }
    },
  };
}
