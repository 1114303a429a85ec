/**
 * How every part of the sandbox reaches the emulator: one region, moto's default account, fake
 * credentials (moto accepts any), and the emulator's endpoint.
 */

/** Region the sandbox deploys into. */
export const SANDBOX_REGION = 'us-east-1';
/** moto's default account id. */
export const SANDBOX_ACCOUNT = '123456789012';
/** moto accepts any credentials; these are obviously not real ones. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;

/**
 * Who is calling, as the access key id tells it (moto does not check keys, and maps any of these to its
 * default account). The sandbox's cost metering (sandbox/metering.ts) counts the calls of the product's
 * functions, of the event source mappings and of Step Functions, and leaves the sandbox's own tooling out
 * (deployment, bus tap, scenario checks).
 */
export const SANDBOX_PRINCIPALS = {
  tooling: SANDBOX_CREDENTIALS.accessKeyId,
  functions: 'sandbox-lambda',
  eventSourceMappings: 'sandbox-esm',
  stepFunctions: 'sandbox-states',
} as const;
export type SandboxPrincipal = keyof typeof SANDBOX_PRINCIPALS;

/**
 * The access key id one local function signs with: the functions' key plus its logical id, so the meter
 * (sandbox/metering.ts) can tell which function sent each AWS request. The emulator accepts any key.
 */
export function functionAccessKey(logicalId: string): string {
  return `${SANDBOX_PRINCIPALS.functions}-${logicalId}`;
}

/** Who signed with an access key: a principal and, for a function's key, the function's logical id. */
export function principalOfAccessKey(accessKeyId: string): { principal: SandboxPrincipal; function?: string } | undefined {
  const prefix = `${SANDBOX_PRINCIPALS.functions}-`;
  if (accessKeyId.startsWith(prefix) && accessKeyId.length > prefix.length) return { principal: 'functions', function: accessKeyId.slice(prefix.length) };
  const principal = (Object.keys(SANDBOX_PRINCIPALS) as SandboxPrincipal[]).find((p) => SANDBOX_PRINCIPALS[p] === accessKeyId);
  return principal ? { principal } : undefined;
}

/** Client configuration for AWS SDK v3 clients that talk to the emulator. */
export function clientConfig(
  endpoint: string,
  principal: SandboxPrincipal = 'tooling',
): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return { endpoint, region: SANDBOX_REGION, credentials: { accessKeyId: SANDBOX_PRINCIPALS[principal], secretAccessKey: SANDBOX_CREDENTIALS.secretAccessKey } };
}
