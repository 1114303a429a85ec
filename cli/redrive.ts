import { DeleteMessageBatchCommand, SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES, HOLD_ATTRIBUTES } from '../registry/queue-attributes';
import { matches, parseDlqMessage, resendAttributes, type DlqMessage, type Selector } from './dlq-message';
import type { DlqRef } from './inventory';
import { queueDepth, QueueScanner } from './queue-scanner';

/** What happened (or, in a dry run, would happen) to one selected message. */
export type RedriveAction = 'redriven' | 'quarantined' | 'would-redrive' | 'would-quarantine' | 'failed';

export interface RedriveOutcome {
  readonly messageId: string;
  readonly action: RedriveAction;
  readonly redriveCount: number;
  readonly refs: DlqMessage['refs'];
  readonly eventType?: string;
  readonly errorClass: string;
  readonly destination?: string;
  readonly error?: string;
}

export interface RedriveCounts {
  scanned: number;
  matched: number;
  redriven: number;
  quarantined: number;
  failed: number;
}

export interface RedriveProgress extends RedriveCounts {
  /** Approximate depth of the DLQ when the redrive started. */
  readonly total: number;
}

export interface RedriveRequest {
  readonly dlq: DlqRef;
  readonly selector: Selector;
  readonly dryRun: boolean;
  /** Messages per second sent back; @default - as fast as SQS allows */
  readonly ratePerSecond?: number;
  /** A message already redriven this many times is quarantined instead. */
  readonly maxRedrives: number;
  /** Required unless the dry run or the DLQ is the quarantine itself. */
  readonly quarantineUrl?: string;
  /** Redrive even past `maxRedrives` (used to send messages back out of the quarantine on purpose). */
  readonly ignoreMaxRedrives?: boolean;
  /** Audit id of this run: written on each re-sent message so the run never picks them up twice. */
  readonly runId: string;
  readonly holdSeconds?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RedriveProgress) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RedriveResult {
  readonly counts: RedriveCounts;
  readonly outcomes: readonly RedriveOutcome[];
  readonly interrupted: boolean;
}

interface Planned {
  readonly message: DlqMessage;
  readonly destination: string;
  readonly quarantine: boolean;
  readonly entry: SendMessageBatchRequestEntry;
}

/** Batch payload budget: the classic 256 KiB SendMessageBatch limit, which every region accepts. */
const BATCH_BYTES = 262_144;

/** Splits a group into SendMessageBatch-sized chunks: ≤ 10 entries (fewer under a low rate), ≤ 256 KiB. */
function chunks(group: Planned[], ratePerSecond: number | undefined): Planned[][] {
  const maxEntries = ratePerSecond ? Math.max(1, Math.min(10, Math.floor(ratePerSecond))) : 10;
  const out: Planned[][] = [];
  let current: Planned[] = [];
  let bytes = 0;
  for (const p of group) {
    const size = Buffer.byteLength(p.message.body) + JSON.stringify(p.entry.MessageAttributes ?? {}).length;
    if (current.length > 0 && (current.length >= maxEntries || bytes + size > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(p);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Spaces out sends to `ratePerSecond`: waits before each batch for its share of the budget. */
class RateLimiter {
  private next = 0;
  constructor(
    private readonly ratePerSecond: number | undefined,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}
  async take(count: number): Promise<void> {
    if (!this.ratePerSecond) return;
    const now = this.now();
    const start = Math.max(now, this.next);
    this.next = start + (count * 1000) / this.ratePerSecond;
    if (start > now) await this.sleep(start - now);
  }
}

/**
 * Selective redrive: receive (holding every message so each is seen once) → send the selected ones to their
 * source queue with their original attributes and the redrive count + 1 → delete each from the DLQ only
 * after SQS confirmed its send. A message already redriven `maxRedrives` times goes to the quarantine
 * instead. An interruption at any point loses nothing: an unsent message is still in the DLQ (visible again
 * after the hold), a sent-but-not-deleted one is in both places (consumers are idempotent).
 */
export async function redrive(sqs: SQSClient, request: RedriveRequest): Promise<RedriveResult> {
  const now = request.now ?? Date.now;
  const sleep = request.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limiter = new RateLimiter(request.ratePerSecond, now, sleep);
  const depth = await queueDepth(sqs, request.dlq.url);
  const total = depth.visible + depth.inFlight + depth.delayed;
  const counts: RedriveCounts = { scanned: 0, matched: 0, redriven: 0, quarantined: 0, failed: 0 };
  const outcomes: RedriveOutcome[] = [];
  const scanner = new QueueScanner(sqs, request.dlq.url, { holdSeconds: request.holdSeconds, signal: request.signal });
  const report = () => request.onProgress?.({ ...counts, scanned: scanner.scanned, total: Math.max(total, scanner.scanned) });

  const plan = (message: DlqMessage): Planned | RedriveOutcome => {
    const failed = (error: string): RedriveOutcome => ({
      messageId: message.messageId,
      action: 'failed',
      redriveCount: message.redriveCount,
      refs: message.refs,
      eventType: message.eventType,
      errorClass: message.errorClass,
      error,
    });
    const source = request.dlq.kind === 'quarantine' ? message.sourceQueueUrl : (request.dlq.sourceUrl ?? message.sourceQueueUrl);
    const exhausted = !request.ignoreMaxRedrives && request.dlq.kind !== 'quarantine' && message.redriveCount >= request.maxRedrives;
    const destination = exhausted ? request.quarantineUrl : source;
    if (!destination) {
      return failed(exhausted ? 'no quarantine queue is known for this stack' : 'the message names no source queue (attribute lsync-source-queue-url)');
    }
    const attributes = exhausted
      ? resendAttributes(message, message.redriveCount, request.runId, source ? { [DLQ_ATTRIBUTES.sourceQueueUrl]: source } : {})
      : // A redrive is a new attempt: the adapters' hold bookkeeping (how long the message has been held back
        // in maintenance windows) starts again, or a message dead-lettered as HeldTooLong would bounce at once.
        resendAttributes(message, message.redriveCount + 1, request.runId, {}, Object.values(HOLD_ATTRIBUTES));
    if (!attributes) return failed('the message already has 10 attributes: no room for the redrive count');
    return {
      message,
      destination,
      quarantine: exhausted,
      entry: { Id: '', MessageBody: message.body, MessageAttributes: attributes },
    };
  };

  const sendGroup = async (destination: string, group: Planned[]): Promise<void> => {
    await limiter.take(group.length);
    const entries = group.map((p, i) => ({ ...p.entry, Id: String(i) }));
    let sentIds = new Set<string>();
    const sendErrors = new Map<string, string>();
    try {
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: destination, Entries: entries }));
      sentIds = new Set((sent.Successful ?? []).map((s) => s.Id!));
      for (const f of sent.Failed ?? []) sendErrors.set(f.Id!, `${f.Code}: ${f.Message ?? ''}`);
    } catch (error) {
      for (const e of entries) sendErrors.set(e.Id, (error as Error).message);
    }
    // Delete only what SQS confirmed as sent; the rest stays in the DLQ (released at the end).
    const toDelete = group.map((p, i) => ({ p, id: String(i) })).filter(({ id }) => sentIds.has(id));
    const deleteErrors = new Map<string, string>();
    if (toDelete.length > 0) {
      try {
        const deleted = await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: request.dlq.url,
            Entries: toDelete.map(({ p, id }) => ({ Id: id, ReceiptHandle: p.message.receiptHandle })),
          }),
        );
        for (const f of deleted.Failed ?? []) deleteErrors.set(f.Id!, `${f.Code}: ${f.Message ?? ''}`);
      } catch (error) {
        for (const { id } of toDelete) deleteErrors.set(id, (error as Error).message);
      }
    }
    group.forEach((p, i) => {
      const id = String(i);
      const base = {
        messageId: p.message.messageId,
        refs: p.message.refs,
        eventType: p.message.eventType,
        errorClass: p.message.errorClass,
        destination,
      };
      if (sentIds.has(id)) {
        if (!deleteErrors.has(id)) scanner.forget(p.message.messageId);
        // Sent but not deleted: it is now in both queues. Harmless (consumers are idempotent), reported.
        const note = deleteErrors.has(id) ? `sent, but not deleted from the DLQ (${deleteErrors.get(id)}): it will be delivered twice` : undefined;
        if (p.quarantine) counts.quarantined++;
        else counts.redriven++;
        outcomes.push({ ...base, action: p.quarantine ? 'quarantined' : 'redriven', redriveCount: p.quarantine ? p.message.redriveCount : p.message.redriveCount + 1, ...(note ? { error: note } : {}) });
      } else {
        counts.failed++;
        outcomes.push({ ...base, action: 'failed', redriveCount: p.message.redriveCount, error: sendErrors.get(id) ?? 'not sent' });
      }
    });
  };

  try {
    for await (const batch of scanner.batches()) {
      const selected: Planned[] = [];
      for (const raw of batch) {
        const message = parseDlqMessage(raw);
        // A message this very run sent back and that failed again already: leave it for the next run.
        if (message.redriveRun === request.runId || !matches(request.selector, message)) continue;
        counts.matched++;
        const planned = plan(message);
        if (!('entry' in planned)) {
          counts.failed++;
          outcomes.push(planned);
          continue;
        }
        if (request.dryRun) {
          outcomes.push({
            messageId: message.messageId,
            action: planned.quarantine ? 'would-quarantine' : 'would-redrive',
            redriveCount: message.redriveCount,
            refs: message.refs,
            eventType: message.eventType,
            errorClass: message.errorClass,
            destination: planned.destination,
          });
          continue;
        }
        selected.push(planned);
      }
      const byDestination = new Map<string, Planned[]>();
      for (const p of selected) byDestination.set(p.destination, [...(byDestination.get(p.destination) ?? []), p]);
      for (const [destination, group] of byDestination) {
        for (const chunk of chunks(group, request.ratePerSecond)) await sendGroup(destination, chunk);
      }
      counts.scanned = scanner.scanned;
      report();
    }
  } finally {
    counts.scanned = scanner.scanned;
    await scanner.release();
  }
  report();
  return { counts, outcomes, interrupted: request.signal?.aborted ?? false };
}
