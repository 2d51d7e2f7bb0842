/**
 * Counters of the soak run: per request kind, latencies (kept in full; a 10-minute run at ~100 req/s is a few
 * MB of numbers) and statuses; memory samples of the server process; and the least-squares slope used to
 * decide whether memory keeps growing.
 */
export interface KindStats {
  readonly latencies: number[];
  readonly statuses: Map<number, number>;
  /** Network errors (connection refused/reset, timeouts): always a failure. */
  networkErrors: number;
}

export class SoakStats {
  readonly kinds = new Map<string, KindStats>();
  readonly memory: Array<{ seconds: number; rssMb: number; heapMb: number }> = [];
  readonly failures: string[] = [];
  total = 0;

  record(kind: string, status: number, ms: number): void {
    const stats = this.kind(kind);
    stats.latencies.push(ms);
    stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
    this.total++;
  }

  networkError(kind: string, message: string): void {
    this.kind(kind).networkErrors++;
    this.total++;
    if (this.failures.length < 20) this.failures.push(`${kind}: ${message}`);
  }

  fail(message: string): void {
    if (this.failures.length < 50) this.failures.push(message);
  }

  private kind(kind: string): KindStats {
    let stats = this.kinds.get(kind);
    if (!stats) {
      stats = { latencies: [], statuses: new Map(), networkErrors: 0 };
      this.kinds.set(kind, stats);
    }
    return stats;
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Least-squares slope of y over x (units of y per unit of x). */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
