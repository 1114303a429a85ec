import { Aws, Duration, Fn, Names, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';
import { acknowledgeFunctionBaseline } from '../adapters/outbound-adapter';
import { NodeFunction } from '../core/defaults';
import { acknowledgeSynchronousFunction } from '../core/serverless-checks';

export interface VisibilityApiProps {
  /** The correlation table whose shipment views, list entries (GSI `Lists`) and timelines the API reads (read-only access is granted). */
  readonly correlationTable: dynamodb.ITable;
  /**
   * Prefix of the Cognito domain that hosts the sign-in page, `https://<prefix>.auth.<region>.amazoncognito.com`:
   * lowercase letters, digits and hyphens, unique in the region across AWS, without `aws`, `amazon` or `cognito`.
   */
  readonly authDomainPrefix: string;
  /** How often the page refreshes itself (5 s to 10 min). @default Duration.seconds(30) */
  readonly refreshInterval?: Duration;
  /** Steady-state requests per second across the page and the API. @default 10 */
  readonly rateLimitPerSecond?: number;
  /** @default 20 */
  readonly burstLimit?: number;
  /** Retention of the function's and the access logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The account-level API Gateway CloudWatch role setting made by another API of the stack (one per account and
   * region); this API's stage then waits for it.
   * @default - this API declares its own
   */
  readonly cloudWatchAccount?: apigateway.CfnAccount;
  /**
   * Detailed CloudWatch metrics per method (API Gateway bills them as custom metrics: 5 per method, $0.30 each a month).
   * The stack's alarms and dashboard read the API-level metrics, which API Gateway writes either way. @default true
   */
  readonly detailedMetrics?: boolean;
}

/** Pure validation of the props; skips unresolved tokens and names the bad value. */
export function validateVisibilityApiProps(props: Pick<VisibilityApiProps, 'authDomainPrefix' | 'refreshInterval' | 'rateLimitPerSecond' | 'burstLimit'>): string[] {
  const problems: string[] = [];
  const prefix = props.authDomainPrefix;
  if (!Token.isUnresolved(prefix)) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix)) problems.push(`authDomainPrefix "${prefix}" must be 1–63 lowercase letters, digits and hyphens, not starting or ending with a hyphen`);
    if (/aws|amazon|cognito/.test(prefix)) problems.push(`authDomainPrefix "${prefix}" must not contain aws, amazon or cognito (Cognito reserves them)`);
  }
  const refresh = props.refreshInterval?.toSeconds();
  if (refresh !== undefined && !Token.isUnresolved(refresh) && (refresh < 5 || refresh > 600)) problems.push(`refreshInterval must be 5 s to 10 min, got ${refresh} s`);
  if (props.rateLimitPerSecond !== undefined && !Token.isUnresolved(props.rateLimitPerSecond) && props.rateLimitPerSecond <= 0) problems.push(`rateLimitPerSecond must be positive, got ${props.rateLimitPerSecond}`);
  if (props.burstLimit !== undefined && !Token.isUnresolved(props.burstLimit) && props.burstLimit < 1) problems.push(`burstLimit must be at least 1, got ${props.burstLimit}`);
  return problems;
}

/** The API's stage: the page is at `<invoke URL>/v1/`. */
const STAGE = 'v1';

/**
 * Operational visibility for operations, finance and customer service: a small static page and the read-only API
 * it polls (deliveries in trouble, delivered-not-invoiced, cases linked to disruptions, revenue at risk, the
 * timeline of any id), served by one function behind one REST API (lambdas/visibility, web/, docs/visibility.md).
 *
 * Access: the page and its two assets are public (static files, no data); every `/api/*` route requires a token
 * of this construct's Cognito user pool (API Gateway's Cognito authorizer). The pool admits only users an
 * administrator creates (no self sign-up), with a strong password and a TOTP second factor; the page signs in
 * through the pool's hosted UI (authorization code with PKCE, no client secret in the browser).
 */
export class VisibilityApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly handler: NodeFunction;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly userPoolDomain: cognito.UserPoolDomain;
  public readonly authorizer: apigateway.CognitoUserPoolsAuthorizer;
  /** `https://<api>.execute-api.<region>.<suffix>/v1/`: the page. */
  public readonly pageUrl: string;

  constructor(scope: Construct, id: string, props: VisibilityApiProps) {
    super(scope, id);
    const problems = validateVisibilityApiProps(props);
    if (problems.length > 0) throw new Error(`VisibilityApi ${this.node.path}: ${problems.join('; ')}`);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.userPool = new cognito.UserPool(this, 'Users', {
      // Readers are staff an administrator invites (docs/visibility.md), never the public.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      // The users are the pool's data: kept when the stack goes, like the tables.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.userPoolDomain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: props.authDomainPrefix } });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigateway.RestApi(this, 'Visibility', {
      // A generated, stack-unique name (the default would be the construct id, the same in every stage).
      restApiName: Names.uniqueId(this),
      description: 'logistics-sync visibility: the page (public, static) and GET /api/* (Cognito)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      ...(props.cloudWatchAccount ? { cloudWatchRole: false } : { cloudWatchRole: true, cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }),
      deployOptions: {
        stageName: STAGE,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        metricsEnabled: props.detailedMetrics ?? true,
        throttlingRateLimit: props.rateLimitPerSecond ?? 10,
        throttlingBurstLimit: props.burstLimit ?? 20,
      },
    });
    if (props.cloudWatchAccount) this.api.deploymentStage.node.addDependency(props.cloudWatchAccount);
    // Built from the API's id, not from `api.url` (which references the stage): the sign-in client needs the page's
    // address as its callback, and the function needs the client — through the stage that would be a cycle.
    this.pageUrl = Fn.join('', ['https://', this.api.restApiId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX, `/${STAGE}/`]);

    this.userPoolClient = this.userPool.addClient('Page', {
      // A browser keeps no secret: authorization code with PKCE.
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [this.pageUrl],
        logoutUrls: [this.pageUrl],
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    this.handler = new NodeFunction(this, 'VisibilityFunction', {
      entry: FUNCTION_ENTRIES.visibility,
      serviceName: 'visibility-api',
      timeout: Duration.seconds(15),
      logRetention: retention,
      environment: functionEnvironment({
        CORRELATION_TABLE: props.correlationTable.tableName,
        REFRESH_SECONDS: (props.refreshInterval ?? Duration.seconds(30)).toSeconds(),
        AUTH_DOMAIN_URL: this.userPoolDomain.baseUrl(),
        AUTH_CLIENT_ID: this.userPoolClient.userPoolClientId,
      }),
    });
    // Read-only: the views, list entries and timelines are the indexer's to write.
    props.correlationTable.grantReadData(this.handler);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSynchronousFunction(this.handler, 'API Gateway');

    this.authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [this.userPool], identitySource: 'method.request.header.Authorization' });
    const validator = this.api.addRequestValidator('RequestValidator', { validateRequestParameters: true, validateRequestBody: true });
    // One permission per method, none for the console's test invocations.
    const integration = new apigateway.LambdaIntegration(this.handler, { allowTestInvoke: false });
    const page = (resource: apigateway.IResource, options: apigateway.MethodOptions = {}) => {
      const method = resource.addMethod('GET', integration, { authorizationType: apigateway.AuthorizationType.NONE, ...options });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The page and its script and style are static files with no data in them; every /api/* route that returns data requires a Cognito token.',
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'A browser must load the page before it can sign in; the page is static, the data routes use the Cognito authorizer.',
      });
    };
    page(this.api.root);
    page(this.api.root.addResource('{asset}'), { requestParameters: { 'method.request.path.asset': true }, requestValidator: validator });

    const data = (resource: apigateway.IResource, requestParameters: Record<string, boolean> = {}) =>
      resource.addMethod('GET', integration, {
        authorizationType: apigateway.AuthorizationType.COGNITO,
        authorizer: this.authorizer,
        // The authorizer itself answers 401 without a token; the validator checks the path.
        requestParameters,
        requestValidator: validator,
      });
    const apiRoot = this.api.root.addResource('api');
    const deliveries = apiRoot.addResource('deliveries');
    data(deliveries.addResource('trouble'));
    data(deliveries.addResource('unbilled'));
    data(apiRoot.addResource('cases'));
    data(apiRoot.addResource('summary'));
    data(apiRoot.addResource('shipments').addResource('{id}').addResource('timeline'), { 'method.request.path.id': true });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'A throttled, read-only API for signed-in staff: the data routes reject requests without a valid Cognito token at API Gateway, so a WAF adds cost without a threat to stop.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'The Plus feature plan (threat protection) is charged per active user; this pool admits only administrator-created staff with a strong password and a required TOTP factor. Turn it on if the pool is federated or opened wider.',
    });
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-managed policy API Gateway needs to write execution and access logs to CloudWatch Logs.',
      });
    }
  }

  /**
   * Lets a principal grant and withdraw access to the page: create, disable, enable, delete and list the pool's users
   * and reset their passwords (e.g. a help-desk role; docs/visibility.md).
   */
  public grantManageUsers(grantee: iam.IGrantable): iam.Grant {
    return this.userPool.grant(
      grantee,
      'cognito-idp:AdminCreateUser',
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminEnableUser',
      'cognito-idp:AdminDeleteUser',
      'cognito-idp:AdminResetUserPassword',
      'cognito-idp:AdminGetUser',
      'cognito-idp:ListUsers',
    );
  }
}
