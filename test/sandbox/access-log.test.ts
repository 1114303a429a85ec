import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { describe, expect, test } from 'vitest';
import { accessLogFields } from '../../lib/adapters/webhook-api';
import { clfTime, renderAccessLog, type AccessLogEntry } from '../../sandbox/runtime/api-gateway/access-log';

/** API Gateway's access log line, rendered by the sandbox's local API server from a stage's format. */
describe('access log lines', () => {
  const entry: AccessLogEntry = {
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    requestTime: new Date('2026-12-08T07:05:09.123Z'),
    sourceIp: '203.0.113.7',
    userAgent: 'Samsara-Webhooks/1.0',
    httpMethod: 'POST',
    path: '/webhooks/fleet/samsara',
    stage: 'v1',
    apiId: 'a1b2c3d4e5',
    resourcePath: '/webhooks/fleet/samsara',
    status: 202,
    responseLength: 21,
    integrationStatus: 202,
    integrationLatencyMs: 85,
    responseLatencyMs: 91,
    xrayTraceId: '1-6b16d281-fb339f94d174987b679655d9',
  };

  test("requestTime is API Gateway's CLF time, in UTC", () => {
    expect(clfTime(entry.requestTime)).toBe('08/Dec/2026:07:05:09 +0000');
    expect(clfTime(new Date('2027-01-31T23:59:59Z'))).toBe('31/Jan/2027:23:59:59 +0000');
  });

  test("the webhook REST API's format: every field from the request, a variable without a value as '-'", () => {
    const line = JSON.parse(renderAccessLog(JSON.stringify(accessLogFields('rest')), entry)) as Record<string, string>;
    expect(line).toEqual({
      requestId: entry.requestId,
      requestTime: '08/Dec/2026:07:05:09 +0000',
      ip: '203.0.113.7',
      userAgent: 'Samsara-Webhooks/1.0',
      method: 'POST',
      resourcePath: '/webhooks/fleet/samsara',
      status: '202',
      responseLength: '21',
      integrationStatus: '202',
      integrationLatency: '85',
      responseLatency: '91',
      error: '-',
      errorType: '-',
      xrayTraceId: entry.xrayTraceId,
    });
  });

  test("the gateway's own answer: its error message and response type, no integration", () => {
    const throttled: AccessLogEntry = { ...entry, status: 429, integrationStatus: undefined, integrationLatencyMs: undefined, errorMessage: 'Too Many Requests', errorResponseType: 'THROTTLED' };
    const line = JSON.parse(renderAccessLog(JSON.stringify(accessLogFields('http')), { ...throttled, resourcePath: undefined, routeKey: 'POST /webhooks/fleet/samsara' })) as Record<string, string>;
    expect(line).toMatchObject({ routeKey: 'POST /webhooks/fleet/samsara', status: '429', integrationStatus: '-', integrationLatency: '-', error: 'Too Many Requests', errorType: 'THROTTLED' });
    expect(line).not.toHaveProperty('xrayTraceId');
  });

  test("CDK's JSON with standard fields (the trace and visibility APIs): caller and user, which the sandbox does not know, as '-'", () => {
    const line = JSON.parse(renderAccessLog(AccessLogFormat.jsonWithStandardFields().toString(), entry)) as Record<string, string>;
    expect(line).toEqual({ requestId: entry.requestId, ip: '203.0.113.7', user: '-', caller: '-', requestTime: '08/Dec/2026:07:05:09 +0000', httpMethod: 'POST', resourcePath: '/webhooks/fleet/samsara', status: '202', protocol: 'HTTP/1.1', responseLength: '21' });
  });

  test('a format that is not JSON is rendered as it is, variable by variable', () => {
    expect(renderAccessLog('$context.httpMethod $context.path $context.status $context.unknownThing.', entry)).toBe('POST /v1/webhooks/fleet/samsara 202 -.');
  });
});
