import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { acquireLock, SandboxAlreadyRunningError } from '../../sandbox/lock';

const dir = mkdtempSync(path.join(tmpdir(), 'lsync-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the sandbox lock', () => {
  test('a second sandbox in the same directory is refused with a message naming the running one', () => {
    // A live process other than this one holds the lock.
    const holder = { pid: process.ppid, startedAt: '2026-01-01T00:00:00.000Z' };
    writeFileSync(path.join(dir, 'sandbox.lock'), JSON.stringify(holder));
    let error: unknown;
    try {
      acquireLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SandboxAlreadyRunningError);
    expect((error as Error).message).toMatch(new RegExp(`already running \\(pid ${process.ppid}.*endpoints.json`));
  });

  test('a lock left by a process that no longer exists is stale and taken over, and released afterwards', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path.join(dir, 'sandbox.lock'), JSON.stringify({ pid: Number(gone.stdout), startedAt: 'then' }));
    const release = acquireLock(dir);
    expect(JSON.parse(readFileSync(path.join(dir, 'sandbox.lock'), 'utf8')).pid).toBe(process.pid);
    release();
    expect(() => readFileSync(path.join(dir, 'sandbox.lock'))).toThrow(/ENOENT/);
  });
});
