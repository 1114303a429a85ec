import { envDefault, type EnvName, type NumericEnvName } from '../../registry/functions';

/**
 * Reading the environment the constructs set: names and defaults are the contract in registry/functions.ts, so a
 * misspelt name is a type error and a default is written once.
 */

/** Reads a required environment variable at module load; a missing one fails the cold start loudly. */
export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`environment variable ${name} is required but not set`);
  }
  return value;
}

/** Reads a numeric environment variable, or its default (registry/functions.ts) when unset. */
export function numberEnv(name: NumericEnvName): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return envDefault(name);
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`environment variable ${name} must be a number, got "${raw}"`);
  return value;
}

/** An optional environment variable: undefined when unset or empty. */
export function optionalEnv(name: EnvName): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}
