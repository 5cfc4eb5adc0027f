// Shared by the benchmarks: timing, medians and the markdown table every benchmark prints.

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface BenchRow {
  /** What was measured, e.g. "cold start: Berth". */
  readonly name: string;
  readonly samplesMs: readonly number[];
  /** The row this one is compared with (its floor), by name. */
  readonly floor?: string;
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** Prints rows as a markdown table: median, min, max, runs and the ratio to the row's floor (same run). */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  const medians = new Map(rows.map((r) => [r.name, median(r.samplesMs)]));
  console.log(`\n### ${title}\n`);
  console.log('| measurement | median ms | min ms | max ms | runs | vs floor |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const m = medians.get(r.name)!;
    const floor = r.floor ? medians.get(r.floor) : undefined;
    const ratio = floor ? `${(m / floor).toFixed(2)}× ${r.floor}` : '(floor)';
    console.log(`| ${r.name} | ${fmt(m)} | ${fmt(Math.min(...r.samplesMs))} | ${fmt(Math.max(...r.samplesMs))} | ${r.samplesMs.length} | ${ratio} |`);
  }
}
