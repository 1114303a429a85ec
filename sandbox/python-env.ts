import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Project root (the parent of sandbox/). */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
export const VENV_DIR = path.join(PROJECT_ROOT, '.venv');
const LOCK_FILE = path.join(PROJECT_ROOT, 'requirements.lock');
const STAMP_FILE = path.join(VENV_DIR, '.logistics-sync-stamp');

/** Path of an executable inside the project's virtual environment. */
export function venvBin(name: string): string {
  return path.join(VENV_DIR, process.platform === 'win32' ? 'Scripts' : 'bin', name);
}

function pythonCommand(): string {
  for (const candidate of [process.env.LSYNC_PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    const probe = spawnSync(candidate, ['-c', 'import sys, venv; print(sys.version_info[:2] >= (3, 9))'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim() === 'True') return candidate;
  }
  throw new Error('Python 3.9 or newer with the venv module is required for the sandbox emulator and cfn-lint (set LSYNC_PYTHON to choose one).');
}

function expectedStamp(): string {
  return createHash('sha256').update(readFileSync(LOCK_FILE)).digest('hex');
}

/** True when the virtual environment exists and was installed from the current requirements.lock. */
export function pythonEnvIsCurrent(): boolean {
  return existsSync(STAMP_FILE) && readFileSync(STAMP_FILE, 'utf8').trim() === expectedStamp() && existsSync(venvBin('python'));
}

function run(command: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/**
 * Creates `.venv` with the pinned Python tools (moto server, cfn-lint) from requirements.lock, once.
 * Idempotent: returns at once when the environment matches the lock file; reinstalls when the lock changed.
 * Progress lines go to `log` (stderr by default).
 */
export async function ensurePythonEnv(log: (line: string) => void = (line) => process.stderr.write(`[python-env] ${line}\n`)): Promise<void> {
  if (pythonEnvIsCurrent()) return;
  const python = pythonCommand();
  if (existsSync(VENV_DIR)) {
    log('requirements.lock changed or a previous install was interrupted: recreating .venv');
    rmSync(VENV_DIR, { recursive: true, force: true });
  }
  log(`creating .venv with ${python} (first run only; takes about a minute)`);
  await run(python, ['-m', 'venv', VENV_DIR], log);
  await run(venvBin('python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', LOCK_FILE], (line) => {
    // pip is chatty; keep the lines that show progress.
    if (/^(Collecting|Installing|Successfully|ERROR|error)/.test(line)) log(line);
  });
  writeFileSync(STAMP_FILE, `${expectedStamp()}\n`);
  log('.venv ready');
}
