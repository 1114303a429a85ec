import type { DeployedStack } from '../../deploy/deployer';

/** One method of a REST API, resolved from the template. */
export interface MethodSpec {
  readonly logicalId: string;
  /** `GET`, `POST`, ... or `ANY`. */
  readonly httpMethod: string;
  /** Resource path template, e.g. `/webhooks/{system}` or `/{proxy+}`. */
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly integrationType: string;
  /** For AWS_PROXY Lambda integrations: the function's ARN. */
  readonly functionArn?: string;
  readonly authorizationType: string;
  readonly apiKeyRequired: boolean;
  /** Required request parameters (`method.request.header.X`, `...querystring.X`, `...path.X`) when the method's validator checks them. */
  readonly requiredParameters: readonly string[];
}

/** An AWS::ApiGateway::GatewayResponse: how API Gateway itself answers an error of a type. */
export interface GatewayResponseSpec {
  readonly statusCode?: number;
  readonly headers: Readonly<Record<string, string>>;
  /** `application/json` template (only `$context.*` variables are rendered locally). */
  readonly template?: string;
}

export interface ThrottleSetting {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface StageSpec {
  readonly stageName: string;
  readonly variables: Readonly<Record<string, string>> | null;
  /** Method settings by `<resourcePath> <HTTPMETHOD>`, `*` wildcards as in the template (`/* *`). */
  readonly throttling: ReadonlyMap<string, ThrottleSetting>;
  /** The stage's access log format (`$context` variables, access-log.ts), when it logs access. */
  readonly accessLogFormat?: string;
}

/** The format of a stage's access log setting (`AccessLogSetting` of a REST API stage, `AccessLogSettings` of an HTTP API's), when it is a string. */
function accessLogFormatOf(setting: unknown): { accessLogFormat?: string } {
  const format = (setting as { Format?: unknown } | undefined)?.Format;
  return typeof format === 'string' && format !== '' ? { accessLogFormat: format } : {};
}

export interface RestApiSpec {
  readonly stackName: string;
  readonly logicalId: string;
  /** The API's id (the REST API's, or the HTTP API's `ApiId`). */
  readonly restApiId: string;
  /**
   * `HTTP` for an API Gateway HTTP API (`AWS::ApiGatewayV2::Api`, served from the same template by the same local
   * server: routes as methods, the stage's route settings as method throttling, its own error shapes and the
   * payload format 1.0 event); absent for a REST API.
   */
  readonly protocol?: 'HTTP';
  readonly binaryMediaTypes: readonly string[];
  readonly stages: readonly StageSpec[];
  readonly methods: readonly MethodSpec[];
  /** Gateway responses by response type (`THROTTLED`, `DEFAULT_4XX`, ...). */
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponseSpec>;
}

/**
 * The throttle a stage's method setting (REST) or route setting (HTTP API) states, each limit at API Gateway's
 * account default (10,000 requests per second, burst 5,000) when only the other is set; undefined when neither is.
 */
function throttleOf(value: unknown): ThrottleSetting | undefined {
  const v = (value ?? {}) as { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number };
  if (v.ThrottlingRateLimit === undefined && v.ThrottlingBurstLimit === undefined) return undefined;
  return { rateLimit: Number(v.ThrottlingRateLimit ?? 10_000), burstLimit: Number(v.ThrottlingBurstLimit ?? 5_000) };
}

const INTEGRATION_URI = /:lambda:path\/[^/]+\/functions\/(.+)\/invocations$/;

/** Reads every REST API (resources, methods, stages) of a deployed stack. */
export function restApiSpecs(deployed: DeployedStack): RestApiSpec[] {
  const resources = new Map<string, { parentId: string; pathPart: string; restApiId: string }>();
  for (const r of deployed.ofType('AWS::ApiGateway::Resource')) {
    const props = deployed.properties(r.logicalId);
    resources.set(String(r.physicalId ?? r.logicalId), { parentId: String(props.ParentId), pathPart: String(props.PathPart), restApiId: String(props.RestApiId) });
  }
  const pathOf = (resourceId: string): string => {
    const parts: string[] = [];
    let current = resources.get(resourceId);
    for (let guard = 0; current && guard < 100; guard++) {
      parts.unshift(current.pathPart);
      current = resources.get(current.parentId);
    }
    return `/${parts.join('/')}`;
  };

  const apis: RestApiSpec[] = [];
  for (const api of deployed.ofType('AWS::ApiGateway::RestApi')) {
    const restApiId = String(api.physicalId ?? api.logicalId);
    const apiProps = deployed.properties(api.logicalId);
    const validators = new Map<string, { parameters: boolean; body: boolean }>();
    for (const v of deployed.ofType('AWS::ApiGateway::RequestValidator')) {
      const props = deployed.properties(v.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      validators.set(String(v.physicalId), { parameters: props.ValidateRequestParameters === true || props.ValidateRequestParameters === 'true', body: props.ValidateRequestBody === true || props.ValidateRequestBody === 'true' });
    }
    const gatewayResponses = new Map<string, GatewayResponseSpec>();
    for (const g of deployed.ofType('AWS::ApiGateway::GatewayResponse')) {
      const props = deployed.properties(g.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries((props.ResponseParameters ?? {}) as Record<string, string>)) {
        const header = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1];
        // Only static values ('...') can be rendered without the request mapping context.
        if (header && /^'.*'$/.test(value)) headers[header] = value.slice(1, -1);
      }
      gatewayResponses.set(String(props.ResponseType), {
        statusCode: props.StatusCode === undefined ? undefined : Number(props.StatusCode),
        headers,
        template: (props.ResponseTemplates as Record<string, string> | undefined)?.['application/json'],
      });
    }
    const methods: MethodSpec[] = [];
    for (const m of deployed.ofType('AWS::ApiGateway::Method')) {
      const props = deployed.properties(m.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      const integration = (props.Integration ?? {}) as { Type?: string; Uri?: string };
      const resourceId = String(props.ResourceId);
      methods.push({
        logicalId: m.logicalId,
        httpMethod: String(props.HttpMethod).toUpperCase(),
        resourcePath: resources.has(resourceId) ? pathOf(resourceId) : '/',
        resourceId,
        integrationType: String(integration.Type ?? 'MOCK'),
        functionArn: typeof integration.Uri === 'string' ? INTEGRATION_URI.exec(integration.Uri)?.[1] : undefined,
        authorizationType: String(props.AuthorizationType ?? 'NONE'),
        apiKeyRequired: props.ApiKeyRequired === true || props.ApiKeyRequired === 'true',
        requiredParameters:
          props.RequestValidatorId !== undefined && validators.get(String(props.RequestValidatorId))?.parameters
            ? Object.entries((props.RequestParameters ?? {}) as Record<string, unknown>).filter(([, required]) => required === true || required === 'true').map(([name]) => name)
            : [],
      });
    }
    const stages: StageSpec[] = [];
    for (const s of deployed.ofType('AWS::ApiGateway::Stage')) {
      const props = deployed.properties(s.logicalId);
      if (String(props.RestApiId) !== restApiId) continue;
      const throttling = new Map<string, ThrottleSetting>();
      for (const setting of (props.MethodSettings ?? []) as { HttpMethod?: string; ResourcePath?: string }[]) {
        const limits = throttleOf(setting);
        if (!limits) continue;
        const resourcePath = String(setting.ResourcePath ?? '/*').replaceAll('~1', '/');
        throttling.set(`${resourcePath} ${String(setting.HttpMethod ?? '*').toUpperCase()}`, limits);
      }
      stages.push({ stageName: String(props.StageName), variables: (props.Variables as Record<string, string> | undefined) ?? null, throttling, ...accessLogFormatOf(props.AccessLogSetting) });
    }
    for (const d of deployed.ofType('AWS::ApiGateway::Deployment')) {
      const props = deployed.properties(d.logicalId);
      if (String(props.RestApiId) === restApiId && typeof props.StageName === 'string' && !stages.some((s) => s.stageName === props.StageName)) {
        stages.push({ stageName: props.StageName, variables: null, throttling: new Map() });
      }
    }
    apis.push({
      stackName: deployed.stackName,
      logicalId: api.logicalId,
      restApiId,
      binaryMediaTypes: ((apiProps.BinaryMediaTypes ?? []) as string[]).map((t) => t.replaceAll('~1', '/')),
      stages,
      methods,
      gatewayResponses,
    });
  }
  return apis;
}

/** `POST /webhooks/fleet/samsara` → method and path; `$default` and `ANY /{proxy+}` style keys are kept as they are. */
function splitRouteKey(routeKey: string): { httpMethod: string; resourcePath: string } {
  const [method, ...rest] = routeKey.split(' ');
  return rest.length === 0 ? { httpMethod: 'ANY', resourcePath: routeKey } : { httpMethod: method!.toUpperCase(), resourcePath: rest.join(' ') };
}

/**
 * Reads every HTTP API (`AWS::ApiGatewayV2::Api` with `ProtocolType: HTTP`: routes, integrations, stages) of a
 * deployed stack, in the shape of a REST API's spec: a route is a method (its `RouteKey` split into method and
 * path), a Lambda proxy integration's `IntegrationUri` is the function, a stage's `DefaultRouteSettings` and
 * `RouteSettings` are its throttling (`/* *` and `<path> <METHOD>`). HTTP APIs have no request validators, gateway
 * responses or binary media types. Only payload format 1.0 integrations are served (the stack uses no other).
 */
export function httpApiSpecs(deployed: DeployedStack): RestApiSpec[] {
  const apis: RestApiSpec[] = [];
  for (const api of deployed.ofType('AWS::ApiGatewayV2::Api')) {
    const apiProps = deployed.properties(api.logicalId);
    if (String(apiProps.ProtocolType ?? 'HTTP') !== 'HTTP') continue;
    const apiId = String(api.physicalId ?? api.logicalId);
    const integrations = new Map<string, { type: string; uri?: string; payloadFormatVersion: string }>();
    for (const i of deployed.ofType('AWS::ApiGatewayV2::Integration')) {
      const props = deployed.properties(i.logicalId);
      if (String(props.ApiId) !== apiId) continue;
      integrations.set(String(i.physicalId ?? i.logicalId), { type: String(props.IntegrationType ?? ''), uri: typeof props.IntegrationUri === 'string' ? props.IntegrationUri : undefined, payloadFormatVersion: String(props.PayloadFormatVersion ?? '') });
    }
    const methods: MethodSpec[] = [];
    for (const r of deployed.ofType('AWS::ApiGatewayV2::Route')) {
      const props = deployed.properties(r.logicalId);
      if (String(props.ApiId) !== apiId) continue;
      const { httpMethod, resourcePath } = splitRouteKey(String(props.RouteKey));
      const integration = integrations.get(String(props.Target ?? '').replace(/^integrations\//, ''));
      const lambdaProxy = integration?.type === 'AWS_PROXY' && integration.payloadFormatVersion === '1.0';
      methods.push({
        logicalId: r.logicalId,
        httpMethod,
        resourcePath,
        resourceId: String(r.physicalId ?? r.logicalId),
        integrationType: lambdaProxy ? 'AWS_PROXY' : `${integration?.type ?? 'NONE'} (payload format ${integration?.payloadFormatVersion || 'unset'})`,
        functionArn: lambdaProxy ? (INTEGRATION_URI.exec(integration.uri ?? '')?.[1] ?? integration.uri) : undefined,
        authorizationType: String(props.AuthorizationType ?? 'NONE'),
        apiKeyRequired: props.ApiKeyRequired === true || props.ApiKeyRequired === 'true',
        requiredParameters: [],
      });
    }
    const stages: StageSpec[] = [];
    for (const s of deployed.ofType('AWS::ApiGatewayV2::Stage')) {
      const props = deployed.properties(s.logicalId);
      if (String(props.ApiId) !== apiId) continue;
      const throttling = new Map<string, ThrottleSetting>();
      const stageDefault = throttleOf(props.DefaultRouteSettings);
      if (stageDefault) throttling.set('/* *', stageDefault);
      for (const [routeKey, value] of Object.entries((props.RouteSettings ?? {}) as Record<string, unknown>)) {
        const own = throttleOf(value);
        const { httpMethod, resourcePath } = splitRouteKey(routeKey);
        if (own) throttling.set(`${resourcePath} ${httpMethod === 'ANY' ? '*' : httpMethod}`, own);
      }
      stages.push({ stageName: String(props.StageName), variables: (props.StageVariables as Record<string, string> | undefined) ?? null, throttling, ...accessLogFormatOf(props.AccessLogSettings) });
    }
    apis.push({ stackName: deployed.stackName, logicalId: api.logicalId, restApiId: apiId, protocol: 'HTTP', binaryMediaTypes: [], stages, methods, gatewayResponses: new Map() });
  }
  return apis;
}
