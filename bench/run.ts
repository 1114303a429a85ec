// `npm run bench`: runs every bench/*.bench.ts in one process and prints their sections side by side.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchFn, BenchSection } from './types';

function printSection(section: BenchSection): void {
  console.log(`\n## ${section.title}\n`);
  if (section.rows.length > 0) {
    const columns = [...new Set(section.rows.flatMap((r) => Object.keys(r)))];
    const widths = columns.map((c) => Math.max(c.length, ...section.rows.map((r) => String(r[c] ?? '').length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    console.log(line(columns));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const row of section.rows) console.log(line(columns.map((c) => String(row[c] ?? ''))));
  }
  for (const note of section.notes ?? []) console.log(`\n${note}`);
}

const only = process.argv.slice(2);
const dir = import.meta.dirname;
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts'));
// `npm run bench -- cost` is cost.bench.ts alone (not workflow-cost too): a name that is a bench's own name picks that
// bench only; otherwise every bench whose file name contains it.
const picks = (o: string) => (all.includes(`${o}.bench.ts`) ? [`${o}.bench.ts`] : all.filter((f) => f.includes(o)));
const files = (only.length === 0 ? all : [...new Set(only.flatMap(picks))]).sort();
if (files.length === 0) {
  console.error('no benchmarks found (bench/*.bench.ts)');
  process.exit(1);
}
console.log(`# logistics-sync benchmarks (${new Date().toISOString()}, node ${process.version}, ${process.arch})`);
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: BenchFn };
  try {
    const result = await mod.default();
    for (const section of Array.isArray(result) ? result : [result]) printSection(section);
  } catch (error) {
    failed = true;
    console.error(`\n${file} failed: ${(error as Error).stack ?? String(error)}`);
  }
}
process.exit(failed ? 1 : 0);
