import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { METRIC_NAMES } from '../../registry/catalog';

/**
 * The functions that are not queue consumers (the exception workflows' tasks, which Step Functions invokes, and the
 * read APIs) report their memory too: each invocation ends with the metrics flushed, `MemoryUsedPercent` among them,
 * whatever its outcome. Each handler is loaded fresh with the environment its construct gives it; the inputs fail
 * or answer before any network call.
 */
const ENVIRONMENTS = {
  task: { TARGET_VENDOR: '', API_BASE_URL: 'http://127.0.0.1:9', SECRET_NAME: 'unused', HTTP_TIMEOUT_MS: '1000' },
  rules: {
    EXCEPTION_THRESHOLDS: JSON.stringify({
      temperature: { minorMinutes: 15, majorMinutes: 30, criticalDeltaCelsius: 3 },
      delay: { graceMinutes: 30, majorMinutes: 240 },
      failedDelivery: { maxAttempts: 3 },
    }),
    RECORD_TTL_DAYS: '30',
  },
  read: { CORRELATION_TABLE: 'unused', REFRESH_SECONDS: '30' },
};

const CASES: { name: string; env: Record<string, string>; load: () => Promise<{ handler: (input: never) => Promise<unknown> }>; input: unknown; fails: boolean }[] = [
  { name: 'the ERP task', env: ENVIRONMENTS.task, load: () => import('../../lambdas/workflows/erp-task'), input: { action: 'nothing' }, fails: true },
  { name: 'the CS task', env: ENVIRONMENTS.task, load: () => import('../../lambdas/workflows/cs-task'), input: { action: 'nothing' }, fails: true },
  { name: 'the rules task', env: ENVIRONMENTS.rules, load: () => import('../../lambdas/workflows/rules-task'), input: { action: 'nothing' }, fails: true },
  { name: 'the trace API', env: ENVIRONMENTS.read, load: () => import('../../lambdas/trace/handler'), input: { pathParameters: { id: '%%' } }, fails: false },
  {
    name: 'the visibility page',
    env: ENVIRONMENTS.read,
    load: () => {
      // The entry bundles the page's files as text (an esbuild import attribute vitest does not apply): stand-ins.
      vi.doMock('../../lambdas/visibility/assets', () => ({ WEB_ASSETS: { 'index.html': '<html></html>', 'app.js': '', 'app.css': '' } }));
      return import('../../lambdas/visibility/handler');
    },
    input: { httpMethod: 'GET', resource: '/{asset}', path: '/config.json', pathParameters: { asset: 'config.json' } } satisfies Partial<APIGatewayProxyEvent>,
    fails: false,
  },
];

describe('functions that are not queue consumers report MemoryUsedPercent', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    vi.doUnmock('../../lambdas/visibility/assets');
    vi.resetModules();
  });

  test.each(CASES)('$name flushes it after each invocation', async ({ env, load, input, fails }) => {
    vi.resetModules();
    for (const [name, value] of Object.entries({ ...env, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256' })) vi.stubEnv(name, value);
    vi.spyOn(process, 'resourceUsage').mockReturnValue({ ...process.resourceUsage(), maxRSS: 128 * 1024 });
    const { handler } = await load();
    // The module's own Metrics instance: the one its handler flushes, loaded fresh with it.
    const { metrics } = await import('../../lambdas/shared/observability');
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const outcome = handler(input as never);
    if (fails) await expect(outcome).rejects.toThrow(/unknown .* action/);
    else await expect(outcome).resolves.toMatchObject({ statusCode: expect.any(Number) });
    expect(added.mock.calls).toEqual([[METRIC_NAMES.memoryUsed, 'Percent', 50]]);
    expect(published).toHaveBeenCalledTimes(1);
  });
});
