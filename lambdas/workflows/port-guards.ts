import { UpstreamUnavailableError } from '../shared/errors';

/** A port that breaks its contract must not make the workflow publish an event without its id. */
export function requireId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id === '') throw new UpstreamUnavailableError(`the target returned no ${what}`);
  return id;
}
