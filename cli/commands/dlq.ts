import cliProgress from 'cli-progress';
import { AuditLog, currentOperator, newAuditId } from '../audit';
import type { CommandContext } from '../context';
import { BUSINESS_KEYS, describeSelector, selectorFrom, type BusinessKey, type DlqMessage, type SelectorOptions } from '../dlq-message';
import { CliError } from '../errors';
import { humanDuration, json, shortList, table } from '../format';
import { deadLetterQueues, resolveDlq, type DlqRef } from '../inventory';
import { peek } from '../peek';
import { queueDepth } from '../queue-scanner';
import { redrive, type RedriveProgress, type RedriveResult } from '../redrive';

/** Default number of messages `dlq list` looks at per DLQ to name error classes and business keys. */
export const DEFAULT_SCAN_LIMIT = 1000;
/** @default redrives before quarantine when the stack does not say (lib/monitoring/monitoring.ts `maxRedrives`). */
const DEFAULT_MAX_REDRIVES = 3;

type Affected = Partial<Record<BusinessKey, string[]>>;

/** Business keys of a set of messages, each list sorted and without duplicates. Pure. */
export function affectedKeys(messages: readonly Pick<DlqMessage, 'refs'>[]): Affected {
  const out: Affected = {};
  for (const key of BUSINESS_KEYS) {
    const values = [...new Set(messages.map((m) => m.refs[key]).filter((v): v is string => !!v))].sort();
    if (values.length > 0) out[key] = values;
  }
  return out;
}

function errorClasses(messages: readonly DlqMessage[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of messages) out[m.errorClass] = (out[m.errorClass] ?? 0) + 1;
  return out;
}

export interface DlqSummary {
  readonly name: string;
  readonly kind: DlqRef['kind'];
  readonly url: string;
  readonly sourceQueue?: string;
  readonly depth: number;
  readonly inFlight: number;
  readonly oldestAgeSeconds?: number;
  readonly oldestSentAt?: string;
  readonly errorClasses: Record<string, number>;
  readonly affected: Affected;
  readonly scanned: number;
  readonly truncated: boolean;
}

export async function dlqList(ctx: CommandContext, options: { scanLimit?: number; all?: boolean }): Promise<number> {
  const inventory = await ctx.inventory();
  const now = Date.now();
  const dlqs = deadLetterQueues(inventory);
  const summaries: DlqSummary[] = [];
  for (const dlq of dlqs) {
    const depth = await queueDepth(ctx.clients.sqs, dlq.url);
    const total = depth.visible + depth.inFlight + depth.delayed;
    const result = total > 0 ? await peek(ctx.clients.sqs, dlq.url, { scanLimit: options.scanLimit ?? DEFAULT_SCAN_LIMIT, signal: ctx.io.signal }) : undefined;
    const oldest = result?.messages.map((m) => m.sentAt).filter((t): t is number => t !== undefined).sort((a, b) => a - b)[0];
    summaries.push({
      name: dlq.name,
      kind: dlq.kind,
      url: dlq.url,
      ...(dlq.sourceUrl ? { sourceQueue: dlq.sourceUrl } : {}),
      depth: Math.max(depth.visible, result?.messages.length ?? 0),
      inFlight: depth.inFlight,
      ...(oldest !== undefined ? { oldestAgeSeconds: Math.round((now - oldest) / 1000), oldestSentAt: new Date(oldest).toISOString() } : {}),
      errorClasses: errorClasses(result?.messages ?? []),
      affected: affectedKeys(result?.messages ?? []),
      scanned: result?.scanned ?? 0,
      truncated: result?.truncated ?? false,
    });
  }
  if (ctx.json) {
    ctx.out(json({ target: ctx.describeTarget(), dlqs: summaries }));
    return 0;
  }
  const shown = options.all ? summaries : summaries.filter((s) => s.depth > 0 || s.inFlight > 0);
  ctx.note(`DLQs of ${ctx.describeTarget()}`);
  if (shown.length === 0) {
    ctx.out(`every DLQ is empty (${summaries.length} checked: ${summaries.map((s) => s.name).join(', ')})\n`);
    return 0;
  }
  ctx.out(
    table(
      ['DLQ', 'DEPTH', 'OLDEST', 'ERROR CLASSES', 'ORDERS', 'SHIPMENTS', 'CASES'],
      shown.map((s) => [
        s.name,
        `${s.depth}${s.inFlight ? ` (+${s.inFlight} in flight)` : ''}`,
        s.oldestAgeSeconds === undefined ? '-' : humanDuration(s.oldestAgeSeconds * 1000),
        Object.entries(s.errorClasses)
          .map(([cls, n]) => `${cls}×${n}`)
          .join(', ') || '-',
        shortList(s.affected.orderId ?? []),
        shortList(s.affected.shipmentId ?? []),
        shortList(s.affected.caseId ?? []),
      ]),
    ),
  );
  if (shown.some((s) => s.truncated)) ctx.note(`(looked at the first ${options.scanLimit ?? DEFAULT_SCAN_LIMIT} messages of large DLQs; raise --scan-limit to see more)`);
  ctx.note('next: lsync dlq show <dlq> --order <id>   ·   lsync dlq redrive <dlq> --order <id> --dry-run');
  return 0;
}

function messageView(m: DlqMessage, now: number) {
  return {
    messageId: m.messageId,
    eventType: m.eventType,
    eventId: m.eventId,
    correlationId: m.correlationId,
    refs: m.refs,
    errorClass: m.errorClass,
    reason: m.errorReason,
    firstFailedAt: m.firstFailedAt,
    receiveCount: m.receiveCount,
    redriveCount: m.redriveCount,
    sourceQueueUrl: m.sourceQueueUrl,
    sentAt: m.sentAt === undefined ? undefined : new Date(m.sentAt).toISOString(),
    ageSeconds: m.sentAt === undefined ? undefined : Math.round((now - m.sentAt) / 1000),
  };
}

export async function dlqShow(ctx: CommandContext, queue: string, options: SelectorOptions & { limit?: number; scanLimit?: number; body?: boolean }): Promise<number> {
  const inventory = await ctx.inventory();
  const dlq = resolveDlq(inventory, queue);
  const selector = selectorFrom(options, true);
  const limit = options.limit ?? 50;
  const result = await peek(ctx.clients.sqs, dlq.url, { selector, limit, scanLimit: options.scanLimit ?? Math.max(DEFAULT_SCAN_LIMIT, limit), signal: ctx.io.signal });
  const now = Date.now();
  if (ctx.json) {
    ctx.out(
      json({
        dlq: dlq.name,
        url: dlq.url,
        selector: describeSelector(selector),
        scanned: result.scanned,
        truncated: result.truncated,
        messages: result.messages.map((m) => ({ ...messageView(m, now), ...(options.body ? { body: m.body } : {}) })),
      }),
    );
    return 0;
  }
  ctx.note(`${dlq.name} DLQ (${describeSelector(selector)}), ${ctx.describeTarget()}`);
  if (result.messages.length === 0) {
    ctx.out(`no message matches ${describeSelector(selector)} (${result.scanned} looked at)\n`);
    return 0;
  }
  ctx.out(
    table(
      ['MESSAGE ID', 'EVENT TYPE', 'ORDER', 'SHIPMENT', 'CASE', 'ERROR', 'RECEIVES', 'REDRIVES', 'FIRST FAILED', 'AGE', 'REASON'],
      result.messages.map((m) => [
        m.messageId,
        m.eventType,
        m.refs.orderId,
        m.refs.shipmentId,
        m.refs.caseId,
        m.errorClass,
        m.receiveCount,
        m.redriveCount,
        m.firstFailedAt,
        m.sentAt === undefined ? '-' : humanDuration(now - m.sentAt),
        m.errorReason,
      ]),
    ),
  );
  if (options.body) for (const m of result.messages) ctx.out(`\n--- ${m.messageId}\n${m.body}\n`);
  if (result.truncated) ctx.note(`(showing ${result.messages.length}; use --limit / --scan-limit for more)`);
  return 0;
}

export interface RedriveOptions extends SelectorOptions {
  readonly dryRun?: boolean;
  readonly rate?: number;
  readonly maxRedrives?: number;
  readonly force?: boolean;
  readonly reason?: string;
  readonly progress?: boolean;
  readonly holdSeconds?: number;
}

function progressBar(ctx: CommandContext, dlq: string, enabled: boolean) {
  if (!enabled) return undefined;
  const stream = ctx.io.stderr;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `redrive ${dlq} [{bar}] {value}/{total} scanned | {redriven} redriven | {quarantined} quarantined | {failed} failed | {duration_formatted}`,
      // Without a TTY (CI, pipes, tests) print a line per second instead of redrawing.
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 1000,
      hideCursor: !!stream.isTTY,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: RedriveProgress) {
      const payload = { redriven: p.redriven, quarantined: p.quarantined, failed: p.failed };
      if (!started) {
        bar.start(p.total, p.scanned, payload);
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.scanned, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export async function dlqRedrive(ctx: CommandContext, queue: string, options: RedriveOptions): Promise<number> {
  const inventory = await ctx.inventory();
  const dlq = resolveDlq(inventory, queue);
  const selector = selectorFrom(options, false);
  if (dlq.kind === 'quarantine' && !options.force) {
    throw new CliError(
      'messages in the quarantine failed after repeated redrives; sending them back needs --force',
      'fix the cause first (see docs/runbook.md#quarantine-not-empty), then: lsync dlq redrive quarantine --order <id> --force',
    );
  }
  const maxRedrives = options.maxRedrives ?? inventory.quarantine?.maxRedrives ?? DEFAULT_MAX_REDRIVES;
  const dryRun = !!options.dryRun;
  if (options.rate !== undefined && !(options.rate > 0)) throw new CliError(`--rate must be a positive number of messages per second, got ${options.rate}`);

  const auditId = newAuditId();
  const startedAt = new Date();
  let audit: { log: AuditLog; key: Awaited<ReturnType<AuditLog['start']>> } | undefined;
  if (!dryRun) {
    if (!inventory.correlationTableName) {
      throw new CliError(`stack ${ctx.target.stackName} has no CorrelationTableName output: cannot write the audit item, so no redrive`);
    }
    const log = new AuditLog(ctx.clients.ddb, inventory.correlationTableName);
    const key = await log.start({
      auditId,
      action: 'dlq.redrive',
      startedAt,
      operator: currentOperator(ctx.io.env, await ctx.clients.accessKeyId()),
      target: ctx.describeTarget(),
      what: {
        dlq: dlq.name,
        dlqUrl: dlq.url,
        ...(dlq.sourceUrl ? { sourceQueueUrl: dlq.sourceUrl } : {}),
        selector: describeSelector(selector),
        maxRedrives,
        ...(options.rate ? { ratePerSecond: options.rate } : {}),
        ...(options.force ? { force: true } : {}),
      },
      reason: options.reason,
    });
    audit = { log, key };
  }

  const bar = progressBar(ctx, dlq.name, options.progress !== false);
  let result: RedriveResult;
  try {
    result = await redrive(ctx.clients.sqs, {
      dlq,
      selector,
      dryRun,
      ratePerSecond: options.rate,
      maxRedrives,
      quarantineUrl: inventory.quarantine?.url,
      ignoreMaxRedrives: dlq.kind === 'quarantine',
      runId: auditId,
      holdSeconds: options.holdSeconds,
      signal: ctx.io.signal,
      onProgress: (p) => bar?.update(p),
    });
  } catch (error) {
    bar?.stop();
    await audit?.log.finish(audit.key, 'failed', new Date(), { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
  bar?.stop();

  const done = result.outcomes.filter((o) => o.action === 'redriven' || o.action === 'quarantined' || o.action.startsWith('would-'));
  const summary = {
    auditId: dryRun ? undefined : auditId,
    dlq: dlq.name,
    selector: describeSelector(selector),
    dryRun,
    interrupted: result.interrupted,
    counts: result.counts,
    affected: affectedKeys(done),
    messages: result.outcomes,
  };
  if (audit) {
    await audit.log.finish(audit.key, result.interrupted ? 'interrupted' : 'completed', new Date(), {
      counts: result.counts,
      affected: affectedKeys(done),
      // Bounded: an audit item must stay far below DynamoDB's 400 KB item limit.
      messages: result.outcomes.slice(0, 200).map((o) => ({ messageId: o.messageId, action: o.action, redriveCount: o.redriveCount, ...(o.error ? { error: o.error } : {}) })),
      messagesTruncated: result.outcomes.length > 200,
    });
  }

  if (ctx.json) {
    ctx.out(json(summary));
  } else {
    const c = result.counts;
    const verb = dryRun ? 'would redrive' : 'redriven';
    const quarantinedCount = dryRun ? result.outcomes.filter((o) => o.action === 'would-quarantine').length : c.quarantined;
    const redrivenCount = dryRun ? result.outcomes.filter((o) => o.action === 'would-redrive').length : c.redriven;
    ctx.out(
      `${dryRun ? '[dry run] ' : ''}${dlq.name}: ${c.scanned} looked at, ${c.matched} matched ${describeSelector(selector)}: ${redrivenCount} ${verb}, ${quarantinedCount} ${dryRun ? 'would be quarantined' : 'quarantined'} (redriven ${maxRedrives}× already), ${c.failed} failed\n`,
    );
    if (result.outcomes.length > 0) {
      ctx.out(
        table(
          ['MESSAGE ID', 'ACTION', 'REDRIVES', 'ORDER', 'SHIPMENT', 'EVENT TYPE', 'NOTE'],
          result.outcomes.slice(0, 100).map((o) => [o.messageId, o.action, o.redriveCount, o.refs.orderId, o.refs.shipmentId, o.eventType, o.error]),
        ),
      );
      if (result.outcomes.length > 100) ctx.note(`(${result.outcomes.length - 100} more; --json lists all)`);
    }
    if (audit) ctx.note(`audit item ${auditId} written to ${inventory.correlationTableName} (${audit.key.pk} / ${audit.key.sk})`);
    if (result.interrupted) ctx.note('interrupted: messages not yet sent are still in the DLQ (visible again shortly); run the same command again to continue');
  }
  if (result.interrupted) return 130;
  return result.counts.failed > 0 ? 1 : 0;
}
