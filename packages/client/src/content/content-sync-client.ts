import type { ContentFilter } from '@quran-sync/protocol';
import type { FetchLike } from '../auth/authorized-fetch.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { resolveCrossContext, type CrossContext, type CrossContextOptions } from '../coordination/cross-context.js';
import { ApiError, NetworkError, ProtocolError } from '../http/api-error.js';
import { backoffDelay, sleep } from '../http/backoff.js';
import { HttpTransport, type RetryPolicy } from '../http/transport.js';
import { ContentIntegrityChecker, type ContentIntegrityOptions, type ContentIntegrityReport } from './content-integrity.js';
import type { ContentStore } from './content-store.js';
import { ContentSyncApi } from './content-sync-api.js';
import { ContentSyncEmitter, type ContentSyncEventMap, type ContentSyncListener, type ContentSyncSummary } from './content-sync-events.js';
import { canonicalContentFilter, runContentSync } from './content-sync-run.js';
import { ContentSyncStateMachine, type ContentSyncState } from './content-sync-state-machine.js';

/** QF's terms: content kept longer than a week must be refreshed by an incremental sync at least weekly. */
export const MAX_CONTENT_AGE_MS = 7 * 86_400_000;

export interface ContentSyncClientOptions {
  /**
   * Content API base: the server's root for the direct prefix (`https://sync.example.org`, requests go to
   * `/api/v4/…`), or a gateway's content base (`https://gw.example.org/content`). The server's relative
   * links (`/api/v4/…`) are appended to it, as QF's clients do.
   */
  readonly baseUrl: string;
  /** Filter, e.g. `translations:20,9001;quran_core:1` (any spelling; the canonical form is what counts). */
  readonly resources: string;
  readonly store: ContentStore;
  /** App token with scope `content`, e.g. `ClientCredentialsTokenProvider`. */
  readonly tokenProvider: TokenProvider;
  readonly fetch?: FetchLike;
  readonly retry?: Partial<RetryPolicy>;
  readonly attemptTimeoutMs?: number;
  /** Page size, 1..100 (default 100: fewest round trips). */
  readonly perPage?: number;
  /** Snapshots fetched at once (default 4). */
  readonly snapshotConcurrency?: number;
  /** Rows per store batch before it is written (default 10 000; a snapshot is never split). */
  readonly maxBatchRows?: number;
  /** Recoveries (re-bootstraps) allowed within one run (default 2). */
  readonly maxRecoveriesPerRun?: number;
  /**
   * Coordination with other contexts sharing the store (tabs over one IndexedDB database): runs are
   * serialised with Web Locks, and a completed run is announced (`otherContextSynced`). Default: on where the
   * platform has them, for stores with a `coordinationKey`; `false`: off.
   */
  readonly crossContext?: CrossContextOptions | false;
  /**
   * Integrity checks against the server's digests (docs/integrity.md): after a run that changed something,
   * and a full check on the first run and then daily; what differs is fetched again and reported as an
   * `integrity` event. Default on (it turns itself off against a server without digests); `false`: off.
   */
  readonly integrity?: ContentIntegrityOptions | false;
  /** Injectable clock, randomness and sleep (tests). */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface StartOptions {
  /** Time between the end of one run and the start of the next (default 15 min, at most 7 days). */
  readonly intervalMs?: number;
  /** Stops the periodic sync when aborted (like `stop()`). */
  readonly signal?: AbortSignal;
}

/**
 * Keeps a `ContentStore` in sync with a Quran Sync (or QF) content API for one filter.
 *
 * - `sync()` runs one complete run and resolves with its summary; a call while a run is in progress joins
 *   that run. Errors reject the promise (and are emitted as `error`); the store then holds a consistent
 *   state, possibly part-way, from which the next run continues.
 * - `start()` / `stop()` run it periodically in the background; failures are retried with backoff (and
 *   never earlier than a server's `Retry-After`), successes every `intervalMs`.
 * - `on('state' | 'progress' | 'retry' | 'synced' | 'error', listener)` for UIs; the states and their
 *   transitions are in `content-sync-state-machine.ts`.
 */
export class ContentSyncClient {
  private readonly emitter = new ContentSyncEmitter();
  private readonly machine = new ContentSyncStateMachine((change) => this.emitter.emit('state', change));
  private readonly api: ContentSyncApi;
  private filter: ContentFilter;
  private inFlight: Promise<ContentSyncSummary> | null = null;
  private loop: { controller: AbortController; done: Promise<void> } | null = null;
  private readonly now: () => number;
  private readonly crossContext: CrossContext | null;
  private readonly integrity: ContentIntegrityChecker | null;

  constructor(private readonly options: ContentSyncClientOptions) {
    this.filter = canonicalContentFilter(options.resources);
    const perPage = options.perPage ?? 100;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) throw new RangeError('perPage must be an integer from 1 to 100');
    this.now = options.now ?? Date.now;
    this.api = new ContentSyncApi(
      new HttpTransport({
        baseUrl: options.baseUrl,
        tokenProvider: options.tokenProvider,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: options.attemptTimeoutMs } : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        now: this.now,
        onRetry: (info) => this.emitter.emit('retry', info),
      }),
    );
    this.integrity = options.integrity === false ? null : new ContentIntegrityChecker(this.api, options.store, this.now, options.integrity ?? {});
    this.crossContext = resolveCrossContext(options.store.coordinationKey, options.crossContext);
    this.crossContext?.channel?.subscribe((message) => {
      if (isSyncedMessage(message)) this.emitter.emit('otherContextSynced', message.summary);
    });
  }

  get state(): ContentSyncState {
    return this.machine.state;
  }

  /** The canonical filter the next run syncs. */
  get resources(): string {
    return this.filter.canonical;
  }

  /**
   * Track another filter from the next run on: it bootstraps the new filter (resources still tracked keep
   * their rows until replaced, and are not downloaded again when unchanged) and drops the others.
   */
  setResources(resources: string): void {
    this.filter = canonicalContentFilter(resources);
  }

  on<K extends keyof ContentSyncEventMap>(event: K, listener: ContentSyncListener<K>): () => void {
    return this.emitter.on(event, listener);
  }

  sync(options: { signal?: AbortSignal } = {}): Promise<ContentSyncSummary> {
    this.inFlight ??= this.runOnce(options.signal).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /**
   * Checks every stored resource against the server's digests now (a full check) and repairs what differs.
   * Null when there is nothing to compare with (no completed run for the filter, or a server without
   * digests). Runs are not interleaved with it: it waits for a run in progress.
   */
  async verifyIntegrity(options: { signal?: AbortSignal } = {}): Promise<ContentIntegrityReport | null> {
    if (!this.integrity) return null;
    await this.inFlight?.catch(() => undefined);
    const checker = this.integrity;
    const run = () => this.checkIntegrity(checker, true, options.signal);
    const cc = this.crossContext;
    return cc?.lock ? cc.lock.run(`${cc.name}:sync`, run, options.signal) : run();
  }

  private async checkIntegrity(checker: ContentIntegrityChecker, full: boolean, signal: AbortSignal | undefined): Promise<ContentIntegrityReport | null> {
    const report = await checker.check(this.filter.canonical, { full, ...(signal ? { signal } : {}) });
    if (report && report.repairs.length > 0) this.emitter.emit('integrity', report);
    return report;
  }

  /** When the last run completed, and whether that is older than the 7 days QF allows content to go unsynced. */
  async freshness(): Promise<{ lastSyncedAt: number | null; sequence: number | null; stale: boolean }> {
    const checkpoint = await this.options.store.readCheckpoint();
    const current = checkpoint?.filter === this.filter.canonical ? checkpoint : null;
    return {
      lastSyncedAt: current?.syncedAt ?? null,
      sequence: current?.sequence ?? null,
      stale: current === null || this.now() - current.syncedAt > MAX_CONTENT_AGE_MS,
    };
  }

  start(options: StartOptions = {}): void {
    if (this.loop) throw new Error('periodic content sync already started');
    const intervalMs = options.intervalMs ?? 15 * 60_000;
    if (!Number.isFinite(intervalMs) || intervalMs < 1000 || intervalMs > MAX_CONTENT_AGE_MS) throw new RangeError('intervalMs must be between 1 s and 7 days');
    const controller = new AbortController();
    if (options.signal?.aborted) controller.abort(options.signal.reason);
    options.signal?.addEventListener('abort', () => controller.abort(options.signal!.reason), { once: true });
    const wait = this.options.sleep ?? sleep;
    const done = (async () => {
      let failures = 0;
      while (!controller.signal.aborted) {
        let delay = intervalMs;
        try {
          await this.sync({ signal: controller.signal });
          failures = 0;
        } catch (error) {
          if (controller.signal.aborted) break;
          // The run already retried its requests; space further runs out, up to the interval, and never
          // before the server's Retry-After.
          const retryAfter = error instanceof ApiError ? (error.retryAfterMs ?? 0) : 0;
          delay = Math.max(
            retryAfter,
            1000 + Math.min(intervalMs, backoffDelay(failures++, { baseDelayMs: 2000, maxDelayMs: intervalMs, maxAttempts: Infinity }, this.options.random)),
          );
        }
        try {
          await wait(delay, controller.signal);
        } catch {
          break;
        }
      }
    })();
    this.loop = { controller, done };
  }

  /** Stops the periodic sync and cancels a run in progress; resolves when everything has stopped. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    if (!loop) return;
    loop.controller.abort(new Error('content sync stopped'));
    await loop.done;
  }

  /** Stops background runs and stops listening to other contexts. */
  async close(): Promise<void> {
    await this.stop();
    this.crossContext?.channel?.close();
  }

  /**
   * One run. On a store shared with other contexts it holds the lock `<name>:sync` throughout: two runs
   * interleaving their batches could leave one run's older rows after the other's newer checkpoint, a state
   * no later run repairs. A run that waited starts from whatever checkpoint the previous one left.
   */
  private runOnce(signal: AbortSignal | undefined): Promise<ContentSyncSummary> {
    const cc = this.crossContext;
    if (!cc?.lock) return this.runUnlocked(signal);
    return cc.lock.run(`${cc.name}:sync`, () => this.runUnlocked(signal), signal);
  }

  private async runUnlocked(signal: AbortSignal | undefined): Promise<ContentSyncSummary> {
    try {
      let summary: ContentSyncSummary = await runContentSync({
        api: this.api,
        store: this.options.store,
        filter: this.filter,
        perPage: this.options.perPage ?? 100,
        snapshotConcurrency: this.options.snapshotConcurrency ?? 4,
        maxBatchRows: this.options.maxBatchRows ?? 10_000,
        maxRecoveries: this.options.maxRecoveriesPerRun ?? 2,
        machine: this.machine,
        onProgress: (p) => this.emitter.emit('progress', p),
        now: this.now,
        ...(signal ? { signal } : {}),
      });
      let integrity: ContentIntegrityReport | null = null;
      const checker = this.integrity;
      if (checker) {
        const full = checker.fullCheckDue();
        if (full || summary.mutationsApplied > 0 || summary.resourcesRemoved > 0) {
          try {
            integrity = await this.checkIntegrity(checker, full, signal);
          } catch (error) {
            // The run itself succeeded: a check the server could not answer is made again by the next run (a
            // full one stays due). Anything else (the store failing) fails the run like any store error.
            if (signal?.aborted || !isServerError(error)) throw error;
          }
        }
      }
      if (integrity) summary = { ...summary, integrity };
      this.machine.fire('complete');
      this.emitter.emit('synced', summary);
      this.crossContext?.channel?.post({ type: SYNCED_MESSAGE, summary } satisfies SyncedMessage);
      return summary;
    } catch (error) {
      const running = this.machine.state === 'bootstrapping' || this.machine.state === 'syncing' || this.machine.state === 'recovering';
      if (signal?.aborted) {
        if (running) this.machine.fire('cancel');
      } else {
        this.machine.fire('fail');
        this.emitter.emit('error', error);
      }
      throw error;
    }
  }
}

/** A failure of the server or the network (as opposed to one of the device itself). */
function isServerError(error: unknown): boolean {
  return error instanceof ApiError || error instanceof NetworkError || error instanceof ProtocolError;
}

const SYNCED_MESSAGE = 'quran-sync/content-synced';

/** What a context announces after a completed run on a shared store. */
interface SyncedMessage {
  readonly type: typeof SYNCED_MESSAGE;
  readonly summary: ContentSyncSummary;
}

function isSyncedMessage(value: unknown): value is SyncedMessage {
  const m = value as Partial<SyncedMessage> | null;
  return typeof m === 'object' && m !== null && m.type === SYNCED_MESSAGE && typeof m.summary === 'object' && m.summary !== null;
}
