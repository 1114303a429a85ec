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

/** Client configuration for AWS SDK v3 clients that talk to the emulator. */
export function clientConfig(endpoint: string): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
  return { endpoint, region: SANDBOX_REGION, credentials: { ...SANDBOX_CREDENTIALS } };
}
