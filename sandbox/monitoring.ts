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
  /**
   * API Gateway's detailed metrics, billed as custom metrics: per REST API method with `MetricsEnabled`, 4XXError,
   * 5XXError, Count, IntegrationLatency and Latency (the two cache metrics left out: no stage cache); per HTTP API route
   * with `DetailedMetricsEnabled`, 4xx, 5xx, Count, IntegrationLatency, Latency and DataProcessed
   * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html: "enabling these metrics will
   * incur additional charges"). @default 0
   */
  readonly apiDetailedMetrics?: number;
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
export function templateMonitoring(resources: Iterable<TemplateResource>): Pick<MonitoringUsage, 'alarmMetrics' | 'compositeAlarms' | 'dashboards' | 'apiDetailedMetrics'> {
  let alarmMetrics = 0;
  let compositeAlarms = 0;
  let dashboards = 0;
  const all = [...resources];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  let apiDetailedMetrics = 0;
  for (const stage of all.filter((r) => r.Type === 'AWS::ApiGateway::Stage')) {
    const methods = all.filter((r) => r.Type === 'AWS::ApiGateway::Method' && same(r.Properties?.RestApiId, stage.Properties?.RestApiId) && r.Properties?.HttpMethod !== 'OPTIONS');
    const settings = (stage.Properties?.MethodSettings ?? []) as { MetricsEnabled?: unknown; ResourcePath?: unknown; HttpMethod?: unknown }[];
    const everywhere = settings.some((m) => m.MetricsEnabled === true && m.ResourcePath === '/*' && m.HttpMethod === '*');
    const enabled = everywhere ? methods.length : settings.filter((m) => m.MetricsEnabled === true).length;
    apiDetailedMetrics += REST_METHOD_METRICS * enabled;
  }
  for (const stage of all.filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage')) {
    const routes = all.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && same(r.Properties?.ApiId, stage.Properties?.ApiId));
    const byDefault = (stage.Properties?.DefaultRouteSettings as { DetailedMetricsEnabled?: unknown } | undefined)?.DetailedMetricsEnabled === true;
    const settings = (stage.Properties?.RouteSettings ?? {}) as Record<string, { DetailedMetricsEnabled?: unknown }>;
    const enabled = byDefault ? routes.length : Object.values(settings).filter((r) => r.DetailedMetricsEnabled === true).length;
    apiDetailedMetrics += HTTP_ROUTE_METRICS * enabled;
  }
  for (const resource of all) {
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const metrics = resource.Properties?.Metrics;
      alarmMetrics += Array.isArray(metrics) ? Math.max(1, metrics.filter((m) => typeof m === 'object' && m !== null && 'MetricStat' in m).length) : 1;
    } else if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') compositeAlarms += 1;
    else if (resource.Type === 'AWS::CloudWatch::Dashboard') dashboards += 1;
  }
  return { alarmMetrics, compositeAlarms, dashboards, apiDetailedMetrics };
}

/** Detailed metrics API Gateway writes per REST API method (without the cache's two) and per HTTP API route. */
const REST_METHOD_METRICS = 5;
const HTTP_ROUTE_METRICS = 6;

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

/** The resources of a deployed stack that bill monitoring (those whose condition holds), as synthesized: alarms, dashboards, and the APIs' stages with their methods and routes. */
export function monitoringResources(stack: { ofType(type: string): readonly { readonly definition: unknown }[] }): TemplateResource[] {
  return ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm', 'AWS::CloudWatch::Dashboard', 'AWS::ApiGateway::Stage', 'AWS::ApiGateway::Method', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGatewayV2::Route'].flatMap((type) =>
    stack.ofType(type).map((r) => r.definition as TemplateResource),
  );
}

/**
 * The monitoring a running sandbox bills: the custom metrics its functions published (once the EMF they wrote is put
 * into the emulator's CloudWatch) and the product stack's alarms and dashboards.
 */
export async function measureMonitoring(sandbox: {
  readonly emulator: { readonly endpoint: string };
  readonly product?: Parameters<typeof monitoringResources>[0];
  flushMetrics(): Promise<void>;
}): Promise<MonitoringUsage> {
  await sandbox.flushMetrics();
  const client = new CloudWatchClient(clientConfig(sandbox.emulator.endpoint));
  try {
    return { customMetrics: await countCustomMetrics(client), ...templateMonitoring(sandbox.product ? monitoringResources(sandbox.product) : []) };
  } finally {
    client.destroy();
  }
}
