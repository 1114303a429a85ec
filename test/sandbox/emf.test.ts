import { describe, expect, test } from 'vitest';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricSumOf, parseEmf } from '../../sandbox/runtime/emf';

const record = (extra: Record<string, unknown>, directive: Record<string, unknown>) =>
  JSON.stringify({ _aws: { Timestamp: 1764115200000, CloudWatchMetrics: [directive] }, service: 'fleet-inbound', ...extra });

describe('EMF records (what CloudWatch Logs extracts, done by the sandbox runtime)', () => {
  test('one datum per metric and dimension set, values as written (a number or a list), unit and timestamp kept', () => {
    const line = record(
      { WebhookAccepted: 1, IntakeLatency: [12, 30, 7], system: 'fleet' },
      { Namespace: 'LogisticsSync', Dimensions: [['service'], ['service', 'system']], Metrics: [{ Name: 'WebhookAccepted', Unit: 'Count' }, { Name: 'IntakeLatency', Unit: 'Milliseconds' }] },
    );
    const data = parseEmf(line)!;
    expect(data).toHaveLength(4);
    expect(data[0]).toEqual({ namespace: 'LogisticsSync', name: 'WebhookAccepted', unit: 'Count', dimensions: [{ Name: 'service', Value: 'fleet-inbound' }], values: [1], timestamp: new Date(1764115200000) });
    expect(data[3]).toMatchObject({ name: 'IntakeLatency', dimensions: [{ Name: 'service', Value: 'fleet-inbound' }, { Name: 'system', Value: 'fleet' }], values: [12, 30, 7] });
  });

  test('a metric with no dimensions is one datum without dimensions', () => {
    expect(parseEmf(record({ Errors: 2 }, { Namespace: 'N', Metrics: [{ Name: 'Errors' }] }))).toEqual([{ namespace: 'N', name: 'Errors', unit: undefined, dimensions: [], values: [2], timestamp: new Date(1764115200000) }]);
  });

  test('ordinary log lines are not EMF; malformed directives, missing values and non-string dimensions give no data', () => {
    expect(parseEmf('{"level":"INFO","message":"hello"}')).toBeUndefined();
    expect(parseEmf('START RequestId: 1')).toBeUndefined();
    expect(parseEmf('{"_aws": ')).toBeUndefined();
    expect(parseEmf(record({ M: 'not a number' }, { Namespace: 'N', Metrics: [{ Name: 'M' }] }))).toEqual([]);
    expect(parseEmf(record({ M: 1, dim: 5 }, { Namespace: 'N', Dimensions: [['dim']], Metrics: [{ Name: 'M' }] }))).toEqual([]);
    expect(parseEmf(record({ M: 1 }, { Dimensions: [], Metrics: [{ Name: 'M' }] }))).toEqual([]);
  });

  test('an outbound adapter’s RateLimitWait, as Powertools writes it, is summed once per record whatever its dimension sets', () => {
    const metrics = new Metrics({ namespace: 'LogisticsSync', serviceName: 'fleet-outbound' });
    metrics.addDimensions({ system: 'fleet' });
    metrics.addMetric('RateLimitWait', MetricUnit.Milliseconds, 1333);
    metrics.addMetric('SyncSucceeded', MetricUnit.Count, 1);
    // The record publishStoredMetrics writes to standard output.
    const data = parseEmf(JSON.stringify(metrics.serializeMetrics()))!;
    expect(data.filter((d) => d.name === 'RateLimitWait').length).toBeGreaterThanOrEqual(1);
    expect(metricSumOf(data, 'LogisticsSync', 'RateLimitWait')).toBe(1333);
    expect(metricSumOf(data, 'LogisticsSync', 'SyncSucceeded')).toBe(1);
    expect(metricSumOf(data, 'Other', 'RateLimitWait')).toBe(0);
    // Two dimension sets repeat the datum: still counted once.
    const twice = parseEmf(record({ RateLimitWait: 40, system: 'fleet' }, { Namespace: 'LogisticsSync', Dimensions: [['service'], ['service', 'system']], Metrics: [{ Name: 'RateLimitWait', Unit: 'Milliseconds' }] }))!;
    expect(twice).toHaveLength(2);
    expect(metricSumOf(twice, 'LogisticsSync', 'RateLimitWait')).toBe(40);
  });
});
