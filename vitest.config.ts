import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesizing the CDK app and running the sandbox take seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
