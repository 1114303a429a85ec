import type { SystemName } from './systems';

/**
 * The contract between the constructs that create the functions (lib/) and the handlers (lambdas/): where each
 * handler's code is, and the environment variables it reads with their defaults. Constructs set variables by
 * these names and fall back to these defaults; handlers read them by these names with the same defaults, so
 * neither side writes a name or a default of its own. Pure data (no CDK, no AWS SDK).
 */

/** The handler files esbuild bundles, relative to the project root. */
export const FUNCTION_ENTRIES = {
  inbound: (system: SystemName) => `lambdas/${system}/inbound/handler.ts`,
  outbound: (system: SystemName) => `lambdas/${system}/outbound/handler.ts`,
  indexer: 'lambdas/indexer/handler.ts',
  trace: 'lambdas/trace/handler.ts',
  sapReadBack: 'lambdas/erp/read-back/handler.ts',
  workflowRules: 'lambdas/workflows/rules-task.ts',
  workflowStarter: 'lambdas/workflows/starter.ts',
  workflowResolution: 'lambdas/workflows/resolution.ts',
  workflowErpTask: 'lambdas/workflows/erp-task.ts',
  workflowCsTask: 'lambdas/workflows/cs-task.ts',
  visibility: 'lambdas/visibility/handler.ts',
  /** A file intake's handler (registry/file-intakes.ts). */
  fileIntake: (system: SystemName, name: string) => `lambdas/${system}/files/${name}/handler.ts`,
  reconciliation: (system: SystemName) => `lambdas/${system}/reconciliation/handler.ts`,
} as const;

interface EnvVariable {
  /** What the variable holds. */
  readonly description: string;
  /** Used when the variable is unset (numbers only); a variable without a default is required. */
  readonly default?: number;
  /** Set only when it applies; the handler treats it as absent otherwise. */
  readonly optional?: true;
}

/** Every environment variable a handler reads. */
export const ENV = {
  EVENT_BUS_NAME: { description: 'the canonical bus events are published to' },
  IDEMPOTENCY_TABLE: { description: 'the Powertools idempotency table' },
  CORRELATION_TABLE: { description: 'the correlation index (links, timelines, shipment state)' },
  SECRET_NAME: { description: "the system's Secrets Manager secret (API credentials and webhook signing secrets, JSON)" },
  API_BASE_URL: { description: "the target system's API base URL" },
  TOKEN_URL: { description: "the OAuth2 token endpoint, when it is not the API's own (SAP BTP / XSUAA)", optional: true },
  ADDRESS_BOOK_EXTERNAL_ID_KEY: { description: 'fleet: the external id key of the address book entries named after ERP location ids', optional: true },
  TARGET_SYSTEM: { description: 'the system an outbound adapter calls' },
  TARGET_VENDOR: { description: "the vendor API of the target system (registry/api-vendors.ts); the system's default when unset", optional: true },
  QUEUE_URL: { description: "the function's work queue (held messages are re-sent to it)" },
  DLQ_URL: { description: "the work queue's dead-letter queue (messages are dead-lettered with their reason)" },
  READ_BACK_QUEUE_URL: { description: 'ERP inbound: the queue of thin SAP events to read back' },
  MAINTENANCE_WINDOWS: { description: 'JSON list of the target\'s maintenance windows (calls are held, not failed)' },
  EXCEPTION_THRESHOLDS: { description: 'JSON severity thresholds of the exception workflows' },
  TEMPERATURE_EXCURSION_STATE_MACHINE_ARN: { description: 'the temperature-excursion workflow' },
  DELAY_STATE_MACHINE_ARN: { description: 'the delay workflow' },
  FAILED_DELIVERY_STATE_MACHINE_ARN: { description: 'the failed-delivery workflow' },
  HTTP_TIMEOUT_MS: { description: 'timeout of one call to a vendor API', default: 8000 },
  HTTP_MIN_INTERVAL_MS: { description: 'minimum time between two calls of one function (its share of the paced rate)', default: 0 },
  MAX_RECEIVE_COUNT: { description: "the work queue's redrive maxReceiveCount", default: 5 },
  WEBHOOK_MAX_BODY_BYTES: { description: 'larger webhook bodies are refused with 413 before parsing', default: 262_144 },
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: { description: 'the replay window of signed timestamps, both directions', default: 300 },
  IDEMPOTENCY_TTL_SECONDS: { description: 'how long a processed event id answers repeats', default: 86_400 },
  CORRELATION_TTL_SECONDS: { description: 'how long index items are kept', default: 180 * 86_400 },
  RECORD_TTL_DAYS: { description: 'how long workflow visibility records are kept', default: 180 },
  BACKOFF_BASE_SECONDS: { description: 'first retry delay of a failed call (doubling, with jitter)', default: 2 },
  BACKOFF_MAX_SECONDS: { description: 'longest retry delay', default: 900 },
  CIRCUIT_FAILURE_THRESHOLD: { description: "consecutive failures that open a target's circuit", default: 10 },
  CIRCUIT_COOLDOWN_SECONDS: { description: 'first time an open circuit holds calls', default: 30 },
  CIRCUIT_MAX_COOLDOWN_SECONDS: { description: 'longest time an open circuit holds calls', default: 600 },
  ACCOUNT_TEAM_TOPIC_ARN: { description: "outbound: the account team's SNS topic, told when the target stays unreachable (degraded mode)", optional: true },
  DEGRADED_NOTICE_SECONDS: { description: 'outbound: how long the target may be unreachable before the account team is told', default: 900 },
  MAX_HOLD_SECONDS: { description: 'how long a message may be held (maintenance, open circuit) before it is attempted anyway', default: 3 * 86_400 },
  SWEEP_PAGE_SIZE: { description: 'reconciliation: shipments in flight read per page (one invocation)', default: 25 },
  SWEEP_INTERVAL_SECONDS: { description: 'reconciliation: how often a sweep starts (a sweep running longer is behind)', default: 900 },
  REFRESH_SECONDS: { description: 'visibility page: how often it refreshes itself', default: 30 },
  AUTH_DOMAIN_URL: { description: "visibility page: the Cognito domain of its hosted sign-in (the page signs in only when the API asks)", optional: true },
  AUTH_CLIENT_ID: { description: "visibility page: the user pool app client it signs in with", optional: true },
  INTAKE_BUCKET: { description: 'file intake: the bucket the trading partners\' files land in (and acknowledgements are written to)' },
  TRADING_PARTNERS: { description: 'file intake: JSON of the stage\'s trading partners and our own interchange id (lib/config, fileIntakes.<name>)' },
  FILE_DEDUPE_TTL_SECONDS: { description: 'file intake: how long a processed interchange control number refuses a duplicate', default: 90 * 86_400 },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV;

/** The variables that have a default (read with `numberEnv`). */
export type NumericEnvName = { [K in EnvName]: (typeof ENV)[K] extends { default: number } ? K : never }[EnvName];

/** The default of a numeric variable. */
export function envDefault(name: NumericEnvName): number {
  return (ENV[name] as { default: number }).default;
}

/** A function's environment, with names checked against the contract (values as CloudFormation wants them). */
export function functionEnvironment(variables: Partial<Record<EnvName, string | number | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter((entry): entry is [string, string | number] => entry[1] !== undefined).map(([k, v]) => [k, String(v)]));
}
