import { describe, expect, test } from 'vitest';
import { LIMITS, limitFindings } from '../support/limits';
import { synthStage } from '../support/synth';

/** Limits the emulator does not enforce (test/support/limits.ts has each one's source), at 80 % of each. */
describe('service limits, with 20 % headroom', () => {
  test.each(['dev', 'prod', 'sandbox'])('stage %s uses at most four fifths of every limit', (stage) => {
    const { template } = synthStage(stage);
    expect(limitFindings(template.toJSON())).toEqual([]);
  });

  test('the dev stage with its webhooks on an HTTP API (webhooks.api: "http") too', () => {
    const { template } = synthStage('dev', { configOverrides: JSON.stringify({ webhooks: { api: 'http' } }) });
    expect(limitFindings(template.toJSON())).toEqual([]);
  });

  test('the check fails at 80 % of a limit', () => {
    const resources = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`Queue${i}`, { Type: 'AWS::SQS::Queue' }]));
    expect(limitFindings({ Resources: resources(400) })).toEqual([]);
    expect(limitFindings({ Resources: resources(401) })).toEqual(['resources: 401 of 500 (more than 80 %)']);
    expect(limitFindings({}, 'x'.repeat(800_001))).toEqual(['template bytes: 800001 of 1000000 (more than 80 %)']);
    const fn = (timeout: number, variables: Record<string, string> = {}) => ({
      Resources: {
        Handler: { Type: 'AWS::Lambda::Function', Properties: { Timeout: timeout, Environment: { Variables: variables } } },
        Permission: { Type: 'AWS::Lambda::Permission', Properties: { Principal: 'apigateway.amazonaws.com', FunctionName: { 'Fn::GetAtt': ['Handler', 'Arn'] } } },
      },
    });
    expect(limitFindings(fn(23))).toEqual([]);
    expect(limitFindings(fn(24))).toEqual([`Handler timeout behind API Gateway (s): 24 of ${LIMITS.apiIntegrationSeconds} (more than 80 %)`]);
    expect(limitFindings(fn(10, { BIG: 'v'.repeat(3_300) }))).toEqual(['Handler environment bytes: 3303 of 4096 (more than 80 %)']);
  });
});
