import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../aws';
import type { DeployedStack } from '../deploy/deployer';

/** An event as delivered from the bus (the EventBridge envelope). */
export interface TappedEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
  readonly 'replay-name'?: string;
  /** Name of the bus it was published to. */
  readonly bus: string;
  /** When the tap received it (epoch ms). */
  readonly tappedAt: number;
}

/**
 * Sandbox-only instrumentation (not part of the template): a catch-all rule on every custom event bus of
 * the deployed stacks, delivering to a sandbox queue that is drained into memory. The reference scenario
 * and the trace read "what went over the bus" from it.
 */
export class BusTap {
  private readonly captured: TappedEvent[] = [];
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly sqs: SQSClient;
  private readonly listeners = new Set<() => void>();

  private constructor(endpoint: string) {
    this.sqs = new SQSClient({ ...clientConfig(endpoint), useQueueUrlAsEndpoint: false });
  }

  static async start(stacks: readonly DeployedStack[], endpoint: string): Promise<BusTap> {
    const tap = new BusTap(endpoint);
    const events = new EventBridgeClient(clientConfig(endpoint));
    try {
      for (const stack of stacks) {
        for (const bus of stack.ofType('AWS::Events::EventBus')) {
          const busName = bus.physicalId;
          if (!busName) continue;
          const queueName = `sandbox-tap-${busName}`.slice(0, 80);
          const { QueueUrl } = await tap.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
          const { Attributes } = await tap.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
          await events.send(new PutRuleCommand({ Name: 'sandbox-tap', EventBusName: busName, EventPattern: JSON.stringify({ source: [{ prefix: '' }] }), Description: 'sandbox instrumentation: every event, for the scenario and trace' }));
          await events.send(new PutTargetsCommand({ Rule: 'sandbox-tap', EventBusName: busName, Targets: [{ Id: 'sandbox-tap', Arn: Attributes!.QueueArn! }] }));
          tap.loops.push(tap.drain(QueueUrl!, busName));
        }
      }
    } finally {
      events.destroy();
    }
    return tap;
  }

  private async drain(queueUrl: string, bus: string): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        const { Messages } = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }), { abortSignal: signal });
        if (!Messages?.length) continue;
        for (const message of Messages) {
          try {
            this.captured.push({ ...(JSON.parse(message.Body ?? '{}') as Omit<TappedEvent, 'bus' | 'tappedAt'>), bus, tappedAt: Date.now() });
          } catch {
            // not an EventBridge envelope: ignore
          }
        }
        await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        for (const listener of this.listeners) listener();
      } catch {
        if (signal.aborted) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Every event seen so far, oldest first. */
  events(): readonly TappedEvent[] {
    return this.captured;
  }

  /** Resolves with the first event (already seen or arriving) that satisfies `predicate`. */
  waitFor(predicate: (event: TappedEvent) => boolean, timeoutMs = 10_000): Promise<TappedEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.captured.find(predicate);
        if (!found) return false;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no matching event on the bus within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.listeners.add(check);
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    this.sqs.destroy();
  }
}
