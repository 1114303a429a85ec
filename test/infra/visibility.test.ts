import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Powertools } from '../../lib/core/powertools';
import { describe, expect, test } from 'vitest';
import { LIST_INDEX } from '../../lambdas/visibility/lists';
import { validateVisibilityApiProps, VisibilityApi } from '../../lib/correlation/visibility-api';
import { synthStage } from '../support/synth';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const { template } = synthStage('dev');
const resources = template.toJSON().Resources as Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const [correlationTableId] = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('TablesCorrelationTable'))!;
const [visibilityApiId] = ofType('AWS::ApiGateway::RestApi').find(([id]) => id.startsWith('Visibility'))!;
const [userPoolId] = ofType('AWS::Cognito::UserPool')[0]!;

function statementsOfFunction(prefix: string): Statement[] {
  const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(prefix))!;
  const role = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles).includes(`"${role}"`))
    .flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

const tableActions = (statements: Statement[]) =>
  statements
    .filter((s) => JSON.stringify(s.Resource).includes(correlationTableId))
    .flatMap((s) => [s.Action].flat())
    .sort();

/** Methods of the visibility API by path (`GET /api/summary`), resolved from the template's resource tree. */
function methods(): Map<string, Record<string, unknown>> {
  const pathOf = (resourceRef: unknown): string => {
    if (typeof resourceRef === 'object' && resourceRef && 'Fn::GetAtt' in resourceRef) return '';
    const id = (resourceRef as { Ref: string }).Ref;
    const r = resources[id]!.Properties!;
    return `${pathOf(r.ParentId)}/${String(r.PathPart)}`;
  };
  return new Map(
    ofType('AWS::ApiGateway::Method')
      .filter(([, m]) => JSON.stringify(m.Properties!.RestApiId).includes(visibilityApiId))
      .map(([, m]) => [`${String(m.Properties!.HttpMethod)} ${pathOf(m.Properties!.ResourceId) || '/'}`, m.Properties!]),
  );
}

describe('the visibility index on the correlation table', () => {
  test('three sparse GSIs: the list entries, projected whole (they are small); the shipments in flight and the unbilled ones on their state items, projecting only what is read', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: LIST_INDEX,
          KeySchema: [
            { AttributeName: 'listPk', KeyType: 'HASH' },
            { AttributeName: 'listSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          // On the state item, written by every milestone: ALL would rewrite the whole item into the index each time.
          IndexName: 'InFlight',
          KeySchema: [
            { AttributeName: 'inFlightPk', KeyType: 'HASH' },
            { AttributeName: 'inFlightSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['shipmentId', 'correlationId', 'orderId', 'routeId', 'customerId'] },
        },
        {
          // On the state item too, written by the view's saves.
          IndexName: 'Unbilled',
          KeySchema: [
            { AttributeName: 'unbilledPk', KeyType: 'HASH' },
            { AttributeName: 'unbilledSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['shipmentId', 'customerId'] },
        },
      ],
    });
  });

  test('the indexer writes the views; the Enrich task may only read and update the state item; the API only reads', () => {
    expect(tableActions(statementsOfFunction('CorrelationIndexerIndexerFunction'))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect(tableActions(statementsOfFunction('ExceptionWorkflowsErpTaskFunction'))).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const read = tableActions(statementsOfFunction('VisibilityVisibilityFunction'));
    expect(read).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:GetItem']));
    expect(read.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
    const [, erp] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('ExceptionWorkflowsErpTaskFunction'))!;
    expect(erp.Properties).toMatchObject({ Environment: { Variables: { CORRELATION_TABLE: { Ref: correlationTableId }, CORRELATION_TTL_SECONDS: String(180 * 86_400) } } });
  });

  test('the ledger is read in batches of up to 10 gathered for up to a second, with partial batch failures', () => {
    const [indexerId] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('CorrelationIndexerIndexerFunction'))!;
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) => JSON.stringify(r.Properties!.FunctionName).includes(indexerId))!;
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  test('parked alerts: the alert check may only put items besides reading; the indexer sends what a late dispatch releases to the alert check queue', () => {
    const recheck = tableActions(statementsOfFunction('AlertRecheckRecheckFunction'));
    expect(recheck.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual(['dynamodb:PutItem']);
    const [queueId] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('AlertRecheckFleetAlertRecheckQueue'))!;
    const sends = statementsOfFunction('CorrelationIndexerIndexerFunction').filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends.some((s) => JSON.stringify(s.Resource).includes(queueId))).toBe(true);
    const [, indexer] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('CorrelationIndexerIndexerFunction'))!;
    expect(indexer.Properties).toMatchObject({ Environment: { Variables: { ALERT_RECHECK_QUEUE_URL: { Ref: queueId } } } });
  });
});

describe('the visibility API: the page is public and static, every data route needs a Cognito token', () => {
  test('routes, and who may call them', () => {
    const all = methods();
    expect([...all.keys()].sort()).toEqual([
      'GET /',
      'GET /api/cases',
      'GET /api/deliveries/trouble',
      'GET /api/deliveries/unbilled',
      'GET /api/shipments/{id}/timeline',
      'GET /api/summary',
      'GET /{asset}',
    ]);
    for (const [route, method] of all) {
      if (route === 'GET /' || route === 'GET /{asset}') expect(method.AuthorizationType, route).toBe('NONE');
      else expect(method, route).toMatchObject({ AuthorizationType: 'COGNITO_USER_POOLS', AuthorizerId: { Ref: expect.stringMatching(/^VisibilityAuthorizer/) } });
    }
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS', IdentitySource: 'method.request.header.Authorization', ProviderARNs: [{ 'Fn::GetAtt': [userPoolId, 'Arn'] }] });
  });

  test('the stage throttles, logs access and traces; each method has one invoke permission, none for test invocations', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      RestApiId: { Ref: visibilityApiId },
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR', DataTraceEnabled: false })],
    });
    const [functionId] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('VisibilityVisibilityFunction'))!;
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties!.FunctionName).includes(functionId));
    expect(permissions).toHaveLength(methods().size);
    for (const [id, p] of permissions) expect(JSON.stringify(p.Properties!.SourceArn), id).not.toContain('test-invoke-stage');
  });

  test('users are invited, never signed up; a strong password and a TOTP factor; the page signs in with code + PKCE and no secret', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true } },
      DeletionProtection: 'ACTIVE',
    });
    const pageUrl = { 'Fn::Join': ['', ['https://', { Ref: visibilityApiId }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/v1/']] };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [pageUrl],
      PreventUserExistenceErrors: 'ENABLED',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: { 'Fn::Join': ['', ['lsync-dev-', { Ref: 'AWS::AccountId' }]] } });
    template.hasOutput('VisibilityPageUrl', { Value: pageUrl });
    template.hasOutput('VisibilityUserPoolId', { Value: { Ref: userPoolId } });
  });

  test('the function knows the table and the sign-in client', () => {
    const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('VisibilityVisibilityFunction'))!;
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      CORRELATION_TABLE: { Ref: correlationTableId },
      REFRESH_SECONDS: '30',
      AUTH_CLIENT_ID: { Ref: expect.stringMatching(/^VisibilityUsersPage/) },
      AUTH_DOMAIN_URL: expect.anything(),
    });
  });
});

describe('validateVisibilityApiProps (pure)', () => {
  test('names each bad value', () => {
    expect(validateVisibilityApiProps({ authDomainPrefix: 'lsync-dev-123' })).toEqual([]);
    expect(validateVisibilityApiProps({ authDomainPrefix: 'My_Pool' })[0]).toMatch(/lowercase letters, digits and hyphens/);
    expect(validateVisibilityApiProps({ authDomainPrefix: 'aws-team' })[0]).toMatch(/must not contain aws/);
    expect(validateVisibilityApiProps({ authDomainPrefix: 'ok', refreshInterval: Duration.seconds(1), rateLimitPerSecond: 0, burstLimit: 0 })).toEqual([
      'refreshInterval must be 5 s to 10 min, got 1 s',
      'rateLimitPerSecond must be positive, got 0',
      'burstLimit must be at least 1, got 0',
    ]);
  });
});

describe('VisibilityApi.grantManageUsers', () => {
  test('lets a role manage the pool’s users, and nothing else of it', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Grant');
    Powertools.configure(stack, 'bundled');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    const visibility = new VisibilityApi(stack, 'Visibility', { correlationTable: table, authDomainPrefix: 'lsync-test' });
    const helpDesk = new iam.Role(stack, 'HelpDesk', { assumedBy: new iam.AccountRootPrincipal() });
    visibility.grantManageUsers(helpDesk);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p).includes('HelpDesk'));
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminDisableUser',
          'cognito-idp:AdminEnableUser',
          'cognito-idp:AdminDeleteUser',
          'cognito-idp:AdminResetUserPassword',
          'cognito-idp:AdminGetUser',
          'cognito-idp:ListUsers',
        ],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^VisibilityUsers/), 'Arn'] },
      },
    ]);
  });
});
