import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Raised when another sandbox already runs from the same directory; the message says how to reach or stop it. */
export class SandboxAlreadyRunningError extends Error {
  override readonly name = 'SandboxAlreadyRunningError';
  constructor(
    readonly pid: number,
    readonly startedAt: string,
    lockFile: string,
  ) {
    super(
      `a sandbox is already running (pid ${pid}, started ${startedAt}); its endpoints are in ${path.join(path.dirname(lockFile), 'endpoints.json')}. ` +
        `Use that one, or stop it (Ctrl-C in its terminal, or kill ${pid}) and start again.`,
    );
  }
}

interface LockContent {
  readonly pid: number;
  readonly startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>/sandbox.lock` for this process (atomic create). A lock left by a process that no longer
 * exists is stale and taken over. Returns the release function.
 */
export function acquireLock(dir: string): () => void {
  const file = path.join(dir, 'sandbox.lock');
  const content: LockContent = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(content)}\n`, { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const current = JSON.parse(readFileSync(file, 'utf8')) as LockContent;
          if (current.pid === process.pid) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: LockContent | undefined;
      try {
        holder = JSON.parse(readFileSync(file, 'utf8')) as LockContent;
      } catch {
        holder = undefined; // unreadable (half-written or corrupt): treat as stale
      }
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new SandboxAlreadyRunningError(holder.pid, holder.startedAt, file);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the sandbox lock ${file}`);
}
