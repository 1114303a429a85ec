import { CloudWatchClient, paginateListMetrics } from '@aws-sdk/client-cloudwatch';
import { clientConfig } from './aws';

/**
 * What the stack's monitoring costs each month whatever its volume: the custom metrics its functions publish (EMF,
 * counted in the emulator's CloudWatch after a run: each distinct namespace, name and dimension set is one metric),
 * and the alarms and dashboards its template declares. The cost bench prices them as a fixed monthly line
 * (sandbox/cost-model.ts `monitoringCostOf`): at low volume they are most of the bill.
 */
export interface MonitoringUsage {
  /** Distinct custom metrics published during the run (namespaces other than `AWS/…`). */
  readonly customMetrics: number;
  /** Alarm metrics: one per metric alarm on a single metric, one per metric a metric-math alarm reads. */
  readonly alarmMetrics: number;
  readonly compositeAlarms: number;
  readonly dashboards: number;
}

/** A CloudFormation resource as a template holds it. */
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/**
 * The alarms and dashboards a template declares (pure). A metric alarm bills one alarm metric per metric it evaluates:
 * one for `MetricName`, or each `MetricStat` of its `Metrics` (metric math).
 */
export function templateMonitoring(resources: Iterable<TemplateResource>): Pick<MonitoringUsage, 'alarmMetrics' | 'compositeAlarms' | 'dashboards'> {
  let alarmMetrics = 0;
  let compositeAlarms = 0;
  let dashboards = 0;
  for (const resource of resources) {
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const metrics = resource.Properties?.Metrics;
      alarmMetrics += Array.isArray(metrics) ? Math.max(1, metrics.filter((m) => typeof m === 'object' && m !== null && 'MetricStat' in m).length) : 1;
    } else if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') compositeAlarms += 1;
    else if (resource.Type === 'AWS::CloudWatch::Dashboard') dashboards += 1;
  }
  return { alarmMetrics, compositeAlarms, dashboards };
}

/** The distinct custom metrics in the emulator's CloudWatch (the EMF the functions wrote, sandbox/runtime/emf.ts). */
export async function countCustomMetrics(client: CloudWatchClient): Promise<number> {
  const seen = new Set<string>();
  for await (const page of paginateListMetrics({ client }, {})) {
    for (const metric of page.Metrics ?? []) {
      if (!metric.Namespace || metric.Namespace.startsWith('AWS/')) continue;
      const dimensions = [...(metric.Dimensions ?? [])].map((d) => `${d.Name}=${d.Value}`).sort().join(',');
      seen.add(`${metric.Namespace}|${metric.MetricName}|${dimensions}`);
    }
  }
  return seen.size;
}

/** The resources of a deployed stack that bill monitoring (those whose condition holds), as synthesized. */
export function monitoringResources(stack: { ofType(type: string): readonly { readonly definition: unknown }[] }): TemplateResource[] {
  return ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm', 'AWS::CloudWatch::Dashboard'].flatMap((type) => stack.ofType(type).map((r) => r.definition as TemplateResource));
}

/**
 * The monitoring a running sandbox bills: the custom metrics its functions published (after the EMF forwarder's next
 * put, about once a second) and the product stack's alarms and dashboards.
 */
export async function measureMonitoring(sandbox: { readonly emulator: { readonly endpoint: string }; readonly product?: Parameters<typeof monitoringResources>[0] }): Promise<MonitoringUsage> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const client = new CloudWatchClient(clientConfig(sandbox.emulator.endpoint));
  try {
    return { customMetrics: await countCustomMetrics(client), ...templateMonitoring(sandbox.product ? monitoringResources(sandbox.product) : []) };
  } finally {
    client.destroy();
  }
}
