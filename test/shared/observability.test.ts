import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { METRIC_NAMES } from '../../registry/catalog';
import { memoryUsedPercent } from '../../lambdas/shared/memory';
import { flushMetrics, metrics, withPowertools } from '../../lambdas/shared/observability';

describe('memoryUsedPercent', () => {
  test('is the resident set high-water mark (KiB) of the memory size (MB), to a tenth of a percent', () => {
    expect(memoryUsedPercent(128 * 1024, 160)).toBe(80);
    expect(memoryUsedPercent(84_000, 128)).toBe(64.1);
    expect(memoryUsedPercent(300 * 1024, 256)).toBe(117.2);
  });

  test('is undefined without a memory size', () => {
    for (const size of [undefined, 0, -1, Number.NaN]) expect(memoryUsedPercent(80_000, size), String(size)).toBeUndefined();
  });
});

describe('withPowertools', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  test('adds the environment\'s peak memory of its memory size to the metrics it flushes, whatever the outcome', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '160');
    vi.spyOn(process, 'resourceUsage').mockReturnValue({ ...process.resourceUsage(), maxRSS: 96 * 1024 });
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const context = { functionName: 'fn', awsRequestId: 'r1' } as Context;
    await expect(withPowertools(async () => 'done')({}, context)).resolves.toBe('done');
    await expect(withPowertools(async () => Promise.reject(new Error('boom')))({}, context)).rejects.toThrow('boom');
    expect(added.mock.calls).toEqual([
      [METRIC_NAMES.memoryUsed, 'Percent', 60],
      [METRIC_NAMES.memoryUsed, 'Percent', 60],
    ]);
    expect(published).toHaveBeenCalledTimes(2);
  });

  test('flushMetrics, which the handlers that do not use withPowertools end with, adds the same metric', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '256');
    vi.spyOn(process, 'resourceUsage').mockReturnValue({ ...process.resourceUsage(), maxRSS: 64 * 1024 });
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    flushMetrics();
    expect(added.mock.calls).toEqual([[METRIC_NAMES.memoryUsed, 'Percent', 25]]);
    expect(published).toHaveBeenCalledTimes(1);
  });

  test('adds nothing where no memory size is known (outside Lambda)', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', '');
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    await withPowertools(async () => 'done')({}, { functionName: 'fn', awsRequestId: 'r2' } as Context);
    expect(added).not.toHaveBeenCalled();
  });
});
