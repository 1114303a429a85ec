import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { CanonicalDetail } from '../shared/canonical-event';
import { decideOnFailure, type BackoffPolicy } from '../shared/outbound/decisions';
import { milestoneOf } from '../shared/outbound/milestones';
import { deadLetterAttributes, describeFailure } from '../shared/outbound/failures';
import { parseCanonicalMessage, receiveCountOf } from '../shared/outbound/message';
import type { MessageOps } from '../shared/outbound/queue-ops';
import type { AdapterLogger } from '../shared/outbound/runner';
import type { CorrelationStore } from './correlation-store';
import { keys } from '../../registry/correlation-keys';
import { linksToWrite, planIndex, type IndexPlan, type KnownMember, type MilestoneDecision } from './index-plan';
import type { KnownLinks } from './known-links';
import { completesSli, slisFor, type SliMeasurement } from './slis';
import { projectView } from '../visibility/project';
import { VIEW_EVENT_TYPES } from '../visibility/shipment-view';
import type { ShipmentViewStore } from '../visibility/view-store';
import { releaseParkedAlerts, type AlertCheckSender, type ParkedAlertStore } from '../shared/parked-alerts';

export interface IndexResult {
  readonly outcome: 'indexed' | 'duplicate';
  /** For shipment milestones: whether the state advanced, or the event was late, out of order or a repeat. */
  readonly milestone?: MilestoneDecision;
  readonly slis: SliMeasurement[];
}

/**
 * Indexes one canonical event: shipment state (guarded), timeline entry (marked late when the guard says
 * so), links, and the SLIs the event completes. A redelivered event is recognised by its timeline entry
 * and changes nothing.
 */
export async function indexEvent(
  store: CorrelationStore,
  detail: CanonicalDetail,
  now: Date,
  ttlSeconds: number,
  views?: ShipmentViewStore,
  known?: KnownLinks,
  parked?: ParkedAlertRelease,
): Promise<IndexResult> {
  const plan = planIndex(detail, now, ttlSeconds);
  if (await store.hasTimeline(plan.timeline.pk, plan.timeline.sk)) return { outcome: 'duplicate', slis: [] };
  // A delivery changes both the shipment's milestone and its view, which live on one item: one write for both when
  // both guards agree (view-store.ts saveWithMilestone), else each on its own as for every other event.
  const together = plan.milestone && views && VIEW_EVENT_TYPES.has(detail.metadata.eventType) ? await projectView(views, detail, now, ttlSeconds, plan.milestone) : undefined;
  const milestone = plan.milestone ? (together?.milestoneApplied ? 'advance' : await store.applyMilestone(plan.milestone, now, plan.timeline.expiresAt)) : undefined;
  // Idempotent writes first, the timeline entry last: it marks the event as indexed, so a retry after a
  // failure in between redoes the rest instead of skipping it.
  await writeNewLinks(store, plan, now, ttlSeconds, known);
  if (plan.assignments) {
    await store.putAssignments(plan.assignments);
    // A dispatch learned after the alert checks' span (a redriven route creation, a backlog): the alerts no check could
    // place on its assets since it began get one more check (lambdas/shared/parked-alerts.ts). Before the timeline
    // entry: a failure here retries the event.
    if (parked) {
      const sent = await releaseParkedAlerts(parked.store, parked.sender, plan.assignments, now);
      if (sent.length > 0) parked.onReleased?.(sent);
    }
  }
  // The operational view of the shipment (lambdas/visibility): written only when the event changes it.
  if (views && !together) await projectView(views, detail, now, ttlSeconds);
  const written = await store.putTimeline({ ...plan.timeline, late: milestone === 'late' });
  if (written === 'duplicate') return { outcome: 'duplicate', slis: [] };
  const slis = completesSli(detail) ? slisFor(plan.timeline, await store.timeline(detail.metadata.correlationId)) : [];
  return { outcome: 'indexed', ...(milestone ? { milestone } : {}), slis };
}

/**
 * Writes the links an event adds to its correlation, and only those (index-plan.ts `linksToWrite`): one batch read of
 * the event's links tells which exist, unless this container already knows them all.
 */
async function writeNewLinks(store: CorrelationStore, plan: IndexPlan, now: Date, ttlSeconds: number, known: KnownLinks | undefined): Promise<void> {
  const correlationId = plan.timeline.correlationId;
  if (plan.links.length === 0 || known?.coversAll(correlationId, plan.links, now, ttlSeconds)) return;
  const existing = await store.linksKnown(correlationId, plan.links);
  const pending = linksToWrite(plan.links, existing, now, ttlSeconds);
  await store.putLinks(pending);
  for (const item of pending) {
    existing.set(keys.memberSk(item.kind, item.externalId), { expiresAt: item.expiresAt, firstEventId: item.firstEventId, firstSeenAt: item.firstSeenAt } satisfies KnownMember);
  }
  known?.remember(correlationId, existing);
}

/** Where the indexer finds alerts parked on an asset and sends them for one more check. */
export interface ParkedAlertRelease {
  readonly store: ParkedAlertStore;
  readonly sender: AlertCheckSender;
  /** Told the vendor ids of the alerts sent (logged and counted by the handler). */
  readonly onReleased?: (vendorEventIds: readonly string[]) => void;
}

export interface IndexerDependencies {
  readonly store: CorrelationStore;
  /** Alerts parked on assets, released by a late dispatch. @default - none */
  readonly parkedAlerts?: ParkedAlertRelease;
  /** The shipment views and list entries of the visibility API. @default - not kept */
  readonly views?: ShipmentViewStore;
  /** Links this execution environment knows exist (one per container). @default - none: the table is asked every time */
  readonly knownLinks?: KnownLinks;
  readonly messages: MessageOps;
  readonly logger: AdapterLogger;
  readonly metrics: { count(name: 'EventsIndexed' | 'LateMilestones' | 'IndexDeadLettered'): void; milliseconds(name: SliMeasurement['name'], value: number): void };
  readonly settings: { readonly maxReceiveCount: number; readonly ttlSeconds: number; readonly queueUrl: string; readonly backoff: BackoffPolicy };
  readonly clock?: () => Date;
  readonly random?: () => number;
}

/**
 * The indexer's SQS batch handler. Bad messages are dead-lettered at once with the reason; DynamoDB errors
 * are retried with backoff and dead-lettered with the reason on the last attempt, so every message in the
 * ledger DLQ explains itself.
 */
export function createIndexerHandler(deps: IndexerDependencies): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const clock = deps.clock ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const { logger, metrics, settings } = deps;

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    let detail: CanonicalDetail | undefined;
    try {
      detail = parseCanonicalMessage(record.body).detail;
      const result = await indexEvent(deps.store, detail, clock(), settings.ttlSeconds, deps.views, deps.knownLinks, deps.parkedAlerts);
      const { metadata, refs } = detail;
      if (result.outcome === 'indexed') metrics.count('EventsIndexed');
      if (result.milestone === 'late') {
        metrics.count('LateMilestones');
        logger.info('late milestone recorded, state unchanged', { eventId: metadata.eventId, eventType: metadata.eventType, shipmentId: refs.shipmentId });
      }
      for (const sli of result.slis) metrics.milliseconds(sli.name, sli.milliseconds);
    } catch (error) {
      const failure = describeFailure(error);
      const receiveCount = receiveCountOf(record);
      const decision = !detail || failure.kind === 'permanent'
        ? ({ action: 'dead-letter' } as const)
        : decideOnFailure(failure, { receiveCount, maxReceiveCount: settings.maxReceiveCount }, settings.backoff, random());
      logger.warn('indexing failed', { eventId: detail?.metadata.eventId, errorClass: failure.errorClass, reason: failure.reason, receiveCount, decision: decision.action });
      if (decision.action === 'dead-letter') {
        await deps.messages.deadLetter(record, deadLetterAttributes(record, failure, settings.queueUrl, clock()));
        metrics.count('IndexDeadLettered');
        return;
      }
      const seconds = decision.action === 'retry' ? decision.visibilitySeconds : decision.delaySeconds;
      await deps.messages.changeVisibility(record, seconds).catch(() => undefined);
      throw new Error(`${failure.errorClass}: retry in ${seconds} s`, { cause: error });
    }
  };

  // A correlation's records one after another, in the order we received their events: one shipment's events in parallel
  // would race for its state item (a failed conditional write and a retry each time, docs/cost.md), SQS hands a batch
  // over in any order, and the late flag compares receipt times. Different correlations touch different items (state,
  // view, links, timeline) and run side by side: the invocation lasts as long as its longest correlation's records, not
  // as long as all of them (billed duration, and the time before the trace and the visibility page have an event).
  return async (event, context) => {
    const inOrder = inCorrelationOrder(recordHandler);
    return processPartialResponse({ ...event, Records: inReceiptOrder(event.Records) }, inOrder, processor, { context, processInParallel: true, throwOnFullBatchFailure: false });
  };
}

/** The correlation a ledger record's event belongs to; undefined when its body cannot be read (pure). */
export function correlationOfRecord(record: Pick<SQSRecord, 'body'>): string | undefined {
  try {
    const id = (JSON.parse(record.body) as { detail?: { metadata?: { correlationId?: unknown } } }).detail?.metadata?.correlationId;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wraps a record handler for one batch so that records of the same correlation run one after another, in the order the
 * handler is called, whatever became of the one before (a failure is that record's own: it is retried alone); records
 * of different correlations, and records whose correlation cannot be read, run at once.
 */
export function inCorrelationOrder<R extends Pick<SQSRecord, 'body' | 'messageId'>, T>(handler: (record: R) => Promise<T>): (record: R) => Promise<T> {
  const last = new Map<string, Promise<unknown>>();
  return (record) => {
    const key = correlationOfRecord(record);
    if (key === undefined) return handler(record);
    const run = (last.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => handler(record));
    last.set(key, run);
    return run;
  };
}

/**
 * A batch's records in the order we received their events, then the order they occurred (pure; stable for equal
 * times). The ledger's batching window gathers the events of a few seconds into one batch, and SQS does not keep their
 * order: a shipment's arrival and delivery in one batch, delivery first, would record the arrival as late; and a
 * departure reported after the arrival (it occurred before) must be indexed after it, or it is never flagged late.
 * Events received together (one vendor batch, one EDI file) go in the order they occurred; of events received and
 * occurred at once, a shipment milestone first: a signed proof of delivery is published as `pod.captured` and
 * `shipment.delivered` together (one Samsara document), and the delivery indexed first writes the milestone and the
 * view's delivery in one write of the state item, after which the POD changes nothing; the POD first cost a second
 * write (its view change, then the milestone alone). Records whose times cannot be read come first (they are
 * dead-lettered with their reason).
 */
export function inReceiptOrder<R extends Pick<SQSRecord, 'body'>>(records: readonly R[]): R[] {
  const keyOf = (record: R): readonly [number, number, number] => {
    try {
      const metadata = (JSON.parse(record.body) as { detail?: { metadata?: { receivedAt?: string; occurredAt?: string; eventType?: string } } }).detail?.metadata;
      const time = (value: string | undefined) => {
        const at = Date.parse(value ?? '');
        return Number.isFinite(at) ? at : Number.NEGATIVE_INFINITY;
      };
      return [time(metadata?.receivedAt), time(metadata?.occurredAt), milestoneOf(metadata?.eventType ?? '') ? 0 : 1];
    } catch {
      return [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 0];
    }
  };
  const order = (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1);
  return records
    .map((record, index) => ({ record, index, at: keyOf(record) }))
    .sort((a, b) => order(a.at[0], b.at[0]) || order(a.at[1], b.at[1]) || order(a.at[2], b.at[2]) || a.index - b.index)
    .map((r) => r.record);
}
