import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRIC_NAMES } from '../../registry/catalog';

/**
 * One Logger and one Metrics per function (module scope), configured by the POWERTOOLS_* variables the
 * NodeFunction construct sets. Log ids and refs, never payload bodies or personal data.
 */
export const logger = new Logger();
export const metrics = new Metrics();

/** Business keys every log line and metric should carry. */
export interface BusinessKeys {
  correlationId?: string;
  orderId?: string;
  shipmentId?: string;
  routeId?: string;
  caseId?: string;
  invoiceId?: string;
}

/** Appends the business keys to every following log line of this invocation. */
export function withBusinessKeys(keys: BusinessKeys): void {
  const defined = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined));
  logger.appendKeys(defined);
}

/**
 * The execution environment's peak memory so far as a percentage of the function's memory size (pure): `maxRssKiB` is
 * the process's resident set high-water mark (`process.resourceUsage().maxRSS`, in KiB), one process per environment
 * in Lambda; undefined without a memory size.
 */
export function memoryUsedPercent(maxRssKiB: number, memorySizeMb: number | undefined): number | undefined {
  if (memorySizeMb === undefined || !Number.isFinite(memorySizeMb) || memorySizeMb <= 0 || !Number.isFinite(maxRssKiB)) return undefined;
  return Math.round((maxRssKiB / 1024 / memorySizeMb) * 1000) / 10;
}

/**
 * A queue consumer's Lambda handler: the invocation's context on every log line, and the metrics the invocation
 * stored flushed when it ends, whatever the outcome (each SQS-driven handler is wrapped in this once), with the
 * environment's peak memory of its memory size (`MemoryUsedPercent`, alarmed at 80 %: docs/runbook.md).
 */
export function withPowertools<E, R>(inner: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await inner(event, context);
    } finally {
      const used = memoryUsedPercent(process.resourceUsage().maxRSS, Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || undefined);
      if (used !== undefined) metrics.addMetric(METRIC_NAMES.memoryUsed, MetricUnit.Percent, used);
      metrics.publishStoredMetrics();
    }
  };
}
