import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Port: the business and sync metrics an adapter emits. Powertools Metrics (EMF) in Lambda, an in-memory
 * recorder in tests. Names are the CloudWatch metric names in the `LogisticsSync` namespace (registry/catalog.ts
 * `METRIC_NAMES`). The only dimension is Powertools' `service`, which is per target (`erp-outbound`,
 * `fleet-outbound`, `cs-outbound`), so `SyncFailures` by service is "sync failures per target" and the
 * stage-wide `SCHEMA("LogisticsSync", service)` queries see every adapter.
 */
export interface SyncMetrics {
  count(name: SyncMetricName, value?: number): void;
  milliseconds(name: MillisecondsName, value: number): void;
}

/** Per-target sync counters. `SyncFailures` is the "sync failures per target" SLI. */
export type SyncMetricName =
  | 'SyncSucceeded'
  | 'SyncSkipped'
  | 'SyncIgnored'
  | 'SyncFailures'
  | 'SyncRetried'
  | 'SyncDeadLettered'
  | 'SyncHeld'
  | 'SyncRateLimited'
  | 'CircuitOpened'
  /** A redelivery found the same (event, action) still in progress (Powertools IdempotencyAlreadyInProgressError). */
  | 'IdempotencyInProgress';

/** Business SLIs measured where the confirming call returns. */
export type BusinessLatencyName = 'DispatchConfirmationLatency' | 'PodToBillingReadyLatency';

/** Milliseconds an adapter records: the business SLIs, and per invocation the time it waited for the target's rate limit. */
export type MillisecondsName = BusinessLatencyName | 'RateLimitWait';

export class PowertoolsSyncMetrics implements SyncMetrics {
  constructor(private readonly metrics: Metrics) {}

  count(name: SyncMetricName, value = 1): void {
    this.metrics.addMetric(name, MetricUnit.Count, value);
  }

  milliseconds(name: MillisecondsName, value: number): void {
    this.metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, Math.round(value)));
  }
}

/** Records metrics in memory, for tests. */
export class InMemorySyncMetrics implements SyncMetrics {
  readonly counts: Partial<Record<SyncMetricName, number>> = {};
  readonly latencies: { name: MillisecondsName; value: number }[] = [];

  count(name: SyncMetricName, value = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }

  milliseconds(name: MillisecondsName, value: number): void {
    this.latencies.push({ name, value });
  }
}
