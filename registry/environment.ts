import { ENV_DEFAULTS } from './env-defaults';

/**
 * The environment contract, documented: every variable a handler reads, what it holds, and its default (numbers,
 * from env-defaults.ts) or whether it is optional. Constructs and handlers use the names through
 * registry/functions.ts; this module is not part of any handler bundle (its prose stays out of them).
 */

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
  ALERT_RECHECK_QUEUE_URL: {
    description: 'fleet inbound: where a temperature alert the index cannot place yet waits to be checked again (without it: ignored at once); indexer: where the alerts parked on an asset go when a late dispatch shows the asset carried a shipment (without it: they stay parked)',
    optional: true,
  },
  BC_READ_BACK_QUEUE_URL: { description: 'ERP inbound: the queue of Business Central change notifications to read back (stages with ERP = business-central)', optional: true },
  BC_COMPANY_ID: { description: 'Business Central: the company (GUID) the API calls address', optional: true },
  BC_CUSTOM_API: { description: "Business Central: publisher/group/version of the logistics-sync extension's custom API pages (default logisticsSync/shipping/v1.0)", optional: true },
  BC_NOTIFICATION_URL: { description: 'Business Central subscriptions: the stage\'s /webhooks/erp/business-central URL BC notifies', optional: true },
  BC_SHIP_FROM_LOCATION: { description: 'Business Central read-back: the warehouse location id of released orders (API v2.0 exposes none per order)', optional: true },
  MAINTENANCE_WINDOWS: { description: 'JSON list of the target\'s maintenance windows (calls are held, not failed)' },
  EXCEPTION_THRESHOLDS: { description: 'JSON severity thresholds of the exception workflows' },
  TEMPERATURE_EXCURSION_STATE_MACHINE_ARN: { description: 'the temperature-excursion workflow' },
  DELAY_STATE_MACHINE_ARN: { description: 'the delay workflow' },
  FAILED_DELIVERY_STATE_MACHINE_ARN: { description: 'the failed-delivery workflow' },
  HTTP_TIMEOUT_MS: { description: 'timeout of one call to a vendor API', default: ENV_DEFAULTS.HTTP_TIMEOUT_MS },
  HTTP_MIN_INTERVAL_MS: { description: 'minimum time between two calls of one function (its share of the paced rate)', default: ENV_DEFAULTS.HTTP_MIN_INTERVAL_MS },
  HTTP_LOOKUP_MIN_INTERVAL_MS: {
    description: "minimum time between two lookups (GET requests) of one function, when the vendor limits them apart (its share of outbound.lookupRateLimitPerSecond); 0: lookups share HTTP_MIN_INTERVAL_MS's pace",
    default: ENV_DEFAULTS.HTTP_LOOKUP_MIN_INTERVAL_MS,
  },
  MAX_RECEIVE_COUNT: { description: "the work queue's redrive maxReceiveCount", default: ENV_DEFAULTS.MAX_RECEIVE_COUNT },
  WEBHOOK_MAX_BODY_BYTES: { description: 'larger webhook bodies are refused with 413 before parsing', default: ENV_DEFAULTS.WEBHOOK_MAX_BODY_BYTES },
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: { description: 'the replay window of signed timestamps, both directions', default: ENV_DEFAULTS.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS },
  IDEMPOTENCY_TTL_SECONDS: { description: 'how long a processed event id answers repeats', default: ENV_DEFAULTS.IDEMPOTENCY_TTL_SECONDS },
  CORRELATION_TTL_SECONDS: { description: 'how long index items are kept', default: ENV_DEFAULTS.CORRELATION_TTL_SECONDS },
  RECORD_TTL_DAYS: { description: 'how long workflow visibility records are kept', default: ENV_DEFAULTS.RECORD_TTL_DAYS },
  BACKOFF_BASE_SECONDS: { description: 'first retry delay of a failed call (doubling, with jitter)', default: ENV_DEFAULTS.BACKOFF_BASE_SECONDS },
  BACKOFF_MAX_SECONDS: { description: 'longest retry delay', default: ENV_DEFAULTS.BACKOFF_MAX_SECONDS },
  CIRCUIT_FAILURE_THRESHOLD: { description: "consecutive failures that open a target's circuit", default: ENV_DEFAULTS.CIRCUIT_FAILURE_THRESHOLD },
  CIRCUIT_COOLDOWN_SECONDS: { description: 'first time an open circuit holds calls', default: ENV_DEFAULTS.CIRCUIT_COOLDOWN_SECONDS },
  CIRCUIT_MAX_COOLDOWN_SECONDS: { description: 'longest time an open circuit holds calls', default: ENV_DEFAULTS.CIRCUIT_MAX_COOLDOWN_SECONDS },
  ACCOUNT_TEAM_TOPIC_ARN: { description: "outbound: the account team's SNS topic, told when the target stays unreachable (degraded mode)", optional: true },
  DEGRADED_NOTICE_SECONDS: { description: 'outbound: how long the target may be unreachable before the account team is told', default: ENV_DEFAULTS.DEGRADED_NOTICE_SECONDS },
  MAX_HOLD_SECONDS: { description: 'how long a message may be held (maintenance, open circuit) before it is attempted anyway', default: ENV_DEFAULTS.MAX_HOLD_SECONDS },
  SWEEP_PAGE_SIZE: { description: 'reconciliation: shipments in flight read per page (one invocation)', default: ENV_DEFAULTS.SWEEP_PAGE_SIZE },
  SWEEP_INTERVAL_SECONDS: { description: 'reconciliation: how often a sweep starts (a sweep running longer is behind)', default: ENV_DEFAULTS.SWEEP_INTERVAL_SECONDS },
  INTAKE_BUCKET: { description: 'file intake: the bucket the trading partners\' files land in (and acknowledgements are written to)' },
  TRADING_PARTNERS: { description: 'file intake: JSON of the stage\'s trading partners and our own interchange id (lib/config, fileIntakes.<name>)' },
  AS2_CONNECTORS: { description: 'file intake, AS2: JSON of partner name → Transfer Family AS2 connector id its acknowledgements are sent through' },
  B2BI_TRADING_PARTNERS: { description: 'file intake, AS2 with B2B Data Interchange: JSON of partner name → its B2BI trading partner id (whose acknowledgements its connector sends)', optional: true },
  FILE_DEDUPE_TTL_SECONDS: { description: 'file intake: how long a processed interchange control number refuses a duplicate', default: ENV_DEFAULTS.FILE_DEDUPE_TTL_SECONDS },
  REFRESH_SECONDS: { description: 'visibility page: how often it refreshes itself', default: ENV_DEFAULTS.REFRESH_SECONDS },
  AUTH_DOMAIN_URL: { description: "visibility page: the Cognito domain of its hosted sign-in (the page signs in only when the API asks)", optional: true },
  AUTH_CLIENT_ID: { description: "visibility page: the user pool app client it signs in with", optional: true },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV;

/** The variables that have a default (read with `numberEnv`). */
export type NumericEnvName = keyof typeof ENV_DEFAULTS;

