import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface ScannerOptions {
  /**
   * How long a received message stays invisible; the scanner extends it for messages it still holds.
   * @default 60
   */
  readonly holdSeconds?: number;
  /** Long-poll wait per receive. @default 1 */
  readonly waitTimeSeconds?: number;
  /** Consecutive empty long-poll receives that mean "nothing left" (long polling asks every SQS server). @default 1 */
  readonly emptyReceivesToStop?: number;
  /** Stop after this many distinct messages. @default - no limit */
  readonly maxMessages?: number;
  readonly signal?: AbortSignal;
}

/** Approximate number of messages in a queue (visible + in flight + delayed). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/**
 * Walks a queue by receiving its messages and *holding* them (invisible) until the walk ends, so each is
 * seen once; held messages are released (made visible again) by {@link release}, or reappear on their own
 * after `holdSeconds` if this process dies. Nothing is ever deleted here: the caller deletes what it has
 * safely sent elsewhere and then calls {@link forget}.
 */
export class QueueScanner {
  private readonly held = new Map<string, string>(); // messageId → latest receipt handle
  private readonly seen = new Set<string>();
  private readonly holdSeconds: number;
  private heartbeat?: NodeJS.Timeout;
  private heartbeatRunning?: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
    private readonly options: ScannerOptions = {},
  ) {
    this.holdSeconds = options.holdSeconds ?? 60;
  }

  /** Distinct messages received so far. */
  get scanned(): number {
    return this.seen.size;
  }

  /** Yields batches of messages not seen before, until the queue is drained (for us) or the limit is hit. */
  async *batches(): AsyncGenerator<Message[]> {
    this.startHeartbeat();
    let empty = 0;
    const stopAfter = this.options.emptyReceivesToStop ?? 1;
    while (!this.options.signal?.aborted && empty < stopAfter) {
      const remaining = this.options.maxMessages === undefined ? 10 : this.options.maxMessages - this.seen.size;
      if (remaining <= 0) return;
      const received = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, remaining),
          WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
          VisibilityTimeout: this.holdSeconds,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
        // Not aborted mid-call on purpose: a receive cut off after SQS answered would leave messages
        // invisible without their receipt handles. The signal is checked between receives (≤ 1 s apart).
      );
      const fresh: Message[] = [];
      for (const message of received.Messages ?? []) {
        const id = message.MessageId!;
        this.held.set(id, message.ReceiptHandle!);
        if (this.seen.has(id)) continue; // a duplicate delivery of a message we already hold
        this.seen.add(id);
        fresh.push(message);
      }
      empty = (received.Messages?.length ?? 0) === 0 ? empty + 1 : 0;
      if (fresh.length > 0) yield fresh;
    }
  }

  /** The message was deleted (or moved): stop holding it. */
  forget(messageId: string): void {
    this.held.delete(messageId);
  }

  /** Makes every held message visible again and stops the heartbeat. */
  async release(): Promise<void> {
    this.stopHeartbeat();
    await this.heartbeatRunning;
    await this.changeVisibility(0);
    this.held.clear();
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    // Extend well before the hold expires, so a slow redrive never lets held messages reappear mid-walk.
    this.heartbeat = setInterval(() => {
      this.heartbeatRunning = this.changeVisibility(this.holdSeconds).catch(() => undefined);
    }, Math.max(500, (this.holdSeconds * 1000) / 3));
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async changeVisibility(seconds: number): Promise<void> {
    const entries = [...this.held.entries()];
    for (let i = 0; i < entries.length; i += 10) {
      const chunk = entries.slice(i, i + 10);
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map(([, handle], j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: seconds })),
        }),
      );
    }
  }
}
