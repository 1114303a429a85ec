import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test } from 'vitest';
import { startEmulator } from '../../sandbox/emulator';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

describe('the emulator (moto server) lifecycle', () => {
  test('starts on a free loopback port, answers AWS APIs, reports its CloudFormation types, and stops', async () => {
    const emulator = await startEmulator({ log: () => undefined });
    try {
      expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const capabilities = await emulator.capabilities();
      expect(capabilities.cloudFormationTypes.has('AWS::SQS::Queue')).toBe(true);
      expect(capabilities.patches.length).toBeGreaterThan(0);
      const response = await fetch(`${emulator.endpoint}/moto-api/data.json`);
      expect(response.status).toBe(200);
    } finally {
      await emulator.stop();
    }
    expect(alive(emulator.pid)).toBe(false);
  });

  test('exits when its parent is killed with SIGKILL (no orphan)', async () => {
    // A separate Node process starts the emulator and prints moto's pid; then we SIGKILL that process.
    const script = `import { startEmulator } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../sandbox/emulator.ts'))};
const emulator = await startEmulator({ log: () => undefined });
console.log(JSON.stringify({ pid: emulator.pid }));
setInterval(() => undefined, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout! }).once('line', resolve);
      parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
    });
    const motoPid = (JSON.parse(line) as { pid: number }).pid;
    expect(alive(motoPid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await gone(motoPid, 5_000)).toBe(true);
  });
});
