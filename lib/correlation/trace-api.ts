import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NodeFunction } from '../core/defaults';
import { acknowledgeFunctionBaseline } from '../adapters/outbound-adapter';
import { acknowledgeSynchronousFunction } from '../core/serverless-checks';
import { functionEnvironment, FUNCTION_ENTRIES } from '../../registry/functions';

export interface TraceApiProps {
  /** The correlation ledger the trace reads (read-only access is granted). */
  readonly correlationTable: dynamodb.ITable;
  /** Steady-state requests per second. @default 10 */
  readonly rateLimitPerSecond?: number;
  /** @default 20 */
  readonly burstLimit?: number;
  /**
   * Detailed CloudWatch metrics per method (API Gateway bills them as custom metrics: 5 per method, $0.30 each a month).
   * The stack's alarms and dashboard read the API-level metrics, which API Gateway writes either way. @default true
   */
  readonly detailedMetrics?: boolean;
  /** Retention of the function's and the access logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The account-level API Gateway CloudWatch role setting (`AWS::ApiGateway::Account`) made by another API of
   * the stack. There is one such setting per account and region, so a stack should declare it once; this API's
   * stage then waits for it (access logging needs it).
   * @default - this API declares its own
   */
  readonly cloudWatchAccount?: apigateway.CfnAccount;
}

/**
 * `GET /trace/{id}`: an IAM-authorised REST API (callers sign with SigV4, e.g. `lsync trace`) resolving any
 * order, shipment, route, stop, case, invoice, customer, hold or correlation id to the chain of its business
 * transaction (lambdas/trace/trace-query.ts). Its own small API, apart from the webhook API: different
 * callers, authorisation and throttling.
 */
export class TraceApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly handler: NodeFunction;
  /** `https://…/v1/trace/` — append the id. */
  public readonly traceUrl: string;
  /** The account-level CloudWatch role setting this API waits for, or the one it declared (the stack's other REST APIs wait for it). */
  public readonly cloudWatchAccount?: apigateway.CfnAccount;

  constructor(scope: Construct, id: string, props: TraceApiProps) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.handler = new NodeFunction(this, 'TraceFunction', {
      entry: FUNCTION_ENTRIES.trace,
      serviceName: 'trace-api',
      timeout: Duration.seconds(10),
      logRetention: retention,
      environment: functionEnvironment({ CORRELATION_TABLE: props.correlationTable.tableName }),
    });
    props.correlationTable.grantReadData(this.handler);
    acknowledgeFunctionBaseline(this.handler);
    acknowledgeSynchronousFunction(this.handler, 'API Gateway');

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigateway.RestApi(this, 'Trace', {
      // A generated, stack-unique name (the default would be the construct id, the same in every stage).
      restApiName: Names.uniqueId(this),
      description: 'logistics-sync trace: GET /trace/{id} (IAM)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      ...(props.cloudWatchAccount ? { cloudWatchRole: false } : { cloudWatchRole: true, cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN }),
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        metricsEnabled: props.detailedMetrics ?? true,
        throttlingRateLimit: props.rateLimitPerSecond ?? 10,
        throttlingBurstLimit: props.burstLimit ?? 20,
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });
    if (props.cloudWatchAccount) this.api.deploymentStage.node.addDependency(props.cloudWatchAccount);
    this.cloudWatchAccount = props.cloudWatchAccount ?? (this.api.node.tryFindChild('Account') as apigateway.CfnAccount | undefined);

    const validator = this.api.addRequestValidator('RequestValidator', { validateRequestParameters: true, validateRequestBody: true });
    this.api.root
      .addResource('trace')
      .addResource('{id}')
      .addMethod('GET', new apigateway.LambdaIntegration(this.handler, { allowTestInvoke: false }), {
        requestParameters: { 'method.request.path.id': true },
        requestValidator: validator,
        authorizationType: apigateway.AuthorizationType.IAM,
      });
    this.traceUrl = this.api.urlForPath('/trace/');

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'An internal, IAM-authorised, throttled operations API with one read-only GET: unsigned requests never reach it, so a WAF adds cost without a threat to stop.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Callers are on-call engineers and tools with AWS credentials: IAM (SigV4) authorisation, not a Cognito user pool.',
    });
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-managed policy API Gateway needs to write execution and access logs to CloudWatch Logs.',
      });
    }
  }
}
