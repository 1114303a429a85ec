import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DISCOVERY_OUTPUT_PREFIX, type QueueDiscovery } from '../../registry/catalog';

/** The dead-letter queues of the product's queues whose friendly name matches, from the stack's discovery outputs. */
export function deadLetterQueueUrls(outputs: Readonly<Record<string, string>>, names: RegExp): string[] {
  return Object.entries(outputs)
    .filter(([key]) => key.startsWith(`${DISCOVERY_OUTPUT_PREFIX}Queue`))
    .flatMap(([, value]) => {
      try {
        const queue = JSON.parse(value) as QueueDiscovery;
        return names.test(queue.name) && queue.dlqUrl ? [queue.dlqUrl] : [];
      } catch {
        return [];
      }
    });
}

/** The order ids a dead-lettered message names (its canonical event's `refs.orderId`, wherever it sits in the body). */
export function orderIdsIn(body: string | undefined): string[] {
  return [...(body ?? '').matchAll(/"orderId"\s*:\s*"([^"]+)"/g)].map((m) => m[1]!);
}

/**
 * Which orders have a message in some dead-letter queues, for the chaos driver: an order whose dispatch is
 * dead-lettered gets nothing more until the runbook's redrive after the drain, so waiting for it only adds minutes.
 * The queues are peeked (each message hidden for a second, never deleted) at most every `refreshMs`; an order once
 * seen stays seen (only the redrive after the drive takes messages out).
 */
export class DeadLetterWatch {
  private readonly seen = new Set<string>();
  private refreshed = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrls: readonly string[],
    private readonly refreshMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async has(orderId: string): Promise<boolean> {
    if (this.seen.has(orderId)) return true;
    if (this.now() - this.refreshed >= this.refreshMs) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshed = this.now();
        this.refreshing = undefined;
      });
    }
    await this.refreshing;
    return this.seen.has(orderId);
  }

  private async refresh(): Promise<void> {
    for (const url of this.queueUrls) {
      // Each receive hides what it returned for a second, so the next one gets the following messages; a DLQ of a
      // chaos run holds a few dozen at most.
      for (let page = 0; page < 100; page++) {
        const { Messages = [] } = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 1, WaitTimeSeconds: 0 }));
        if (Messages.length === 0) break;
        for (const message of Messages) for (const id of orderIdsIn(message.Body)) this.seen.add(id);
      }
    }
  }
}
