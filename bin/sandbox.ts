#!/usr/bin/env node
// `npm start`: the whole stack on this machine (see docs/sandbox.md). `npm start -- --once` exits after the
// reference scenario: 0 when every expectation held, 1 naming the one that did not.
import path from 'node:path';
import { Command, Option } from 'commander';
import { startControlServer } from '../sandbox/control';
import { SandboxAlreadyRunningError } from '../sandbox/lock';
import { describeReports, startSandbox, type Sandbox } from '../sandbox/sandbox';
import { runScenario } from '../sandbox/scenario/reference';
import { run as lsync } from '../cli/program';
import { parseSystemsOption, type SystemSelection } from '../sandbox/systems-option';

const program = new Command()
  .name('sandbox')
  .description('Runs logistics-sync locally: moto, the synthesized template, the handlers, state machines and vendor simulators.')
  .option('--once', 'exit after the reference scenario (exit code 0 when every expectation held)')
  .option('--verbose', 'echo function logs (always written to .sandbox/logs/functions/)')
  .option('--prewarm', 'start one execution environment per function before "ready"')
  .option('--trace <id>', 'business id to print the trace of after the scenario', 'SO-1001')
  .option('--systems <list>', 'which vendor plays each system, e.g. fleet=edi,cs=freshdesk (webhook dialects, file intakes and API vendors of the registry)')
  .addOption(new Option('--webhook-api <api>', 'which API Gateway serves the webhooks for this run: rest (the stage default) or http (docs/webhooks.md, "REST or HTTP API")').choices(['rest', 'http']))
  .option('--work-dir <dir>', 'directory for the sandbox files (inside the project); another one allows a second sandbox', '.sandbox')
  .parse();
const options = program.opts<{ once?: boolean; verbose?: boolean; prewarm?: boolean; trace: string; workDir: string; systems?: string; webhookApi?: 'rest' | 'http' }>();
let systems: SystemSelection;
try {
  systems = parseSystemsOption(options.systems);
} catch (error) {
  console.error(`sandbox: ${(error as Error).message}`);
  process.exit(2);
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let sandbox: Sandbox | undefined;
let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    if (sandbox) {
      say('stopping the sandbox ...');
      await sandbox.stop();
    }
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C while stopping: leave at once (moto exits with us, see sandbox/emulator.ts).
    if (shuttingDown) process.exit(130);
    void shutdown(signal === 'SIGINT' ? 130 : 143);
  });
}

try {
  say('starting the sandbox (moto, simulators, synth, deploy, runtime) ...');
  sandbox = await startSandbox({
    workDir: path.resolve(options.workDir),
    log: (line) => say(`  ${line}`),
    functionLog: options.verbose ? (fn, line) => say(`  [${fn}] ${line}`) : undefined,
    prewarm: options.prewarm,
    systems,
    webhookApi: options.webhookApi,
  });
  // The control API (sandbox/control.ts) for tools in other processes; its URL goes into endpoints.json.
  await startControlServer(sandbox);
} catch (error) {
  if (error instanceof SandboxAlreadyRunningError) {
    console.error(`sandbox: ${error.message}`);
    process.exit(2);
  }
  console.error(`sandbox: failed to start: ${(error as Error).stack ?? String(error)}`);
  await sandbox?.stop();
  process.exit(1);
}

const { endpoints, timings } = sandbox;
for (const line of describeReports(sandbox.reports)) say(`  ${line}`);
for (const fn of sandbox.unsupportedFunctions) say(`  function ${fn.logicalId} is not run locally: ${fn.reason}`);
say();
say(
  `ready in ${seconds(timings.readyMs)} (emulator ${seconds(timings.emulatorMs)}, synth ${seconds(timings.synthMs)}, deploy ${seconds(timings.deployMs)}, runtime ${seconds(timings.runtimeMs)}); timings in ${sandbox.workDir}/timings.json`,
);
say(`  AWS endpoint     ${endpoints.awsEndpoint}   (region ${endpoints.region}, any credentials)`);
say(`  Step Functions   ${endpoints.sfnEndpoint}`);
say(`  webhooks         ${endpoints.webhookBaseUrl ?? '(the product has no webhook API yet)'}   (${sandbox.config.webhooks.api === 'http' ? 'an HTTP API' : 'a REST API'}; docs/webhooks.md)`);
const visibilityPage = endpoints.outputs[endpoints.stackName]?.VisibilityPageUrl;
if (visibilityPage) say(`  visibility page  ${visibilityPage}   (deliveries in trouble, revenue at risk, timelines; docs/visibility.md)`);
if (endpoints.simulators) say(`  simulators       erp ${endpoints.simulators.erp}  fleet ${endpoints.simulators.fleet}  cs ${endpoints.simulators.cs} (${sandbox.simulators?.csVendor ?? 'zendesk'})`);
say(`  functions        ${sandbox.functions.functions.length} (logs in ${sandbox.workDir}/logs/functions/), ${sandbox.pollers.length} SQS pollers, ${sandbox.stepFunctions.stateMachines().length} state machines`);
say(`  everything else  ${sandbox.workDir}/endpoints.json`);
say();

const played = Object.entries(systems).map(([system, vendor]) => `${system} ${vendor}`);
say(`reference scenario (docs/architecture.md, "Reference scenario")${played.length > 0 ? `, played by ${played.join(', ')}` : ''}:`);
const report = await runScenario(sandbox, undefined, { systems });
say();
// Reference scenario step 8 (docs/architecture.md): what an on-call engineer sees with `lsync trace SO-1001` (the same CLI, in-process).
say(`$ lsync trace ${options.trace}`);
await lsync(['--sandbox', path.join(sandbox.workDir, 'endpoints.json'), 'trace', options.trace], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
say();

const passed = report.steps.filter((s) => s.status === 'passed').length;
const skipped = report.steps.filter((s) => s.status === 'skipped').length;
if (report.ok) say(`scenario: every expectation held (${passed} steps passed, ${skipped} not in the stack yet)`);
else say(`scenario: FAILED — ${report.firstFailure}`);

if (options.once) {
  await shutdown(report.ok ? 0 : 1);
} else {
  if (visibilityPage) say(`the visibility page: ${visibilityPage}`);
  // EventBridge Scheduler, locally (sandbox/runtime/schedules.ts): the reconciliation sweeps run at their rate.
  sandbox.schedules.startTimers();
  for (const s of sandbox.schedules.specs) say(`schedule ${s.logicalId}: ${s.expression} (fire it now: POST ${endpoints.controlEndpoint ?? '<control API>'}/schedules/fire?name=${s.logicalId})`);
  say('serving until Ctrl-C ...');
}
