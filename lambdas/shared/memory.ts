/**
 * The execution environment's peak memory so far as a percentage of the function's memory size (pure): `maxRssKiB` is
 * the process's resident set high-water mark (`process.resourceUsage().maxRSS`, in KiB), one process per environment
 * in Lambda; undefined without a memory size.
 */
export function memoryUsedPercent(maxRssKiB: number, memorySizeMb: number | undefined): number | undefined {
  if (memorySizeMb === undefined || !Number.isFinite(memorySizeMb) || memorySizeMb <= 0 || !Number.isFinite(maxRssKiB)) return undefined;
  return Math.round((maxRssKiB / 1024 / memorySizeMb) * 1000) / 10;
}

/**
 * This environment's `memoryUsedPercent`, from the process and the memory size Lambda sets
 * (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`); undefined outside Lambda. Reported as `MemoryUsedPercent` after each invocation
 * by every function of the stack (each ends its invocations with `flushMetrics` or the webhook pipeline's flush),
 * alarmed at 80 % (docs/runbook.md, "Memory near limit").
 */
export function environmentMemoryUsedPercent(): number | undefined {
  return memoryUsedPercent(process.resourceUsage().maxRSS, Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || undefined);
}
