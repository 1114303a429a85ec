import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { stackName } from '../../lib/app';
import { stackNameOf } from '../../cli/target';
import { friendlyName, METRIC_NAMES, Monitoring, RUNBOOK } from '../../lib/monitoring/monitoring';
import { ReliableQueue } from '../../lib/core/reliable-queue';
import { synthStage } from '../support/synth';

type Resource = { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown };
type Resources = Record<string, Resource>;

const { template, built } = synthStage('dev');
const json = template.toJSON() as { Resources: Resources; Outputs: Record<string, { Value: unknown }> };
const resources = json.Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const alarms = ofType('AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, props: r.Properties as Record<string, unknown> }));
const topicRef = { Ref: Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::SNS::Topic')! };

/** Metric names an alarm reads (a plain metric, or every metric of a math expression). */
function metricsOf(alarm: Record<string, unknown>): { name?: string; dimensions: unknown }[] {
  if (alarm.MetricName) return [{ name: alarm.MetricName as string, dimensions: alarm.Dimensions }];
  return ((alarm.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } } }[]) ?? [])
    .filter((m) => m.MetricStat)
    .map((m) => ({ name: m.MetricStat!.Metric.MetricName, dimensions: m.MetricStat!.Metric.Dimensions }));
}

function alarmsOn(metricName: string, logicalId: string) {
  return alarms.filter((a) => metricsOf(a.props).some((m) => m.name === metricName && JSON.stringify(m.dimensions ?? []).includes(`"${logicalId}"`)));
}

/** Work queues (with a redrive policy) and their DLQs, by logical id. */
const workQueues = ofType('AWS::SQS::Queue')
  .filter(([, q]) => q.Properties?.RedrivePolicy)
  .map(([id, q]) => ({ id, dlq: (q.Properties!.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } }).deadLetterTargetArn['Fn::GetAtt'][0] }));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → hyphens. */
function anchors(markdown: string): Set<string> {
  return new Set(
    markdown
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) =>
        line
          .replace(/^#+ /, '')
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
  );
}

describe('monitoring of the dev stack', () => {
  test('every alarm notifies the on-call topic and names a runbook section that exists', () => {
    const runbook = anchors(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'docs', 'runbook.md'), 'utf8'));
    expect(alarms.length).toBeGreaterThan(20);
    for (const { id, props } of alarms) {
      expect(props.AlarmActions, `${id} has no on-call action`).toEqual(expect.arrayContaining([topicRef]));
      const anchor = /Runbook: docs\/runbook\.md#([a-z0-9-]+)/.exec(String(props.AlarmDescription))?.[1];
      expect(anchor, `${id} names no runbook section`).toBeDefined();
      expect(runbook.has(anchor!), `docs/runbook.md has no section #${anchor} (${id})`).toBe(true);
    }
    for (const anchor of Object.values(RUNBOOK)) expect(runbook.has(anchor), `#${anchor}`).toBe(true);
  });

  test('every DLQ has exactly one "not empty" alarm: the ReliableQueue one is reused, not duplicated', () => {
    expect(workQueues.length).toBeGreaterThanOrEqual(6);
    for (const { dlq } of workQueues) {
      const notEmpty = alarmsOn('ApproximateNumberOfMessagesVisible', dlq);
      expect(notEmpty, dlq).toHaveLength(1);
      expect(notEmpty[0]!.props).toMatchObject({ Threshold: 1, AlarmActions: [topicRef] });
    }
  });

  test('every work queue alarms on the age of its oldest message, allowing the system’s maintenance window', () => {
    const quarantine = workQueues.find((q) => q.id.startsWith('MonitoringQuarantine'))!;
    for (const { id } of workQueues.filter((q) => q !== quarantine)) {
      expect(alarmsOn('ApproximateAgeOfOldestMessage', id), id).toHaveLength(1);
    }
    const longestErpWindow = Math.max(...built.config.systems.erp.maintenanceWindows.map((w) => w.durationMinutes));
    const erpQueue = workQueues.find((q) => q.id.startsWith('ErpOutboundErpSyncQueue'))!;
    expect(alarmsOn('ApproximateAgeOfOldestMessage', erpQueue.id)[0]!.props.Threshold).toBe((15 + longestErpWindow) * 60);
    const ledger = workQueues.find((q) => q.id.includes('Ledger'))!;
    expect(alarmsOn('ApproximateAgeOfOldestMessage', ledger.id)[0]!.props.Threshold).toBe(15 * 60);
    // The quarantine is nobody's backlog; its own alarm fires when anything is quarantined.
    expect(alarmsOn('ApproximateAgeOfOldestMessage', quarantine.id)).toEqual([]);
    expect(alarmsOn('ApproximateNumberOfMessagesVisible', quarantine.id)).toHaveLength(1);
  });

  test('every state machine alarms on failed/aborted and on timed-out executions', () => {
    const machines = ofType('AWS::StepFunctions::StateMachine');
    expect(machines.length).toBeGreaterThanOrEqual(3);
    for (const [id] of machines) {
      expect(alarmsOn('ExecutionsFailed', id), id).toHaveLength(1);
      expect(alarmsOn('ExecutionsAborted', id), id).toHaveLength(1);
      expect(alarmsOn('ExecutionsTimedOut', id), id).toHaveLength(1);
    }
  });

  test('every REST API alarms on its 5xx and 4xx rates (429 throttling counts as 4xx)', () => {
    const apis = ofType('AWS::ApiGateway::RestApi');
    expect(apis.length).toBeGreaterThanOrEqual(1);
    for (const [, api] of apis) {
      const name = api.Properties!.Name as string;
      const rateAlarms = alarms.filter((a) => metricsOf(a.props).some((m) => JSON.stringify(m.dimensions).includes(name)));
      const fiveXx = rateAlarms.find((a) => metricsOf(a.props).some((m) => m.name === '5XXError'));
      const fourXx = rateAlarms.find((a) => metricsOf(a.props).some((m) => m.name === '4XXError'));
      expect(fiveXx, `${name} 5xx`).toBeDefined();
      expect(fourXx, `${name} 4xx`).toBeDefined();
      expect(JSON.stringify(fiveXx!.props.Metrics)).toContain('100 * errors / requests');
    }
  });

  test('every Lambda function alarms on its error rate and on throttles', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const [id] of functions) {
      expect(alarmsOn('Errors', id), id).toHaveLength(1);
      expect(alarmsOn('Throttles', id), id).toHaveLength(1);
    }
  });

  test('idempotency in-progress conflicts are summed over every function with a Metrics Insights query', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: `SELECT SUM(${METRIC_NAMES.idempotencyInProgress}) FROM SCHEMA("LogisticsSync", service)`, ReturnData: true }),
      ]),
      AlarmActions: [topicRef],
    });
  });

  test('the peak memory of every webhook function and queue consumer, of its memory size, alarms at 80 % with one Metrics Insights query', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: `SELECT MAX(${METRIC_NAMES.memoryUsed}) FROM "LogisticsSync"`, ReturnData: true })]),
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef],
      AlarmDescription: Match.stringLikeRegexp('docs/runbook.md#memory-near-limit'),
    });
  });

  test('one dashboard, with the business SLIs and a technical-health section per system', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties!.DashboardBody);
    for (const metric of Object.values(METRIC_NAMES).filter((m) => m !== METRIC_NAMES.idempotencyInProgress)) {
      expect(body, metric).toContain(`MetricName=\\\\\\"${metric}\\\\\\"`);
    }
    for (const section of ['ERP: technical health', 'FLEET: technical health', 'CS: technical health', 'Platform']) expect(body).toContain(section);
    // Each queue's graphs sit in its system's section.
    expect(body.indexOf('erp-sync: backlog')).toBeGreaterThan(body.indexOf('ERP: technical health'));
    expect(body.indexOf('erp-sync: backlog')).toBeLessThan(body.indexOf('FLEET: technical health'));
  });

  test('lsync finds every work queue, workflow and API through one discovery output each', () => {
    const discovery = Object.keys(json.Outputs).filter((k) => k.startsWith('Lsync'));
    expect(discovery.filter((k) => k.startsWith('LsyncQueue'))).toHaveLength(workQueues.length - 1); // all but the quarantine
    expect(discovery).toEqual(expect.arrayContaining(['LsyncQuarantineQueue', 'LsyncDashboardName', 'LsyncQueueErpSync', 'LsyncQueueFleetSync', 'LsyncQueueCsSync']));
    expect(discovery.filter((k) => k.startsWith('LsyncStateMachine'))).toHaveLength(ofType('AWS::StepFunctions::StateMachine').length);
    expect(discovery.filter((k) => k.startsWith('LsyncApi'))).toHaveLength(ofType('AWS::ApiGateway::RestApi').length);
    expect(JSON.stringify(json.Outputs.LsyncQueueErpSync!.Value)).toContain('\\"name\\":\\"erp-sync\\"');
  });

  test('an alarm notification SNS cannot deliver to the on-call email waits in an encrypted DLQ that only the topic may send to, and is alarmed', () => {
    const [[, subscription]] = ofType('AWS::SNS::Subscription');
    expect(subscription!.Properties).toMatchObject({ Protocol: 'email', TopicArn: topicRef });
    const dlq = (subscription!.Properties!.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } }).deadLetterTargetArn['Fn::GetAtt'][0];
    expect(resources[dlq]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: Duration.days(built.config.retention.dlqRetentionDays).toSeconds() } });
    const [[, policy]] = ofType('AWS::SQS::QueuePolicy').filter(([, p]) => JSON.stringify(p.Properties!.Queues) === JSON.stringify([{ Ref: dlq }]));
    const statements = (policy!.Properties!.PolicyDocument as { Statement: { Effect: string; Principal: unknown; Action: string; Condition?: unknown }[] }).Statement;
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      expect.objectContaining({ Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { ArnEquals: { 'aws:SourceArn': topicRef } } }),
    ]);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    // Its alarm fires on the first undelivered notification, names its runbook section, and tells the topic (its
    // other subscriptions hear it); the dashboard shows it and lsync finds the queue.
    const [alarm] = alarmsOn('ApproximateNumberOfMessagesVisible', dlq);
    expect(alarm!.props).toMatchObject({ Threshold: 1, AlarmActions: [topicRef] });
    expect(String(alarm!.props.AlarmDescription)).toContain(`Runbook: docs/runbook.md#${RUNBOOK.notificationsUndelivered}`);
    const body = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties!.DashboardBody);
    expect(body).toContain('on-call-undelivered: undelivered notifications');
    expect(JSON.stringify(json.Outputs.LsyncUndeliveredOnCallUndelivered!.Value)).toContain('\\"name\\":\\"on-call-undelivered\\"');
  });

  test('the quarantine keeps messages longer than the DLQs it receives from, encrypted and HTTPS-only', () => {
    const quarantine = workQueues.find((q) => q.id.startsWith('MonitoringQuarantine'))!;
    const props = resources[quarantine.id]!.Properties!;
    expect(props).toMatchObject({ SqsManagedSseEnabled: true, RedrivePolicy: { maxReceiveCount: 1000 } });
    expect(props.MessageRetentionPeriod).toBe(Duration.days(13).toSeconds());
  });
});

describe('Monitoring construct', () => {
  function stackWith(build: (stack: Stack) => void, after?: (stack: Stack, monitoring: Monitoring) => void): App {
    const app = new App();
    const stack = new Stack(app, 'Test');
    build(stack);
    const monitoring = new Monitoring(stack, 'Monitoring', { stage: 'test', alarmTopic: new sns.Topic(stack, 'Topic') }).monitorScope(stack);
    after?.(stack, monitoring);
    return app;
  }

  const inlineFunction = (scope: Construct, id: string) =>
    new lambda.Function(scope, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });

  test('monitorScope finds resources anywhere in the tree, so resources added by later features are covered', () => {
    const app = stackWith((stack) => {
      const nested = new Construct(new Construct(stack, 'Feature'), 'Deep');
      new ReliableQueue(nested, 'CarrierSync');
      new sfn.StateMachine(nested, 'Flow', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Nothing')) });
      const api = new apigateway.RestApi(nested, 'Api');
      api.root.addMethod('GET', new apigateway.MockIntegration());
      inlineFunction(nested, 'Handler');
    });
    const t = Template.fromStack(app.node.findChild('Test') as Stack);
    const descriptions = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => String((a as Resource).Properties!.AlarmDescription));
    expect(descriptions.some((d) => d.includes('carrier-sync work queue'))).toBe(true);
    expect(descriptions.some((d) => d.includes('flow workflow failed'))).toBe(true);
    expect(descriptions.some((d) => d.includes('deep-api API answers'))).toBe(true);
    expect(descriptions.some((d) => d.includes('deep-handler function fails'))).toBe(true);
    t.hasOutput('LsyncQueueCarrierSync', {});
  });

  test('a queue, workflow, API or function created after monitorScope fails synthesis, naming it', () => {
    const app = stackWith(
      () => undefined,
      (stack) => new ReliableQueue(stack, 'TooLate'),
    );
    expect(() => app.synth()).toThrow(/Test\/TooLate is not monitored/);
  });

  test('an SNS subscription without a dead-letter queue, or an SQS queue no alarm watches, fails synthesis, naming it', () => {
    const withoutDlq = stackWith((stack) => new sns.Topic(stack, 'Alerts').addSubscription(new subscriptions.EmailSubscription('ops@example.com')));
    expect(() => withoutDlq.synth()).toThrow(/Test\/Alerts\/ops@example.com has no dead-letter queue/);
    const bareQueue = stackWith((stack) => new sqs.Queue(stack, 'Loose'));
    expect(() => bareQueue.synth()).toThrow(/Test\/Loose is an SQS queue no alarm watches/);
    // A subscription's DLQ is watched once monitorScope has seen the subscription.
    const watched = stackWith((stack) => new sns.Topic(stack, 'Alerts').addSubscription(new subscriptions.EmailSubscription('ops@example.com', { deadLetterQueue: new sqs.Queue(stack, 'AlertsUndelivered') })));
    expect(() => watched.synth()).not.toThrow();
    Template.fromStack(watched.node.findChild('Test') as Stack).hasOutput('LsyncUndeliveredAlertsUndelivered', {});
  });

  test('an adopted DLQ alarm gets the on-call action once, even when the queue already had it', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const topic = new sns.Topic(stack, 'Topic');
    new ReliableQueue(stack, 'WithTopic', { alarmTopic: topic });
    new ReliableQueue(stack, 'WithoutTopic');
    new Monitoring(stack, 'Monitoring', { stage: 'test', alarmTopic: topic }).monitorScope(stack);
    const dlqAlarms = Object.entries(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /DeadLetterAlarm/.test(id) && !id.startsWith('Monitoring'));
    expect(dlqAlarms).toHaveLength(2);
    for (const [, alarm] of dlqAlarms) expect((alarm as Resource).Properties!.AlarmActions).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
  });

  test('rejects a maxRedrives that is not a positive integer', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => new Monitoring(stack, 'Monitoring', { stage: 't', alarmTopic: new sns.Topic(stack, 'T'), maxRedrives: 0 })).toThrow(/maxRedrives must be a positive integer, got 0/);
  });

  test('friendly names are kebab-case construct ids without a trailing "queue"', () => {
    expect(friendlyName('ErpSync')).toBe('erp-sync');
    expect(friendlyName('CsSyncQueue')).toBe('cs-sync');
    expect(friendlyName('TemperatureExcursion')).toBe('temperature-excursion');
  });

  test('lsync derives the stack name exactly as the app does', () => {
    for (const stage of ['dev', 'prod', 'sandbox', 'x-1']) expect(stackNameOf(stage)).toBe(stackName(stage));
  });
});
