// What a benchmark reports: rows of Berth next to its floor (measured in the same run), stages shown without a
// ratio, and rows that could not run with the reason. Each row is printed as a markdown table on stdout and, when
// scripts/bench.mjs runs the benchmark, appended as one JSON line to the file in BERTH_BENCH_RESULTS, which
// bench.mjs collects into bench/RESULTS.md.
import { appendFileSync } from 'node:fs';
import { formatBytes, formatMs, median } from './stats';

export interface Samples {
  /** What ran, e.g. "Berth: launchKernel + KernelSession 1+1" or "floor: dockerode run + raw ws". */
  readonly name: string;
  readonly samplesMs: readonly number[];
}

export interface ResultRow {
  /** What was measured, e.g. "kernel cold start → result of 1+1". */
  readonly measured: string;
  readonly berth?: Samples;
  /** The same thing done without Berth; absent for a stage shown without a ratio. */
  readonly floor?: Samples;
  /** Set when the row could not be measured: why. */
  readonly notRun?: string;
  /** 'bytes': the samples are sizes in bytes (shown as B, KiB, MiB), not milliseconds. */
  readonly unit?: 'bytes';
}

export const compare = (measured: string, berth: Samples, floor: Samples): ResultRow => ({ measured, berth, floor });
/** A part of a measurement that has no floor of the same stage: shown without a ratio. */
export const stage = (measured: string, berth: Samples): ResultRow => ({ measured, berth });
export const notRun = (measured: string, why: string): ResultRow => ({ measured, notRun: why });
/** A size in bytes, e.g. of a bundle: shown as a stage, without a ratio. */
export const size = (measured: string, berth: Samples): ResultRow => ({ measured, berth, unit: 'bytes' });

/** A number of a row as the tables show it: milliseconds, or bytes for a size row. */
export const formatValue = (row: ResultRow, value: number): string => (row.unit === 'bytes' ? formatBytes(value) : formatMs(value));

export const ratioOf = (row: ResultRow): number | undefined =>
  row.berth && row.floor ? median(row.berth.samplesMs) / median(row.floor.samplesMs) : undefined;

const range = (r: ResultRow, s?: Samples) => (s && s.samplesMs.length ? `${formatValue(r, Math.min(...s.samplesMs))}–${formatValue(r, Math.max(...s.samplesMs))}` : '—');

/** Prints the rows as a markdown table and hands them to scripts/bench.mjs. */
export function report(title: string, rows: readonly ResultRow[]): void {
  const lines = [`\n### ${title}\n`, '| measured | Berth | Berth ms (median) | floor | floor ms (median) | ratio | Berth min–max | floor min–max | n |', '|---|---|---:|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    if (r.notRun !== undefined) {
      lines.push(`| ${r.measured} | not run: ${r.notRun} | | | | | | | |`);
      continue;
    }
    const ratio = ratioOf(r);
    const n = `${r.berth?.samplesMs.length ?? 0}${r.floor ? ` / ${r.floor.samplesMs.length}` : ''}`;
    lines.push(
      `| ${r.measured} | ${r.berth?.name ?? ''} | ${formatValue(r, median(r.berth?.samplesMs ?? []))} | ${r.floor?.name ?? '(stage, no floor)'} | ${r.floor ? formatValue(r, median(r.floor.samplesMs)) : ''} | ${ratio === undefined ? '' : `${ratio.toFixed(2)}×`} | ${range(r, r.berth)} | ${range(r, r.floor)} | ${n} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const file = process.env.BERTH_BENCH_RESULTS;
  if (file) appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}
