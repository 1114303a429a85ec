import type { ExceptionThresholds } from './model';

/**
 * Parses the `EXCEPTION_THRESHOLDS` environment variable (the stage config's `exceptions` block as JSON,
 * set by the ExceptionWorkflows construct). Fails the cold start, naming the key, when a number is missing.
 */
export function parseThresholds(json: string): ExceptionThresholds {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error('EXCEPTION_THRESHOLDS is not valid JSON', { cause: error });
  }
  const required = [
    'temperature.minorMinutes',
    'temperature.majorMinutes',
    'temperature.criticalDeltaCelsius',
    'delay.graceMinutes',
    'delay.majorMinutes',
    'failedDelivery.maxAttempts',
  ];
  for (const path of required) {
    const value = path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), raw);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`EXCEPTION_THRESHOLDS.${path} must be a number`);
  }
  return raw as ExceptionThresholds;
}
