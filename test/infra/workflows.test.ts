import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { DEFINITION_SUBSTITUTIONS, EXCEPTION_STARTER_TIMEOUT, validateExceptionWorkflowsProps } from '../../lib/workflows/exception-workflow';
import { FLOWS } from '../../lambdas/workflows/model';
import { LAMBDA_TASK_RETRY, SERVICE_TASK_RETRY, WAIT_TASK_RETRY } from '../../lambdas/workflows/retry-policy';
import { synthStage } from '../support/synth';
import { allStates, rawDefinition } from '../workflows/harness';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const { template, built, outdir } = synthStage('dev');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const stateMachines = ofType('AWS::StepFunctions::StateMachine');

function statementsOf(roleLogicalId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(`"${roleLogicalId}"`))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actionsOn(statements: Statement[], action: string): unknown[] {
  return statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
}

function roleOfFunction(functionLogicalIdPrefix: string): string {
  const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(functionLogicalIdPrefix))!;
  return (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

describe('exception workflow state machines in the template', () => {
  test('one Standard state machine per flow, traced with X-Ray, logging ALL events to its own log group', () => {
    expect(stateMachines).toHaveLength(FLOWS.length);
    for (const [id, sm] of stateMachines) {
      expect(sm.Properties, id).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          // Payloads stay out of the logs (docs/architecture.md, "Security"); the execution history keeps them.
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/Logs[A-F0-9]{8}$/), 'Arn'] } } }],
        },
      });
    }
  });

  test('definitions come from the ASL files, and every substitution is a reference to a resource, never a pasted ARN or name', () => {
    for (const [id, sm] of stateMachines) {
      const props = sm.Properties!;
      expect(props.DefinitionString, id).toBeUndefined();
      const asset = path.join(outdir, `asset.${(props.DefinitionS3Location as { Key: string }).Key}`);
      expect(existsSync(asset), `${id} definition asset`).toBe(true);
      const substitutions = props.DefinitionSubstitutions as Record<string, unknown>;
      expect(Object.keys(substitutions).sort()).toEqual([...DEFINITION_SUBSTITUTIONS].sort());
      for (const [key, value] of Object.entries(substitutions)) {
        expect(typeof value, `${id} ${key}`).toBe('object');
        expect(Object.keys(value as object), `${id} ${key}`).toEqual([expect.stringMatching(/^(Ref|Fn::GetAtt)$/)]);
      }
      // The staged definition is byte for byte one of the repository's ASL files.
      const staged = readFileSync(asset, 'utf8');
      expect(FLOWS.some((flow) => JSON.stringify(rawDefinition(flow)) === JSON.stringify(JSON.parse(staged))), id).toBe(true);
    }
  });

  test('the state machines may invoke the three task functions, publish to the bus and the two topics, and write the correlation table; nothing else', () => {
    for (const [id, sm] of stateMachines) {
      const role = (sm.Properties!.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = statementsOf(role);
      const invoked = JSON.stringify(actionsOn(statements, 'lambda:InvokeFunction'));
      for (const fn of ['ErpTaskFunction', 'CsTaskFunction', 'RulesTaskFunction']) expect(invoked, id).toContain(`ExceptionWorkflows${fn}`);
      expect(actionsOn(statements, 'lambda:InvokeFunction'), id).toHaveLength(6);
      expect(JSON.stringify(actionsOn(statements, 'events:PutEvents')), id).toMatch(/^\[\{"Fn::GetAtt":\["EventsBus[A-F0-9]+","Arn"\]\}\]$/);
      expect(actionsOn(statements, 'sns:Publish'), id).toHaveLength(2);
      const tableActions = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:'))).flatMap((s) => [s.Action].flat());
      expect(tableActions.sort(), id).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.endsWith(':*') || a === '*'), id).toEqual([]);
    }
  });
});

describe('the ASL definitions', () => {
  const known = new Set<string>(DEFINITION_SUBSTITUTIONS);

  test.each(FLOWS)('%s has no pasted ARN, account id or name: only ${…} placeholders the construct fills', (flow) => {
    const text = readFileSync(path.join(import.meta.dirname, '..', '..', 'statemachines', `${flow}.asl.json`), 'utf8');
    // Service integration resources (arn:aws:states:::service:action) name an API, not a resource.
    expect(text.match(/arn:aws[a-z-]*:(?!states:::)[^"]*/g) ?? []).toEqual([]);
    expect(text.match(/\b\d{12}\b/g) ?? []).toEqual([]);
    const placeholders = new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]));
    expect([...placeholders].filter((p) => !known.has(p))).toEqual([]);
  });

  test.each(FLOWS)('%s: every Task has a Retry with backoff and full jitter and a Catch of every error', (flow) => {
    for (const [name, state] of allStates(rawDefinition(flow))) {
      if (state.Type !== 'Task') continue;
      const retry = state.Retry as { ErrorEquals: string[]; MaxAttempts: number; BackoffRate?: number; JitterStrategy?: string }[] | undefined;
      const catchers = state.Catch as { ErrorEquals: string[]; Next: string }[] | undefined;
      expect(retry?.length, `${flow}.${name} Retry`).toBeGreaterThan(0);
      expect(catchers?.length, `${flow}.${name} Catch`).toBeGreaterThan(0);
      expect(catchers!.at(-1)!.ErrorEquals, `${flow}.${name} last catcher`).toEqual(['States.ALL']);
      for (const retrier of retry!.filter((r) => r.MaxAttempts > 0)) {
        expect(retrier, `${flow}.${name} ${retrier.ErrorEquals.join(',')}`).toMatchObject({ JitterStrategy: 'FULL', BackoffRate: 2 });
      }
      const resource = String(state.Resource);
      const policy = resource.endsWith('.waitForTaskToken') ? WAIT_TASK_RETRY : resource.startsWith('${') ? LAMBDA_TASK_RETRY : SERVICE_TASK_RETRY;
      expect(retry, `${flow}.${name} follows lambdas/workflows/retry-policy.ts`).toEqual(policy);
      expect(typeof state.TimeoutSeconds, `${flow}.${name} TimeoutSeconds`).toBe('number');
    }
  });

  test.each(FLOWS)('%s waits for resolution with a token stored by shipment and escalates on timeout', (flow) => {
    const [[, wait]] = allStates(rawDefinition(flow)).filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'));
    expect(wait).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:putItem.waitForTaskToken',
      Parameters: { TableName: '${CorrelationTableName}', Item: { pk: { 'S.$': "States.Format('SHIPMENT#{}', $.event.refs.shipmentId)" }, taskToken: { 'S.$': '$$.Task.Token' } } },
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'EscalateCase' }, { ErrorEquals: ['States.ALL'] }],
    });
    expect(wait.TimeoutSeconds).toBeGreaterThanOrEqual(3600);
  });
});

describe('starting and releasing the workflows', () => {
  test('the starter consumes the exceptions queue with partial batch responses and may start only the three workflows', () => {
    const [exceptionsQueueId] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('RoutingExceptions') && !id.includes('DeadLetter'))!;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [exceptionsQueueId, 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^ExceptionWorkflowsStarterFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const started = actionsOn(statementsOf(roleOfFunction('ExceptionWorkflowsStarterFunction')), 'states:StartExecution');
    expect(started).toHaveLength(3);
    for (const [id] of stateMachines) expect(started).toContainEqual({ Ref: id });
  });

  test("the exceptions queue's visibility timeout is at least six times the starter's timeout", () => {
    const [, queue] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('RoutingExceptions') && !id.includes('DeadLetter'))!;
    expect(queue.Properties!.VisibilityTimeout).toBeGreaterThanOrEqual(6 * EXCEPTION_STARTER_TIMEOUT.toSeconds());
    expect(validateExceptionWorkflowsProps({ thresholds: built.config.exceptions }, 60)).toEqual([
      "the exceptions queue's visibility timeout (60 s) must be at least 180 s, six times the starter's timeout",
    ]);
  });

  test('case.resolved and shipment.delivered reach the releaser through a rule → queue with DLQ and retry policy', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [{ prefix: 'logistics-sync.' }], 'detail-type': ['case.resolved', 'shipment.delivered'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExceptionWorkflowsResolutionsQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExceptionWorkflowsResolutionsDeadLetterQueue'), 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 21_600, MaximumRetryAttempts: 100 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExceptionWorkflowsResolutionsQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const statements = statementsOf(roleOfFunction('ExceptionWorkflowsResolutionFunction'));
    expect(actionsOn(statements, 'states:SendTaskSuccess')).toHaveLength(3);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
  });

  test('shipment.eta-updated reaches the exceptions queue, where the starter decides whether it is a breach', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [{ prefix: 'logistics-sync.' }], 'detail-type': ['shipment.eta-updated'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingExceptions'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  test('the rules task gets the stage thresholds; the ERP and CS tasks their system endpoint and secret', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EXCEPTION_THRESHOLDS: JSON.stringify(built.config.exceptions) }) },
    });
    for (const system of ['erp', 'cs'] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ API_BASE_URL: built.config.systems[system].apiBaseUrl, SECRET_NAME: built.config.systems[system].secretName }) },
      });
    }
  });
});
