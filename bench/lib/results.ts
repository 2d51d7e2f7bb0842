/**
 * Benchmark results as data: every bench writes its tables to `QS_BENCH_RESULTS_DIR` (default
 * `bench/results/`, not committed) as `<suite>.json`, and `bench/run-all.ts` renders them into
 * `docs/benchmarks.md` with charts. Each bench also prints its tables, so it stays useful on its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ResultTable {
  readonly title: string;
  /** Short text under the title: what was measured and how. */
  readonly note?: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number>>;
}

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
}

/** A bar chart (grouped bars: one group per category, one bar per series). */
export interface ResultChart {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly categories: readonly string[];
  readonly series: readonly ChartSeries[];
  /** Log scale for values spanning orders of magnitude. */
  readonly log?: boolean;
}

/** A target of the performance issue: the ratio measured against what it must reach. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface SuiteResults {
  readonly suite: string;
  readonly title: string;
  readonly environment: string;
  readonly tables: readonly ResultTable[];
  readonly charts?: readonly ResultChart[];
  readonly targets?: readonly TargetCheck[];
}

export const benchRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function resultsDir(): string {
  return process.env.QS_BENCH_RESULTS_DIR ?? path.join(benchRoot, 'results');
}

export function environmentLine(extra = ''): string {
  const [l1, l5] = os.loadavg();
  return `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average at start ${l1!.toFixed(2)} / ${l5!.toFixed(2)} (1 / 5 min)${extra ? `, ${extra}` : ''}`;
}

export function writeResults(results: SuiteResults): void {
  fs.mkdirSync(resultsDir(), { recursive: true });
  fs.writeFileSync(path.join(resultsDir(), `${results.suite}.json`), `${JSON.stringify(results, null, 2)}\n`);
}

/** A table as Markdown (also what the benches print). */
export function markdownTable(table: ResultTable): string {
  const cells = (row: ReadonlyArray<string | number>) => `| ${row.map((c) => String(c)).join(' | ')} |`;
  return [cells(table.columns), `|${table.columns.map(() => '---').join('|')}|`, ...table.rows.map(cells)].join('\n');
}

export function printTables(results: SuiteResults): void {
  process.stdout.write(`\n${results.title}\n${results.environment}\n`);
  for (const table of results.tables) process.stdout.write(`\n${table.title}\n\n${markdownTable(table)}\n`);
  if (results.targets?.length) {
    process.stdout.write(
      `\n${markdownTable({ title: 'targets', columns: ['target', 'measured', 'met'], rows: results.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'no']) })}\n`,
    );
  }
}

/** Number formatting shared by the benches. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A ratio already computed, as the tables print it (`0.83×`). */
export function times(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function ratio(a: number, b: number): string {
  return b === 0 ? '—' : times(a / b);
}
