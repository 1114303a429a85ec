import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Synthesizing the CDK app and running the sandbox take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      {
        extends: true,
        // One sandbox (moto, the product and a test fixture stack, the local runtime) for every e2e test file;
        // it is started only when e2e tests are selected, and stopped when they finish.
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/e2e/global-setup.ts'] },
      },
    ],
  },
});
