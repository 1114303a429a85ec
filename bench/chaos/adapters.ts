import { SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../../sandbox/aws';
import type { Sandbox } from '../../sandbox/sandbox';
import { queueDepths } from './settle';

/** How one SQS-driven function kept up: messages taken, invocations and their mean duration, the deepest backlog seen. */
export interface AdapterFigures {
  readonly queue: string;
  readonly messages: number;
  readonly invocations: number;
  readonly meanInvocationMs: number;
  /** Messages per second over the seconds its queue had a backlog. */
  readonly drainPerSecond: number;
  readonly peakBacklog: number;
}

/** Samples the work queues' depth every few seconds while the run lasts. */
export class BacklogSampler {
  private readonly peak = new Map<string, number>();
  /** Seconds each queue had messages waiting (sampled). */
  private readonly busySeconds = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private readonly sqs: SQSClient;
  private sampling = false;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly everyMs = 5_000,
  ) {
    this.sqs = new SQSClient(clientConfig(sandbox.emulator.endpoint));
  }

  start(): void {
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      for (const [name, depth] of await queueDepths(this.sqs)) {
        this.peak.set(name, Math.max(this.peak.get(name) ?? 0, depth));
        if (depth > 0) this.busySeconds.set(name, (this.busySeconds.get(name) ?? 0) + this.everyMs / 1000);
      }
    } catch {
      // A sample lost to a busy emulator changes no verdict.
    } finally {
      this.sampling = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sqs.destroy();
  }

  /** Figures per SQS event source mapping of the product. */
  figures(): AdapterFigures[] {
    return this.sandbox.pollers
      .filter((p) => p.spec.stackName === this.sandbox.endpoints.stackName)
      .map((p) => {
        const queue = p.spec.queueArn.split(':').pop()!;
        const fn = p.fn.stats;
        const busy = this.busySeconds.get(queue) ?? 0;
        return {
          queue: queue.replace(/^LogisticsSync-[a-z0-9]+-/, '').replace(/[0-9A-F]{8}-[A-Z0-9]+$/, ''),
          messages: p.stats.messages,
          invocations: p.stats.batches,
          meanInvocationMs: fn.invocations > 0 ? Math.round(fn.billedDurationMs / fn.invocations) : 0,
          drainPerSecond: busy > 0 ? Math.round((p.stats.messages / busy) * 10) / 10 : 0,
          peakBacklog: this.peak.get(queue) ?? 0,
        };
      });
  }
}
