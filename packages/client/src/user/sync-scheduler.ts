import { backoffDelay, type BackoffPolicy } from '../http/backoff.js';

/**
 * When the user-sync client syncs in the background (docs/user-client.md, "Scheduling"):
 * - shortly after local writes (debounced: `debounceMs` after the last write, at most `maxDebounceMs` after the
 *   first of a burst);
 * - periodically (`intervalMs`; with nothing queued, a run is one `metadataOnly` request);
 * - at once when the app reports the network is back (`online()`, also wired to the browser's `online` event);
 * - after a failed run, again after a jittered exponential backoff (a failure never makes it hammer the server;
 *   a local write during the backoff does not shorten it, `online()` does).
 * One timer at a time; runs never overlap (the client's `sync()` is single-flight).
 */
export interface SyncSchedulerOptions {
  readonly debounceMs: number;
  readonly maxDebounceMs: number;
  readonly intervalMs: number;
  readonly retry: BackoffPolicy;
  /** Listen to `online` events of `globalThis` when it has `addEventListener` (browsers). */
  readonly listenOnline: boolean;
}

export const DEFAULT_SCHEDULER_OPTIONS: SyncSchedulerOptions = {
  debounceMs: 1000,
  maxDebounceMs: 5000,
  intervalMs: 60_000,
  retry: { baseDelayMs: 1000, maxDelayMs: 5 * 60_000, maxAttempts: Number.MAX_SAFE_INTEGER },
  listenOnline: true,
};

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export class SyncScheduler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dueAt = Infinity;
  private burstStartedAt: number | null = null;
  private failures = 0;
  private running = false;
  /** A timer fired during a run: run again right after it. */
  private rerun = false;
  private started = false;
  private readonly onOnline = (): void => this.online();

  constructor(
    private readonly runSync: () => Promise<unknown>,
    private readonly options: SyncSchedulerOptions = DEFAULT_SCHEDULER_OPTIONS,
    private readonly clock: { now: () => number; random?: () => number } = { now: Date.now },
  ) {}

  get isStarted(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const target = globalThis as unknown as Partial<EventTargetLike>;
    if (this.options.listenOnline && typeof target.addEventListener === 'function') target.addEventListener('online', this.onOnline);
    this.schedule(0, true);
  }

  stop(): void {
    this.started = false;
    const target = globalThis as unknown as Partial<EventTargetLike>;
    if (this.options.listenOnline && typeof target.removeEventListener === 'function') target.removeEventListener('online', this.onOnline);
    this.clear();
  }

  /** A local write committed. */
  localWrite(): void {
    if (!this.started || this.failures > 0) return;
    const now = this.clock.now();
    this.burstStartedAt ??= now;
    const due = Math.min(now + this.options.debounceMs, this.burstStartedAt + this.options.maxDebounceMs);
    this.schedule(due - now, true);
  }

  /** The network is back: sync now, whatever the backoff said. */
  online(): void {
    if (!this.started) return;
    this.failures = 0;
    this.schedule(0, true);
  }

  /** Arms the timer for `delayMs`; `replace`: even when it would fire later than the current one. */
  private schedule(delayMs: number, replace: boolean): void {
    const due = this.clock.now() + delayMs;
    if (this.timer !== null && !replace && this.dueAt <= due) return;
    this.clear();
    this.dueAt = due;
    this.timer = setTimeout(() => void this.fire(), Math.max(0, delayMs));
    (this.timer as { unref?: () => void }).unref?.();
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = Infinity;
  }

  private async fire(): Promise<void> {
    this.timer = null;
    this.dueAt = Infinity;
    if (!this.started) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    this.rerun = false;
    this.burstStartedAt = null;
    try {
      await this.runSync();
      this.failures = 0;
    } catch {
      this.failures++;
    } finally {
      this.running = false;
    }
    if (!this.started) return;
    if (this.failures > 0) this.schedule(Math.max(1, backoffDelay(this.failures - 1, this.options.retry, this.clock.random)), true);
    else if (this.rerun) this.schedule(0, true);
    else this.schedule(this.options.intervalMs, false);
  }
}
