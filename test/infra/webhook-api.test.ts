import { Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, test } from 'vitest';
import { InboundAdapter, validateInboundAdapterProps } from '../../lib/adapters/inbound-adapter';
import { CS_DIALECTS } from '../../lambdas/cs/inbound/routes';
import { InMemorySapReadBackQueue } from '../../lambdas/erp/inbound/read-back-queue';
import { erpDialects } from '../../lambdas/erp/inbound/routes';
import { FLEET_DIALECTS } from '../../lambdas/fleet/inbound/routes';
import { signatureHeaders, VENDOR_DIALECTS, CANONICAL_DIALECT } from '../../registry/vendors';
import { validateWebhookApiProps, WebhookApi } from '../../lib/adapters/webhook-api';
import { synthStage } from '../support/synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

function inspect(stage: string) {
  const { template, built } = synthStage(stage);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const webhookApiId = ofType('AWS::ApiGateway::RestApi').find(([, r]) => String(r.Properties.Description).includes('inbound webhooks'))![0];
  const ref = (v: unknown) => (v as { Ref?: string })?.Ref;
  // Rebuild each resource's path from the PathPart / ParentId chain (no logical ids hard-coded).
  const pathOf = (id: string): string => {
    const r = resources[id];
    const parent = r.Properties.ParentId as { Ref?: string; 'Fn::GetAtt'?: string[] };
    const prefix = parent.Ref ? pathOf(parent.Ref) : '';
    return `${prefix}/${String(r.Properties.PathPart)}`;
  };
  const allMethods = ofType('AWS::ApiGateway::Method')
    .filter(([, r]) => ref(r.Properties.RestApiId) === webhookApiId)
    .map(([id, r]) => ({ id, path: pathOf(ref(r.Properties.ResourceId)!), props: r.Properties }));
  // The webhooks (POST); the GET of a dialect that may handshake that way is checked on its own.
  const methods = allMethods.filter((m) => m.props.HttpMethod === 'POST');
  const handshakeMethods = allMethods.filter((m) => m.props.HttpMethod !== 'POST');
  const functions = ofType('AWS::Lambda::Function').filter(([, r]) => /-inbound$/.test(String((r.Properties.Environment as { Variables: Record<string, string> })?.Variables?.POWERTOOLS_SERVICE_NAME)));
  const fnBySystem = (system: string) => functions.find(([, r]) => (r.Properties.Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_SERVICE_NAME === `${system}-inbound`)!;
  const stageResource = ofType('AWS::ApiGateway::Stage').find(([, r]) => ref(r.Properties.RestApiId) === webhookApiId)![1];
  return { template, built, resources, ofType, webhookApiId, methods, handshakeMethods, functions, fnBySystem, stage: stageResource };
}

const dev = inspect('dev');

describe('webhook API', () => {
  test('one POST route per dialect the inbound handlers implement, each a Lambda proxy integration to its system\'s inbound function', () => {
    // The dialects each system's handler really serves (lambdas/<system>/inbound/routes.ts), against the routes the
    // registry made the API declare: a dialect in one and not the other fails here.
    const implemented = { fleet: FLEET_DIALECTS, cs: CS_DIALECTS, erp: erpDialects(new InMemorySapReadBackQueue()) };
    const expected = Object.entries(implemented).flatMap(([system, dialects]) => dialects.map((d) => `/webhooks/${system}/${d.name}`));
    expect(dev.methods.map((m) => m.path).sort()).toEqual(expected.sort());
    expect(expected).toEqual(expect.arrayContaining(['/webhooks/fleet/samsara', '/webhooks/fleet/motive', '/webhooks/cs/zendesk', '/webhooks/erp/cloudevents', '/webhooks/erp/canonical', '/webhooks/fleet/canonical', '/webhooks/cs/canonical']));
    for (const method of dev.methods) {
      const system = method.path.split('/')[2];
      const [fnId] = dev.fnBySystem(system);
      expect(method.props).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' } });
      expect(JSON.stringify((method.props.Integration as { Uri: unknown }).Uri), method.path).toContain(`"${fnId}"`);
    }
  });

  test('only Business Central\'s route answers GET (its subscription handshake may come that way), with the token required and the same throttle', () => {
    expect(dev.handshakeMethods.map((m) => [m.path, m.props.HttpMethod])).toEqual([['/webhooks/erp/business-central', 'GET']]);
    const [get] = dev.handshakeMethods;
    expect(get!.props).toMatchObject({ AuthorizationType: 'NONE', RequestParameters: { 'method.request.querystring.validationToken': true }, Integration: { Type: 'AWS_PROXY' } });
    const settings = dev.stage.Properties.MethodSettings as { ResourcePath: string; HttpMethod: string }[];
    expect(settings.filter((m) => m.ResourcePath === '/~1webhooks~1erp~1business-central').map((m) => m.HttpMethod).sort()).toEqual(['GET', 'POST']);
  });

  test('every route requires its dialect\'s signature headers, checked by a request validator', () => {
    const validators = dev.ofType('AWS::ApiGateway::RequestValidator').filter(([, r]) => (r.Properties.RestApiId as { Ref: string }).Ref === dev.webhookApiId);
    expect(validators).toHaveLength(1);
    expect(validators[0][1].Properties).toMatchObject({ ValidateRequestParameters: true });
    for (const method of dev.methods) {
      const dialect = method.path.split('/')[3];
      const entry = dialect === 'canonical' ? CANONICAL_DIALECT : VENDOR_DIALECTS[dialect as keyof typeof VENDOR_DIALECTS];
      const required = Object.fromEntries(signatureHeaders(entry).map((h) => [`method.request.header.${h}`, true]));
      expect(method.props.RequestParameters, method.path).toEqual(required);
      expect((method.props.RequestValidatorId as { Ref: string }).Ref).toBe(validators[0][0]);
    }
  });

  test('each route is throttled with its system\'s limits from the stage config', () => {
    const settings = dev.stage.Properties.MethodSettings as { ResourcePath: string; HttpMethod: string; ThrottlingRateLimit: number; ThrottlingBurstLimit: number }[];
    for (const method of dev.methods) {
      const system = method.path.split('/')[2] as 'erp' | 'fleet' | 'cs';
      const setting = settings.find((s) => s.ResourcePath === method.path.replaceAll('/', '~1').replace(/^/, '/') && s.HttpMethod === 'POST');
      expect(setting, method.path).toMatchObject({
        ThrottlingRateLimit: dev.built.config.systems[system].webhook.rateLimitPerSecond,
        ThrottlingBurstLimit: dev.built.config.systems[system].webhook.burstLimit,
      });
    }
  });

  test('prod uses prod\'s limits (fleet is the busiest route)', () => {
    const prod = inspect('prod');
    const settings = prod.stage.Properties.MethodSettings as { ResourcePath: string; ThrottlingRateLimit: number; ThrottlingBurstLimit: number }[];
    expect(settings.find((s) => s.ResourcePath === '/~1webhooks~1fleet~1samsara')).toMatchObject({
      ThrottlingRateLimit: prod.built.config.systems.fleet.webhook.rateLimitPerSecond,
      ThrottlingBurstLimit: prod.built.config.systems.fleet.webhook.burstLimit,
    });
  });

  test('access logs go to a log group with retention; execution logs carry no bodies; tracing and metrics are on', () => {
    const destination = (dev.stage.Properties.AccessLogSetting as { DestinationArn: { 'Fn::GetAtt': [string, string] } }).DestinationArn['Fn::GetAtt'][0];
    expect(dev.resources[destination].Type).toBe('AWS::Logs::LogGroup');
    expect(dev.resources[destination].Properties.RetentionInDays).toBeGreaterThan(0);
    const format = JSON.parse((dev.stage.Properties.AccessLogSetting as { Format: string }).Format) as Record<string, string>;
    expect(Object.keys(format)).toEqual(expect.arrayContaining(['requestId', 'ip', 'resourcePath', 'status', 'integrationLatency']));
    expect(Object.values(format).join(' ')).not.toMatch(/\$input|body/);
    expect(dev.stage.Properties).toMatchObject({ TracingEnabled: true });
    expect(dev.stage.Properties.MethodSettings).toEqual(expect.arrayContaining([expect.objectContaining({ ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true })]));
  });

  test('API Gateway\'s own errors answer in the functions\' JSON error shape; a missing signature header is a 401', () => {
    const responses = dev.ofType('AWS::ApiGateway::GatewayResponse').filter(([, r]) => (r.Properties.RestApiId as { Ref: string }).Ref === dev.webhookApiId);
    const byType = Object.fromEntries(responses.map(([, r]) => [r.Properties.ResponseType as string, r.Properties])) as Record<string, Record<string, unknown>>;
    expect(byType.BAD_REQUEST_PARAMETERS).toMatchObject({ StatusCode: '401' });
    expect(byType.THROTTLED).toMatchObject({ StatusCode: '429' });
    expect(byType.REQUEST_TOO_LARGE).toMatchObject({ StatusCode: '413' });
    for (const response of Object.values(byType)) {
      expect((response.ResponseTemplates as Record<string, string>)['application/json']).toMatch(/^\{"error":"[a-z-]+","message":\$context\.error\.messageString\}$/);
    }
  });
});

describe('inbound adapters', () => {
  test('one function per source system, with the bus, idempotency table, secret and webhook bounds from config', () => {
    expect(dev.functions).toHaveLength(3);
    const busId = dev.ofType('AWS::Events::EventBus')[0][0];
    const tableId = dev.ofType('AWS::DynamoDB::Table').find(([, r]) => JSON.stringify(r.Properties.KeySchema).includes('"id"'))![0];
    for (const system of ['fleet', 'cs', 'erp'] as const) {
      const [, fn] = dev.fnBySystem(system);
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({
        EVENT_BUS_NAME: { Ref: busId },
        IDEMPOTENCY_TABLE: { Ref: tableId },
        SECRET_NAME: dev.built.config.systems[system].secretName,
        WEBHOOK_MAX_BODY_BYTES: String(dev.built.config.webhooks.maxBodyBytes),
        WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: String(dev.built.config.webhooks.timestampToleranceSeconds),
        IDEMPOTENCY_TTL_SECONDS: String(dev.built.config.retention.idempotencyTtlHours * 3600),
      });
      expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Timeout as number).toBeLessThanOrEqual(10);
    }
    // The ERP adapter hands thin SAP sales-order events to the read-back queue (lib/adapters/erp-read-back.ts); it calls no API itself.
    const erpEnv = (dev.fnBySystem('erp')[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(erpEnv.READ_BACK_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^SapReadBackErpSapReadBackQueue/) });
    expect(erpEnv.API_BASE_URL).toBeUndefined();
    // The fleet adapter sends an alert the index cannot place yet to the recheck queue (lib/adapters/alert-recheck.ts).
    const fleetEnv = (dev.fnBySystem('fleet')[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(fleetEnv.ALERT_RECHECK_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^AlertRecheckFleetAlertRecheckQueue/) });
  });

  test('least privilege: PutEvents on the bus, item access on the idempotency table, GetSecretValue on the system\'s secret only', () => {
    for (const system of ['fleet', 'cs', 'erp'] as const) {
      const [fnId, fn] = dev.fnBySystem(system);
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const policies = dev.ofType('AWS::IAM::Policy').filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId));
      const statements = policies.flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
      const actions = statements.flatMap((s) => [s.Action].flat()).sort();
      // The ERP adapter also sends thin SAP sales-order events to the read-back queue, the fleet adapter the alerts the
      // index cannot place yet to the recheck queue (SendMessage; SSE-SQS needs no KMS grant).
      const readBack = system === 'cs' ? [] : ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
      // The fleet adapter reads the correlation index (the shipments on an alerting asset: its assignments, their states).
      const index = system === 'fleet' ? ['dynamodb:BatchGetItem', 'dynamodb:Query'] : [];
      expect(actions, fnId).toEqual(
        // The idempotency records: read, then written once (an update) after publishing; never claimed or deleted.
        ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'events:PutEvents', 'secretsmanager:GetSecretValue', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments', ...readBack, ...index].sort(),
      );
      const secret = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue')!;
      expect(JSON.stringify(secret.Resource)).toContain(`:secret:${dev.built.config.systems[system].secretName}-??????`);
      for (const s of statements.filter((st) => st.Resource === '*')) expect([s.Action].flat().every((a) => a.startsWith('xray:'))).toBe(true);
    }
  });
});

describe('construct validation', () => {
  const stack = () => {
    const s = new Stack();
    return { stack: s, bus: new events.EventBus(s, 'Bus'), table: new dynamodb.Table(s, 'T', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }) };
  };

  test('inbound adapter props are checked, naming the bad value', () => {
    const { bus, table } = stack();
    expect(validateInboundAdapterProps({ system: 'fleet', bus, idempotencyTable: table, secretName: 'a/b', maxBodyBytes: 100 })).toEqual([expect.stringMatching(/maxBodyBytes .* got 100/)]);
    expect(validateInboundAdapterProps({ system: 'fleet', bus, idempotencyTable: table, secretName: 'bad name!' })).toEqual([expect.stringMatching(/"bad name!"/)]);
    expect(validateInboundAdapterProps({ system: 'fleet', bus, idempotencyTable: table, secretName: 'a', timestampTolerance: Duration.hours(2) })).toEqual([expect.stringMatching(/timestampTolerance/)]);
    const s = stack();
    expect(() => new InboundAdapter(s.stack, 'In', { system: 'cs', bus: s.bus, idempotencyTable: s.table, secretName: 'x', maxBodyBytes: 20 * 1024 * 1024 })).toThrow(/maxBodyBytes must be an integer between/);
  });

  test('webhook API props are checked: positive limits, burst at least the rate, each system once', () => {
    const s = stack();
    const adapter = new InboundAdapter(s.stack, 'In', { system: 'cs', bus: s.bus, idempotencyTable: s.table, secretName: 'x' });
    expect(validateWebhookApiProps({ systems: [{ adapter, throttle: { rateLimitPerSecond: 10, burstLimit: 5 } }] })).toEqual([expect.stringMatching(/burstLimit \(5\) must not be below rateLimitPerSecond \(10\)/)]);
    expect(validateWebhookApiProps({ systems: [{ adapter, throttle: { rateLimitPerSecond: 0, burstLimit: 5 } }] })).toEqual([expect.stringMatching(/rateLimitPerSecond must be positive/)]);
    expect(() => new WebhookApi(s.stack, 'Api', { systems: [{ adapter, throttle: { rateLimitPerSecond: 1, burstLimit: 1 } }, { adapter, throttle: { rateLimitPerSecond: 1, burstLimit: 1 } }] })).toThrow(/appears more than once/);
  });
});
