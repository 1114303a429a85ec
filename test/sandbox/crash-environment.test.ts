import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { localFunction } from '../support/local-function';

// Fault-injection runs (npm run chaos) kill an execution environment mid-invocation, as a runtime crash would.
describe('LocalFunction.crashBusyEnvironment', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsync-crash-'));
  writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async (event) => { await new Promise((r) => setTimeout(r, event.waitMs)); return { done: true }; };\n');
  const fn = localFunction(dir, 'slow');
  afterAll(async () => {
    await fn.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('nothing to kill when no invocation runs', async () => {
    expect(await fn.crashBusyEnvironment()).toBe(false);
  });

  test('the running invocation fails with Runtime.ExitError and the next one gets a fresh environment', async () => {
    const running = fn.invoke({ waitMs: 10_000 });
    // Wait until the environment has started and taken the invocation.
    while (!(await fn.crashBusyEnvironment())) await new Promise((r) => setTimeout(r, 20));
    const outcome = await running;
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? undefined : outcome.error.errorType).toBe('Runtime.ExitError');
    expect(fn.stats.crashes).toBe(1);
    const next = await fn.invoke({ waitMs: 1 });
    expect(next).toMatchObject({ ok: true, payload: { done: true } });
    expect(fn.stats.coldStarts).toBe(2);
  });
});
