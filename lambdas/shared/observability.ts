import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRIC_NAMES } from '../../registry/catalog';
import { environmentMemoryUsedPercent } from './memory';

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
 * Flushes the metrics an invocation stored, with the environment's peak memory of its memory size
 * (`MemoryUsedPercent`, alarmed at 80 %: docs/runbook.md, "Memory near limit"): every handler ends its invocation with
 * this, whatever the outcome.
 */
export function flushMetrics(): void {
  const used = environmentMemoryUsedPercent();
  if (used !== undefined) metrics.addMetric(METRIC_NAMES.memoryUsed, MetricUnit.Percent, used);
  metrics.publishStoredMetrics();
}

/**
 * A queue consumer's Lambda handler: the invocation's context on every log line, and the metrics the invocation
 * stored flushed when it ends, whatever the outcome (each SQS-driven handler is wrapped in this once; {@link flushMetrics}).
 */
export function withPowertools<E, R>(inner: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await inner(event, context);
    } finally {
      flushMetrics();
    }
  };
}
