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

/** Client configuration for AWS SDK v3 clients that talk to the emulator. */
export function clientConfig(
  endpoint: string,
  principal: SandboxPrincipal = 'tooling',
): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return { endpoint, region: SANDBOX_REGION, credentials: { accessKeyId: SANDBOX_PRINCIPALS[principal], secretAccessKey: SANDBOX_CREDENTIALS.secretAccessKey } };
}
