import { IntegrationError } from '../errors';
import { SecretsManagerJsonSource, secretString, type SecretSource } from '../secrets';

/**
 * The adapter's own configuration is wrong or unreadable (a secret missing, unreadable or without the
 * expected fields). Retried with backoff like an unexpected error, so a fix made within the retry budget
 * needs no redrive; it does not trip the target's circuit breaker (the target is fine).
 */
export class ConfigurationError extends IntegrationError {
  override readonly errorClass = 'ConfigurationError';
  override readonly retryable = true;
  override name = 'ConfigurationError';
}

/** A credentials source: a function the clients call before each use (the secret cache makes it cheap). */
export type CredentialsSource<T> = () => Promise<T>;

/**
 * Reads string fields from a JSON secret (lambdas/shared/secrets.ts: Powertools Parameters, cached per
 * container) and checks the required ones are present. Errors name the secret and the fields, never values.
 */
export function secretFields<R extends string, O extends string = never>(
  source: SecretSource,
  secretName: string,
  required: readonly R[],
  optional: readonly O[] = [],
): CredentialsSource<Record<R, string> & Partial<Record<O, string>>> {
  return async () => {
    let secret;
    try {
      secret = await source.get();
    } catch (error) {
      throw new ConfigurationError(`secret ${secretName} could not be read`, { cause: error });
    }
    const missing = required.filter((field) => secretString(secret, field) === undefined);
    if (missing.length > 0) throw new ConfigurationError(`secret ${secretName} lacks ${missing.join(', ')}`);
    const out: Record<string, string> = {};
    for (const field of [...required, ...optional]) {
      const value = secretString(secret, field);
      if (value !== undefined) out[field] = value;
    }
    return out as Record<R, string> & Partial<Record<O, string>>;
  };
}

/** Credentials from the JSON secret named `secretName`, via the shared Secrets Manager source. */
export function secretFieldsFromSecretsManager<R extends string, O extends string = never>(
  secretName: string,
  required: readonly R[],
  optional: readonly O[] = [],
): CredentialsSource<Record<R, string> & Partial<Record<O, string>>> {
  return secretFields(new SecretsManagerJsonSource({ secretName }), secretName, required, optional);
}
