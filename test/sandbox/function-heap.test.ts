import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { localFunction } from '../support/local-function';

const MB = 1_048_576;

// The cost bench prints each function's peak JavaScript memory beside its memory size (docs/cost.md, "Knobs").
describe('LocalFunction peakHeapBytes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsync-heap-'));
  // Keeps what it allocates across invocations, as a module-level cache would.
  writeFileSync(path.join(dir, 'index.mjs'), 'const kept = [];\nexport const handler = async (event) => { if (event.mb) kept.push(Buffer.alloc(event.mb * 1048576, 1)); return kept.length; };\n');
  const fn = localFunction(dir, 'hoarder');
  afterAll(async () => {
    await fn.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is the most memory an environment held after its init or an invocation, buffers included, and never falls', async () => {
    expect(fn.stats.peakHeapBytes).toBe(0);
    expect(await fn.invoke({})).toMatchObject({ ok: true, payload: 0 });
    const idle = fn.stats.peakHeapBytes;
    expect(idle).toBeGreaterThan(MB);
    expect(idle).toBeLessThan(64 * MB);
    expect(await fn.invoke({ mb: 40 })).toMatchObject({ ok: true, payload: 1 });
    const holding = fn.stats.peakHeapBytes;
    expect(holding - idle).toBeGreaterThanOrEqual(39 * MB);
    expect(holding - idle).toBeLessThan(48 * MB);
    expect(await fn.invoke({})).toMatchObject({ ok: true, payload: 1 });
    expect(fn.stats.peakHeapBytes).toBeGreaterThanOrEqual(holding);
  });
});

// The cost bench prices what the functions write to their logs as CloudWatch Logs ingestion (docs/cost.md).
describe('LocalFunction logBytes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lsync-logs-'));
  writeFileSync(path.join(dir, 'index.mjs'), 'export const handler = async (event) => { console.log(\'x\'.repeat(event.bytes - 1)); if (event.err) console.error(\'e\'.repeat(event.err - 1)); return true; };\n');
  const fn = localFunction(dir, 'talker');
  afterAll(async () => {
    await fn.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('counts every byte its environments wrote to stdout and stderr', async () => {
    expect(fn.stats.logBytes).toBe(0);
    await fn.invoke({ bytes: 1000 });
    await fn.invoke({ bytes: 500, err: 250 });
    // The worker's output reaches the log stream shortly after the invocation's result.
    await expect.poll(() => fn.stats.logBytes).toBe(1000 + 500 + 250);
  });
});
