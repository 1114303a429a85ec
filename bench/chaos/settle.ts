import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../../sandbox/aws';

/** Messages in the product's queues: waiting, in flight and delayed (held messages are re-sent with a delay), by queue name. */
export async function queueDepths(sqs: SQSClient): Promise<Map<string, number>> {
  const depths = new Map<string, number>();
  for (const [name, { visible, inFlight, delayed }] of await queueCounts(sqs)) depths.set(name, visible + inFlight + delayed);
  return depths;
}

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** The same, apart: waiting, in flight, delayed. */
export async function queueCounts(sqs: SQSClient): Promise<Map<string, QueueCounts>> {
  const depths = new Map<string, QueueCounts>();
  let token: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: token }));
    token = page.NextToken;
    for (const url of page.QueueUrls ?? []) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
      );
      depths.set(url.split('/').pop()!, {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      });
    }
  } while (token);
  return depths;
}

const isDlq = (name: string) => /dlq|dead|quarantine/i.test(name);

/** `LogisticsSync-sandbox-ErpOutboundErpSyncQueue8F74B4FE-X0ZM8R2ID3DU` → `ErpOutboundErpSyncQueue`. */
const shortName = (name: string) => name.replace(/^[^-]+-[^-]+-/, '').replace(/[0-9A-F]{8}-[0-9A-Z]+$/, '');

/**
 * The temperature alert checks waiting for the index to know an alert's shipment (lambdas/fleet/alert-recheck: a
 * check every 2 min at most, for about 15 min). The index may be waiting for a redrive (the dispatch's route creation
 * dead-lettered), which comes after the drain, so a drain before the redrive does not wait for these.
 */
export const WAITING_FOR_THE_INDEX = /AlertRecheck/;

export interface SettleOptions {
  readonly timeoutMs: number;
  readonly quietMs?: number;
  readonly busy?: () => boolean;
  readonly onWait?: (backlog: number, where: string) => void;
  /** Queues whose *delayed* messages do not hold the drain (messages waiting or in flight there still do). */
  readonly delayedNotWaitedFor?: RegExp;
}

/**
 * Waits until the product is quiet: no message in any work queue (DLQs may hold messages: that is what the
 * redrive is for; delayed ones in `delayedNotWaitedFor` queues are left), no webhook in flight, and the same stays
 * true for `quietMs`. Returns false on `timeoutMs`.
 */
export async function settle(endpoint: string, options: SettleOptions): Promise<boolean> {
  const sqs = new SQSClient(clientConfig(endpoint));
  const quietMs = options.quietMs ?? 6_000;
  const deadline = Date.now() + options.timeoutMs;
  let quietSince: number | undefined;
  let lastReport = 0;
  try {
    for (;;) {
      const counts = await queueCounts(sqs);
      const depths = [...counts].map(([name, c]): [string, number] => [name, c.visible + c.inFlight + (options.delayedNotWaitedFor?.test(name) ? 0 : c.delayed)]);
      const work = depths.filter(([name, n]) => !isDlq(name) && n > 0);
      const backlog = work.reduce((sum, [, n]) => sum + n, 0);
      if (backlog === 0 && !options.busy?.()) {
        quietSince ??= Date.now();
        if (Date.now() - quietSince >= quietMs) return true;
      } else {
        quietSince = undefined;
      }
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        options.onWait?.(backlog, work.map(([name, n]) => `${shortName(name)} ${n}`).join(', '));
      }
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    sqs.destroy();
  }
}
