import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, test } from 'vitest';
import { parseStageConfig } from '../../lib/config/stage-config';
import { ErpReadBack, validateErpReadBackProps } from '../../lib/adapters/erp-read-back';
import { cdkJsonContext, synthStage } from '../support/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const stages = cdkJsonContext().stages;

describe('ErpReadBack (the SAP S/4HANA read-back)', () => {
  const xsuaa = 'https://lsync.authentication.eu10.hana.ondemand.com/oauth/token';
  const config = parseStageConfig(stages, 'dev', { systems: { erp: { tokenUrl: xsuaa } } }).systems.erp;
  const stack = new Stack(new App(), 'T');
  const readBack = new ErpReadBack(stack, 'ReadBack', { config, bus: new events.EventBus(stack, 'Bus'), queueRetention: Duration.days(4), deadLetterRetention: Duration.days(14) });
  const template = Template.fromStack(stack);

  test('a ReliableQueue (DLQ, redrive, alarm) with the ERP maxReceiveCount and a visibility of six function timeouts', () => {
    expect(readBack.reliableQueue.maxReceiveCount).toBe(config.outbound.maxReceiveCount);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      RedrivePolicy: { maxReceiveCount: config.outbound.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('SAP S/4HANA sales order read-back.*runbook') });
  });

  test('the function reads the S/4HANA host with the configured token URL and knows its queue and DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          API_BASE_URL: config.apiBaseUrl,
          TOKEN_URL: xsuaa,
          SECRET_NAME: config.secretName,
          QUEUE_URL: Match.anyValue(),
          DLQ_URL: Match.anyValue(),
          MAX_RECEIVE_COUNT: String(config.outbound.maxReceiveCount),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 } });
  });

  test('props are validated', () => {
    expect(validateErpReadBackProps({ config, bus: {} as events.IEventBus, batchSize: 11, maxConcurrency: 1 })).toEqual([
      'batchSize must be an integer between 1 and 10, got 11',
      'maxConcurrency must be between 2 and 1000 (SQS event source limit), got 1',
    ]);
  });
});

describe('the stack wires the read-back', () => {
  const { template } = synthStage('dev');
  const resources = template.toJSON().Resources as Resources;
  const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  const envOf = (id: string) => ((resources[id].Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {});

  test('the ERP inbound adapter gets the read-back queue URL (and no longer reads the ERP itself)', () => {
    const [erpInbound] = functions.filter(([id]) => id.startsWith('ErpInbound'));
    expect(envOf(erpInbound[0]).READ_BACK_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^SapReadBackErpSapReadBackQueue/) });
    expect(envOf(erpInbound[0]).API_BASE_URL).toBeUndefined();
  });

  test('monitored like every queue: lsync finds it as erp-sap-read-back (DLQ alarm, backlog age, discovery output)', () => {
    const outputs = Object.values(template.toJSON().Outputs as Record<string, { Value: unknown }>).map((o) => JSON.stringify(o.Value));
    expect(outputs.some((v) => v.includes('\\"name\\":\\"erp-sap-read-back\\"'))).toBe(true);
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => String(r.Properties?.AlarmDescription ?? ''));
    expect(alarms.some((d) => /erp-sap-read-back work queue/.test(d))).toBe(true);
  });

  test('the ERP inbound adapter may send to the read-back queue', () => {
    const policies = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('ErpInbound'));
    const statements = policies.flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']), Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SapReadBackErpSapReadBackQueue/), 'Arn'] } }),
    );
  });
});
