import { DescribeArchiveCommand, DescribeEventBusCommand, DescribeReplayCommand, ListRulesCommand, StartReplayCommand, type DescribeReplayCommandOutput, type Rule } from '@aws-sdk/client-eventbridge';
import { AuditLog, currentOperator, newAuditId } from '../audit';
import type { CommandContext } from '../context';
import { CliError } from '../errors';
import { patternAcceptsDetailType } from '../../registry/event-pattern';
import { humanDuration, json, table } from '../format';

/** Shown in `lsync replay --help`: what an EventBridge archive replay does and does not do. */
export const REPLAY_LIMITS = `
What a replay does (EventBridge archive replay):
  - Re-sends the archived events whose event time lies in [--from, --to) to the same bus. They are delivered
    to the bus's RULES (all of them, or those selected by --type/--rule), never straight to one target; each
    rule's own pattern still applies, so a rule only receives the types it matches.
  - --type narrows the replay to the rules whose pattern accepts one of the types (rules that do not filter
    on detail-type, such as the correlation indexer's, are included). Those rules also receive their other
    matching types from the window. A replay cannot select one order or shipment: to re-process one
    order's failed messages use \`lsync dlq redrive <queue> --order <id>\`.
  - Events are NOT replayed in their original order (EventBridge replays minute by minute, unordered within
    a minute) and may arrive more than once; every consumer is idempotent, so replaying is safe.
  - Archive delay: an event reaches the archive some time after the bus received it. AWS advises waiting
    about 10 minutes after --to before replaying it, or the newest events may be missed.
  - The window is the events' time field (the canonical event's occurrence time), and must lie within the
    archive's retention. Replayed events carry a "replay-name" field; they count against the bus's quotas
    like new events; a few replays can run at once per account and region.
Times: ISO 8601 (2026-03-01T08:00:00Z), "now", or an offset into the past such as 90m, 6h, 2d.
`;

/** Parses a replay bound: ISO 8601, `now`, or `<n>m|h|d` ago. Pure given `now`. */
export function parseTime(value: string, now: Date): Date {
  const trimmed = value.trim();
  if (trimmed === 'now') return now;
  const offset = /^(\d+(?:\.\d+)?)\s*(m|min|h|d)$/.exec(trimmed);
  if (offset) {
    const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[offset[2] as 'm' | 'min' | 'h' | 'd'];
    return new Date(now.getTime() - Number(offset[1]) * unit);
  }
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw new CliError(`cannot read the time "${value}"`, 'use ISO 8601 (2026-03-01T08:00:00Z), "now", or an offset such as 90m, 6h, 2d');
  return new Date(ms);
}

export interface ReplayOptions {
  readonly from: string;
  readonly to: string;
  readonly type?: string[];
  readonly rule?: string[];
  readonly dryRun?: boolean;
  readonly wait?: boolean;
  readonly reason?: string;
}

async function listRules(ctx: CommandContext, busName: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.clients.events.send(new ListRulesCommand({ EventBusName: busName, NextToken: token }));
    rules.push(...(page.Rules ?? []));
    token = page.NextToken;
  } while (token);
  return rules;
}

export async function replay(ctx: CommandContext, options: ReplayOptions): Promise<number> {
  const inventory = await ctx.inventory();
  if (!inventory.eventBusName || !inventory.archiveName) {
    throw new CliError(`stack ${ctx.target.stackName} has no EventBusName/EventArchiveName outputs`);
  }
  const now = new Date();
  const from = parseTime(options.from, now);
  const to = parseTime(options.to, now);
  if (to.getTime() <= from.getTime()) throw new CliError(`--to (${to.toISOString()}) must be after --from (${from.toISOString()})`);
  if (to.getTime() > now.getTime()) throw new CliError(`--to (${to.toISOString()}) is in the future`);

  const [bus, archive] = await Promise.all([
    ctx.clients.events.send(new DescribeEventBusCommand({ Name: inventory.eventBusName })),
    ctx.clients.events.send(new DescribeArchiveCommand({ ArchiveName: inventory.archiveName })),
  ]);
  const warnings: string[] = [];
  if (archive.RetentionDays && from.getTime() < now.getTime() - archive.RetentionDays * 86_400_000) {
    warnings.push(`--from is older than the archive's ${archive.RetentionDays}-day retention: events before ${new Date(now.getTime() - archive.RetentionDays * 86_400_000).toISOString()} are gone`);
  }
  if (now.getTime() - to.getTime() < 10 * 60_000) {
    warnings.push(`--to is only ${humanDuration(now.getTime() - to.getTime())} ago: events from the last minutes may not be in the archive yet (archive delay)`);
  }

  let filterArns: string[] | undefined;
  let selectedRules: Rule[] | undefined;
  if (options.type?.length || options.rule?.length) {
    // Rules managed by AWS (the archive's own rule) are never replay destinations: replaying into the
    // archive rule would archive the events a second time.
    const rules = (await listRules(ctx, inventory.eventBusName)).filter((r) => !r.ManagedBy && !r.Name?.startsWith('Events-Archive-'));
    selectedRules = rules.filter(
      (r) =>
        (options.rule ?? []).some((name) => r.Name === name || r.Arn === name) ||
        (options.type ?? []).some((type) => patternAcceptsDetailType(r.EventPattern, type)),
    );
    const unknownRules = (options.rule ?? []).filter((name) => !rules.some((r) => r.Name === name || r.Arn === name));
    if (unknownRules.length > 0) throw new CliError(`unknown rule ${unknownRules.join(', ')}`, `rules on ${inventory.eventBusName}: ${rules.map((r) => r.Name).join(', ')}`);
    if (selectedRules.length === 0) throw new CliError(`no rule on ${inventory.eventBusName} accepts ${options.type?.join(', ')}`, 'check the detail-type (e.g. shipment.delivered)');
    filterArns = selectedRules.map((r) => r.Arn!).filter(Boolean);
  }

  const replayName = `lsync-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${newAuditId().slice(0, 8)}`;
  const plan = {
    replayName,
    archive: inventory.archiveName,
    archiveArn: archive.ArchiveArn,
    bus: inventory.eventBusName,
    from: from.toISOString(),
    to: to.toISOString(),
    types: options.type ?? [],
    rules: selectedRules?.map((r) => r.Name) ?? 'all rules of the bus',
    warnings,
  };
  if (options.dryRun) {
    if (ctx.json) ctx.out(json({ dryRun: true, ...plan }));
    else {
      ctx.out(`[dry run] would replay ${plan.from} → ${plan.to} from ${plan.archive} to ${plan.bus}, rules: ${Array.isArray(plan.rules) ? plan.rules.join(', ') : plan.rules}\n`);
      for (const w of warnings) ctx.note(`warning: ${w}`);
    }
    return 0;
  }

  const auditId = newAuditId();
  const startedAt = new Date();
  const log = inventory.correlationTableName ? new AuditLog(ctx.clients.ddb, inventory.correlationTableName) : undefined;
  const key = await log?.start({
    auditId,
    action: 'replay',
    startedAt,
    operator: currentOperator(ctx.io.env, await ctx.clients.accessKeyId()),
    target: ctx.describeTarget(),
    what: { ...plan, rules: plan.rules },
    reason: options.reason,
  });
  try {
    const started = await ctx.clients.events.send(
      new StartReplayCommand({
        ReplayName: replayName,
        Description: `lsync replay ${plan.from} → ${plan.to}${options.type?.length ? ` types ${options.type.join(',')}` : ''}`.slice(0, 512),
        EventSourceArn: archive.ArchiveArn,
        EventStartTime: from,
        EventEndTime: to,
        Destination: { Arn: bus.Arn, ...(filterArns ? { FilterArns: filterArns } : {}) },
      }),
    );
    let state = started.State ?? 'STARTING';
    let described: DescribeReplayCommandOutput | undefined;
    if (options.wait) {
      while (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(state) && !ctx.io.signal?.aborted) {
        await new Promise((r) => setTimeout(r, 2000));
        described = await ctx.clients.events.send(new DescribeReplayCommand({ ReplayName: replayName }));
        state = described.State ?? state;
        if (!ctx.json) ctx.note(`replay ${replayName}: ${state}${described.EventLastReplayedTime ? `, replayed up to ${described.EventLastReplayedTime.toISOString()}` : ''}`);
      }
    }
    if (key && log) await log.finish(key, 'completed', new Date(), { replayArn: started.ReplayArn, state });
    const result = { auditId, ...plan, replayArn: started.ReplayArn, state, ...(described?.StateReason ? { stateReason: described.StateReason } : {}) };
    if (ctx.json) ctx.out(json(result));
    else {
      ctx.out(
        table(
          ['REPLAY', 'STATE', 'FROM', 'TO', 'RULES'],
          [[replayName, state, plan.from, plan.to, Array.isArray(plan.rules) ? plan.rules.join(', ') : plan.rules]],
        ),
      );
      for (const w of warnings) ctx.note(`warning: ${w}`);
      if (!options.wait) ctx.note(`follow it with: aws events describe-replay --replay-name ${replayName}   (or rerun with --wait)`);
    }
    return state === 'FAILED' ? 1 : 0;
  } catch (error) {
    if (key && log) await log.finish(key, 'failed', new Date(), { error: (error as Error).message }).catch(() => undefined);
    throw error;
  }
}
