import { describe, expect, test } from 'vitest';
import { CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { erpDialects } from '../../lambdas/erp/inbound/routes';
import { FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { parseStageConfig } from '../../lib/config/stage-config';
import { cdkJsonContext, synthStage } from '../support/synth';

/** The stage setting `webhooks.api: "http"`: the webhook routes on an API Gateway HTTP API (lib/adapters/webhook-http-api.ts). */

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

const HTTP = { configOverrides: JSON.stringify({ webhooks: { api: 'http' } }) };

function inspect(stage: string) {
  const { template, built } = synthStage(stage, HTTP);
  const json = template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
  const resources = json.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const [[apiId, api]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
  const ref = (v: unknown) => (v as { Ref?: string })?.Ref;
  const integrations = new Map(ofType('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, r.Properties]));
  const routes = ofType('AWS::ApiGatewayV2::Route').map(([id, r]) => {
    const target = JSON.stringify(r.Properties.Target);
    const integrationId = [...integrations.keys()].find((i) => target.includes(`"${i}"`))!;
    return { id, key: String(r.Properties.RouteKey), props: r.Properties, integration: integrations.get(integrationId)! };
  });
  const [[, stageResource]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
  const fnBySystem = (system: string) =>
    ofType('AWS::Lambda::Function').find(([, r]) => (r.Properties.Environment as { Variables: Record<string, string> } | undefined)?.Variables?.POWERTOOLS_SERVICE_NAME === `${system}-inbound`)![0];
  return { json, built, resources, ofType, apiId, api, routes, stage: stageResource, ref, fnBySystem };
}

const dev = inspect('dev');

describe('webhook HTTP API (stage webhooks.api: "http")', () => {
  test('the stage config takes "rest" or "http", nothing else', () => {
    const stages = cdkJsonContext().stages;
    expect(parseStageConfig(stages, 'dev', { webhooks: { api: 'http' } }).webhooks.api).toBe('http');
    expect(parseStageConfig(stages, 'dev').webhooks.api).toBeUndefined();
    expect(() => parseStageConfig(stages, 'dev', { webhooks: { api: 'websocket' } })).toThrow(/webhooks\/api|webhooks\.api/);
  });

  test('an HTTP API replaces the webhook REST API; the trace and visibility REST APIs stay, with one account-level logging role between them', () => {
    expect(dev.api.Properties).toMatchObject({ ProtocolType: 'HTTP' });
    const restApis = dev.ofType('AWS::ApiGateway::RestApi').map(([, r]) => String(r.Properties.Description));
    expect(restApis.some((d) => d.includes('inbound webhooks'))).toBe(false);
    expect(restApis).toHaveLength(2);
    expect(dev.ofType('AWS::ApiGateway::Account')).toHaveLength(1);
    // WebhookBaseUrl is the HTTP API's stage URL, with the trailing slash clients append routes to.
    const url = JSON.stringify(dev.json.Outputs.WebhookBaseUrl!.Value);
    expect(url).toContain(`{"Ref":"${dev.apiId}"}`);
    expect(url).toMatch(/\/v1\/"\]\]\}$/);
  });

  test("the same routes as the REST API, each a Lambda proxy integration (payload format 1.0, the REST API's event) to its system's inbound function", () => {
    const implemented = { fleet: FLEET_DIALECTS, cs: CS_DIALECTS, erp: erpDialects(new InMemorySapReadBackQueue()) };
    const expected = Object.entries(implemented).flatMap(([system, dialects]) => dialects.map((d) => `POST /webhooks/${system}/${d.name}`));
    expect(dev.routes.map((r) => r.key).sort()).toEqual([...expected, 'GET /webhooks/erp/business-central'].sort());
    for (const route of dev.routes) {
      const system = route.key.split('/')[2]!;
      expect(route.props).toMatchObject({ AuthorizationType: 'NONE', ApiId: { Ref: dev.apiId } });
      expect(route.integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '1.0', IntegrationUri: { 'Fn::GetAtt': [dev.fnBySystem(system), 'Arn'] } });
    }
    // API Gateway may invoke each inbound function for the routes of this API only.
    for (const system of ['erp', 'fleet', 'cs']) {
      const permissions = dev.ofType('AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties.FunctionName).includes(`"${dev.fnBySystem(system)}"`) && r.Properties.Principal === 'apigateway.amazonaws.com');
      expect(permissions.length, system).toBeGreaterThan(0);
      for (const [, p] of permissions) expect(JSON.stringify(p.Properties.SourceArn)).toContain(`{"Ref":"${dev.apiId}"}`);
    }
  });

  test("each route is throttled with its system's limits from the stage config; the stage default is the highest of them", () => {
    const settings = dev.stage.Properties.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(Object.keys(settings).sort()).toEqual(dev.routes.map((r) => r.key).sort());
    const limits = dev.built.config.systems;
    for (const route of dev.routes) {
      const system = route.key.split('/')[2] as 'erp' | 'fleet' | 'cs';
      expect(settings[route.key], route.key).toMatchObject({ ThrottlingRateLimit: limits[system].webhook.rateLimitPerSecond, ThrottlingBurstLimit: limits[system].webhook.burstLimit });
    }
    expect(dev.stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: Math.max(...Object.values(limits).map((s) => s.webhook.rateLimitPerSecond)),
      ThrottlingBurstLimit: Math.max(...Object.values(limits).map((s) => s.webhook.burstLimit)),
      DetailedMetricsEnabled: true,
    });
    // A route's settings need the route: the stage waits for every route.
    expect(dev.stage.DependsOn).toEqual(expect.arrayContaining(dev.routes.map((r) => r.id)));
  });

  test('stage v1 deploys itself and logs each request as JSON (route, status, latencies) without bodies or headers', () => {
    expect(dev.stage.Properties).toMatchObject({ StageName: 'v1', AutoDeploy: true });
    const settings = dev.stage.Properties.AccessLogSettings as { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    expect(dev.resources[settings.DestinationArn['Fn::GetAtt'][0]]!.Properties.RetentionInDays).toBeGreaterThan(0);
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status', integrationLatency: '$context.integration.latency', errorType: '$context.error.responseType' });
    expect(Object.values(format).join(' ')).not.toMatch(/\$input|body|header/i);
  });

  test('its 5xx and 4xx rates alarm as the REST API\'s do, on the HTTP API\'s metrics (ApiId and Stage)', () => {
    const alarms = dev.ofType('AWS::CloudWatch::Alarm').filter(([id]) => /WebhookHttpApiApi(5|4)xxRate/.test(id));
    expect(alarms).toHaveLength(2);
    for (const [, alarm] of alarms) {
      const metrics = (alarm.Properties.Metrics as { MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] } } }[]).filter((m) => m.MetricStat);
      expect(metrics.map((m) => m.MetricStat!.Metric.MetricName).sort()).toEqual(expect.arrayContaining(['Count']));
      for (const m of metrics) {
        expect(m.MetricStat!.Metric.Namespace).toBe('AWS/ApiGateway');
        expect(m.MetricStat!.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'ApiId', Value: { Ref: dev.apiId } }, { Name: 'Stage', Value: 'v1' }]));
      }
    }
  });
});
