/**
 * The reconciliation sweeps as synthesized: per reconciled system a schedule that sends the sweep's message to a
 * queue with a DLQ, the function that takes one page per message, paced below the stage's rate; their alarms; and the
 * interval from the stage configuration.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, test } from 'vitest';
import { Powertools } from '../../lib/core/powertools';
import { Monitoring } from '../../lib/monitoring/monitoring';
import { ReconciliationSweep } from '../../lib/reconciliation/reconciliation-sweep';
import { RECONCILED_SYSTEMS } from '../../registry/systems';
import { BC_STAGE_OVERRIDES } from '../support/bc-stage';
import { synthStage } from '../support/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const resourcesOf = (stage: string, context: Record<string, unknown> = {}) => synthStage(stage, context).template.toJSON().Resources as Resources;
const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const ref = (value: unknown) => JSON.stringify(value);

describe('reconciliation sweeps in the dev stack', () => {
  const resources = resourcesOf('dev');
  const schedules = ofType(resources, 'AWS::Scheduler::Schedule');

  test('one schedule per reconciled system, every 15 minutes by default, sending {system, scheduledAt} to its queue with the queue’s DLQ for what it cannot deliver', () => {
    expect(schedules).toHaveLength(RECONCILED_SYSTEMS.length);
    for (const system of RECONCILED_SYSTEMS) {
      const [, schedule] = schedules.find(([id]) => id.toLowerCase().startsWith(`${system}reconciliation`))!;
      const props = schedule.Properties as { ScheduleExpression: string; State?: string; Target: { Arn: unknown; Input: string; RoleArn: unknown; DeadLetterConfig: { Arn: unknown }; RetryPolicy: { MaximumEventAgeInSeconds: number } } };
      expect(props.ScheduleExpression).toBe('rate(15 minutes)');
      expect(JSON.parse(props.Target.Input)).toEqual({ system, scheduledAt: '<aws.scheduler.scheduled-time>' });
      const [queueId] = ofType(resources, 'AWS::SQS::Queue').find(([id]) => new RegExp(`^${system}ReconciliationQueue`, 'i').test(id))!;
      const [dlqId] = ofType(resources, 'AWS::SQS::Queue').find(([id]) => new RegExp(`^${system}ReconciliationDeadLetterQueue`, 'i').test(id))!;
      expect(ref(props.Target.Arn)).toContain(queueId);
      expect(ref(props.Target.DeadLetterConfig.Arn)).toContain(dlqId);
      expect(props.Target.RetryPolicy.MaximumEventAgeInSeconds).toBe(900);
      // The queue's redrive policy names the same DLQ: a page that keeps failing ends there too.
      expect(ref(resources[queueId]!.Properties!.RedrivePolicy)).toContain(dlqId);
    }
  });

  test('the scheduler role may be assumed by EventBridge Scheduler of this account only, and may send only to the sweep queues and their DLQs', () => {
    const [roleId, role] = ofType(resources, 'AWS::IAM::Role').find(([id]) => id.startsWith('ReconciliationSchedulerRole'))!;
    expect(ref(role.Properties!.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(ref(role.Properties!.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
    const statements = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => ref(p.Properties!.Roles).includes(roleId))
      .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    expect([...new Set(statements.flatMap((s) => [s.Action].flat()))]).toEqual(['sqs:SendMessage']);
    for (const s of statements) expect(ref(s.Resource)).toMatch(/Reconciliation/);
  });

  test('the function takes one page per message (batch 1, partial failures), paced at its share of requestsPerMinute, with the interval it is judged by', () => {
    for (const system of RECONCILED_SYSTEMS) {
      const [fnId, fn] = ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.toLowerCase().startsWith(`${system}reconciliation${system}reconciliationfunction`))!;
      const env = (fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({ TARGET_SYSTEM: system, SWEEP_INTERVAL_SECONDS: '900', SWEEP_PAGE_SIZE: '25', HTTP_MIN_INTERVAL_MS: String(Math.ceil((60_000 * 2) / 30)) });
      const [, mapping] = ofType(resources, 'AWS::Lambda::EventSourceMapping').find(([, m]) => ref(m.Properties!.FunctionName).includes(fnId))!;
      expect(mapping.Properties).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'], ScalingConfig: { MaximumConcurrency: 2 } });
    }
  });

  test('the function reads the correlation table and may delete, never put or update, items in it', () => {
    const [tableId] = ofType(resources, 'AWS::DynamoDB::Table').find(([id]) => id.startsWith('TablesCorrelationTable'))!;
    for (const system of RECONCILED_SYSTEMS) {
      const [, fn] = ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.toLowerCase().startsWith(`${system}reconciliation${system}reconciliationfunction`))!;
      const role = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const actions = ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) => ref(p.Properties!.Roles).includes(`"${role}"`))
        .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
        .filter((s) => ref(s.Resource).includes(tableId))
        .flatMap((s) => [s.Action].flat());
      expect(actions).toContain('dynamodb:Query');
      expect(actions).toContain('dynamodb:BatchGetItem');
      expect(actions).toContain('dynamodb:DeleteItem');
      expect(actions.filter((a) => /Put|Update|BatchWrite/.test(a))).toEqual([]);
    }
  });

  test('drift that persists for three sweeps and a sweep behind its interval alarm to on-call, per system, on the sweep’s own metrics', () => {
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([id, a]) => [id, a.Properties!] as const);
    for (const system of RECONCILED_SYSTEMS) {
      const name = system.charAt(0).toUpperCase() + system.slice(1);
      const [, drift] = alarms.find(([id]) => id.startsWith(`Monitoring${name}ReconciliationDriftPersists`))!;
      expect(drift).toMatchObject({
        MetricName: 'ReconciliationDriftFound',
        Namespace: 'LogisticsSync',
        Dimensions: expect.arrayContaining([{ Name: 'system', Value: system }, { Name: 'service', Value: `${system}-reconciliation` }]),
        Statistic: 'Sum',
        Period: 900,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
      });
      expect(drift.AlarmActions).toHaveLength(1);
      expect(alarms.find(([id]) => id.startsWith(`Monitoring${name}ReconciliationSweepBehind`))?.[1]).toMatchObject({ MetricName: 'ReconciliationSweepBehind', Period: 900 });
    }
  });

  test('the interval and the pace come from the stage configuration', () => {
    const custom = resourcesOf('dev', { configOverrides: { systems: { fleet: { reconciliation: { intervalMinutes: 5, requestsPerMinute: 60, pageSize: 10 } } } } });
    const [, schedule] = ofType(custom, 'AWS::Scheduler::Schedule').find(([id]) => id.startsWith('FleetReconciliation'))!;
    expect(schedule.Properties!.ScheduleExpression).toBe('rate(5 minutes)');
    const [, fn] = ofType(custom, 'AWS::Lambda::Function').find(([id]) => id.startsWith('FleetReconciliationFleetReconciliationFunction'))!;
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({ SWEEP_INTERVAL_SECONDS: '300', SWEEP_PAGE_SIZE: '10', HTTP_MIN_INTERVAL_MS: '2000' });
  });
});

describe('a vendor the sweep cannot read gets no sweep for its system', () => {
  test('a Business Central stage has the fleet and CS sweeps and no ERP sweep (registry/api-vendors.ts notSwept)', () => {
    const bc = resourcesOf('dev', { configOverrides: BC_STAGE_OVERRIDES });
    const sweeps = ofType(bc, 'AWS::Scheduler::Schedule').filter(([id]) => /Reconciliation/.test(id));
    expect(sweeps.map(([id]) => id.replace(/Schedule.*$/, '')).sort()).toEqual(['CsReconciliation', 'FleetReconciliation']);
    expect(ofType(bc, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('MonitoringErpReconciliation'))).toEqual([]);
  });

  test('a Freshdesk stage has all three sweeps, its CS sweep reading Freshdesk; its CS intake reads resolved tickets\' stats from the same API', () => {
    const freshdesk = resourcesOf('dev', { configOverrides: { systems: { cs: { vendor: 'freshdesk', apiBaseUrl: 'https://acme.freshdesk.com', outbound: { vendorLimitPerMinute: 160, lookupRateLimitPerSecond: 0 } } } } });
    expect(ofType(freshdesk, 'AWS::Scheduler::Schedule').map(([id]) => id.replace(/Schedule.*$/, '')).sort()).toEqual(['CsReconciliation', 'ErpReconciliation', 'FleetReconciliation']);
    const variables = (prefix: string) => (ofType(freshdesk, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))![1].Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables('CsReconciliationCsReconciliationFunction')).toMatchObject({ TARGET_VENDOR: 'freshdesk', API_BASE_URL: 'https://acme.freshdesk.com' });
    expect(variables('CsInboundHandler')).toMatchObject({ TARGET_VENDOR: 'freshdesk', API_BASE_URL: 'https://acme.freshdesk.com', HTTP_TIMEOUT_MS: '3000' });
    // A Zendesk stage's CS intake reads nothing from Zendesk.
    const zendesk = resourcesOf('dev', {});
    expect(JSON.stringify(ofType(zendesk, 'AWS::Lambda::Function').find(([id]) => id.startsWith('CsInboundHandler'))![1].Properties!.Environment)).not.toMatch(/API_BASE_URL|TARGET_VENDOR/);
  });
});

describe('ReconciliationSweep and monitoring', () => {
  test('a schedule whose sweep is not given to monitorDrift fails synthesis, naming it', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Sweeps');
    Powertools.configure(stack, 'bundled');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const topic = new sns.Topic(stack, 'Topic');
    const role = new iam.Role(stack, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    new ReconciliationSweep(stack, 'FleetReconciliation', {
      system: 'fleet',
      config: { apiBaseUrl: 'https://api.samsara.com', secretName: 'fleet', webhook: { rateLimitPerSecond: 1, burstLimit: 1 }, outbound: { rateLimitPerSecond: 1, maxConcurrency: 2, batchSize: 1, timeoutSeconds: 30, maxReceiveCount: 3 }, maintenanceWindows: [] },
      bus: new events.EventBus(stack, 'Bus'),
      correlationTable: table,
      schedulerRole: role,
      alarmTopic: topic,
      queueRetention: Duration.days(4),
    });
    new Monitoring(stack, 'Monitoring', { stage: 'test', alarmTopic: topic }).monitorScope(stack);
    expect(() => app.synth()).toThrow(/FleetReconciliation\/Schedule is a schedule without drift monitoring/);
  });
});
