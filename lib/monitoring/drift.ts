import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../registry/catalog';

/** A reconciliation sweep as monitoring sees it: its system and how often it runs. */
export interface SweepToMonitor {
  readonly system: string;
  readonly interval: Duration;
}

/**
 * One of a sweep's counters (lambdas/shared/reconciliation/sweep-runner.ts), summed per interval: Powertools puts them
 * with the function's `service` (`<system>-reconciliation`) and the `system` dimension.
 */
export function sweepMetric(sweep: SweepToMonitor, name: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: `${sweep.system}-reconciliation`, system: sweep.system },
    statistic: 'Sum',
    period: sweep.interval,
  });
}

/** A counter of every function of one system's sweep, summed per interval, by SEARCH (as the dashboard's SLI graphs read them). */
function searched(sweep: SweepToMonitor, name: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${name}" system="${sweep.system}"', 'Sum', ${sweep.interval.toSeconds()})`,
    usingMetrics: {},
    period: sweep.interval,
    label,
  });
}

/** Drift found and repaired per sweep interval; shipments the vendor could not tell about, and sweeps that ran past their interval. */
export function driftGraphs(sweep: SweepToMonitor): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: `${sweep.system} reconciliation: missed updates`,
      left: [searched(sweep, METRIC_NAMES.driftFound, 'found'), searched(sweep, METRIC_NAMES.driftRepaired, 'repaired')],
      right: [searched(sweep, METRIC_NAMES.sweepUnreadable, 'unreadable'), searched(sweep, METRIC_NAMES.sweepBehind, 'sweep behind')],
      width: 8,
    }),
  ];
}
