import { Names, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { InboundAdapter } from './inbound-adapter';
import { signatureHeaders, webhookPath } from '../../registry/vendors';

/** Per-route API Gateway throttling. */
export interface RouteThrottle {
  readonly rateLimitPerSecond: number;
  readonly burstLimit: number;
}

export interface WebhookRouteSet {
  /** The adapter serving the system's routes (`POST /webhooks/<system>/<dialect>` for each of its dialects). */
  readonly adapter: InboundAdapter;
  /** Throttling applied to each of the system's routes (method-level throttling on the stage). */
  readonly throttle: RouteThrottle;
}

export interface WebhookApiProps {
  /** One entry per source system. */
  readonly systems: readonly WebhookRouteSet[];
  /** @default 'v1' */
  readonly stageName?: string;
  /**
   * Detailed CloudWatch metrics per method or route (API Gateway bills them as custom metrics: 5 per REST API method, 6
   * per HTTP API route, $0.30 each a month). The stack's alarms and dashboard read the API-level metrics, which
   * API Gateway writes either way. @default true
   */
  readonly detailedMetrics?: boolean;
  /** Retention of the access log group. @default logs.RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * ARN of a WAFv2 web ACL (REGIONAL) to associate with the stage, e.g. with AWS managed rule groups and an
   * IP allow-list for the vendors' published egress ranges.
   * @default - no web ACL: every request is authenticated by its signature in the function, and throttled
   */
  readonly webAclArn?: string;
  /**
   * Create the account-level role API Gateway needs to write access and execution logs.
   * @default true
   */
  readonly cloudWatchRole?: boolean;
}

/** Problems with the props, each naming the bad value; unresolved tokens are skipped. Pure. */
export function validateWebhookApiProps(props: WebhookApiProps): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { adapter, throttle } of props.systems) {
    if (seen.has(adapter.system)) problems.push(`system ${adapter.system} appears more than once`);
    seen.add(adapter.system);
    const { rateLimitPerSecond: rate, burstLimit: burst } = throttle;
    if (!Token.isUnresolved(rate) && !(rate > 0)) problems.push(`${adapter.system}: rateLimitPerSecond must be positive, got ${rate}`);
    if (!Token.isUnresolved(burst) && (!Number.isInteger(burst) || burst < 1)) problems.push(`${adapter.system}: burstLimit must be a positive integer, got ${burst}`);
    if (!Token.isUnresolved(rate) && !Token.isUnresolved(burst) && burst < rate) {
      problems.push(`${adapter.system}: burstLimit (${burst}) must not be below rateLimitPerSecond (${rate})`);
    }
  }
  return problems;
}

/**
 * Where vendors' webhooks come in, whichever API Gateway flavour serves them (stage setting `webhooks.api`):
 * {@link WebhookApi} (REST, the default) or `WebhookHttpApi` (HTTP API, webhook-http-api.ts).
 */
export interface WebhookIngress {
  /** Invoke URL of the stage, with a trailing slash (`https://…/v1/`). */
  readonly url: string;
  /** The full URL of a path below the stage (`/webhooks/erp/business-central`). */
  urlForPath(path: string): string;
  /**
   * The account-level API Gateway CloudWatch role setting this API declares, which the stack's other REST APIs wait
   * for instead of declaring their own; undefined when it declares none (HTTP APIs need none).
   */
  readonly cloudWatchAccount?: apigateway.CfnAccount;
}

/**
 * The access log line of the webhook API (JSON, no bodies, no headers), in the `$context` variables of a REST API
 * or of an HTTP API (which has `routeKey` instead of `resourcePath` and no X-Ray trace id).
 */
export function accessLogFields(kind: 'rest' | 'http'): Record<string, string> {
  return {
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    method: '$context.httpMethod',
    ...(kind === 'rest' ? { resourcePath: '$context.resourcePath' } : { routeKey: '$context.routeKey' }),
    status: '$context.status',
    responseLength: '$context.responseLength',
    integrationStatus: '$context.integration.status',
    integrationLatency: '$context.integration.latency',
    responseLatency: '$context.responseLatency',
    error: '$context.error.message',
    errorType: '$context.error.responseType',
    ...(kind === 'rest' ? { xrayTraceId: '$context.xrayTraceId' } : {}),
  };
}

/** The stage-wide throttle of a webhook API (a route without its own setting): the highest of the systems' limits. */
export function stageDefaultThrottle(systems: readonly WebhookRouteSet[]): RouteThrottle {
  const resolved = (values: number[]) => Math.max(...values.filter((v) => !Token.isUnresolved(v)), 1);
  return { rateLimitPerSecond: resolved(systems.map((s) => s.throttle.rateLimitPerSecond)), burstLimit: resolved(systems.map((s) => s.throttle.burstLimit)) };
}

/** JSON body of API Gateway's own error responses, in the functions' error shape. */
function gatewayError(code: string): Record<string, string> {
  return { 'application/json': `{"error":"${code}","message":$context.error.messageString}` };
}

/**
 * The webhook REST API: `POST /webhooks/<system>/<dialect>` → the system's inbound adapter (Lambda proxy).
 *
 * - Throttling per route from the stage config (method-level settings on the stage).
 * - Access log (JSON, no bodies, no headers) to its own log group; execution logging at ERROR without
 *   data tracing (bodies never reach logs); X-Ray tracing; detailed metrics.
 * - Request validation of the signature headers; bodies are validated in the function after the signature
 *   (schemas/vendors), bounded to `maxBodyBytes` there because REST APIs have no body-size setting below 10 MB.
 * - API Gateway's own errors (missing header, throttled, too large) answer in the functions' JSON error shape.
 */
export class WebhookApi extends Construct implements WebhookIngress {
  public readonly api: apigateway.RestApi;
  /**
   * The account-level API Gateway CloudWatch role setting this API declares (undefined with
   * `cloudWatchRole: false`); other APIs of the stack wait for it instead of declaring their own.
   */
  public readonly cloudWatchAccount?: apigateway.CfnAccount;
  public readonly accessLogGroup: logs.LogGroup;
  /** Route path (`/webhooks/fleet/samsara`) → method. */
  public readonly methods: ReadonlyMap<string, apigateway.Method>;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const problems = validateWebhookApiProps(props);
    if (problems.length > 0) throw new Error(`WebhookApi ${this.node.path}: ${problems.join('; ')}`);
    const stageName = props.stageName ?? 'v1';

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const methodOptions: Record<string, apigateway.MethodDeploymentOptions> = {};
    for (const { adapter, throttle } of props.systems) {
      for (const dialect of adapter.dialects) {
        for (const verb of dialect.handshakeByGet ? ['POST', 'GET'] : ['POST']) {
          methodOptions[`${webhookPath(adapter.system, dialect.route)}/${verb}`] = {
            throttlingRateLimit: throttle.rateLimitPerSecond,
            throttlingBurstLimit: throttle.burstLimit,
          };
        }
      }
    }
    const stageDefault = stageDefaultThrottle(props.systems);

    this.api = new apigateway.RestApi(this, 'Api', {
      // CloudFormation requires a name; a generated unique one keeps a second stage in the account deployable.
      restApiName: Names.uniqueResourceName(this, { maxLength: 128 }),
      description: 'logistics-sync inbound webhooks (vendor-signed: Samsara, Motive, Zendesk, CloudEvents, canonical)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: props.cloudWatchRole ?? true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(accessLogFields('rest'))),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        metricsEnabled: props.detailedMetrics ?? true,
        // Stage default (any route without its own setting); each route gets its system's limits below.
        throttlingRateLimit: stageDefault.rateLimitPerSecond,
        throttlingBurstLimit: stageDefault.burstLimit,
        methodOptions,
      },
    });
    // RestApi keeps its CfnAccount protected; it is the child named 'Account'.
    this.cloudWatchAccount = this.api.node.tryFindChild('Account') as apigateway.CfnAccount | undefined;

    const validator = this.api.addRequestValidator('SignatureHeaders', {
      validateRequestParameters: true,
      validateRequestBody: false,
    });
    for (const [type, status, code] of [
      [apigateway.ResponseType.BAD_REQUEST_PARAMETERS, '401', 'invalid-signature'],
      [apigateway.ResponseType.THROTTLED, '429', 'throttled'],
      [apigateway.ResponseType.REQUEST_TOO_LARGE, '413', 'payload-too-large'],
      [apigateway.ResponseType.DEFAULT_4XX, undefined, 'rejected'],
      [apigateway.ResponseType.DEFAULT_5XX, undefined, 'unavailable'],
    ] as const) {
      this.api.addGatewayResponse(`Gateway${code.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}`, {
        type,
        ...(status ? { statusCode: status } : {}),
        templates: gatewayError(code),
      });
    }

    const webhooks = this.api.root.addResource('webhooks');
    const methods = new Map<string, apigateway.Method>();
    for (const { adapter } of props.systems) {
      const systemResource = webhooks.addResource(adapter.system);
      // No test-invoke permission: a vendor's signed webhook cannot be replayed from the console's Test button
      // anyway, and each method's second permission is a resource under CloudFormation's 500 (test/infra/limits.test.ts).
      const integration = new apigateway.LambdaIntegration(adapter.handler, { proxy: true, allowTestInvoke: false });
      for (const entry of adapter.dialects) {
        const dialect = entry.route;
        const resource = systemResource.addResource(dialect);
        const method = resource.addMethod('POST', integration, {
          authorizationType: apigateway.AuthorizationType.NONE,
          requestValidator: validator,
          requestParameters: Object.fromEntries(signatureHeaders(entry).map((h) => [`method.request.header.${h}`, true])),
        });
        // A vendor that may handshake by GET (registry/vendors.ts handshakeByGet): the function answers the handshake
        // and refuses any other GET; the token is required here already.
        const byGet = entry.handshakeByGet
          ? resource.addMethod('GET', integration, { authorizationType: apigateway.AuthorizationType.NONE, requestValidator: validator, requestParameters: { 'method.request.querystring.validationToken': true } })
          : undefined;
        for (const m of [method, byGet].filter((x): x is apigateway.Method => x !== undefined)) Validations.of(m).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason: `Vendor webhook (${adapter.system}/${dialect}): vendors cannot sign with IAM or present a Cognito token; every request is authenticated by the vendor's HMAC signature (constant-time, with a replay window where the vendor signs a timestamp) before anything is parsed or published.`,
          },
          {
            id: 'AwsSolutions-COG4',
            reason: `Vendor webhook (${adapter.system}/${dialect}): machine-to-machine calls from vendor platforms, authenticated by HMAC signature; there is no user to sign in to a Cognito user pool.`,
          },
        );
        methods.set(webhookPath(adapter.system, dialect), method);
      }
    }
    this.methods = methods;

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'API Gateway validates the signature headers of every route. Bodies are deliberately not validated by API Gateway models: the signature must be verified over the raw bytes before the body is parsed, so the function validates them against schemas/vendors afterwards and answers 400 naming the field.',
    });
    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: props.webAclArn });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No web ACL by default (set webAclArn to add one): every route requires a vendor HMAC signature checked in constant time before any parsing, bodies are bounded, and each route is throttled from the stage config.',
      });
    }
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The AWS-managed policy API Gateway needs to write access and execution logs to CloudWatch Logs.',
      });
    }
  }

  /** Invoke URL of the stage, with a trailing slash. */
  public get url(): string {
    return this.api.url;
  }

  /** The full URL of a path below the stage. */
  public urlForPath(path: string): string {
    return this.api.urlForPath(path);
  }

  /** The full URL of a route, e.g. `urlFor('fleet', 'samsara')`. */
  public urlFor(system: string, dialect: string): string {
    return this.api.urlForPath(`/webhooks/${system}/${dialect}`);
  }
}
