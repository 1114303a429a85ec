import type { SQSClient } from '@aws-sdk/client-sqs';
import { matches, parseDlqMessage, type DlqMessage, type Selector } from './dlq-message';
import { QueueScanner } from './queue-scanner';

export interface PeekResult {
  readonly messages: DlqMessage[];
  /** Distinct messages looked at. */
  readonly scanned: number;
  /** True when the scan stopped at `scanLimit` before the queue was exhausted. */
  readonly truncated: boolean;
}

/**
 * Reads messages of a DLQ without removing them: receives and holds each until the scan ends, then makes
 * them visible again. (Each look counts as a receive in the DLQ's ApproximateReceiveCount; DLQs have no
 * redrive policy, so that is harmless.)
 */
export async function peek(
  sqs: SQSClient,
  queueUrl: string,
  options: { selector?: Selector; limit?: number; scanLimit?: number; holdSeconds?: number; signal?: AbortSignal } = {},
): Promise<PeekResult> {
  const scanLimit = options.scanLimit ?? 1000;
  const scanner = new QueueScanner(sqs, queueUrl, { maxMessages: scanLimit, holdSeconds: options.holdSeconds ?? 30, signal: options.signal });
  const messages: DlqMessage[] = [];
  let limited = false;
  try {
    outer: for await (const batch of scanner.batches()) {
      for (const raw of batch) {
        const message = parseDlqMessage(raw);
        if (options.selector && !matches(options.selector, message)) continue;
        messages.push(message);
        if (options.limit !== undefined && messages.length >= options.limit) {
          limited = true;
          break outer;
        }
      }
    }
  } finally {
    await scanner.release();
  }
  return { messages, scanned: scanner.scanned, truncated: limited || scanner.scanned >= scanLimit };
}
