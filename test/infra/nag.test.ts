import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { buildApp } from '../../lib/app';
import { acknowledgeDeadLetterQueue, acknowledgeSqsConsumer, acknowledgeSubscriptionDeadLetterQueue } from '../../lib/core/serverless-checks';
import { cdkJsonContext, synthStage, validationFindings } from '../support/synth';

describe.each(['dev', 'prod', 'sandbox'])('cdk-nag AwsSolutions and Serverless on the %s stage', (stage) => {
  test('synthesizes with no unacknowledged finding of either pack (error or warning)', () => {
    // synthStage throws, listing the findings, when a nag plugin fails validation.
    const { outdir } = synthStage(stage);
    expect(validationFindings(outdir)).toEqual([]);
  });
});

describe('the nag checks themselves', () => {
  test('AwsSolutions fails synthesis and reports the rule for a queue without DLQ, encryption or SSL', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-nag-control-'));
    const app = new App({ outdir });
    new sqs.Queue(new Stack(app, 'Control'), 'Bare', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
    expect(validationFindings(outdir)).toEqual(
      expect.arrayContaining([expect.stringMatching(/error AwsSolutions-SQS3 at Control\/Bare/), expect.stringMatching(/AwsSolutions-SQS4/)]),
    );
  });

  /** A function fed by an SQS queue, a queue without redrive and an email subscription without DLQ: what the Serverless pack is about. */
  function serverlessControl(acknowledge: boolean) {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-nag-serverless-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Control');
    const work = new sqs.Queue(stack, 'Work');
    const fn = new lambda.Function(stack, 'Consumer', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    fn.addEventSource(new lambdaEventSources.SqsEventSource(work));
    const undelivered = new sqs.Queue(stack, 'Undelivered');
    new sns.Topic(stack, 'Topic').addSubscription(new subscriptions.EmailSubscription('ops@example.com', { deadLetterQueue: acknowledge ? undelivered : undefined }));
    if (acknowledge) {
      acknowledgeSqsConsumer(fn);
      acknowledgeDeadLetterQueue(work, 'a test alarm');
      acknowledgeSubscriptionDeadLetterQueue(undelivered, 'a test alarm');
    }
    Validations.of(app).addPlugins(new ServerlessChecks(app));
    let failed = false;
    try {
      app.synth();
    } catch {
      failed = true;
    }
    return { failed, findings: validationFindings(outdir) };
  }

  test('ServerlessChecks fails synthesis for a function without DLQ, an SQS mapping without destination, queues without redrive and a subscription without DLQ', () => {
    const { failed, findings } = serverlessControl(false);
    expect(failed).toBe(true);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^error Serverless-LambdaDLQ at Control\/Consumer\/Resource/),
        expect.stringMatching(/^error Serverless-LambdaEventSourceMappingDestination at Control\/Consumer\/SqsEventSource:\w+\/Resource/),
        expect.stringMatching(/^error Serverless-SQSRedrivePolicy at Control\/Work\/Resource/),
        expect.stringMatching(/^error Serverless-SNSRedrivePolicy at Control\/Topic\/ops@example.com\/Resource/),
      ]),
    );
  });

  test('the acknowledgement helpers silence exactly those rules on those resources, nothing else', () => {
    const before = serverlessControl(false).findings;
    const { findings } = serverlessControl(true);
    const acknowledged = /^error Serverless-(LambdaDLQ|LambdaEventSourceMappingDestination|SQSRedrivePolicy|SNSRedrivePolicy) at /;
    expect(findings.filter((f) => acknowledged.test(f))).toEqual([]);
    // The function's other findings (tracing, memory, timeout… of a bare function) still fail synthesis.
    const others = before.filter((f) => f.includes('Control/Consumer/Resource') && !acknowledged.test(f));
    expect(others.length).toBeGreaterThan(0);
    for (const finding of others) expect(findings).toContain(finding);
  });

  test('the product app runs both packs: a bare queue added to it is reported by each, and synthesis fails', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lsync-nag-app-'));
    const built = buildApp({ context: { ...cdkJsonContext(), stage: 'dev', 'aws:cdk:bundling-stacks': [] }, outdir });
    new sqs.Queue(new Stack(built.app, 'Control'), 'Bare', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
    expect(() => built.app.synth()).toThrow();
    const findings = validationFindings(outdir);
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-SQS3 at Control\/Bare/), expect.stringMatching(/^error Serverless-SQSRedrivePolicy at Control\/Bare/)]));
    expect(findings.filter((f) => f.includes('LogisticsSync-dev/'))).toEqual([]);
  });
});

describe('what the Serverless acknowledgements of the prod stack rest on', () => {
  const { built, template } = synthStage('prod');
  const stack = built.stack;
  type Resource = { Type: string; Properties?: Record<string, unknown> };
  const resources = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalId = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as never);

  /** The reason each construct that acknowledges `rule` itself (not through an ancestor) gives. */
  function reasons(rule: string): Map<IConstruct, string> {
    const out = new Map<IConstruct, string>();
    for (const c of stack.node.findAll()) {
      for (const m of c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) if (id.replace(/^annotation::/i, '') === rule) out.set(c, reason);
      }
    }
    return out;
  }
  const acknowledging = (rule: string) => [...reasons(rule).keys()];
  const ref = (value: unknown): string | undefined => {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
    return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
  };

  test('no function has an asynchronous invoker: only API Gateway has invoke permissions, only Step Functions roles may invoke, no rule or subscription targets a function', () => {
    const functionIds = new Set(ofType('AWS::Lambda::Function').map(([id]) => id));
    expect(functionIds.size).toBeGreaterThanOrEqual(14);
    for (const [id, permission] of ofType('AWS::Lambda::Permission')) expect(permission.Properties!.Principal, id).toBe('apigateway.amazonaws.com');
    for (const [id, rule] of ofType('AWS::Events::Rule')) {
      for (const target of (rule.Properties!.Targets as { Arn: unknown }[] | undefined) ?? []) expect(functionIds.has(ref(target.Arn) ?? ''), `${id} targets a function`).toBe(false);
    }
    for (const [id, subscription] of ofType('AWS::SNS::Subscription')) expect(subscription.Properties!.Protocol, id).not.toBe('lambda');
    const stateMachineRoles = new Set(
      ofType('AWS::IAM::Role')
        .filter(([, role]) => JSON.stringify(role.Properties!.AssumeRolePolicyDocument).includes('states.amazonaws.com'))
        .map(([id]) => id),
    );
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      const statements = (policy.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement;
      if (!statements.some((s) => [s.Action].flat().includes('lambda:InvokeFunction'))) continue;
      for (const role of policy.Properties!.Roles as unknown[]) expect(stateMachineRoles.has(ref(role) ?? ''), `${id} lets a non-Step Functions role invoke`).toBe(true);
    }
  });

  test('every function acknowledged as synchronous-only is one API Gateway or Step Functions invokes; every SQS consumer is fed by an SQS queue', () => {
    const apiTargets = new Set(ofType('AWS::Lambda::Permission').map(([, p]) => ref(p.Properties!.FunctionName)));
    const stepFunctionsTargets = JSON.stringify(ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties).includes('lambda:InvokeFunction')));
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => ({ fn: ref(m.Properties!.FunctionName), source: ref(m.Properties!.EventSourceArn) }));
    for (const { source } of mappings) expect(resources[source!]?.Type).toBe('AWS::SQS::Queue');

    const acknowledged = [...reasons('Serverless-LambdaDLQ')].filter((e): e is [lambda.Function, string] => e[0] instanceof lambda.Function);
    expect(acknowledged.map(([fn]) => logicalId(fn)).sort()).toEqual(ofType('AWS::Lambda::Function').map(([id]) => id).sort());
    for (const [fn, reason] of acknowledged) {
      const id = logicalId(fn);
      // The reason names the one invoker the function has.
      const invokers = { sqs: mappings.some((m) => m.fn === id), api: apiTargets.has(id), stepFunctions: stepFunctionsTargets.includes(`"${id}"`) };
      const claimed = { sqs: /SQS event source/.test(reason), api: /API Gateway invokes it/.test(reason), stepFunctions: /Step Functions invokes it/.test(reason) };
      expect(claimed, `${fn.node.path}: ${reason}`).toEqual(invokers);
      expect(Object.values(invokers).filter(Boolean), fn.node.path).toHaveLength(1);
    }
    expect(acknowledging('Serverless-LambdaEventSourceMappingDestination').map((m) => logicalId(m)).sort()).toEqual(ofType('AWS::Lambda::EventSourceMapping').map(([id]) => id).sort());
  });

  test('every queue acknowledged as a DLQ is the dead-letter target of a queue or a subscription, and has a "not empty" alarm', () => {
    const targets = new Set(
      [...ofType('AWS::SQS::Queue'), ...ofType('AWS::SNS::Subscription')].flatMap(([, r]) => {
        const target = (r.Properties?.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn;
        return target ? [ref(target)] : [];
      }),
    );
    const alarmed = JSON.stringify(ofType('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible' && a.Properties!.Threshold === 1));
    const dlqs = acknowledging('Serverless-SQSRedrivePolicy');
    expect(dlqs.length).toBe(ofType('AWS::SQS::Queue').filter(([, q]) => !q.Properties!.RedrivePolicy).length);
    for (const queue of dlqs) {
      const id = logicalId(queue);
      expect(targets.has(id), `${queue.node.path} is no one's DLQ`).toBe(true);
      expect(alarmed, `${queue.node.path} has no "not empty" alarm`).toContain(`"${id}"`);
    }
  });
});
