import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../../sandbox/aws';

/** Messages in the product's queues: waiting, in flight and delayed (held messages are re-sent with a delay), by queue name. */
export async function queueDepths(sqs: SQSClient): Promise<Map<string, number>> {
  const depths = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: token }));
    token = page.NextToken;
    for (const url of page.QueueUrls ?? []) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
      );
      depths.set(url.split('/').pop()!, Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0));
    }
  } while (token);
  return depths;
}

const isDlq = (name: string) => /dlq|dead|quarantine/i.test(name);

/** `LogisticsSync-sandbox-ErpOutboundErpSyncQueue8F74B4FE-X0ZM8R2ID3DU` → `ErpOutboundErpSyncQueue`. */
const shortName = (name: string) => name.replace(/^[^-]+-[^-]+-/, '').replace(/[0-9A-F]{8}-[0-9A-Z]+$/, '');

/**
 * Waits until the product is quiet: no message in any work queue (DLQs may hold messages: that is what the
 * redrive is for), no webhook in flight, and the same stays true for `quietMs`. Returns false on `timeoutMs`.
 */
export async function settle(endpoint: string, options: { timeoutMs: number; quietMs?: number; busy?: () => boolean; onWait?: (backlog: number, where: string) => void }): Promise<boolean> {
  const sqs = new SQSClient(clientConfig(endpoint));
  const quietMs = options.quietMs ?? 6_000;
  const deadline = Date.now() + options.timeoutMs;
  let quietSince: number | undefined;
  let lastReport = 0;
  try {
    for (;;) {
      const depths = await queueDepths(sqs);
      const work = [...depths].filter(([name, n]) => !isDlq(name) && n > 0);
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
