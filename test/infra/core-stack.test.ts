import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { canonicalEventTypes, loadCanonicalSchemas } from '../../schemas/catalog';
import { synthStage } from '../support/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const { template, built } = synthStage('dev');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('core stack', () => {
  test('one custom event bus with an archive of every event for the configured retention', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
      RetentionDays: built.config.retention.eventArchiveDays,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
    });
  });

  test('every canonical event type is registered in the schema registry as draft-4', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const schemas = ofType('AWS::EventSchemas::Schema').map(([, r]) => r.Properties as { SchemaName: string; Type: string; Content: string });
    expect(schemas.map((s) => s.SchemaName).sort()).toEqual(loadCanonicalSchemas().map((s) => `logistics-sync@${s.eventType}.v${s.version}`).sort());
    expect(new Set(schemas.map((s) => s.SchemaName.split('@')[1].replace(/\.v\d+$/, '')))).toEqual(new Set(canonicalEventTypes));
    for (const schema of schemas) {
      expect(schema.Type).toBe('JSONSchemaDraft4');
      expect(JSON.parse(schema.Content).$schema).toMatch(/draft-04/);
    }
  });

  test('tables are on-demand with point-in-time recovery, encryption and a TTL attribute', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    for (const [id, table] of tables) {
      expect(table.Properties, id).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { Enabled: true },
      });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  test('no resource has a hand-written physical name', () => {
    // CloudFormation requires a Name on some types (e.g. AWS::Events::EventBus); CDK then generates a unique
    // one from the construct path. Anything else set as a name would block a second deployment.
    const nameKeys = ['TableName', 'QueueName', 'TopicName', 'Name', 'FunctionName', 'StateMachineName', 'RegistryName', 'ArchiveName', 'RestApiName'];
    for (const [id, resource] of Object.entries(resources)) {
      for (const key of nameKeys) {
        const value = resource.Properties?.[key];
        if (value === undefined || typeof value !== 'string') continue;
        expect(value, `${id} (${resource.Type}) sets ${key}`).toMatch(/^LogisticsSync.*[A-F0-9]{8}$/);
      }
    }
  });

  test('the account-level API Gateway CloudWatch role is declared once, and every API stage waits for it', () => {
    const accounts = ofType('AWS::ApiGateway::Account');
    expect(accounts).toHaveLength(1);
    const stages = Object.entries(template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>).filter(([, r]) => r.Type === 'AWS::ApiGateway::Stage');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const [id, stage] of stages) expect(stage.DependsOn, id).toContain(accounts[0][0]);
  });

  test('the on-call topic is KMS-encrypted, HTTPS-only and mails the configured address', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: built.config.onCallEmail });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('every queue in the template', () => {
  const queues = ofType('AWS::SQS::Queue');
  const queueIds = new Set(queues.map(([id]) => id));
  // A DLQ is the dead-letter target of a queue's redrive policy, or of an SNS subscription's (the on-call email's).
  const dlqIds = new Set(
    [...queues, ...ofType('AWS::SNS::Subscription')].flatMap(([, q]) => {
      const target = (q.Properties?.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt': [string, string] } } | undefined)?.deadLetterTargetArn;
      return target ? [target['Fn::GetAtt'][0]] : [];
    }),
  );

  test('has a DLQ unless it is one, and every DLQ outlives its source', () => {
    for (const [id, queue] of queues) {
      if (dlqIds.has(id)) continue;
      const redrive = queue.Properties?.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string, string] }; maxReceiveCount: number } | undefined;
      expect(redrive, `${id} has no DLQ`).toBeDefined();
      const dlqId = redrive!.deadLetterTargetArn['Fn::GetAtt'][0];
      expect(queueIds.has(dlqId)).toBe(true);
      const sourceRetention = (queue.Properties?.MessageRetentionPeriod as number | undefined) ?? 345_600;
      const dlqRetention = (resources[dlqId].Properties?.MessageRetentionPeriod as number | undefined) ?? 345_600;
      expect(dlqRetention, `${dlqId} must keep messages longer than ${id}`).toBeGreaterThan(sourceRetention);
    }
  });

  test('is encrypted and refuses plain HTTP', () => {
    const policies = ofType('AWS::SQS::QueuePolicy');
    for (const [id, queue] of queues) {
      expect(queue.Properties?.SqsManagedSseEnabled ?? queue.Properties?.KmsMasterKeyId, `${id} is not encrypted`).toBeTruthy();
      const guarded = policies.some(([, p]) => {
        const props = p.Properties as { Queues: { Ref: string }[]; PolicyDocument: { Statement: { Effect: string; Condition?: unknown }[] } };
        return (
          props.Queues.some((q) => q.Ref === id) &&
          props.PolicyDocument.Statement.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'))
        );
      });
      expect(guarded, `${id} has no HTTPS-only policy`).toBe(true);
    }
  });

  test('every DLQ has an alarm that fires on the first message', () => {
    for (const dlqId of dlqIds) {
      const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) =>
        JSON.stringify(a.Properties?.Dimensions ?? []).includes(`"${dlqId}"`),
      );
      expect(alarms.length, `${dlqId} has no alarm`).toBeGreaterThan(0);
      expect(alarms[0][1].Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });
});

describe('degraded mode', () => {
  const functionOf = (service: string) =>
    ofType('AWS::Lambda::Function').find(([, r]) => (r.Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables?.POWERTOOLS_SERVICE_NAME === service)!;
  const topicId = ofType('AWS::SNS::Topic').find(([id]) => id.startsWith('ExceptionWorkflowsNotificationTopic'))![0];

  test('the CS adapter tells the account team topic after 15 minutes by default, and may publish to it; the others do not', () => {
    const [, cs] = functionOf('cs-outbound');
    expect((cs.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({ ACCOUNT_TEAM_TOPIC_ARN: { Ref: topicId }, DEGRADED_NOTICE_SECONDS: '900' });
    const policies = ofType('AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties?.Roles).includes('CsOutboundCsOutboundFunction'));
    const statements = policies.flatMap(([, r]) => (r.Properties!.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topicId } }));
    for (const service of ['erp-outbound', 'fleet-outbound']) {
      expect((functionOf(service)[1].Properties!.Environment as { Variables: Record<string, unknown> }).Variables.ACCOUNT_TEAM_TOPIC_ARN, service).toBeUndefined();
    }
  });
});
