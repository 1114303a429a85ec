import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from './aws';
import type { TappedEvent } from './runtime/bus-tap';

/** One entry of a business transaction's timeline. */
export interface TraceEntry {
  readonly at: string;
  readonly eventType: string;
  readonly system: string;
  readonly eventId: string;
  readonly refs: Readonly<Record<string, string>>;
  readonly late?: boolean;
}

export interface SandboxTrace {
  readonly id: string;
  readonly correlationId?: string;
  /** Where the entries come from: the correlation table (the product's own view) or the sandbox's bus tap. */
  readonly source: 'correlation-table' | 'bus';
  /** `kind:id` of every linked business id. */
  readonly links: readonly string[];
  readonly entries: readonly TraceEntry[];
}

async function queryAll(client: DynamoDBDocumentClient, tableName: string, pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * Reads the chain of the business transaction an id belongs to from the correlation table (key layout in
 * lib/tables.ts: `LINK#<kind>#<id>` → correlation id; `CORR#<id>` → member links and `TL#` timeline).
 */
export async function readCorrelationTrace(endpoint: string, tableName: string, id: string, kinds: readonly string[] = ['order', 'shipment', 'route', 'case', 'invoice']): Promise<SandboxTrace | undefined> {
  const base = new DynamoDBClient(clientConfig(endpoint));
  const client = DynamoDBDocumentClient.from(base);
  try {
    let correlationId: string | undefined;
    for (const kind of kinds) {
      const links = await queryAll(client, tableName, `LINK#${kind}#${id}`);
      const found = links.map((l) => l.correlationId).find((c): c is string => typeof c === 'string');
      if (found) {
        correlationId = found;
        break;
      }
    }
    correlationId ??= (await queryAll(client, tableName, `CORR#${id}`)).length > 0 ? id : undefined;
    if (!correlationId) return undefined;
    const items = await queryAll(client, tableName, `CORR#${correlationId}`);
    const links = items.filter((i) => String(i.sk).startsWith('LINK#')).map((i) => String(i.sk).slice('LINK#'.length).replace('#', ':'));
    const entries = items
      .filter((i) => String(i.sk).startsWith('TL#'))
      .map((i) => {
        const [, occurredAt, eventId] = String(i.sk).split('#');
        const source = i.source as { system?: string } | string | undefined;
        return {
          at: String(i.occurredAt ?? occurredAt),
          eventType: String(i.eventType ?? ''),
          system: typeof source === 'string' ? source : String(source?.system ?? i.system ?? ''),
          eventId: String(i.eventId ?? eventId),
          refs: (i.refs ?? {}) as Record<string, string>,
          late: i.late === true,
        };
      })
      .sort((a, b) => a.at.localeCompare(b.at));
    return { id, correlationId, source: 'correlation-table', links, entries };
  } finally {
    base.destroy();
  }
}

/** The chain as seen on the bus (used when the stack has no correlation indexer yet). */
export function busTrace(events: readonly TappedEvent[], id: string): SandboxTrace | undefined {
  const related = events.filter((e) => {
    const detail = e.detail as { metadata?: { correlationId?: string }; refs?: Record<string, string> };
    return detail.metadata?.correlationId === id || Object.values(detail.refs ?? {}).includes(id);
  });
  if (related.length === 0) return undefined;
  const entries = related
    .map((e) => {
      const detail = e.detail as { metadata?: { eventId?: string; occurredAt?: string; source?: { system?: string } }; refs?: Record<string, string> };
      return {
        at: detail.metadata?.occurredAt ?? e.time,
        eventType: e['detail-type'],
        system: detail.metadata?.source?.system ?? e.source.replace(/^logistics-sync\./, ''),
        eventId: detail.metadata?.eventId ?? e.id,
        refs: detail.refs ?? {},
      };
    })
    .sort((a, b) => a.at.localeCompare(b.at));
  const links = [...new Set(entries.flatMap((e) => Object.entries(e.refs).map(([k, v]) => `${k.replace(/Id$/, '')}:${v}`)))];
  return { id, source: 'bus', links, entries };
}

/** Human-readable lines: one per event with the time since the first, plus the POD-to-invoice cycle. */
export function formatTrace(trace: SandboxTrace): string[] {
  const lines = [`trace ${trace.id}${trace.correlationId ? ` (correlation ${trace.correlationId})` : ''}, from the ${trace.source === 'bus' ? 'event bus (no correlation index yet)' : 'correlation table'}`];
  if (trace.links.length > 0) lines.push(`  links: ${trace.links.join(', ')}`);
  const first = Date.parse(trace.entries[0]?.at ?? '');
  for (const entry of trace.entries) {
    const offset = ((Date.parse(entry.at) - first) / 1000).toFixed(3).padStart(9);
    const refs = Object.entries(entry.refs).map(([k, v]) => `${k}=${v}`).join(' ');
    lines.push(`  +${offset}s  ${entry.system.padEnd(12)} ${entry.eventType.padEnd(26)} ${refs}${entry.late ? '  (late: recorded, state unchanged)' : ''}`);
  }
  const pod = trace.entries.find((e) => e.eventType === 'pod.captured');
  const invoice = trace.entries.find((e) => e.eventType === 'invoice.posted');
  if (pod && invoice) lines.push(`  POD-to-invoice cycle: ${((Date.parse(invoice.at) - Date.parse(pod.at)) / 1000).toFixed(3)} s`);
  return lines;
}
