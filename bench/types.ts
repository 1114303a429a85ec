/** One section of the `npm run bench` report; each bench/*.bench.ts default-exports a function returning one. */
export interface BenchSection {
  title: string;
  /** Rows printed as a table; keep values short. */
  rows: Record<string, string | number>[];
  /** Lines printed under the table (goals, notes, how figures were measured). */
  notes?: string[];
}

export type BenchFn = () => Promise<BenchSection | BenchSection[]>;
