import v8 from 'node:v8';

/**
 * Preloaded into the soak's server process only (`--expose-gc --import …/live-heap-probe.ts`): every
 * QS_SOAK_LIVE_HEAP_MS (default 15 s) runs a full garbage collection and prints the heap still in use as
 * `qs-soak-live-heap <epoch ms> <bytes>`.
 *
 * Why: `nodejs_heap_size_used_bytes` from /metrics counts garbage not yet collected. Old-space garbage
 * piles up between major collections, and V8 lets it pile higher as the process runs, so even the lowest
 * sample of each window drifts upwards with nothing leaking (a 10-minute soak measured 1.5 MB/min that way
 * while heap snapshots, which collect first, showed the live heap flat at 43.9 MB). The heap after a full
 * collection is exactly what is reachable, so its slope is the leak signal. The collection costs a pause of
 * a few tens of milliseconds per interval, visible at most in the p99 of that moment.
 */
const gc = (globalThis as { gc?: () => void }).gc;
const intervalMs = Number(process.env.QS_SOAK_LIVE_HEAP_MS ?? 15_000);

if (gc && intervalMs > 0) {
  setInterval(() => {
    gc();
    process.stdout.write(`qs-soak-live-heap ${Date.now()} ${v8.getHeapStatistics().used_heap_size}\n`);
  }, intervalMs).unref();
}
