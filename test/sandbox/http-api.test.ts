import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { accessLogFields } from '../../lib/adapters/webhook-api';
import type { DeployedStack } from '../../sandbox/deploy/deployer';
import { standIn } from '../../sandbox/deploy/emulator-template';
import { localizeApiUrls } from '../../sandbox/endpoints';
import { LocalRestApi } from '../../sandbox/runtime/api-gateway/server';
import { httpApiSpecs } from '../../sandbox/runtime/api-gateway/specs';
import type { FunctionRegistry } from '../../sandbox/runtime/functions';

/**
 * The sandbox's HTTP API (stage setting `webhooks.api: "http"`): read from the template's AWS::ApiGatewayV2
 * resources (moto cannot create them) and served by the local API server with HTTP API's own behaviour.
 */

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:fleet-inbound';

/** The resolved template resources of an HTTP API as CDK synthesizes the webhook API (payload format 1.0). */
const RESOURCES: Record<string, { type: string; physicalId: string; properties: Record<string, unknown> }> = {
  Api: { type: 'AWS::ApiGatewayV2::Api', physicalId: 'a1b2c3d4e5', properties: { ProtocolType: 'HTTP', Name: 'webhooks' } },
  Integration: { type: 'AWS::ApiGatewayV2::Integration', physicalId: 'S-Integration', properties: { ApiId: 'a1b2c3d4e5', IntegrationType: 'AWS_PROXY', IntegrationUri: FUNCTION_ARN, PayloadFormatVersion: '1.0' } },
  Samsara: { type: 'AWS::ApiGatewayV2::Route', physicalId: 'S-Samsara', properties: { ApiId: 'a1b2c3d4e5', RouteKey: 'POST /webhooks/fleet/samsara', Target: 'integrations/S-Integration', AuthorizationType: 'NONE' } },
  Stage: {
    type: 'AWS::ApiGatewayV2::Stage',
    physicalId: 'v1',
    properties: {
      ApiId: 'a1b2c3d4e5',
      StageName: 'v1',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: { 'POST /webhooks/fleet/samsara': { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 } },
      // The webhook HTTP API's access log format (lib/adapters/webhook-http-api.ts).
      AccessLogSettings: { DestinationArn: 'arn:aws:logs:us-east-1:000000000000:log-group:access', Format: JSON.stringify(accessLogFields('http')) },
    },
  },
};

const deployed = {
  stackName: 'S',
  ofType: (type: string) => Object.entries(RESOURCES).filter(([, r]) => r.type === type).map(([logicalId, r]) => ({ logicalId, type, physicalId: r.physicalId })),
  properties: (logicalId: string) => RESOURCES[logicalId]!.properties,
} as unknown as DeployedStack;

const invocations: { event: Record<string, unknown> }[] = [];
const functions = {
  find: (reference: string) =>
    reference === FUNCTION_ARN
      ? {
          spec: { functionName: 'fleet-inbound' },
          invoke: async (event: Record<string, unknown>) => {
            invocations.push({ event });
            return { ok: true, payload: { statusCode: 202, body: '{"status":"accepted"}' } };
          },
        }
      : undefined,
} as unknown as FunctionRegistry;

let server: LocalRestApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  invocations.length = 0;
});

async function serve(accessLogDir?: string): Promise<LocalRestApi> {
  const [spec] = httpApiSpecs(deployed);
  server = new LocalRestApi(spec!, functions, accessLogDir ? { accessLogDir } : {});
  await server.listen();
  return server;
}

describe('an HTTP API in the sandbox', () => {
  test('the template reads as routes to the function, the stage with its route and default throttling', () => {
    const [spec] = httpApiSpecs(deployed);
    expect(spec).toMatchObject({ protocol: 'HTTP', restApiId: 'a1b2c3d4e5', stages: [{ stageName: 'v1' }] });
    expect(spec!.methods).toEqual([expect.objectContaining({ httpMethod: 'POST', resourcePath: '/webhooks/fleet/samsara', integrationType: 'AWS_PROXY', functionArn: FUNCTION_ARN })]);
    expect([...spec!.stages[0]!.throttling]).toEqual([
      ['/* *', { rateLimit: 50, burstLimit: 100 }],
      ['/webhooks/fleet/samsara POST', { rateLimit: 1, burstLimit: 2 }],
    ]);
  });

  test('a webhook reaches the function as payload format 1.0: version, lower-case header names, JSON as text', async () => {
    const api = await serve();
    const response = await fetch(`${api.stageUrl()}webhooks/fleet/samsara`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Samsara-Signature': 'v1=abc' }, body: '{"eventId":"e1"}' });
    expect(response.status).toBe(202);
    expect(response.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const [{ event }] = invocations as [{ event: { version: string; resource: string; path: string; headers: Record<string, string>; body: string; isBase64Encoded: boolean; requestContext: { stage: string } } }];
    expect(event).toMatchObject({ version: '1.0', resource: '/webhooks/fleet/samsara', path: '/webhooks/fleet/samsara', body: '{"eventId":"e1"}', isBase64Encoded: false, requestContext: { stage: 'v1' } });
    expect(event.headers['x-samsara-signature']).toBe('v1=abc');
    expect(Object.keys(event.headers).every((h) => h === h.toLowerCase())).toBe(true);
  });

  test('a body of a binary media type comes base64-encoded (an HTTP API infers it from the Content-Type)', async () => {
    const api = await serve();
    await fetch(`${api.stageUrl()}webhooks/fleet/samsara`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'raw' });
    expect(invocations[0]!.event).toMatchObject({ isBase64Encoded: true, body: Buffer.from('raw').toString('base64') });
  });

  test("the gateway's own answers are HTTP API's: 404 Not Found for an unknown route, 429 past the route's burst", async () => {
    const api = await serve();
    const unknown = await fetch(`${api.stageUrl()}webhooks/fleet/unknown`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    expect(invocations).toHaveLength(0);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${api.stageUrl()}webhooks/fleet/samsara`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    // Burst 2 at 1 request per second: the third and fourth request of the same instant are throttled.
    expect(statuses).toEqual([202, 202, 429, 429]);
  });

  test("each request gets an access log line in the stage's format, the gateway's own answers included; their bytes are counted", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lsync-access-'));
    try {
      const api = await serve(dir);
      const accepted = await fetch(`${api.stageUrl()}webhooks/fleet/samsara`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Samsara-Webhooks/1.0' }, body: '{}' });
      await fetch(`${api.stageUrl()}webhooks/fleet/unknown`, { method: 'POST', body: '{}' });
      await fetch(`${api.baseUrl}/no-such-stage/webhooks/fleet/samsara`, { method: 'POST', body: '{}' });
      await api.close();
      server = undefined;
      const written = readFileSync(path.join(dir, 'S-Api-v1.log'), 'utf8');
      const lines = written.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
      // No line for a stage that does not exist: access logs are a stage's.
      expect(lines).toHaveLength(2);
      expect(lines[0]).toEqual({
        requestId: accepted.headers.get('apigw-requestid'),
        requestTime: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        ip: '127.0.0.1',
        userAgent: 'Samsara-Webhooks/1.0',
        method: 'POST',
        routeKey: 'POST /webhooks/fleet/samsara',
        status: '202',
        responseLength: String('{"status":"accepted"}'.length),
        integrationStatus: '202',
        integrationLatency: expect.stringMatching(/^\d+$/),
        responseLatency: expect.stringMatching(/^\d+$/),
        error: '-',
        errorType: '-',
      });
      expect(lines[1]).toMatchObject({ routeKey: '-', status: '404', integrationStatus: '-', error: 'Missing Authentication Token', errorType: 'MISSING_AUTHENTICATION_TOKEN' });
      expect(api.stats).toMatchObject({ accessLogLines: 2, accessLogBytes: Buffer.byteLength(written) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the API's stand-in id is an API Gateway id, so its invoke URL in the outputs is made local", async () => {
    const id = standIn('S', { Type: 'AWS::ApiGatewayV2::Api', Properties: {} }, { logicalId: 'WebhookHttpApi' });
    expect(id).toMatch(/^[a-z0-9]{10}$/);
    expect(standIn('S', { Type: 'AWS::ApiGatewayV2::Api', Properties: {} }, { logicalId: 'WebhookHttpApi' })).toBe(id);
    const apis = [{ spec: { restApiId: id }, baseUrl: 'http://127.0.0.1:4000' }] as unknown as LocalRestApi[];
    expect(localizeApiUrls(`https://${id}.execute-api.us-east-1.amazonaws.com/v1/`, apis)).toBe('http://127.0.0.1:4000/v1/');
  });
});
