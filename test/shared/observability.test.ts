import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { METRIC_NAMES } from '../../registry/catalog';
import { memoryUsedPercent } from '../../lambdas/shared/memory';
import { CompactLogFormatter, flushMetrics, logger, metrics, withPowertools } from '../../lambdas/shared/observability';

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

describe('CompactLogFormatter', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const context = {
    functionName: 'LogisticsSync-dev-ErpOutboundErpOutboundFunctio-BE50VCIR6UUH',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:LogisticsSync-dev-ErpOutboundErpOutboundFunctio-BE50VCIR6UUH',
    memoryLimitInMB: '256',
    awsRequestId: '4fc41974-a6a7-4fe8-b7bf-232a22731e7b',
  } as Context;

  /** The JSON lines `write` wrote to stdout and stderr (warnings and errors) while it ran. */
  function linesOf(write: () => void): Record<string, unknown>[] {
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }),
    );
    write();
    for (const spy of spies) spy.mockRestore();
    return written.join('').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  test('writes Powertools\' standard keys and the appended ones, without the function\'s name, ARN and memory size or a zero sampling rate', () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-6b16d281-fb339f94d174987b679655d9;Parent=53995c3f42cd8ad8;Sampled=1');
    const compact = new Logger({ serviceName: 'erp-outbound', logFormatter: new CompactLogFormatter() });
    compact.addContext(context);
    compact.appendKeys({ correlationId: 'SO-1001' });
    const [line] = linesOf(() => compact.info('synced', { eventId: 'e1' }));
    expect(Object.keys(line!)).toEqual(['level', 'message', 'timestamp', 'service', 'cold_start', 'function_request_id', 'xray_trace_id', 'correlationId', 'eventId']);
    expect(line).toMatchObject({ level: 'INFO', message: 'synced', service: 'erp-outbound', function_request_id: context.awsRequestId, xray_trace_id: '1-6b16d281-fb339f94d174987b679655d9', correlationId: 'SO-1001', eventId: 'e1' });
    // Against Powertools' own line, the same keys less the four.
    const standard = new Logger({ serviceName: 'erp-outbound' });
    standard.addContext(context);
    const [full] = linesOf(() => standard.info('synced', { correlationId: 'SO-1001', eventId: 'e1' }));
    expect(Object.keys(full!).filter((key) => !['function_arn', 'function_name', 'function_memory_size', 'sampling_rate'].includes(key))).toEqual(Object.keys(line!));
    expect(JSON.stringify(line).length).toBeLessThan(JSON.stringify(full).length - 250);
  });

  test('keeps the sampling rate when debug sampling is on, and errors as Powertools formats them', () => {
    const sampled = new Logger({ serviceName: 'erp-outbound', sampleRateValue: 0.5, logFormatter: new CompactLogFormatter() });
    sampled.addContext(context);
    const [line] = linesOf(() => sampled.error('failed', new Error('boom')));
    expect(line).toMatchObject({ level: 'ERROR', sampling_rate: 0.5, error: { name: 'Error', message: 'boom' } });
  });

  test('is the functions\' logger\'s formatter', () => {
    logger.addContext(context);
    const [line] = linesOf(() => logger.warn('checked'));
    expect(line).toMatchObject({ level: 'WARN', message: 'checked', function_request_id: context.awsRequestId });
    expect(line).not.toHaveProperty('function_arn');
    expect(line).not.toHaveProperty('function_name');
  });
});
