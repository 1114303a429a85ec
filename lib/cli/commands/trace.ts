import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ALL_LINK_KINDS, keys, type LinkKind } from '../../../lambdas/indexer/keys';
import type { CommandContext } from '../context';
import { CliError, UnknownIdError } from '../errors';
import { humanDuration, json, table } from '../format';

interface TimelineEntry {
  eventId: string;
  eventType: string;
  system: string;
  vendor?: string;
  occurredAt: string;
  receivedAt?: string;
  late?: boolean;
  refs?: Record<string, string>;
}

async function queryAll(ctx: CommandContext, table: string, pk: string, skPrefix?: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ctx.clients.ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':sk': skPrefix } : {}) },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Correlation ids an id belongs to: as an external id of any kind, or as a correlation id itself. */
async function correlationsOf(ctx: CommandContext, tableName: string, id: string): Promise<{ correlationId: string; via: string }[]> {
  const found = new Map<string, string>();
  const links = await Promise.all(ALL_LINK_KINDS.map(async (kind: LinkKind) => ({ kind, items: await queryAll(ctx, tableName, keys.linkPk(kind, id)) })));
  for (const { kind, items } of links) for (const item of items) if (typeof item.correlationId === 'string') found.set(item.correlationId, kind);
  if (found.size === 0) {
    const own = await queryAll(ctx, tableName, keys.corrPk(id));
    if (own.length > 0) found.set(id, 'correlation');
  }
  return [...found].map(([correlationId, via]) => ({ correlationId, via }));
}

function firstOf(timeline: TimelineEntry[], type: string): TimelineEntry | undefined {
  return timeline.find((e) => e.eventType === type);
}

/** `lsync trace <id>`: the correlation's timeline across ERP, fleet and CS with per-hop timings. */
export async function trace(ctx: CommandContext, id: string): Promise<number> {
  const inventory = await ctx.inventory();
  if (!inventory.correlationTableName) throw new CliError(`stack ${ctx.target.stackName} has no CorrelationTableName output`);
  const tableName = inventory.correlationTableName;
  const correlations = await correlationsOf(ctx, tableName, id);
  if (correlations.length === 0) throw new UnknownIdError(id, [...ALL_LINK_KINDS, 'correlation']);

  const traces = await Promise.all(
    correlations.map(async ({ correlationId, via }) => {
      const items = await queryAll(ctx, tableName, keys.corrPk(correlationId));
      const timeline = items
        .filter((i) => String(i.sk).startsWith(keys.timelinePrefix))
        .map((i) => i as unknown as TimelineEntry)
        .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      const links = items
        .filter((i) => String(i.sk).startsWith(keys.memberPrefix))
        .map((i) => ({ kind: String(i.kind), externalId: String(i.externalId) }));
      const pod = firstOf(timeline, 'pod.captured');
      const invoice = firstOf(timeline, 'invoice.posted');
      const podToInvoiceMs = pod && invoice ? Date.parse(invoice.occurredAt) - Date.parse(pod.occurredAt) : undefined;
      return { correlationId, via, links, timeline, podToInvoiceMs };
    }),
  );

  if (ctx.json) {
    ctx.out(json({ id, correlations: traces }));
    return 0;
  }
  for (const t of traces) {
    ctx.out(`correlation ${t.correlationId} (found via ${t.via} ${id})\n`);
    ctx.out(`links: ${t.links.map((l) => `${l.kind} ${l.externalId}`).join(', ') || '-'}\n\n`);
    const start = t.timeline.length ? Date.parse(t.timeline[0]!.occurredAt) : 0;
    let previous = start;
    ctx.out(
      table(
        ['OCCURRED AT', '+START', '+PREV', 'SYSTEM', 'EVENT', 'ORDER', 'SHIPMENT', 'CASE', 'NOTE'],
        t.timeline.map((e) => {
          const at = Date.parse(e.occurredAt);
          const row = [
            e.occurredAt,
            humanDuration(at - start),
            humanDuration(at - previous),
            `${e.system}${e.vendor ? `/${e.vendor}` : ''}`,
            e.eventType,
            e.refs?.orderId,
            e.refs?.shipmentId,
            e.refs?.caseId,
            e.late ? 'late (state not changed)' : '',
          ];
          previous = Math.max(previous, at);
          return row;
        }),
      ),
    );
    if (t.podToInvoiceMs !== undefined) ctx.out(`\nPOD → invoice cycle time: ${humanDuration(t.podToInvoiceMs)}\n`);
    ctx.out('\n');
  }
  return 0;
}
