import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyncScheduler, type SyncSchedulerOptions } from './sync-scheduler.js';

/** Scheduling decisions under fake timers: which runs happen, in which order (no wall-clock assertions). */
const options: SyncSchedulerOptions = {
  debounceMs: 1000,
  maxDebounceMs: 5000,
  intervalMs: 60_000,
  retry: { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: Number.MAX_SAFE_INTEGER },
  listenOnline: false,
};

function rig(outcomes: Array<'ok' | 'fail'> = []) {
  const runs: number[] = [];
  const scheduler = new SyncScheduler(
    async () => {
      runs.push(Date.now());
      if (outcomes.shift() === 'fail') throw new Error('offline');
    },
    options,
    { now: () => Date.now(), random: () => 1 },
  );
  return { runs, scheduler };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SyncScheduler', () => {
  it('runs at start, then periodically', async () => {
    vi.useFakeTimers({ now: 0 });
    const { runs, scheduler } = rig();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toEqual([0, 60_000, 120_000]);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(runs).toHaveLength(3);
  });

  it('debounces local writes: one run after a burst, at most maxDebounceMs after its first write', async () => {
    vi.useFakeTimers({ now: 0 });
    const { runs, scheduler } = rig();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(10_000);
    scheduler.localWrite();
    await vi.advanceTimersByTimeAsync(500);
    scheduler.localWrite();
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([0, 11_500]);
    // A continuous stream of writes still syncs every maxDebounceMs.
    for (let t = 0; t < 6000; t += 500) {
      scheduler.localWrite();
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(runs.slice(2)).toEqual([11_500 + 5000]);
    scheduler.stop();
  });

  it('after a failure, retries with growing backoff; writes do not shorten it; online() syncs at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const { runs, scheduler } = rig(['fail', 'fail', 'fail', 'ok']);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1000); // backoff cap 1000 · 2^0 (random() = 1)
    expect(runs).toEqual([0, 1000]);
    scheduler.localWrite();
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs).toEqual([0, 1000]); // the next retry is due at 1000 + 2000
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([0, 1000, 3000]);
    scheduler.online();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0, 1000, 3000, 3000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual([0, 1000, 3000, 3000, 63_000]);
    scheduler.stop();
  });

  it('a write during a run leads to one more run right after it', async () => {
    vi.useFakeTimers({ now: 0 });
    let release!: () => void;
    const runs: number[] = [];
    const scheduler = new SyncScheduler(
      () => {
        runs.push(Date.now());
        return runs.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
      { ...options, debounceMs: 10 },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    scheduler.localWrite();
    await vi.advanceTimersByTimeAsync(100); // fires while the first run is still going
    expect(runs).toEqual([0]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0, 100]);
    scheduler.stop();
  });
});
