import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRIC_NAMES } from '../../registry/catalog';
import { environmentMemoryUsedPercent } from './memory';

/**
 * Powertools' standard log line (its `PowertoolsLogFormatter`, key for key and in its order) without the keys that say
 * nothing the line's log group and Lambda's own records do not: `function_name` and `function_arn` (each function
 * writes to a log group of its own, and the stack publishes no alias or version) and `function_memory_size` (in
 * Lambda's "report" record of the invocation); `sampling_rate` only while it is 0 (no debug sampling,
 * `POWERTOOLS_LOGGER_SAMPLE_RATE` unset, as every stage deploys). About 260 of an INFO line's 900 bytes, which
 * CloudWatch Logs bills at ingestion and for the retention (docs/cost.md, "Knobs"). A custom formatter is Powertools'
 * documented way to shape the line (https://docs.powertools.aws.dev/lambda/typescript/latest/core/logger/#custom-log-formatter-bring-your-own-formatter).
 */
export class CompactLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const sampling = attributes.sampleRateValue ? { sampling_rate: attributes.sampleRateValue } : {};
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        ...sampling,
        xray_trace_id: attributes.xRayTraceId,
        tenant_id: attributes.lambdaContext?.tenantId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/**
 * One Logger and one Metrics per function (module scope), configured by the POWERTOOLS_* variables the
 * NodeFunction construct sets. Log ids and refs, never payload bodies or personal data.
 */
export const logger = new Logger({ logFormatter: new CompactLogFormatter() });
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
