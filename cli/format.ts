/** Output helpers: plain tables for people, JSON for scripts. Pure. */

/** `95_000` → `1m 35s`; `90_061_000` → `1d 1h`. */
export function humanDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const negative = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  for (const [unit, size] of units) {
    if (s >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
    if (parts.length === 2) break;
  }
  return `${negative ? '-' : ''}${parts.join(' ')}`;
}

/** A latency: milliseconds below a second (an SLI of 0.3 s is not "0s"), else as {@link humanDuration}. */
export function humanLatency(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  return Math.abs(ms) < 1000 ? `${Math.round(ms)}ms` : humanDuration(ms);
}

/** A list shortened for a table cell: `a, b, c +4 more`. */
export function shortList(values: readonly string[], max = 5): string {
  if (values.length === 0) return '-';
  return values.length <= max ? values.join(', ') : `${values.slice(0, max).join(', ')} +${values.length - max} more`;
}

/** Renders rows as an aligned text table with a header line. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  const cells = rows.map((row) => headers.map((_, i) => String(row[i] ?? '-')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
