import { Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { webhookPath } from '../../registry/vendors';
import { accessLogFields, stageDefaultThrottle, validateWebhookApiProps, type WebhookApiProps, type WebhookIngress } from './webhook-api';

/** What the HTTP API variant takes: the REST API's props without what HTTP APIs do not have (a WAF web ACL, the account-level logging role). */
export type WebhookHttpApiProps = Omit<WebhookApiProps, 'webAclArn' | 'cloudWatchRole'>;

/**
 * The webhook routes on an API Gateway **HTTP API** (stage setting `webhooks.api: "http"`): the same
 * `POST /webhooks/<system>/<dialect>` routes to the same inbound adapters, for $1.00 per million requests instead of
 * the REST API's $3.50 (docs/cost.md). The Lambda proxy payload is format 1.0, the REST API's event shape, so the
 * functions are the same.
 *
 * What it gives up against {@link WebhookApi} (docs/webhooks.md, "REST or HTTP API"): no WAF web ACL (WAF does not
 * attach to HTTP APIs), no request validation of the signature headers at the gateway (the function still refuses an
 * unsigned request, after an invocation), no X-Ray trace started at the gateway, no execution logs, and the gateway's
 * own errors in HTTP API's shape (`{"message":"Not Found"}`, `{"message":"Too Many Requests"}`) rather than ours.
 * Kept: per-route throttling from the stage config, a JSON access log without bodies or headers, detailed metrics
 * (unless `detailedMetrics` is false),
 * the same 30-second integration timeout and 10 MB payload limit, and the functions' body bound (`maxBodyBytes`).
 */
export class WebhookHttpApi extends Construct implements WebhookIngress {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogGroup: logs.LogGroup;
  /** Route key (`POST /webhooks/fleet/samsara`) → route. */
  public readonly routes: ReadonlyMap<string, apigwv2.HttpRoute>;
  /** HTTP APIs write access logs without the account-level role: none is declared. */
  public readonly cloudWatchAccount: apigateway.CfnAccount | undefined = undefined;

  constructor(scope: Construct, id: string, props: WebhookHttpApiProps) {
    super(scope, id);
    const problems = validateWebhookApiProps(props);
    if (problems.length > 0) throw new Error(`WebhookHttpApi ${this.node.path}: ${problems.join('; ')}`);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: Names.uniqueResourceName(this, { maxLength: 128 }),
      description: 'logistics-sync inbound webhooks (vendor-signed), HTTP API',
      createDefaultStage: false,
      // The routes are all there is: no CORS (vendors' servers call it, not browsers).
    });
    const stageDefault = stageDefaultThrottle(props.systems);
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: props.stageName ?? 'v1',
      autoDeploy: true,
      detailedMetricsEnabled: props.detailedMetrics ?? true,
      // Stage default (a route without its own setting); each route gets its system's limits below.
      throttle: { rateLimit: stageDefault.rateLimitPerSecond, burstLimit: stageDefault.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigateway.AccessLogFormat.custom(JSON.stringify(accessLogFields('http'))),
      },
    });

    const routes = new Map<string, apigwv2.HttpRoute>();
    // CloudFormation's RouteSettings is a JSON map: its keys are written as the API takes them (no CDK casing).
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number; DetailedMetricsEnabled: boolean }> = {};
    for (const { adapter, throttle } of props.systems) {
      // One integration per function: its permission covers every route of the API that uses it.
      const integration = new HttpLambdaIntegration(`${adapter.system}Integration`, adapter.handler, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_1_0 });
      for (const dialect of adapter.dialects) {
        const path = webhookPath(adapter.system, dialect.route);
        const methods = dialect.handshakeByGet ? [apigwv2.HttpMethod.POST, apigwv2.HttpMethod.GET] : [apigwv2.HttpMethod.POST];
        for (const method of methods) {
          const [route] = this.api.addRoutes({ path, methods: [method], integration });
          const key = `${method} ${path}`;
          routes.set(key, route!);
          routeSettings[key] = { ThrottlingRateLimit: throttle.rateLimitPerSecond, ThrottlingBurstLimit: throttle.burstLimit, DetailedMetricsEnabled: props.detailedMetrics ?? true };
          Validations.of(route!).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `Vendor webhook (${adapter.system}/${dialect.route}): vendors cannot sign with IAM or present a JWT; every request is authenticated by the vendor's HMAC signature (constant-time, with a replay window where the vendor signs a timestamp) before anything is parsed or published.`,
          });
        }
      }
    }
    this.routes = routes;
    // Per-route throttling from the stage config (HttpStage has a stage-wide setting only).
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = routeSettings;
    // A route's settings apply once the route exists.
    for (const route of routes.values()) cfnStage.node.addDependency(route);
  }

  /** Invoke URL of the stage, with a trailing slash like the REST API's. */
  public get url(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.stage.stageName}/`;
  }

  /** The full URL of a path below the stage, e.g. `urlForPath('/webhooks/erp/business-central')`. */
  public urlForPath(path: string): string {
    return `${this.url}${path.replace(/^\//, '')}`;
  }
}
