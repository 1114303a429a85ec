import { Command, CommanderError, Option } from 'commander';
import type { AwsClients } from './aws';
import { dlqList, dlqRedrive, dlqShow, DEFAULT_SCAN_LIMIT } from './commands/dlq';
import { health } from './commands/health';
import { replay, REPLAY_LIMITS } from './commands/replay';
import { trace } from './commands/trace';
import { CommandContext, type GlobalOptions } from './context';
import { CliError } from './errors';
import type { CliIo } from './io';
import type { Target } from './target';

export interface RunOptions {
  /** Client factory (tests may wrap clients, e.g. to inject faults). @default createClients */
  readonly makeClients?: (target: Target) => AwsClients;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0)) throw new CliError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const TARGET_HELP = `
Target: --stage <name> works against the deployed stack LogisticsSync-<name> with the default AWS credential
chain (AWS_PROFILE, AWS_REGION, …). Without --stage, lsync uses the local sandbox when .sandbox/endpoints.json
exists (written by \`npm start\`).`;

/** Builds the `lsync` command tree; every action writes to `io` and resolves to an exit code. */
export function buildProgram(io: CliIo, options: RunOptions = {}): { program: Command; exitCode: () => number } {
  let exitCode = 0;
  const program = new Command('lsync');
  program
    .description('On-call operations for logistics-sync: DLQ triage and selective redrive, archive replay, trace, health.')
    .option('--stage <name>', 'a deployed stage (stack LogisticsSync-<name>, default AWS credential chain)')
    .option('--sandbox [file]', 'the local sandbox (default when .sandbox/endpoints.json exists)')
    .option('--json', 'machine-readable output on stdout')
    .addOption(new Option('--region <region>', 'AWS region (default: from the environment or the sandbox file)'))
    .addOption(new Option('--endpoint <url>', 'AWS endpoint override').hideHelp())
    .addOption(new Option('--stack-name <name>', 'stack name override').hideHelp())
    .addHelpText('after', TARGET_HELP)
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError('(lsync --help for usage)');

  const run =
    <A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const ctx = CommandContext.create(io, command.optsWithGlobals<GlobalOptions>(), options.makeClients);
      try {
        exitCode = await fn(ctx, ...args);
      } finally {
        ctx.close();
      }
    };

  const dlq = program.command('dlq').description('inspect and redrive dead-letter queues');

  dlq
    .command('list')
    .description('every DLQ with depth, oldest message age, error classes and affected business keys')
    .option('--scan-limit <n>', `messages to look at per DLQ (default ${DEFAULT_SCAN_LIMIT})`, positiveInt('--scan-limit'))
    .option('--all', 'also list empty DLQs')
    .action(run((ctx, opts: { scanLimit?: number; all?: boolean }) => dlqList(ctx, opts)));

  dlq
    .command('show')
    .description('messages of one DLQ with reason, receive and redrive counts, first failure and correlation')
    .argument('<queue>', 'friendly name (e.g. erp-sync, quarantine), or a queue URL or ARN')
    .option('--order <id>', 'only messages of this order')
    .option('--shipment <id>', 'only messages of this shipment')
    .option('--case <id>', 'only messages of this case')
    .option('--message-id <id>', 'only this message')
    .option('--error <class>', 'only this error class (e.g. UpstreamUnavailable)')
    .option('--limit <n>', 'at most this many messages (default 50)', positiveInt('--limit'))
    .option('--scan-limit <n>', 'messages to look at', positiveInt('--scan-limit'))
    .option('--body', 'print each message body too')
    .action(run((ctx, queue: string, opts: Parameters<typeof dlqShow>[2]) => dlqShow(ctx, queue, opts)));

  dlq
    .command('redrive')
    .description(
      'send selected DLQ messages back to their source queue (original attributes + redrive count); delete each only after its send succeeded',
    )
    .argument('<queue>', 'friendly name (e.g. erp-sync), or a queue URL or ARN')
    .option('--all', 'every message')
    .option('--order <id>', 'messages of this order')
    .option('--shipment <id>', 'messages of this shipment')
    .option('--case <id>', 'messages of this case')
    .option('--message-id <id>', 'this message')
    .option('--error <class>', 'messages of this error class')
    .option('--dry-run', 'show what would happen; change nothing')
    .option('--rate <n>', 'at most n messages per second (default: as fast as SQS allows)', positiveNumber('--rate'))
    .option('--max-redrives <n>', 'quarantine a message already redriven n times (default: the stack setting, 3)', positiveInt('--max-redrives'))
    .option('--force', 'allow redriving out of the quarantine')
    .option('--reason <text>', 'why (recorded in the audit item)')
    .option('--no-progress', 'no progress bar')
    .addOption(new Option('--hold-seconds <n>', 'visibility hold while scanning').argParser(positiveInt('--hold-seconds')).hideHelp())
    .addHelpText(
      'after',
      `
Safety: a message is deleted from the DLQ only after SQS confirmed the send, so an interrupted redrive loses
nothing (at worst a message is delivered twice; consumers are idempotent). Ctrl-C stops cleanly. A message
redriven --max-redrives times already goes to the quarantine queue instead of looping. Every run that changes
something writes an audit item (who, when, what, counts) to the correlation table.
`,
    )
    .action(run((ctx, queue: string, opts: Parameters<typeof dlqRedrive>[2]) => dlqRedrive(ctx, queue, opts)));

  program
    .command('replay')
    .description('replay archived events of a time window to the bus (EventBridge archive replay)')
    .requiredOption('--from <time>', 'start of the window (ISO 8601, "now", or 90m/6h/2d ago)')
    .requiredOption('--to <time>', 'end of the window (ISO 8601, "now", or 90m/6h/2d ago)')
    .option('--type <detail-type>', 'only rules that accept this event type (repeatable)', collect)
    .option('--rule <name>', 'only this rule (repeatable)', collect)
    .option('--dry-run', 'show the plan; start nothing')
    .option('--wait', 'wait until the replay completed')
    .option('--reason <text>', 'why (recorded in the audit item)')
    .addHelpText('after', REPLAY_LIMITS)
    .action(run((ctx, opts: Parameters<typeof replay>[1]) => replay(ctx, opts)));

  program
    .command('trace')
    .description('the cross-system timeline of any id: order, shipment, route, stop, case, invoice, customer or correlation id')
    .argument('<id>', 'e.g. SO-1001')
    .action(run((ctx, id: string) => trace(ctx, id)));

  program
    .command('health')
    .description('queue depths and ages, workflow failures, business SLI figures')
    .option('--since <time>', 'window for failures and SLIs (default 24h)')
    .action(run((ctx, opts: { since?: string }) => health(ctx, opts)));

  return { program, exitCode: () => exitCode };
}

/** Runs `lsync` with `argv` (without node and script); resolves to the exit code. Never throws. */
export async function run(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const { program, exitCode } = buildProgram(io, options);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    return reportError(io, error);
  }
}

function reportError(io: CliIo, error: unknown): number {
  if (error instanceof CliError) {
    io.stderr.write(`lsync: ${error.message}\n`);
    if (error.hint) io.stderr.write(`  ${error.hint}\n`);
    return error.exitCode;
  }
  const e = error as Error & { $metadata?: unknown };
  if (e?.name === 'CredentialsProviderError' || /Could not load credentials/.test(e?.message ?? '')) {
    io.stderr.write('lsync: no AWS credentials found\n  set AWS_PROFILE or run `aws sso login`, or use the sandbox (`npm start`)\n');
    return 4;
  }
  if (e && (e.name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(String(e.message) + String((e as { code?: string }).code)))) {
    io.stderr.write(`lsync: cannot reach AWS (${e.message})\n  is the sandbox running (npm start), or is the network/region right?\n`);
    return 5;
  }
  io.stderr.write(`lsync: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n`);
  if (io.env.LSYNC_DEBUG) io.stderr.write(`${e?.stack ?? ''}\n`);
  return 1;
}
