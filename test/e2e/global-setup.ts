// One sandbox for all e2e tests: the product (stage `sandbox`) and the test fixture stack, deployed into one
// moto by the same deployer. Test files run in other processes and reach it through `inject('sandbox')`:
// AWS endpoints, the local Step Functions API, REST API URLs, the control API (runtime stats) and the
// simulators' URLs. Everything is stopped in teardown: moto, pollers, workers, servers.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT } from '../../sandbox/python-env';
import { describeReports, startSandbox, type Sandbox, type SandboxEndpoints } from '../../sandbox/sandbox';
import { buildFixtureApp } from './fixtures/fixture-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxEndpoints;
  }
}

let sandbox: Sandbox | undefined;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Each test run gets its own work directory (`.sandbox/e2e/<pid>`), so test runs (and `npm start`) can run
 * side by side; directories of runs whose process is gone are removed here. The last run's directory is
 * kept for its logs.
 */
function workDirForThisRun(): string {
  const root = path.join(PROJECT_ROOT, '.sandbox', 'e2e');
  if (existsSync(root)) {
    for (const entry of readdirSync(root)) {
      if (/^\d+$/.test(entry) && !alive(Number(entry))) rmSync(path.join(root, entry), { recursive: true, force: true });
    }
  }
  return path.join(root, String(process.pid));
}

export async function setup(project: TestProject): Promise<void> {
  const lines: string[] = [];
  sandbox = await startSandbox({
    workDir: workDirForThisRun(),
    extraApps: [{ name: 'fixture', synth: (outdir) => buildFixtureApp(outdir).synth() }],
    log: (line) => lines.push(line),
  });
  for (const line of describeReports(sandbox.reports)) lines.push(line);
  if (process.env.LSYNC_SANDBOX_VERBOSE) console.log(lines.join('\n'));
  project.provide('sandbox', sandbox.endpoints);
}

export async function teardown(): Promise<void> {
  await sandbox?.stop();
}
