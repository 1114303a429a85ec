import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { processFile } from '../../lambdas/fleet/files/edi/intake';
import { example, intakeDeps, landed } from './edi-support';

const dir = path.resolve(import.meta.dirname, '..', '..', 'contracts', 'x12-214');
const sources = JSON.parse(readFileSync(path.join(dir, 'sources.json'), 'utf8')) as {
  sources: { id: string; url: string; retrieved: string; license: string; covers: string }[];
  examples: Record<string, { sources: string[]; shows: string }>;
};

describe('contracts/x12-214: the published guides behind the EDI intake', () => {
  test('every source has its URL, retrieval date, licence and what it covers', () => {
    expect(sources.sources.length).toBeGreaterThan(5);
    for (const s of sources.sources) {
      expect(s.url, s.id).toMatch(/^https:\/\//);
      expect(s.retrieved, s.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(s.license.length, s.id).toBeGreaterThan(0);
      expect(s.covers.length, s.id).toBeGreaterThan(0);
    }
  });

  test('every example is listed with sources that exist, and is accepted and acknowledged as accepted', async () => {
    const files = readdirSync(path.join(dir, 'examples')).sort();
    expect(files).toEqual(Object.keys(sources.examples).sort());
    const ids = new Set(sources.sources.map((s) => s.id));
    for (const file of files) {
      for (const id of sources.examples[file]!.sources) expect(ids.has(id), `${file}: ${id}`).toBe(true);
      const { deps, publisher } = intakeDeps();
      const outcome = await processFile(landed(`inbound/summit-freight/${file}`), example(file.replace(/\.x12$/, '')), deps);
      expect(outcome.interchanges.map((i) => i.verdict), file).toEqual(['accepted']);
      expect(publisher.published.length, file).toBeGreaterThan(0);
    }
  });
});
