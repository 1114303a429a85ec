import { PassThrough } from 'node:stream';
import { run } from '../../cli/program';

/** Runs `lsync <args>` in-process against the sandbox whose endpoints file is given, as on-call would run it. */
export async function lsync(endpointsFile: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const code = await run(['--sandbox', endpointsFile, ...args], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: err,
    env: { ...process.env, LSYNC_SANDBOX_FILE: endpointsFile },
    cwd: process.cwd(),
  });
  err.end();
  return { code, stdout, stderr };
}

export interface DlqContents {
  /** Messages per DLQ (friendly name) with a non-zero depth. */
  readonly byQueue: Record<string, number>;
  /** Messages per error class (the failure reason the adapters attach; `Unattributed` when SQS moved them). */
  readonly byReason: Record<string, number>;
  readonly total: number;
}

/** `lsync dlq list --json`, summed: what is dead-lettered, where and why. */
export async function dlqContents(endpointsFile: string): Promise<DlqContents> {
  const { code, stdout, stderr } = await lsync(endpointsFile, ['--json', 'dlq', 'list', '--scan-limit', '5000']);
  if (code !== 0) throw new Error(`lsync dlq list failed (${code}): ${stderr.trim()}`);
  const { dlqs } = JSON.parse(stdout) as { dlqs: { name: string; depth: number; inFlight: number; errorClasses: Record<string, number> }[] };
  const byQueue: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const dlq of dlqs) {
    const depth = dlq.depth + dlq.inFlight;
    if (depth === 0) continue;
    byQueue[dlq.name] = depth;
    for (const [reason, n] of Object.entries(dlq.errorClasses)) byReason[reason] = (byReason[reason] ?? 0) + n;
  }
  return { byQueue, byReason, total: Object.values(byQueue).reduce((a, b) => a + b, 0) };
}

/**
 * The runbook's "Fix and redrive" once the faults are over: every non-empty DLQ is redriven with
 * `lsync dlq redrive <queue> --all --reason …`. Returns the messages sent back per queue.
 */
export async function redriveAll(endpointsFile: string, contents: DlqContents): Promise<Record<string, number>> {
  const sent: Record<string, number> = {};
  for (const queue of Object.keys(contents.byQueue)) {
    const { code, stdout, stderr } = await lsync(endpointsFile, ['--json', 'dlq', 'redrive', queue, '--all', '--reason', 'chaos run: the injected faults are over']);
    if (code !== 0) throw new Error(`lsync dlq redrive ${queue} failed (${code}): ${stderr.trim()}`);
    sent[queue] = (JSON.parse(stdout) as { counts: { redriven: number } }).counts.redriven;
  }
  return sent;
}
