import { describe, expect, test } from 'vitest';
import type { LocalRestApi } from '../../sandbox/runtime/api-gateway';
import { describeReports, localizeApiUrls } from '../../sandbox/sandbox';

describe('what the sandbox tells its users', () => {
  test('API Gateway invoke URLs in outputs point at the local server of that API; unknown APIs stay as they are', () => {
    const apis = [{ spec: { restApiId: 'abc123' }, baseUrl: 'http://127.0.0.1:4000' }] as unknown as LocalRestApi[];
    expect(localizeApiUrls('https://abc123.execute-api.us-east-1.amazonaws.com/v1/webhooks', apis)).toBe('http://127.0.0.1:4000/v1/webhooks');
    expect(localizeApiUrls('{"url":"https://zzz999.execute-api.us-east-1.amazonaws.com/v1/"}', apis)).toBe('{"url":"https://zzz999.execute-api.us-east-1.amazonaws.com/v1/"}');
  });

  test('resource types the emulator cannot create are reported once, by type, with counts', () => {
    const lines = describeReports({
      S: { emulator: { 'AWS::SQS::Queue': 2 }, runtime: { 'AWS::Lambda::EventSourceMapping': 1 }, notEmulated: { 'AWS::CloudWatch::Alarm': 3, 'AWS::SNS::Subscription': 1 }, conditionFalse: [] },
    });
    expect(lines).toEqual([
      'S: 2 resources created in the emulator (moto CloudFormation)',
      '  run by the local runtime instead: AWS::Lambda::EventSourceMapping',
      '  not emulated (moto cannot create them; no local behaviour): AWS::CloudWatch::Alarm ×3, AWS::SNS::Subscription',
    ]);
  });
});
