/**
 * `traceById`: resolves any id to the whole chain of its business transaction. Used by the trace API
 * (lambdas/trace/handler.ts) and by `lsync trace` (pass an SDK v3 `DynamoDBClient` or a document client
 * and the correlation table name, e.g. from the stack output `CorrelationTableName`).
 *
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { traceById } from '../lambdas/trace/trace-query';
 * const trace = await traceById(new DynamoDBClient({}), tableName, 'SO-1001'); // Trace | undefined
 * ```
 *
 * Reads (access patterns 1 and 2 of lib/core/tables.ts, plus the shipment states):
 * 1. `Query(pk = LINK#<kind>#<id>)` for every link kind in parallel, and `Query(pk = CORR#<id>, Limit 1)`:
 *    the id as an order, shipment, route, stop, case, invoice, customer or hold id, or a correlation id.
 * 2. `Query(pk = CORR#<correlationId>)` for each correlation found: its timeline (and the member mirrors that
 *    versions before 2026-12-05 wrote, until they expire).
 * 3. Follows the ids its events name (their refs) to other correlations that share them (an event indexed under the
 *    shipment's id before the order was known), breadth-first, not through customer ids (a customer spans
 *    many orders), up to `maxCorrelations`.
 * 4. `BatchGetItem(SHIPMENT#<id> / STATE, SHIPMENT#<id> / SYNC#erp)` for each shipment: its state, and the ERP
 *    status guard with the statuses the ERP confirmed (the `shipment.status-synced` hops: not on the ledger).
 * 5. When a CS invoice note failed: `Query(SHIPMENT#<id>, begins_with(sk, NOTE#invoice#))` for the notes left for a case.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, queryAll } from '../shared/dynamo-pages';
import { planIndex, type LinkItem, type ShipmentStateItem, type TimelineItem } from '../indexer/index-plan';
import { statusConfirmationsOf } from '../erp/outbound/erp-outbound';
import { statusGuardKey } from '../erp/outbound/status-guard';
import { ALL_LINK_KINDS, keys, linksOf as refLinks, type LinkKind } from '../../registry/correlation-keys';
import type { CanonicalRefs } from '../shared/canonical-event';
import { assembleTrace, type Trace } from './trace-model';

export type { FailedHop, PendingHop, ShipmentState, Trace, TraceHop } from './trace-model';

/** The kinds of id a correlation is named after by default (lambdas/shared/canonical-event.ts buildCanonicalEvent). */
const CORRELATION_NAMING_KINDS: ReadonlySet<LinkKind> = new Set<LinkKind>(['order', 'shipment']);

export interface TraceOptions {
  /** Most correlations read for one trace. @default 10 */
  readonly maxCorrelations?: number;
  /** Dates pending hops. @default new Date() */
  readonly now?: Date;
}

function documentClientOf(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
}

/**
 * The trace of the business transaction `id` belongs to, or `undefined` when the id is unknown.
 * Never throws for an unknown id; DynamoDB errors propagate.
 */
export async function traceById(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string, id: string, options: TraceOptions = {}): Promise<Trace | undefined> {
  const doc = documentClientOf(client);
  const maxCorrelations = options.maxCorrelations ?? 10;
  const linkCache = new Map<string, LinkItem[]>();
  const linksOf = async (kind: LinkKind, externalId: string): Promise<LinkItem[]> => {
    const pk = keys.linkPk(kind, externalId);
    let cached = linkCache.get(pk);
    if (!cached) {
      cached = (await queryAll(doc, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } })) as unknown as LinkItem[];
      linkCache.set(pk, cached);
    }
    return cached;
  };

  const [byKind, asCorrelation] = await Promise.all([
    Promise.all(ALL_LINK_KINDS.map(async (kind) => ({ kind, links: await linksOf(kind, id) }))),
    queryAll(doc, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.corrPk(id) }, Limit: 1 }),
  ]);
  const linkedAs = new Set(byKind.filter((k) => k.links.length > 0).map((k) => k.kind));
  /** The kinds the correlations' events name the queried id as (an order id names its correlation and has no link). */
  const namedAs = new Set<LinkKind>();
  const queue: string[] = [];
  if (asCorrelation.length > 0) queue.push(id);
  for (const { links } of byKind) for (const link of links) if (!queue.includes(link.correlationId)) queue.push(link.correlationId);
  if (queue.length === 0) return undefined;

  const visited = new Set<string>();
  /** The correlations that hold something (a named id that names no correlation is looked at, not counted). */
  const found: string[] = [];
  /** Ids looked up as correlations that hold nothing. */
  const empty = new Set<string>();
  const timeline: TimelineItem[] = [];
  const members: LinkItem[] = [];
  const shipmentsNamed = new Set<string>();
  let truncated = false;
  const enqueue = (correlationId: string) => {
    if (!visited.has(correlationId) && !empty.has(correlationId) && !queue.includes(correlationId)) queue.push(correlationId);
  };
  while (queue.length > 0) {
    const correlationId = queue.shift()!;
    if (visited.has(correlationId) || empty.has(correlationId)) continue;
    if (found.length >= maxCorrelations) {
      truncated = true;
      break;
    }
    const items = await queryAll(doc, { TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.corrPk(correlationId) } });
    if (items.length === 0) {
      empty.add(correlationId);
      continue;
    }
    visited.add(correlationId);
    found.push(correlationId);
    const named: { kind: LinkKind; externalId: string }[] = [];
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith(keys.timelinePrefix)) {
        timeline.push(item as unknown as TimelineItem);
        named.push(...refLinks(((item as unknown as TimelineItem).refs ?? {}) as CanonicalRefs));
      } else if (sk.startsWith(keys.memberPrefix)) {
        // A mirror written by a version before 2026-12-05 (until it expires).
        members.push(item as unknown as LinkItem);
        named.push(item as unknown as LinkItem);
      }
    }
    // The id a correlation is named after has no link (index-plan.ts planIndex): the queried id, and each order and
    // shipment id the correlation names (what a correlation is named after by default), are also looked at as
    // correlations of their own.
    for (const { kind, externalId } of named) if (externalId === id) namedAs.add(kind);
    const expandable = [...new Map(named.filter((m) => m.kind !== 'customer').map((m) => [`${m.kind}#${m.externalId}`, m])).values()];
    for (const { kind, externalId } of named) if (kind === 'shipment') shipmentsNamed.add(externalId);
    const related = await Promise.all(expandable.map((m) => linksOf(m.kind, m.externalId)));
    for (const link of related.flat()) enqueue(link.correlationId);
    for (const m of expandable) if (CORRELATION_NAMING_KINDS.has(m.kind)) enqueue(m.externalId);
  }

  const shipmentIds = [...shipmentsNamed];
  const read = await batchGetAll(
    doc,
    tableName,
    shipmentIds.flatMap((s) => [{ pk: keys.shipmentPk(s), sk: keys.stateSk }, statusGuardKey(s, 'erp')]),
    { what: 'shipment state reads' },
  );
  const states = read.filter((item) => item.sk === keys.stateSk) as unknown as ShipmentStateItem[];
  // The ERP's status confirmations live on its status guard item, not on the ledger (lambdas/erp/outbound/erp-outbound.ts).
  for (const guard of read.filter((item) => item.sk !== keys.stateSk)) {
    const shipmentId = String(guard.pk).slice(keys.shipmentPk('').length);
    for (const event of statusConfirmationsOf(guard, shipmentId)) timeline.push({ ...planIndex(event, new Date(event.metadata.occurredAt), 0).timeline, late: false });
  }

  // Invoice notes left for a case (no ticket when the invoice came): only when a CS note failed, one query per shipment.
  const leftNotes: { eventId: string; invoiceId: string; leftAt: string }[] = [];
  const csNoteFailed = timeline.some((t) => t.eventType === 'sync.failed' && t.facts.targetSystem === 'cs' && t.facts.operation === 'comment-invoice-posted');
  for (const shipmentId of csNoteFailed ? shipmentIds : []) {
    const items = await queryAll(doc, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.shipmentPk(shipmentId), ':prefix': keys.invoiceNoteSk('') },
    });
    // Notes added since (marked `addedAt`, lambdas/cs/outbound/pending-notes.ts) are no longer waiting for a case.
    for (const item of items as { note?: { eventId?: string; invoiceId?: string }; leftAt?: string; addedAt?: string }[]) {
      if (item.note?.eventId && item.note.invoiceId && item.addedAt === undefined) leftNotes.push({ eventId: item.note.eventId, invoiceId: item.note.invoiceId, leftAt: String(item.leftAt ?? '') });
    }
  }

  // Kinds by link, or named by an event of the correlation the id names, then the correlation itself.
  const matchedAs: Trace['matchedAs'] = ALL_LINK_KINDS.filter((kind) => linkedAs.has(kind) || (asCorrelation.length > 0 && namedAs.has(kind))).map((kind) => ({ kind, id }));
  if (asCorrelation.length > 0) matchedAs.push({ kind: 'correlation', id });
  return assembleTrace({ query: id, matchedAs, correlationIds: found, truncated, timeline, links: members, states, leftNotes }, options.now ?? new Date());
}
