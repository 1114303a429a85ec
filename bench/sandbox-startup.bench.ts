// Sandbox start-up: how long `npm start` takes to reach "ready" (before the scenario) with .venv installed.
// Goal: under 20 s. Same code path as bin/sandbox.ts (startSandbox), in its own work directory.
import path from 'node:path';
import { PROJECT_ROOT } from '../sandbox/python-env';
import { startSandbox } from '../sandbox/sandbox';
import type { BenchFn, BenchSection } from './types';

const GOAL_READY_MS = 20_000;
const RUNS = Number(process.env.LSYNC_BENCH_STARTUP_RUNS ?? 2);

const bench: BenchFn = async (): Promise<BenchSection> => {
  const rows: BenchSection['rows'] = [];
  for (let run = 1; run <= RUNS; run++) {
    const sandbox = await startSandbox({ workDir: path.join(PROJECT_ROOT, '.sandbox', 'bench-startup'), log: () => undefined });
    const t = sandbox.timings;
    await sandbox.stop();
    rows.push({
      run,
      'emulator ms': Math.round(t.emulatorMs),
      'simulators ms': Math.round(t.simulatorsMs),
      'synth ms': Math.round(t.synthMs),
      'deploy ms': Math.round(t.deployMs),
      'runtime ms': Math.round(t.runtimeMs),
      'ready ms': Math.round(t.readyMs),
      goal: t.readyMs < GOAL_READY_MS ? 'ready < 20 s: met' : 'ready < 20 s: MISSED',
    });
  }
  return {
    title: 'Sandbox start-up (npm start → "ready")',
    rows,
    notes: [
      'Phases overlap (the emulator boots while the app synthesizes), so they do not add up to "ready".',
      `With .venv installed; ${RUNS} runs (LSYNC_BENCH_STARTUP_RUNS to change).`,
    ],
  };
};

export default bench;
