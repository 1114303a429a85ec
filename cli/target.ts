import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors';

/** Where `lsync` works: a deployed stage (default AWS credential chain) or the local sandbox. */
export interface Target {
  readonly kind: 'stage' | 'sandbox';
  /** Stage name (`sandbox` for the sandbox unless its file says otherwise). */
  readonly stage: string;
  readonly stackName: string;
  /** @default - the SDK's region resolution (AWS_REGION, profile) */
  readonly region?: string;
  /** Emulator endpoint for the sandbox. @default - the real AWS endpoints */
  readonly endpoint?: string;
  /** Step Functions endpoint when it differs (the sandbox runs state machines in a local interpreter). @default - `endpoint` */
  readonly sfnEndpoint?: string;
  /** Fixed credentials (the sandbox's). @default - the default credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** The part of `.sandbox/endpoints.json` lsync reads. */
export interface SandboxEndpoints {
  readonly awsEndpoint: string;
  /** The sandbox's local Step Functions API (executions run there, not in moto). */
  readonly sfnEndpoint?: string;
  readonly region: string;
  readonly stackName?: string;
  readonly stage?: string;
  readonly webhookBaseUrl?: string;
  readonly simulators?: Record<string, string>;
}

export interface TargetOptions {
  readonly stage?: string;
  /** `true`, or the path of an endpoints file. */
  readonly sandbox?: boolean | string;
  /** Overrides (tests, unusual setups). */
  readonly endpoint?: string;
  readonly region?: string;
  readonly stackName?: string;
}

/**
 * `LogisticsSync-<stage>`: the same rule as `stackName()` in lib/app.ts (a test keeps them equal); not
 * imported from there so that the CLI does not load aws-cdk-lib at start-up.
 */
export function stackNameOf(stage: string): string {
  return `LogisticsSync-${stage}`;
}

/** Credentials moto accepts; obviously not real ones. */
const SANDBOX_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;

/**
 * Candidate locations of the sandbox's endpoints file, most specific first. `LSYNC_SANDBOX_FILE`, when set, is
 * the only one (so a sandbox running in the checkout cannot change what a script or test that names its own
 * file sees).
 */
export function sandboxFileCandidates(cwd: string, env: NodeJS.ProcessEnv): string[] {
  if (env.LSYNC_SANDBOX_FILE) return [env.LSYNC_SANDBOX_FILE];
  const projectRoot = path.resolve(import.meta.dirname, '..');
  return [path.join(cwd, '.sandbox', 'endpoints.json'), path.join(projectRoot, '.sandbox', 'endpoints.json')];
}

/** Whether the process that wrote an endpoints file is still alive (a file without a pid is trusted). */
export function sandboxAlive(file: string, isAlive: (pid: number) => boolean = processAlive): boolean {
  try {
    const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
    return typeof pid !== 'number' || isAlive(pid);
  } catch {
    return true; // unreadable: let readSandboxEndpoints say what is wrong with it
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readSandboxEndpoints(file: string): SandboxEndpoints {
  let parsed: Partial<SandboxEndpoints>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxEndpoints>;
  } catch (error) {
    throw new CliError(`cannot read the sandbox endpoints file ${file}: ${(error as Error).message}`, 'start the sandbox with `npm start`', 1, { cause: error });
  }
  if (typeof parsed.awsEndpoint !== 'string' || typeof parsed.region !== 'string') {
    throw new CliError(`${file} has no awsEndpoint/region`, 'restart the sandbox with `npm start` to rewrite it');
  }
  return parsed as SandboxEndpoints;
}

/**
 * Picks the target: `--stage` wins; else `--sandbox`; else the sandbox when its endpoints file exists;
 * else an error asking for `--stage`.
 */
export function resolveTarget(options: TargetOptions, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Target {
  if (options.stage && options.sandbox) throw new CliError('choose either --stage or --sandbox, not both');
  if (options.stage) {
    return {
      kind: 'stage',
      stage: options.stage,
      stackName: options.stackName ?? stackNameOf(options.stage),
      region: options.region,
      endpoint: options.endpoint,
    };
  }
  const found = typeof options.sandbox === 'string' ? [options.sandbox].filter((f) => existsSync(f)) : sandboxFileCandidates(cwd, env).filter((candidate) => existsSync(candidate));
  const file = found.find((candidate) => sandboxAlive(candidate));
  const stale = found.find((candidate) => !sandboxAlive(candidate));
  if (!file && stale) {
    throw new CliError(`the sandbox is not running: ${stale} was written by a sandbox process that has ended`, 'start it with `npm start`, or use --stage <name> for a deployed stage');
  }
  if (options.sandbox && !file) {
    throw new CliError('the sandbox is not running (no .sandbox/endpoints.json found)', 'start it with `npm start`, or use --stage <name> for a deployed stage');
  }
  if (!file) {
    throw new CliError('no target: no sandbox is running here and no --stage was given', 'use --stage <name> (AWS credentials from the default chain), or start the sandbox with `npm start`');
  }
  const sandbox = readSandboxEndpoints(file);
  const stage = sandbox.stage ?? 'sandbox';
  return {
    kind: 'sandbox',
    stage,
    stackName: options.stackName ?? sandbox.stackName ?? stackNameOf(stage),
    region: options.region ?? sandbox.region,
    endpoint: options.endpoint ?? sandbox.awsEndpoint,
    ...(sandbox.sfnEndpoint && !options.endpoint ? { sfnEndpoint: sandbox.sfnEndpoint } : {}),
    credentials: SANDBOX_CREDENTIALS,
  };
}

/** One line naming the target, for stderr headers and audit items. */
export function describeTarget(target: Target): string {
  return target.kind === 'sandbox' ? `sandbox ${target.stackName} at ${target.endpoint}` : `stage ${target.stage} (${target.stackName}${target.region ? `, ${target.region}` : ''})`;
}
