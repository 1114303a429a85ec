/**
 * SQS message attributes that explain why a message is in a dead-letter queue. Outbound adapters set them
 * when they dead-letter a message themselves (a non-retryable error, or the last attempt); `lsync dlq`
 * reads them, and `lsync dlq redrive` keeps them and bumps the redrive count.
 */
export const DLQ_ATTRIBUTES = {
  errorClass: 'lsync-error-class',
  errorReason: 'lsync-error-reason',
  firstFailedAt: 'lsync-first-failed-at',
  sourceQueueUrl: 'lsync-source-queue-url',
  receiveCount: 'lsync-receive-count',
  redriveCount: 'lsync-redrive-count',
} as const;

export type DlqAttributeName = (typeof DLQ_ATTRIBUTES)[keyof typeof DLQ_ATTRIBUTES];

/**
 * Message attributes the outbound adapters add when they hold a message (re-send it to its own queue with
 * a delay). They travel with the message, so a message held several times still knows when it first
 * arrived. (The DLQ reason attributes are above.)
 */
export const HOLD_ATTRIBUTES = {
  /** Times the message was held (re-sent with a delay instead of attempted). */
  heldCount: 'lsync-held-count',
  /** When the message was first received by an adapter (epoch milliseconds), kept across holds. */
  firstReceivedAt: 'lsync-first-received-at',
  /** Why it was last held. */
  heldReason: 'lsync-held-reason',
} as const;
