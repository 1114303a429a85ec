#!/usr/bin/env -S npx tsx
/**
 * `lsync`: on-call operations for logistics-sync (DLQ triage and redrive, replay, trace, health).
 * Run it as `npx lsync …` or `npm run lsync -- …`; `bin/lsync.js` is the launcher package.json points at.
 */
import { run } from '../cli/program';

// `lsync dlq list | head`: a closed pipe ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    // First Ctrl-C: stop cleanly (finish the batch in flight, release held messages, write the audit item).
    if (interrupts === 1) {
      process.stderr.write(`\nlsync: ${signal}: stopping after the current batch (again to abort at once)\n`);
      controller.abort();
    } else {
      process.exit(130);
    }
  });
}

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
