import { ALL_LINK_KINDS } from '../../registry/correlation-keys';
import { traceById, type Trace } from '../../lambdas/trace/trace-query';
import type { CommandContext } from '../context';
import { CliError, UnknownIdError } from '../errors';
import { humanDuration, json, table } from '../format';

/** The DLQ an outbound target's failures land in (ReliableQueue `<System>Sync` → friendly name). */
function dlqOf(target: string): string {
  return `${target}-sync`;
}

/**
 * The few facts of a hop that tell it from its neighbours, for the NOTE column (pure): a status and the one before
 * it, an exception's kind and severity, what a case update changed, an invoice's amount, a failed call's operation
 * and error. Two `case.resolved` hops of one ticket read `solved` and `closed`, not the same line twice.
 */
export function hopFacts(facts: Trace['timeline'][number]['facts']): string {
  const text = (key: string): string | undefined => {
    const value = facts[key];
    return value === undefined || value === '' ? undefined : String(value);
  };
  const status = text('status');
  const previous = text('previousStatus');
  const amount = text('grossAmount');
  const error = text('errorCode');
  return [
    status && previous ? `${previous} → ${status}` : status,
    text('kind'),
    text('severity') ?? text('reportedSeverity'),
    text('change'),
    amount ? `${text('currency') ?? ''} ${amount}`.trim() : undefined,
    text('operation'),
    error ? `${error}${facts.httpStatus !== undefined ? ` (${String(facts.httpStatus)})` : ''}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

function summaryLines(trace: Trace): string[] {
  const s = trace.summary;
  const lines = [
    `${s.events} events${s.firstAt ? ` from ${s.firstAt} to ${s.lastAt} (${humanDuration(s.spanMs)})` : ''}${s.lateEvents ? `, ${s.lateEvents} late` : ''}`,
  ];
  if (s.dispatchConfirmationMs !== undefined) lines.push(`dispatch confirmation: ${humanDuration(s.dispatchConfirmationMs)}`);
  if (s.podToBillingReadyMs !== undefined) lines.push(`POD → billing-ready: ${humanDuration(s.podToBillingReadyMs)}`);
  if (s.podToInvoiceMs !== undefined) lines.push(`POD → invoice cycle time: ${humanDuration(s.podToInvoiceMs)}`);
  return lines;
}

/**
 * `lsync trace <id>`: the cross-system chain of the business transaction `id` belongs to, through the trace
 * query module the trace API uses (lambdas/trace/trace-query.ts).
 */
export async function trace(ctx: CommandContext, id: string): Promise<number> {
  const inventory = await ctx.inventory();
  if (!inventory.correlationTableName) throw new CliError(`stack ${ctx.target.stackName} has no CorrelationTableName output`);
  const result = await traceById(ctx.clients.ddb, inventory.correlationTableName, id);
  if (!result) throw new UnknownIdError(id, [...ALL_LINK_KINDS, 'correlation']);
  if (ctx.json) {
    ctx.out(json(result));
    return 0;
  }

  ctx.out(`trace of ${id} (${result.matchedAs.map((m) => m.kind).join(', ')}), correlation ${result.correlationIds.join(', ')}${result.truncated ? ' (truncated)' : ''}\n`);
  ctx.out(
    `ids: ${
      Object.entries(result.ids)
        .map(([kind, ids]) => `${kind} ${ids!.join(', ')}`)
        .join(' · ') || '-'
    }\n`,
  );
  for (const shipment of result.shipments) {
    ctx.out(`shipment ${shipment.shipmentId}: ${shipment.milestone} since ${shipment.milestoneAt}${shipment.lateEvents ? ` (${shipment.lateEvents} late event(s) ignored)` : ''}\n`);
  }
  ctx.out('\n');
  ctx.out(
    table(
      ['OCCURRED AT', '+PREV', 'SYSTEM', 'EVENT', 'ORDER', 'SHIPMENT', 'CASE', 'INVOICE', 'NOTE'],
      result.timeline.map((hop) => [
        hop.occurredAt,
        humanDuration(hop.sincePreviousMs),
        `${hop.system}/${hop.vendor}`,
        hop.eventType,
        hop.refs.orderId,
        hop.refs.shipmentId,
        hop.refs.caseId,
        hop.refs.invoiceId,
        [hopFacts(hop.facts), hop.late ? 'late: state not changed' : '', hop.ingestLatencyMs > 60_000 ? `reported ${humanDuration(hop.ingestLatencyMs)} late` : ''].filter(Boolean).join('; '),
      ]),
    ),
  );
  if (result.failed.length > 0) {
    ctx.out('\nfailed (dead-lettered) syncs\n');
    ctx.out(
      table(
        ['AT', 'TARGET', 'OPERATION', 'FOR EVENT', 'ERROR', 'REASON'],
        result.failed.map((f) => [f.at, f.target, f.operation, f.failedEventType, f.errorCode, f.reason]),
      ),
    );
    const order = result.ids.order?.[0];
    for (const target of [...new Set(result.failed.filter((f) => f.deadLettered).map((f) => f.target))]) {
      ctx.note(`→ lsync dlq show ${dlqOf(target)}${order ? ` --order ${order}` : ''}   then   lsync dlq redrive ${dlqOf(target)}${order ? ` --order ${order}` : ' --message-id <id>'}`);
    }
  }
  if (result.recovered.length > 0) {
    ctx.out(`\nrecovered after failing (nothing to do)\n`);
    ctx.out(
      table(
        ['FAILED AT', 'TARGET', 'OPERATION', 'FOR EVENT', 'ERROR', 'DONE AT'],
        result.recovered.map((f) => [f.at, f.target, f.operation, f.failedEventType, f.errorCode, f.resolvedAt]),
      ),
    );
  }
  if (result.pending.length > 0) {
    ctx.out('\nwaiting for\n');
    ctx.out(
      table(
        ['AFTER', 'EXPECTED', 'TARGET', 'STATUS', 'WAITING', 'WHAT'],
        result.pending.map((p) => [p.afterEventType, p.expected, p.target, p.status, humanDuration(p.waitingMs), p.reason ? `${p.description}: ${p.reason}` : p.description]),
      ),
    );
  }
  ctx.out(`\n${summaryLines(result).join('\n')}\n`);
  return 0;
}
