import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, test } from 'vitest';
import { BusinessCentralSubscriptions } from '../../lib/adapters/business-central';
import { parseStageConfig } from '../../lib/config/stage-config';
import { Powertools } from '../../lib/core/powertools';
import { Monitoring } from '../../lib/monitoring/monitoring';
import { RUNBOOK } from '../../registry/catalog';
import { limitFindings } from '../support/limits';
import { BC_COMPANY_ID, BC_STAGE_OVERRIDES } from '../support/bc-stage';
import { cdkJsonContext, synthStage } from '../support/synth';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Resources = Record<string, Resource>;
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

const stages = cdkJsonContext().stages;
const BC = BC_STAGE_OVERRIDES.systems.erp;

describe('stage config of a Business Central ERP', () => {
  test('a BC stage with its company, ship-from location and Entra token URL is valid; the custom API path defaults', () => {
    const config = parseStageConfig(stages, 'dev', BC_STAGE_OVERRIDES);
    expect(config.systems.erp.vendor).toBe('business-central');
    expect(config.systems.erp.businessCentral).toEqual({ companyId: BC_COMPANY_ID, shipFromLocation: 'DC-ATL' });
  });

  test('without its settings it is refused, naming each missing one and where to find it', () => {
    expect(() => parseStageConfig(stages, 'dev', { systems: { erp: { vendor: 'business-central' } } })).toThrow(
      /systems\.erp\.businessCentral is required when systems\.erp\.vendor is "business-central".*\n.*systems\.erp\.tokenUrl is required .*login\.microsoftonline\.com.*\n.*systems\.erp\.apiBaseUrl must be the Business Central environment's root/,
    );
  });

  test('bad values are refused by the schema: a company id that is no GUID, a custom API path that is not publisher/group/version', () => {
    const bad = { systems: { erp: { ...BC, businessCentral: { companyId: 'CRONUS', shipFromLocation: 'DC ATL', customApi: 'logisticsSync/shipping' } } } };
    const problems = (() => {
      try {
        parseStageConfig(stages, 'dev', bad);
        return [];
      } catch (error) {
        return (error as { problems: string[] }).problems;
      }
    })();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^systems\.erp\.businessCentral\.companyId must match pattern/),
        expect.stringMatching(/^systems\.erp\.businessCentral\.shipFromLocation must match pattern/),
        expect.stringMatching(/^systems\.erp\.businessCentral\.customApi must match pattern/),
      ]),
    );
  });

  test('BC settings on another ERP vendor are refused (dead settings after a vendor switch)', () => {
    expect(() => parseStageConfig(stages, 'dev', { systems: { erp: { businessCentral: BC.businessCentral } } })).toThrow(/systems\.erp\.businessCentral applies only to systems\.erp\.vendor "business-central" \(the vendor is "generic-erp"\)/);
  });
});

describe('the stack of a Business Central stage', () => {
  const { template } = synthStage('dev', { configOverrides: JSON.stringify(BC_STAGE_OVERRIDES) });
  const json = template.toJSON() as { Resources: Resources; Outputs: Record<string, { Value: unknown }> };
  const resources = json.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const fn = (prefix: string) => {
    const found = ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
    expect(found, prefix).toHaveLength(1);
    return found[0]!;
  };
  const envOf = ([, r]: [string, Resource]) => (r.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  const statementsOf = (prefix: string) =>
    ofType('AWS::IAM::Policy')
      .filter(([id]) => id.startsWith(prefix))
      .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const actions = (statements: Statement[]) => [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
  const bcSettings = { BC_COMPANY_ID, BC_SHIP_FROM_LOCATION: 'DC-ATL', BC_CUSTOM_API: 'logisticsSync/shipping/v1.0' };

  test('the erp-bc-read-back queue is a ReliableQueue (DLQ, redrive, alarm) monitored like every queue', () => {
    const [queueId] = ofType('AWS::SQS::Queue').find(([id]) => /^ErpBcReadBackQueue/.test(id))!;
    expect(resources[queueId]!.Properties).toMatchObject({ VisibilityTimeout: 180, RedrivePolicy: { maxReceiveCount: parseStageConfig(stages, 'dev').systems.erp.outbound.maxReceiveCount, deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^ErpBcReadBackDeadLetterQueue/), 'Arn'] } } });
    const outputs = Object.values(json.Outputs).map((o) => JSON.stringify(o.Value));
    expect(outputs.some((v) => v.includes('\\"name\\":\\"erp-bc-read-back\\"'))).toBe(true);
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => String(r.Properties?.AlarmDescription ?? ''));
    expect(alarms.filter((d) => /erp-bc-read-back (work queue|DLQ)/.test(d))).toHaveLength(2);
    expect(alarms.some((d) => /Business Central sales order and sales invoice read-back.*runbook/i.test(d))).toBe(true);
  });

  test('the read-back function reads BC with the stage settings, consumes its queue and may only send to it and its DLQ', () => {
    const readBack = fn('ErpBcReadBackFunction');
    expect(envOf(readBack)).toMatchObject({ API_BASE_URL: BC.apiBaseUrl, TOKEN_URL: BC.tokenUrl, QUEUE_URL: { Ref: expect.stringMatching(/^ErpBcReadBackQueue/) }, ...bcSettings });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: readBack[0] }, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 } });
    expect(actions(statementsOf('ErpBcReadBackFunction'))).toEqual(
      ['events:PutEvents', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });

  test('the ERP inbound adapter gets BC_READ_BACK_QUEUE_URL and may send to that queue', () => {
    expect(envOf(fn('ErpInbound')).BC_READ_BACK_QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^ErpBcReadBackQueue/) });
    const sends = statementsOf('ErpInbound').filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends.flatMap((s) => [s.Resource].flat())).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ErpBcReadBackQueue/), 'Arn'] });
  });

  test('the renewal function runs every 12 hours, knows the stage\'s BC webhook URL, reads only the secret, and its failed runs page on-call', () => {
    const renewal = fn('ErpBcSubscriptionsFunction');
    expect(envOf(renewal)).toMatchObject(bcSettings);
    expect(JSON.stringify(envOf(renewal).BC_NOTIFICATION_URL)).toMatch(/webhooks\/erp\/business-central/);
    expect(actions(statementsOf('ErpBcSubscriptionsFunction'))).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(12 hours)', Target: { Arn: { 'Fn::GetAtt': [renewal[0], 'Arn'] } } });
    expect(actions(statementsOf('ErpBcSubscriptionsSchedulerRole'))).toEqual(['lambda:InvokeFunction']);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: renewal[0] } }],
      Threshold: 1,
      AlarmDescription: `A run of the erp-bc-subscriptions scheduled job failed: the job must succeed before its deadline (see the runbook section). Runbook: docs/runbook.md#business-central-subscription-renewal-failed`,
    });
  });

  test('the ERP outbound function and the workflows\' ERP task call BC with the stage settings', () => {
    expect(envOf(fn('ErpOutbound'))).toMatchObject({ TARGET_VENDOR: 'business-central', TOKEN_URL: BC.tokenUrl, ...bcSettings });
    expect(envOf(fn('ExceptionWorkflowsErpTask'))).toMatchObject({ TARGET_VENDOR: 'business-central', TOKEN_URL: BC.tokenUrl, ...bcSettings });
  });

  test('no ERP reconciliation sweep (it reads the generic ERP API); the fleet and CS sweeps stay', () => {
    const sweeps = ofType('AWS::Lambda::Function').map(([id]) => id).filter((id) => id.includes('Reconciliation'));
    expect(sweeps.sort()).toEqual([expect.stringMatching(/^CsReconciliation/), expect.stringMatching(/^FleetReconciliation/)]);
  });

  test('within the service limits', () => {
    expect(limitFindings(json)).toEqual([]);
  });
});

describe('stages without Business Central are unchanged', () => {
  test.each(['dev', 'prod'])('%s: no BC queue, function, schedule or setting', (stage) => {
    const text = JSON.stringify(synthStage(stage).template.toJSON());
    expect(text).not.toMatch(/ErpBc|BC_READ_BACK_QUEUE_URL|BC_COMPANY_ID|BC_NOTIFICATION_URL/);
    expect(text).toMatch(/ErpReconciliationSchedule/);
  });
});

describe('a scheduled job and monitoring', () => {
  const build = (monitorJob: boolean) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Jobs');
    Powertools.configure(stack, 'bundled');
    const topic = new sns.Topic(stack, 'Topic');
    const config = parseStageConfig(stages, 'dev', BC_STAGE_OVERRIDES).systems.erp;
    const job = new BusinessCentralSubscriptions(stack, 'ErpBcSubscriptions', { config, notificationUrl: 'https://example.test/webhooks/erp/business-central' });
    const monitoring = new Monitoring(stack, 'Monitoring', { stage: 'test', alarmTopic: topic }).monitorScope(stack);
    if (monitorJob) monitoring.monitorScheduledJob({ schedule: job.schedule, handler: job.handler, name: 'erp-bc-subscriptions', runbookAnchor: RUNBOOK.bcSubscriptionRenewalFailed });
    return app;
  };

  test('a schedule that is neither a sweep nor a monitored job fails synthesis, naming both ways out', () => {
    expect(() => build(false).synth()).toThrow(/ErpBcSubscriptions\/Schedule is a schedule without drift monitoring: give its sweep to monitoring\.monitorDrift\(\), or its job to monitoring\.monitorScheduledJob\(\)/);
  });

  test('monitorScheduledJob covers it', () => {
    expect(() => build(true).synth()).not.toThrow();
  });
});
