// Benchmark helpers shared by bench/split.ts, bench/runtime.ts and bench/check.ts: medians, percentiles,
// wall-clock timing (performance.now, allowed in bench/ only) and number formatting.

import { performance } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** The nearest-rank percentile (`fraction` 0.5 is the median, 0.99 the 99th percentile). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

/** Milliseconds one call of `work` takes. */
export function timeOnce(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** The median milliseconds of `work` over `runs` timed runs, after `warmups` untimed ones. */
export function timeMedian(work: () => unknown, runs: number, warmups = 1): number {
  for (let run = 0; run < warmups; run++) work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(timeOnce(work));
  return median(times);
}

/** A whole number with thousands separators: 1,234,567. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en');
}

/** A number with `digits` decimals and thousands separators. */
export function fixed(value: number, digits: number): string {
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Pads the cells of each row to the widest cell of its column, for a table on a terminal. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}
