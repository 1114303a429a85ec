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
