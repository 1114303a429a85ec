/** Where a command writes; the process streams in bin/lsync.ts, buffers in tests. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly and report what they did. */
  readonly signal?: AbortSignal;
}
