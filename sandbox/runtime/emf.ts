import { CloudWatchClient, PutMetricDataCommand, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { clientConfig } from '../aws';

/**
 * What CloudWatch Logs does with a function's Embedded Metric Format lines (Powertools Metrics writes them),
 * for the sandbox: moto has no log-based metric extraction, so the runtime reads each function's output, turns
 * EMF records into metric data and puts them into moto's CloudWatch. `lsync health` then shows the business
 * SLIs in the sandbox as it does in AWS.
 *
 * EMF: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

export interface EmfDatum {
  readonly namespace: string;
  readonly name: string;
  readonly unit?: string;
  readonly dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly values: readonly number[];
  readonly timestamp: Date;
}

interface EmfDirective {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The metric data of one log line, or undefined when the line is not an EMF record. A record with a
 * malformed directive is skipped as CloudWatch skips it (no data), not thrown.
 */
export function parseEmf(line: string): EmfDatum[] | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(record) || !isRecord(record._aws) || !Array.isArray(record._aws.CloudWatchMetrics)) return undefined;
  const timestamp = typeof record._aws.Timestamp === 'number' ? new Date(record._aws.Timestamp) : new Date();
  const data: EmfDatum[] = [];
  for (const directive of record._aws.CloudWatchMetrics as EmfDirective[]) {
    if (!isRecord(directive) || typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimensionSets = Array.isArray(directive.Dimensions) && directive.Dimensions.length > 0 ? (directive.Dimensions as unknown[]) : [[]];
    for (const metric of directive.Metrics as unknown[]) {
      if (!isRecord(metric) || typeof metric.Name !== 'string') continue;
      const raw = record[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length === 0) continue;
      for (const set of dimensionSets) {
        if (!Array.isArray(set)) continue;
        const dimensions = set.filter((name): name is string => typeof name === 'string' && typeof record[name] === 'string').map((name) => ({ Name: name, Value: record[name] as string }));
        if (dimensions.length !== set.length) continue; // a dimension without a string value: CloudWatch rejects the set
        data.push({ namespace: directive.Namespace, name: metric.Name, unit: typeof metric.Unit === 'string' ? metric.Unit : undefined, dimensions, values, timestamp });
      }
    }
  }
  return data;
}

/**
 * The sum of one metric's values in the data of one EMF record (pure): counted once, however many dimension sets
 * repeat it; 0 when the record does not carry it.
 */
export function metricSumOf(data: readonly EmfDatum[], namespace: string, name: string): number {
  const datum = data.find((d) => d.namespace === namespace && d.name === name);
  return datum ? datum.values.reduce((sum, v) => sum + v, 0) : 0;
}

/**
 * Collects EMF data from function output and puts it into the emulator's CloudWatch about once a second
 * (PutMetricData, at most 1,000 data per request). `stop()` flushes what is left.
 */
export class EmfForwarder {
  private readonly client: CloudWatchClient;
  private pending: EmfDatum[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    endpoint: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    this.client = new CloudWatchClient({ ...clientConfig(endpoint), maxAttempts: 2 });
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  /** One line of a function's output (anything that is not EMF is ignored); returns its metric data. */
  accept(line: string): readonly EmfDatum[] {
    const data = parseEmf(line);
    if (data && data.length > 0) this.pending.push(...data);
    return data ?? [];
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = [];
      const byNamespace = new Map<string, MetricDatum[]>();
      for (const d of batch) {
        const list = byNamespace.get(d.namespace) ?? [];
        list.push({ MetricName: d.name, Dimensions: [...d.dimensions], Values: [...d.values], Unit: d.unit as StandardUnit | undefined, Timestamp: d.timestamp });
        byNamespace.set(d.namespace, list);
      }
      for (const [namespace, data] of byNamespace) {
        for (let i = 0; i < data.length; i += 1000) {
          try {
            await this.client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 1000) }));
          } catch (error) {
            this.onError(`EMF → CloudWatch (${namespace}): ${(error as Error).message}`);
          }
        }
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
