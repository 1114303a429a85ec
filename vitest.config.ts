import { defineConfig } from 'vitest/config';

// The machine CI runs on has 2 CPUs, where vitest's default is one worker (CPUs − 1): every file one after another,
// although most of the longest ones wait on a sandbox rather than compute. Two groups, one after the other:
// - group 0, two workers: the chaos run (a sandbox of its own, mostly waiting on visibility timeouts, and the longest
//   file: its own project so that it starts first; projects of a group start in name order) beside the unit tests;
// - group 1, one worker: the e2e files, one at a time against the shared sandbox (they share its orders).
const PARALLEL = { groupOrder: 0, maxWorkers: 2 } as const;

export default defineConfig({
  test: {
    // Synthesizing the CDK app and running the sandbox take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'chaos', include: ['test/chaos/chaos.test.ts'], sequence: { groupOrder: PARALLEL.groupOrder }, maxWorkers: PARALLEL.maxWorkers } },
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/chaos/chaos.test.ts'],
          sequence: { groupOrder: PARALLEL.groupOrder },
          maxWorkers: PARALLEL.maxWorkers,
        },
      },
      {
        extends: true,
        // One sandbox (moto, the product and a test fixture stack, the local runtime) for every e2e test file;
        // it is started only when e2e tests are selected, and stopped when they finish.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/e2e/global-setup.ts'], sequence: { groupOrder: 1 }, maxWorkers: 1 },
      },
    ],
  },
});
