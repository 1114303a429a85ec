import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { costSections } from '../../bench/cost.bench';
import { clientConfig } from '../../sandbox/aws';
import { loadPrices, monitoringCostOf } from '../../sandbox/cost-model';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import type { Usage } from '../../sandbox/metering';
import { countCustomMetrics, measureMonitoring, monitoringResources, templateMonitoring } from '../../sandbox/monitoring';

/** The monitoring's fixed monthly bill: custom metrics, alarms (per alarm metric) and dashboards. */
describe('what the monitoring bills a month, whatever the volume', () => {
  test('alarms by the metrics they evaluate, composite alarms and dashboards, from the template', () => {
    const resources = [
      { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda' } },
      // Metric math over two metrics: two alarm metrics (the expression itself is not one).
      { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Id: 'e', Expression: 'a/b' }, { Id: 'a', MetricStat: {} }, { Id: 'b', MetricStat: {} }] } },
      { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: {} },
      { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
      { Type: 'AWS::SQS::Queue', Properties: {} },
    ];
    expect(templateMonitoring(resources)).toEqual({ alarmMetrics: 3, compositeAlarms: 1, dashboards: 1, apiDetailedMetrics: 0 });
    // Only the resources the deployment has (ofType: conditions that hold).
    const stack = { ofType: (type: string) => resources.filter((r) => r.Type === type).map((definition) => ({ definition })) };
    expect(monitoringResources(stack)).toHaveLength(4);
  });

  test("API Gateway's detailed metrics: 5 per REST method of a stage with metrics on every method, 6 per HTTP API route that has them", () => {
    const rest = { Ref: 'Rest' };
    const http = { Ref: 'Http' };
    const resources = [
      { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: rest, MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', MetricsEnabled: true }] } },
      { Type: 'AWS::ApiGateway::Method', Properties: { RestApiId: rest, HttpMethod: 'POST' } },
      { Type: 'AWS::ApiGateway::Method', Properties: { RestApiId: rest, HttpMethod: 'GET' } },
      { Type: 'AWS::ApiGateway::Method', Properties: { RestApiId: rest, HttpMethod: 'OPTIONS' } },
      // Another API's stage without metrics, and its method.
      { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Quiet' }, MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', MetricsEnabled: false }] } },
      { Type: 'AWS::ApiGateway::Method', Properties: { RestApiId: { Ref: 'Quiet' }, HttpMethod: 'GET' } },
      { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: http, RouteSettings: { 'POST /a': { DetailedMetricsEnabled: true }, 'POST /b': { DetailedMetricsEnabled: true }, 'GET /b': { DetailedMetricsEnabled: false } } } },
      { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: http } },
    ];
    expect(templateMonitoring(resources).apiDetailedMetrics).toBe(2 * 5 + 2 * 6);
    expect(templateMonitoring([{ ...resources[6], Properties: { ApiId: http, DefaultRouteSettings: { DetailedMetricsEnabled: true } } }, resources[7], resources[7]]).apiDetailedMetrics).toBe(2 * 6);
  });

  test('priced per metric, alarm metric and dashboard a month; nothing without a measurement', () => {
    const prices = loadPrices();
    const usage: Usage = { awsCalls: [], lambda: [], sqsEventSources: [], stepFunctions: { executions: 0, stateTransitions: 0 }, restApis: [], monitoring: { customMetrics: 40, apiDetailedMetrics: 10, alarmMetrics: 100, compositeAlarms: 2, dashboards: 1 } };
    const cost = monitoringCostOf(usage, prices);
    expect(cost.lines.map((l) => [l.key, l.quantity, +l.usd.toFixed(2)])).toEqual([
      ['custom-metrics', 40, 12],
      ['api-detailed-metrics', 10, 3],
      ['alarms', 100, 10],
      ['composite-alarms', 2, 1],
      ['dashboards', 1, 3],
    ]);
    expect(cost.totalUsd).toBeCloseTo(29);
    expect(monitoringCostOf({ ...usage, monitoring: undefined }, prices).lines).toEqual([]);
    // The report: a section of its own and the months with it, at 1M and at 10,000 shipments.
    const sections = costSections(usage, 'a test run', 1);
    expect(sections.find((s) => s.title.startsWith('Fixed monthly costs'))?.rows.at(-1)).toEqual({ what: 'in all', quantity: '', unit: '', 'a month': '$29.00' });
    const totals = sections.find((s) => s.title.startsWith('AWS cost totals'))!.rows;
    expect(totals.find((r) => String(r.figure).startsWith('a month of 10,000 shipments'))?.ours).toBe('$29.00');
  });
});

describe('the custom metrics the functions published, in the emulator', () => {
  let emulator: Emulator;
  let cloudwatch: CloudWatchClient;
  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
    cloudwatch = new CloudWatchClient(clientConfig(emulator.endpoint));
  });
  afterAll(async () => {
    cloudwatch?.destroy();
    await emulator?.stop();
  });

  test('each namespace, name and dimension set once, however many data points; AWS namespaces are not custom', async () => {
    const datum = (name: string, service: string) => ({ MetricName: name, Dimensions: [{ Name: 'service', Value: service }], Value: 1 });
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'LogisticsSync', MetricData: [datum('SyncSucceeded', 'erp-outbound'), datum('SyncSucceeded', 'erp-outbound'), datum('SyncSucceeded', 'cs-outbound'), datum('RateLimitWait', 'cs-outbound')] }));
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'LogisticsSync', MetricData: [{ MetricName: 'SyncSucceeded', Value: 1 }] }));
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'Errors', Value: 1 }] }));
    expect(await countCustomMetrics(cloudwatch)).toBe(4);
  });

  test('the measure first has the sandbox put the EMF its functions wrote, then counts', async () => {
    const before = await countCustomMetrics(cloudwatch);
    // The sandbox's EMF forwarder, put on demand: what was written until the meter stopped is counted.
    const flushMetrics = async () => {
      await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'LogisticsSync', MetricData: [{ MetricName: 'WebhookAccepted', Dimensions: [{ Name: 'service', Value: 'fleet-inbound' }], Value: 1 }] }));
    };
    const measured = await measureMonitoring({ emulator, flushMetrics });
    expect(measured.customMetrics).toBe(before + 1);
    expect(measured).toMatchObject({ alarmMetrics: 0, dashboards: 0 });
  });
});
