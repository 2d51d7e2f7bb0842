/**
 * Fetches the snapshots a page announces with bounded concurrency, while the engine applies them strictly
 * in order: `take(i)` waits for job `i`, and at most `concurrency` jobs past the last taken one are in
 * flight or waiting to be taken, so memory holds at most that many snapshots however long the list is.
 *
 * `close()` aborts what is still running (the run failed or was cancelled). Rejections of jobs nobody will
 * take are absorbed, so a failed run leaves no unhandled promise behind.
 */
export class SnapshotPrefetcher<Job, Result> {
  private readonly results: Array<Promise<Result> | undefined> = [];
  private readonly controller = new AbortController();
  private started = 0;
  private readonly onOuterAbort = (): void => this.controller.abort((this.outer as AbortSignal).reason);

  constructor(
    private readonly jobs: readonly Job[],
    private readonly concurrency: number,
    private readonly run: (job: Job, signal: AbortSignal) => Promise<Result>,
    private readonly outer?: AbortSignal,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.fill(0);
  }

  get length(): number {
    return this.jobs.length;
  }

  async take(index: number): Promise<Result> {
    if (index < 0 || index >= this.jobs.length) throw new RangeError(`no snapshot job ${index}`);
    this.fill(index);
    const result = this.results[index]!;
    this.results[index] = undefined;
    const value = await result;
    this.fill(index + 1);
    return value;
  }

  close(): void {
    this.outer?.removeEventListener('abort', this.onOuterAbort);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('snapshot prefetch closed'));
  }

  /** Starts jobs up to `from + concurrency` (exclusive). */
  private fill(from: number): void {
    const limit = Math.min(this.jobs.length, from + this.concurrency);
    while (this.started < limit) {
      const i = this.started++;
      const promise = this.controller.signal.aborted ? Promise.reject(this.controller.signal.reason) : this.run(this.jobs[i]!, this.controller.signal);
      promise.catch(() => undefined);
      this.results[i] = promise;
    }
  }
}
