import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatReport, passed, tally } from '../../bench/chaos/report';
import { runChaos } from '../../bench/chaos/run';
import { PROJECT_ROOT } from '../../sandbox/python-env';

// The fault-matrix run (docs/reliability.md) at 30 orders: a sandbox of its own (the faults would disturb the
// shared e2e sandbox), the matrix in 30-second cycles while 6 orders at a time are driven (it runs its first three
// cycles, one of each ERP incident, then stops when the tail begins, after six at most: a slow drive would keep the
// faults on and measure the matrix itself), the runbook's redrive, and the count.
// `npm run chaos` runs the same at 1,000 orders and more. Sized to keep `npm test` within its budget (4–6 min here).
// A drain can take the 3-min visibility timeout of a batch whose execution environment the matrix killed, and an
// order whose route creation was dead-lettered waits 4 min for its dispatch before its trip goes on; each drain is
// bounded (6 min) and the timeout leaves room for a slow machine, so a run that does not settle fails with its report
// and its progress lines (also streamed to stderr) rather than a bare timeout.
describe('chaos: 30 orders through the fault matrix', () => {
  test('nothing lost, nothing twice, every shipment delivered in the ERP, DLQs empty after one redrive, traces whole', { timeout: 1_200_000 }, async () => {
    const lines: string[] = [];
    const log = (line: string) => {
      lines.push(line);
      process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
    };
    const workDir = path.join(PROJECT_ROOT, '.sandbox', 'chaos-test', String(process.pid));
    const summary = await runChaos({ orders: 30, seed: 7, faults: true, faultCycleMs: 30_000, maxFaultCycles: 6, concurrency: 6, drainTimeoutMs: 360_000, workDir, log });
    // The logs stay for a failed run; a passing one leaves nothing behind.
    if (passed(summary)) rmSync(workDir, { recursive: true, force: true });
    const report = formatReport(summary);
    const after = tally(summary.after.verdicts);
    // The matrix really ran: faults of every family were hit.
    const hit = Object.keys(summary.faultsHit).join(', ');
    expect(hit, report).toMatch(/erp error|erp maintenance/);
    expect(hit, report).toMatch(/rateLimit/);
    expect(hit, report).toMatch(/drop/);
    expect(summary.duplicates, report).toBeGreaterThan(0);
    expect(summary.after.verdicts).toHaveLength(30);
    expect({ lost: after.lost, duplicated: after.duplicated, wrongFinal: after.wrongFinal, traceIncomplete: after.traceIncomplete, dlqAfter: summary.after.dlq.total }, `${report}\n${lines.join('\n')}`).toEqual({
      lost: 0,
      duplicated: 0,
      wrongFinal: 0,
      traceIncomplete: 0,
      dlqAfter: 0,
    });
    expect(passed(summary)).toBe(true);
  });
});
