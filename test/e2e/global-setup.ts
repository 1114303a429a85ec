// One sandbox for all e2e tests: the product (stage `sandbox`) and the test fixture stack, deployed into one
// moto by the same deployer. Test files run in other processes and reach it through `inject('sandbox')`:
// AWS endpoints, the local Step Functions API, REST API URLs, the control API (runtime stats) and the
// simulators' URLs. Everything is stopped in teardown: moto, pollers, workers, servers.
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT } from '../../lib/sandbox/python-env';
import { describeReports, startSandbox, type Sandbox, type SandboxEndpoints } from '../../lib/sandbox/sandbox';
import { buildFixtureApp } from './fixtures/fixture-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxEndpoints;
  }
}

let sandbox: Sandbox | undefined;

export async function setup(project: TestProject): Promise<void> {
  const lines: string[] = [];
  sandbox = await startSandbox({
    workDir: path.join(PROJECT_ROOT, '.sandbox', 'e2e'),
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
