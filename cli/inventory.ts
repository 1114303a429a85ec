import { DescribeStacksCommand, ListStackResourcesCommand, type Output, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { NamedResourceDiscovery, QuarantineDiscovery, QueueDiscovery, UndeliveredNotificationsDiscovery } from '../registry/catalog';
import type { AwsClients } from './aws';
import { TargetError, UnknownQueueError } from './errors';
import type { Target } from './target';

/** Prefix of the discovery outputs written by lib/monitoring/monitoring.ts (`DISCOVERY_OUTPUT_PREFIX`). */
const PREFIX = 'Lsync';

/** Everything `lsync` needs to know about a stack, read from its outputs (and resources as a fallback). */
export interface Inventory {
  readonly target: Target;
  /** Work queues with their DLQs, by friendly name. */
  readonly queues: readonly QueueDiscovery[];
  readonly quarantine?: QuarantineDiscovery;
  /** Dead-letter queues of SNS subscriptions: notifications (alarms for the on-call email) SNS could not deliver. */
  readonly undeliveredNotifications: readonly UndeliveredNotificationsDiscovery[];
  readonly stateMachines: readonly NamedResourceDiscovery[];
  readonly apis: readonly NamedResourceDiscovery[];
  readonly correlationTableName?: string;
  readonly eventBusName?: string;
  readonly archiveName?: string;
  readonly dashboardName?: string;
  /** How the queues were found: the monitoring construct's outputs, or the stack's resources. */
  readonly discoveredFrom: 'outputs' | 'resources';
}

/** A dead-letter queue (or the quarantine) that `dlq` commands work on. */
export interface DlqRef {
  /** Friendly name: the work queue's name, `quarantine` or `quarantine-dlq`. */
  readonly name: string;
  readonly kind: 'dlq' | 'quarantine' | 'quarantine-dlq';
  readonly url: string;
  /** Where a redrive sends messages; for the quarantine it comes from each message's source attribute. */
  readonly sourceUrl?: string;
  readonly sourceName?: string;
  readonly maxReceiveCount?: number;
}

function parseJson<T>(output: Output): T | undefined {
  try {
    return JSON.parse(output.OutputValue ?? '') as T;
  } catch {
    return undefined;
  }
}

/** `RoutingErpSyncQueue1A2B3C4D` → `routing-erp-sync`: a friendly name from a CDK logical id. Pure. */
export function nameFromLogicalId(logicalId: string): string {
  const withoutHash = logicalId.replace(/[0-9A-F]{8}$/, '');
  const base = withoutHash.replace(/(DeadLetterQueue|Queue)$/, '') || withoutHash;
  return base
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Last path segment of a queue URL, or the last `:` segment of an ARN. */
export function queueNameOf(urlOrArn: string): string {
  return urlOrArn.startsWith('arn:') ? (urlOrArn.split(':').pop() ?? urlOrArn) : (urlOrArn.split('/').pop() ?? urlOrArn);
}

/** Pairs queues with their DLQs from each queue's RedrivePolicy (fallback when the stack has no discovery outputs). */
async function queuesFromResources(clients: AwsClients, stack: string): Promise<QueueDiscovery[]> {
  const resources: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await clients.cfn.send(new ListStackResourcesCommand({ StackName: stack, NextToken: token }));
    resources.push(...(page.StackResourceSummaries ?? []));
    token = page.NextToken;
  } while (token);
  const queues = await Promise.all(
    resources
      .filter((r) => r.ResourceType === 'AWS::SQS::Queue' && r.PhysicalResourceId)
      .map(async (r) => {
        const attributes = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: r.PhysicalResourceId, AttributeNames: ['QueueArn', 'RedrivePolicy'] }),
        );
        return { logicalId: r.LogicalResourceId ?? '', url: r.PhysicalResourceId!, arn: attributes.Attributes?.QueueArn ?? '', redrive: attributes.Attributes?.RedrivePolicy };
      }),
  );
  const byArn = new Map(queues.map((q) => [q.arn, q]));
  return queues.flatMap((q) => {
    if (!q.redrive) return [];
    const policy = JSON.parse(q.redrive) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    const dlq = byArn.get(policy.deadLetterTargetArn);
    if (!dlq) return [];
    return [{ name: nameFromLogicalId(q.logicalId), url: q.url, arn: q.arn, dlqUrl: dlq.url, dlqArn: dlq.arn, maxReceiveCount: Number(policy.maxReceiveCount) }];
  });
}

/**
 * Reads the stack's outputs (DescribeStacks): the discovery outputs of the monitoring construct and the
 * core outputs (bus, archive, tables). Falls back to ListStackResources for queues when the stack has no
 * discovery outputs.
 */
export async function loadInventory(clients: AwsClients, target: Target): Promise<Inventory> {
  let outputs: Output[];
  try {
    const described = await clients.cfn.send(new DescribeStacksCommand({ StackName: target.stackName }));
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as Error).name === 'ValidationError' || /does not exist/.test((error as Error).message)) {
      throw new TargetError(
        `stack ${target.stackName} was not found${target.kind === 'sandbox' ? ` in the sandbox at ${target.endpoint}` : target.region ? ` in ${target.region}` : ''}`,
        target.kind === 'sandbox' ? 'is the sandbox still running? restart it with `npm start`' : 'check --stage, the region (AWS_REGION) and the account of your credentials',
        1,
        { cause: error },
      );
    }
    throw error;
  }
  const byKey = new Map(outputs.map((o) => [o.OutputKey ?? '', o]));
  const discovered = outputs.filter((o) => o.OutputKey?.startsWith(PREFIX));
  const json = <T>(prefix: string) =>
    discovered
      .filter((o) => o.OutputKey!.startsWith(`${PREFIX}${prefix}`))
      .map((o) => parseJson<T>(o))
      .filter((v): v is T => v !== undefined);
  let queues = json<QueueDiscovery>('Queue');
  let discoveredFrom: Inventory['discoveredFrom'] = 'outputs';
  if (queues.length === 0) {
    queues = await queuesFromResources(clients, target.stackName);
    discoveredFrom = 'resources';
  }
  const quarantineOutput = byKey.get(`${PREFIX}QuarantineQueue`);
  return {
    target,
    queues: queues.sort((a, b) => a.name.localeCompare(b.name)),
    quarantine: quarantineOutput ? parseJson<QuarantineDiscovery>(quarantineOutput) : undefined,
    undeliveredNotifications: json<UndeliveredNotificationsDiscovery>('Undelivered'),
    stateMachines: json<NamedResourceDiscovery>('StateMachine'),
    apis: json<NamedResourceDiscovery>('Api'),
    correlationTableName: byKey.get('CorrelationTableName')?.OutputValue,
    eventBusName: byKey.get('EventBusName')?.OutputValue,
    archiveName: byKey.get('EventArchiveName')?.OutputValue,
    dashboardName: byKey.get(`${PREFIX}DashboardName`)?.OutputValue,
    discoveredFrom,
  };
}

/** Every DLQ of the stack, plus the quarantine and its own DLQ. */
export function deadLetterQueues(inventory: Inventory): DlqRef[] {
  const refs: DlqRef[] = inventory.queues.map((q) => ({
    name: q.name,
    kind: 'dlq',
    url: q.dlqUrl,
    sourceUrl: q.url,
    sourceName: q.name,
    maxReceiveCount: q.maxReceiveCount,
  }));
  if (inventory.quarantine) {
    refs.push({ name: 'quarantine', kind: 'quarantine', url: inventory.quarantine.url });
    refs.push({ name: 'quarantine-dlq', kind: 'quarantine-dlq', url: inventory.quarantine.dlqUrl, sourceUrl: inventory.quarantine.url, sourceName: 'quarantine' });
  }
  return refs;
}

/**
 * Resolves what the operator typed — a friendly name (`erp-sync`, `erp-sync-dlq`), a unique suffix of one
 * (`erp-sync` for `routing-erp-sync`), a queue URL, ARN or physical name of the work queue or its DLQ — to
 * the DLQ it means. Throws {@link UnknownQueueError} listing the known names.
 */
export function resolveDlq(inventory: Inventory, input: string): DlqRef {
  const refs = deadLetterQueues(inventory);
  const wanted = input.trim();
  const lower = wanted.toLowerCase().replace(/-dlq$/, '');
  const physical = wanted.includes('/') || wanted.startsWith('arn:') ? queueNameOf(wanted) : wanted;
  const exact = refs.find((r) => r.name === wanted.toLowerCase()) ?? refs.find((r) => r.name === lower);
  if (exact) return exact;
  const byPhysical = refs.find((r) => queueNameOf(r.url) === physical || (r.sourceUrl && queueNameOf(r.sourceUrl) === physical));
  if (byPhysical) return byPhysical;
  const bySuffix = refs.filter((r) => r.name.endsWith(`-${lower}`));
  if (bySuffix.length === 1) return bySuffix[0]!;
  throw new UnknownQueueError(input, refs.map((r) => r.name));
}
