import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { UpstreamUnavailableError } from './errors';

/** A system's secret JSON (see the stack's secret contract: client credentials, webhook signing secrets). */
export type SecretJson = Readonly<Record<string, unknown>>;

/** Port: reads one Secrets Manager secret holding JSON. Handlers depend on this; tests use {@link StaticSecretSource}. */
export interface SecretSource {
  /** The secret, from the per-container cache when fresh. */
  get(): Promise<SecretJson>;
  /**
   * Fetches the secret again, bypassing the cache (after a signature mismatch, to pick up a rotation).
   * Returns undefined when a refresh happened too recently: forged requests must not turn into a flood of
   * Secrets Manager calls.
   */
  refresh(): Promise<SecretJson | undefined>;
}

export interface SecretsManagerJsonSourceOptions {
  /** Name (or ARN) of the secret. */
  readonly secretName: string;
  /** Powertools provider (module scope in handlers, with its SDK client). @default - a new provider */
  readonly provider?: SecretsProvider;
  /** How long a fetched value is served from the container's cache. @default 300 seconds */
  readonly maxAgeSeconds?: number;
  /** Minimum time between two forced refreshes. @default 30 seconds */
  readonly minRefreshIntervalMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

function isJsonObject(value: unknown): value is SecretJson {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Secrets Manager through Powertools Parameters: cached per container, JSON-decoded. */
export class SecretsManagerJsonSource implements SecretSource {
  private readonly provider: SecretsProvider;
  private readonly maxAge: number;
  private readonly minRefreshIntervalMs: number;
  private readonly clock: () => number;
  private lastRefresh = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SecretsManagerJsonSourceOptions) {
    this.provider = options.provider ?? new SecretsProvider();
    this.maxAge = options.maxAgeSeconds ?? 300;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
  }

  get(): Promise<SecretJson> {
    return this.fetch(false);
  }

  async refresh(): Promise<SecretJson | undefined> {
    const now = this.clock();
    if (now - this.lastRefresh < this.minRefreshIntervalMs) return undefined;
    this.lastRefresh = now;
    return this.fetch(true);
  }

  private async fetch(forceFetch: boolean): Promise<SecretJson> {
    let value: unknown;
    try {
      value = await this.provider.get(this.options.secretName, { maxAge: this.maxAge, transform: 'json', forceFetch });
    } catch (error) {
      throw new UpstreamUnavailableError(`cannot read secret ${this.options.secretName}`, undefined, { cause: error });
    }
    if (!isJsonObject(value)) throw new UpstreamUnavailableError(`secret ${this.options.secretName} does not hold a JSON object`);
    return value;
  }
}

/** A fixed secret, for tests and local tools; `rotateTo` simulates a rotation picked up by `refresh`. */
export class StaticSecretSource implements SecretSource {
  refreshes = 0;
  private pending?: SecretJson;
  constructor(private value: SecretJson) {}
  async get(): Promise<SecretJson> {
    return this.value;
  }
  async refresh(): Promise<SecretJson> {
    this.refreshes++;
    if (this.pending) {
      this.value = this.pending;
      this.pending = undefined;
    }
    return this.value;
  }
  /** The next `refresh` returns `next` (the cache still serves the old value until then). */
  rotateTo(next: SecretJson): void {
    this.pending = next;
  }
}

/** A string field of the secret, or undefined when absent or empty. */
export function secretString(secret: SecretJson, key: string): string | undefined {
  const value = secret[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
