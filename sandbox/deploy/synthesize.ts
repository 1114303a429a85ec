import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../python-env';

/** Raised when synthesis fails; the message ends with the app's own output. */
export class SynthError extends Error {
  override readonly name = 'SynthError';
}

/**
 * Runs sandbox/deploy/synth-app.ts in a child Node process (the running Node, with tsx) with the given
 * context, into `outdir`. The app's output (bundling logs, cdk-nag findings) goes to `logFile`; on failure
 * its tail is part of the error. The CDK's built-in CloudFormation schema validation is skipped
 * (CDK_VALIDATION=false): it costs seconds and does not change the template (cfn-lint and cdk-nag run in
 * `npm test`, and cdk-nag still runs here as part of the app).
 */
export async function synthesizeInChildProcess(context: Record<string, unknown>, outdir: string, logFile: string): Promise<void> {
  const log = createWriteStream(logFile);
  const tail: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'synth-app.ts'), JSON.stringify({ context, outdir })], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_VALIDATION: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (tail.length > 60) tail.splice(0, tail.length - 60);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) throw new SynthError(`synthesis failed (exit ${code}); full output in ${logFile}:\n${tail.join('\n')}`);
}
