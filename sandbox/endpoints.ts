import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX_ACCOUNT, SANDBOX_CREDENTIALS, SANDBOX_REGION } from './aws';
import type { DeployedStack } from './deploy/deployer';
import type { LocalRestApi } from './runtime/api-gateway/server';
import type { SandboxSecrets, WebhookSecrets } from './secrets';

/** What tools and tests need to reach the sandbox; also written to `<workDir>/endpoints.json`. */
export interface SandboxEndpoints {
  readonly stackName: string;
  /** Stage the product was synthesized for. */
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  /** The emulator: every AWS API (`AWS_ENDPOINT_URL`). */
  readonly awsEndpoint: string;
  /** The local Step Functions API (`AWS_ENDPOINT_URL_SFN`); other Step Functions calls are forwarded to the emulator. */
  readonly sfnEndpoint: string;
  /** The local Lambda Invoke API (`AWS_ENDPOINT_URL_LAMBDA`); other Lambda calls are forwarded to the emulator. */
  readonly lambdaEndpoint: string;
  /**
   * The sandbox's control API (runtime stats, bus events, warm-up, scenario: sandbox/control.ts), when one is
   * served: `npm start` and the e2e setup start it on the running sandbox (startControlServer).
   */
  readonly controlEndpoint?: string;
  /** Base URL (with stage) of the product's webhook API, or null when the product has no REST API yet. */
  readonly webhookBaseUrl: string | null;
  /** Every REST API served locally, by `<stack>/<logicalId>`. */
  readonly apis: Readonly<Record<string, { readonly restApiId: string; readonly url: string; readonly stages: readonly string[] }>>;
  readonly secrets: WebhookSecrets;
  /** Each system's secret (name → JSON), as created in the emulator's Secrets Manager. */
  readonly systemSecrets: Readonly<Record<string, Record<string, string>>>;
  readonly simulators: { readonly erp: string; readonly fleet: string; readonly cs: string } | null;
  /** Outputs of every deployed stack, by stack name; API Gateway invoke URLs in them point at the local REST API servers. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Environment variables that point an AWS SDK or the AWS CLI at the sandbox. */
  readonly env: Readonly<Record<string, string>>;
  readonly pid: number;
  readonly startedAt: string;
}

/**
 * Rewrites API Gateway invoke URLs (`https://<restApiId>.execute-api.<region>.amazonaws.com/<stage>/...`) in
 * a text to the local REST API server of that API. Pure apart from reading the servers' ports.
 */
export function localizeApiUrls(text: string, apis: readonly LocalRestApi[]): string {
  return text.replace(/https:\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com/g, (whole, restApiId: string) => {
    const api = apis.find((a) => a.spec.restApiId === restApiId);
    return api ? api.baseUrl : whole;
  });
}

/**
 * Where the simulators' webhooks go: the product's `WebhookBaseUrl` output, made local; without that
 * output, the product's API that serves /webhooks (or its only API); null when the product has no REST API.
 */
export function webhookBaseUrlOf(product: DeployedStack | undefined, apis: readonly LocalRestApi[]): string | null {
  const productApis = apis.filter((api) => api.spec.stackName === product?.stackName);
  const declared = product?.outputs.WebhookBaseUrl;
  const local = declared === undefined ? undefined : localizeApiUrls(declared, apis);
  if (declared && local !== declared) return local!.replace(/\/$/, '');
  const fallbackApi = productApis.find((api) => api.spec.methods.some((m) => m.resourcePath.startsWith('/webhooks'))) ?? productApis[0];
  return fallbackApi ? fallbackApi.stageUrl().replace(/\/$/, '') : null;
}

/** What the endpoints are made of: the running parts of a sandbox. */
export interface EndpointSources {
  readonly stage: string;
  readonly productStackName: string;
  readonly awsEndpoint: string;
  readonly sfnEndpoint: string;
  readonly lambdaEndpoint: string;
  readonly webhookBaseUrl: string | null;
  readonly stacks: readonly DeployedStack[];
  readonly apis: readonly LocalRestApi[];
  readonly secrets: SandboxSecrets;
  readonly simulatorUrls: SandboxEndpoints['simulators'];
}

export function sandboxEndpoints(from: EndpointSources): SandboxEndpoints {
  const localize = (value: string) => localizeApiUrls(value, from.apis);
  return {
    stackName: from.productStackName,
    stage: from.stage,
    region: SANDBOX_REGION,
    accountId: SANDBOX_ACCOUNT,
    awsEndpoint: from.awsEndpoint,
    sfnEndpoint: from.sfnEndpoint,
    lambdaEndpoint: from.lambdaEndpoint,
    webhookBaseUrl: from.webhookBaseUrl,
    apis: Object.fromEntries(from.apis.map((api) => [`${api.spec.stackName}/${api.spec.logicalId}`, { restApiId: api.spec.restApiId, url: api.stageUrl(), stages: api.spec.stages.map((s) => s.stageName) }])),
    secrets: from.secrets.webhooks,
    systemSecrets: from.secrets.byName,
    simulators: from.simulatorUrls,
    outputs: Object.fromEntries(from.stacks.map((s) => [s.stackName, Object.fromEntries(Object.entries(s.outputs).map(([k, v]) => [k, localize(v)]))])),
    env: {
      AWS_ENDPOINT_URL: from.awsEndpoint,
      AWS_ENDPOINT_URL_SFN: from.sfnEndpoint,
      AWS_ENDPOINT_URL_LAMBDA: from.lambdaEndpoint,
      AWS_REGION: SANDBOX_REGION,
      AWS_DEFAULT_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
    },
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}

/** `<workDir>/endpoints.json`, where tools in other processes (`lsync`, tests) find the sandbox. */
export function endpointsFile(workDir: string): string {
  return path.join(workDir, 'endpoints.json');
}

export function writeEndpointsFile(workDir: string, endpoints: SandboxEndpoints): void {
  writeFileSync(endpointsFile(workDir), `${JSON.stringify(endpoints, null, 2)}\n`);
}

export function removeEndpointsFile(workDir: string): void {
  rmSync(endpointsFile(workDir), { force: true });
}
