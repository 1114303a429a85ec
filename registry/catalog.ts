/**
 * Names shared by the monitoring construct (lib/monitoring/monitoring.ts) and the `lsync` CLI, kept free of
 * aws-cdk-lib so the CLI starts fast: custom metric names, runbook anchors and the shape of the discovery
 * outputs.
 */

/** CloudWatch namespace of every custom metric (Powertools `POWERTOOLS_METRICS_NAMESPACE`, set by NodeFunction). */
export const METRICS_NAMESPACE = 'LogisticsSync';

/**
 * Custom metric names the dashboard and alarms read. Emit them with Powertools Metrics in the
 * `LogisticsSync` namespace; any dimension set works (the dashboard uses SEARCH over the namespace), but
 * per-vendor counters should carry a `vendor` dimension and per-target counters a `target` dimension.
 */
export const METRIC_NAMES = {
  /** ms, `order.released` accepted → `shipment.dispatched` confirmed by the fleet system. */
  dispatchConfirmationLatency: 'DispatchConfirmationLatency',
  /** ms, `pod.captured` → ERP billing-ready acknowledged. */
  podToBillingReadyLatency: 'PodToBillingReadyLatency',
  /** ms, ERP billing-ready → `invoice.posted`. */
  billingReadyToInvoiceLatency: 'BillingReadyToInvoiceLatency',
  /** ms, `pod.captured` → `invoice.posted` (the whole cycle). */
  podToInvoiceCycleTime: 'PodToInvoiceCycleTime',
  /** ms, `shipment.exception-raised` → `case.opened`. */
  exceptionToCaseLatency: 'ExceptionToCaseLatency',
  /** count per vendor: webhooks answered 4xx (bad signature, bad payload). */
  eventsRejected: 'EventsRejected',
  /** count per vendor: valid webhooks of a type we do not map (answered 202 "ignored"). */
  eventsIgnored: 'EventsIgnored',
  /** count per vendor: vendor retries answered from the idempotency store. */
  eventsDeduplicated: 'EventsDeduplicated',
  /** count per target: outbound calls that failed (any error class). */
  syncFailures: 'SyncFailures',
  /** ms per invocation and target (`service`): time an outbound adapter waited for its pacing slots (the target's rate limit). */
  rateLimitWait: 'RateLimitWait',
  /** % per invocation and function (`service`): the execution environment's peak memory so far, of the function's memory size. */
  memoryUsed: 'MemoryUsedPercent',
  /** count: a redelivery found the same (event, action) still in progress (Powertools IdempotencyAlreadyInProgressError). */
  idempotencyInProgress: 'IdempotencyInProgress',
  /** count per intake: files refused (malformed, unknown partner, duplicate control number), each answered with a rejecting acknowledgement. */
  filesRejected: 'FilesRejected',
  /** count per system (`system` dimension): milestones a reconciliation sweep found the vendor showing and the index lacking. */
  driftFound: 'ReconciliationDriftFound',
  /** count per system: of those, published again (with the ids their webhooks would have had). */
  driftRepaired: 'ReconciliationDriftRepaired',
  /** count per system: shipments the vendor's API could not tell about (not found, refused). */
  sweepUnreadable: 'ReconciliationUnreadable',
  /** count per system: pages of a sweep still running after its interval (a missed update then waits longer than promised). */
  sweepBehind: 'ReconciliationSweepBehind',
} as const;

/** Anchors of docs/runbook.md that alarm descriptions point to. */
export const RUNBOOK = {
  dlqNotEmpty: 'dlq-not-empty',
  dlqMessagesExpiring: 'dlq-messages-expiring',
  queueBacklogAge: 'queue-backlog-age',
  quarantineNotEmpty: 'quarantine-not-empty',
  workflowFailed: 'workflow-failed',
  workflowTimedOut: 'workflow-timed-out',
  api5xx: 'api-5xx-rate',
  api4xx: 'api-4xx-rate',
  functionErrors: 'function-error-rate',
  functionThrottles: 'function-throttles',
  idempotencyInProgress: 'idempotency-in-progress',
  notificationsUndelivered: 'alarm-notifications-undelivered',
  filesRejected: 'file-intake-rejected',
  reconciliationDrift: 'reconciliation-drift-persists',
  reconciliationBehind: 'reconciliation-sweep-behind',
  bcSubscriptionRenewalFailed: 'business-central-subscription-renewal-failed',
  as2CertificateExpiring: 'as2-certificate-expiring',
  memoryNearLimit: 'memory-near-limit',
} as const;

export function runbookLink(anchor: string): string {
  return `Runbook: docs/runbook.md#${anchor}`;
}

/** Prefix of the stack outputs `lsync` reads to discover resources (queues, state machines, APIs). */
export const DISCOVERY_OUTPUT_PREFIX = 'Lsync';

/** What `lsync` learns about one ReliableQueue from its discovery output (JSON). */
export interface QueueDiscovery {
  /** Friendly name used on the command line, e.g. `erp-sync`. */
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly maxReceiveCount: number;
}

/** Discovery output of the quarantine queue and the redrive limit (JSON). */
export interface QuarantineDiscovery {
  readonly url: string;
  readonly arn: string;
  /** The quarantine's own DLQ (a message inspected 1,000 times moves there). */
  readonly dlqUrl: string;
  readonly dlqArn: string;
  /** Redrives of one message after which `lsync dlq redrive` quarantines it instead. */
  readonly maxRedrives: number;
}

/**
 * Discovery output of a subscription's dead-letter queue (JSON): notifications SNS could not deliver to that
 * subscription's endpoint, e.g. alarm notifications for the on-call email.
 */
export interface UndeliveredNotificationsDiscovery {
  /** Friendly name, e.g. `on-call-undelivered`. */
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** The topic whose notifications they are. */
  readonly topicArn: string;
}

export interface NamedResourceDiscovery {
  readonly name: string;
  /** State machine ARN, or REST or HTTP API id. */
  readonly id: string;
  /** REST API name (the `ApiName` CloudWatch dimension); absent for state machines and HTTP APIs (their metrics are by `ApiId`). */
  readonly apiName?: string;
}

