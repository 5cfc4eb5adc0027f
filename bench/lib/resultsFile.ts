// bench/RESULTS.md: one table, one row per measurement, each row with the run it came from (date, cores, load
// average at the start and end of its benchmark). A run of some benchmarks replaces only their rows; the rows of
// the others stay as they were, with their own date. Pure: scripts/bench.mjs does the reading and writing.
import { median } from './stats';
import { formatValue, ratioOf, type ResultRow, type Samples } from './results';

export interface RunInfo {
  /** ISO date of the benchmark's start. */
  readonly date: string;
  readonly cores: number;
  /** One-minute load average at the benchmark's start and end. */
  readonly loadStart: number;
  readonly loadEnd: number;
}

export const TABLE_HEADER = [
  '| bench | measured | Berth median ms | floor median ms | ratio | Berth min–max | floor min–max | n Berth / floor | run |',
  '|---|---|---:|---:|---:|---:|---:|---:|---|',
];

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const range = (r: ResultRow, s?: Samples) => (s && s.samplesMs.length ? `${formatValue(r, Math.min(...s.samplesMs))}–${formatValue(r, Math.max(...s.samplesMs))}` : '');

/** "Berth: name", unless the name already says whose it is ("Berth: …", "floor: …"). */
export const labelled = (side: 'Berth' | 'floor', name: string): string => (/^(Berth|floor)\b/i.test(name) ? name : `${side}: ${name}`);

export function formatRun(run: RunInfo): string {
  const date = run.date.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  return `${date}, ${run.cores} cores, load ${run.loadStart.toFixed(2)} → ${run.loadEnd.toFixed(2)}`;
}

/** One table line of RESULTS.md. */
export function formatRow(bench: string, row: ResultRow, run: RunInfo): string {
  if (row.notRun !== undefined) return `| ${bench} | ${cell(row.measured)} | not run: ${cell(row.notRun)} | | | | | | ${formatRun(run)} |`;
  const berth = labelled('Berth', row.berth?.name ?? '');
  const what = row.floor
    ? `${row.measured} — ${berth}; ${labelled('floor', row.floor.name)}`
    : `${row.measured} — ${berth} (${row.unit === 'bytes' ? 'a size, no ratio' : 'a stage, no floor of the same stage: no ratio'})`;
  const ratio = ratioOf(row);
  const n = `${row.berth?.samplesMs.length ?? 0} / ${row.floor?.samplesMs.length ?? '—'}`;
  return `| ${bench} | ${cell(what)} | ${formatValue(row, median(row.berth?.samplesMs ?? []))} | ${row.floor ? formatValue(row, median(row.floor.samplesMs)) : ''} | ${ratio === undefined ? '' : `${ratio.toFixed(2)}×`} | ${range(row, row.berth)} | ${range(row, row.floor)} | ${n} | ${formatRun(run)} |`;
}

/** The bench of a table line written by formatRow, or undefined for any other line. */
export function benchOfLine(line: string): string | undefined {
  if (!line.startsWith('| ') || TABLE_HEADER.includes(line)) return undefined;
  const name = line.slice(2, line.indexOf(' |', 2));
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : undefined;
}

/**
 * RESULTS.md after a run: `preamble`, then the table with the new lines of the benchmarks that ran and the old
 * lines of every other benchmark, ordered by bench name (each bench's lines in the order it reported them).
 */
export function mergeResults(existing: string, preamble: string, fresh: ReadonlyMap<string, readonly string[]>): string {
  const byBench = new Map<string, string[]>();
  for (const line of existing.split('\n')) {
    const bench = benchOfLine(line);
    if (bench && !fresh.has(bench)) byBench.set(bench, [...(byBench.get(bench) ?? []), line]);
  }
  for (const [bench, lines] of fresh) byBench.set(bench, [...lines]);
  const rows = [...byBench.keys()].sort((a, b) => a.localeCompare(b)).flatMap((b) => byBench.get(b)!);
  return `${preamble.trimEnd()}\n\n${[...TABLE_HEADER, ...rows].join('\n')}\n`;
}
