import type { UserResource } from '@quran-sync/protocol';
import type { TokenProvider } from '../auth/token-provider.js';
import type { FetchLike } from '../auth/authorized-fetch.js';
import { resolveCrossContext, type CrossContextOptions } from '../coordination/cross-context.js';
import { ApiError, NetworkError, ProtocolError } from '../http/api-error.js';
import { HttpTransport, type RetryPolicy } from '../http/transport.js';
import { BookmarksApi } from './bookmarks-api.js';
import { CollectionsApi } from './collections-api.js';
import { resolveConflictPolicy, type ConflictPolicy, type ConflictPolicyName } from './conflict-policy.js';
import { NotesApi } from './notes-api.js';
import { PreferencesApi } from './preferences-api.js';
import { ReadingSessionsApi } from './reading-sessions-api.js';
import { DEFAULT_SCHEDULER_OPTIONS, SyncScheduler, type SyncSchedulerOptions } from './sync-scheduler.js';
import { UserSyncApi } from './user-sync-api.js';
import { UserSyncCore } from './user-sync-core.js';
import { UserIntegrityChecker, type UserIntegrityOptions, type UserIntegrityReport } from './user-integrity.js';
import { DEFAULT_ENGINE_OPTIONS, UserSyncEngine, type UserSyncEngineOptions } from './user-sync-engine.js';
import { UserSyncEmitter, type SyncReport, type UserDataChange, type UserSyncEventMap, type UserSyncListener } from './user-sync-events.js';
import type { QuarantinedEntry, UserStore } from './user-store.js';

/**
 * The user-data sync SDK (user-sync.md, client rules; docs/user-client.md): an app reads and writes bookmarks,
 * collections, notes, reading sessions and preferences on the device — every call returns after one local
 * transaction, never waiting for the network — and `sync()` (or the background scheduler) exchanges changes
 * with the server so every device converges.
 *
 * ```ts
 * const client = new UserSyncClient({ store: await IndexedDbUserStore.open(), baseUrl, tokenProvider });
 * await client.bookmarks.add({ type: 'ayah', key: 2, verseNumber: 255 });
 * client.subscribe(() => render());
 * client.start(); // debounced after writes, periodic, on reconnect
 * ```
 *
 * One client per store and context. Contexts that share a store (browser tabs over one IndexedDB database) are
 * coordinated when the store has a `coordinationKey`: Web Locks serialise store units and sync runs across
 * them, and a `BroadcastChannel` tells the other tabs what changed (`crossContext`, `CrossContextOptions`).
 */
export interface UserSyncClientOptions {
  /**
   * Integrity checks against the server's state digest (docs/integrity.md): at quiescence, on the first run and
   * then at most hourly; a differing resource type is pulled again in full (queued changes kept) and reported as
   * an `integrity` event. Default on (off by itself against a server without digests); `false`: off.
   */
  readonly integrity?: UserIntegrityOptions | false;
  readonly store: UserStore;
  /** Server base URL (the user API lives under `apiPrefix`). Not needed when `transport` is given. */
  readonly baseUrl?: string;
  readonly tokenProvider?: TokenProvider;
  /** A ready transport (shared with other SDK parts); else one is built from `baseUrl`, `tokenProvider`, `fetch`, `retry`. */
  readonly transport?: HttpTransport;
  readonly fetch?: FetchLike;
  readonly retry?: Partial<RetryPolicy>;
  readonly attemptTimeoutMs?: number;
  /** `/v1` (default) or `/auth/v1` (QF's gateway layout). */
  readonly apiPrefix?: string;
  /** Default `server-wins`. */
  readonly conflictPolicy?: ConflictPolicyName | ConflictPolicy;
  readonly engine?: Partial<UserSyncEngineOptions>;
  readonly scheduler?: Partial<SyncSchedulerOptions>;
  /**
   * Coordination with other contexts sharing the store (tabs over one IndexedDB database). Default: Web Locks
   * and BroadcastChannel where the platform has them, for stores with a `coordinationKey`; `false`: none.
   */
  readonly crossContext?: CrossContextOptions | false;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Sign-out found changes the server has not acknowledged; pass `{ force: true }` to discard them. */
export class PendingChangesError extends Error {
  constructor(readonly pending: number) {
    super(`${pending} local change(s) are not on the server yet; sync first, or sign out with { force: true } to discard them`);
    this.name = 'PendingChangesError';
  }
}

export class UserSyncClient {
  readonly bookmarks: BookmarksApi;
  readonly collections: CollectionsApi;
  readonly notes: NotesApi;
  readonly readingSessions: ReadingSessionsApi;
  readonly preferences: PreferencesApi;
  /** Mutations the server refused permanently: inspect, retry (e.g. after the app fixed the cause), or discard. */
  readonly quarantine: QuarantineApi;

  private readonly emitter = new UserSyncEmitter();
  private readonly core: UserSyncCore;
  private readonly engine: UserSyncEngine;
  private readonly scheduler: SyncScheduler;
  private readonly integrity: UserIntegrityChecker | null;
  private running: Promise<SyncReport> | null = null;
  private queued: Promise<SyncReport> | null = null;
  private lastError: unknown = null;

  constructor(options: UserSyncClientOptions) {
    const now = options.now ?? Date.now;
    const transport =
      options.transport ??
      new HttpTransport({
        baseUrl: required(options.baseUrl, 'baseUrl (or transport)'),
        ...(options.tokenProvider ? { tokenProvider: options.tokenProvider } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.attemptTimeoutMs !== undefined ? { attemptTimeoutMs: options.attemptTimeoutMs } : {}),
        ...(options.random ? { random: options.random } : {}),
        onRetry: (info) => this.emitter.emit('retry', info),
      });
    this.core = new UserSyncCore(
      options.store,
      this.emitter,
      resolveConflictPolicy(options.conflictPolicy),
      now,
      resolveCrossContext(options.store.coordinationKey, options.crossContext),
    );
    this.engine = new UserSyncEngine(this.core, new UserSyncApi(transport, options.apiPrefix ?? '/v1'), {
      ...DEFAULT_ENGINE_OPTIONS,
      ...options.engine,
      ...(options.random ? { random: options.random } : {}),
    });
    this.integrity = options.integrity === false ? null : new UserIntegrityChecker(this.core, this.engine.api, options.integrity ?? {});
    this.scheduler = new SyncScheduler(
      () => this.sync(),
      { ...DEFAULT_SCHEDULER_OPTIONS, ...options.scheduler },
      { now, ...(options.random ? { random: options.random } : {}) },
    );
    const onWrite = (): void => this.scheduler.localWrite();
    this.bookmarks = new BookmarksApi(this.core, onWrite);
    this.collections = new CollectionsApi(this.core, onWrite);
    this.notes = new NotesApi(this.core, onWrite);
    this.readingSessions = new ReadingSessionsApi(this.core, onWrite);
    this.preferences = new PreferencesApi(this.core, onWrite);
    this.quarantine = new QuarantineApi(this.core, onWrite);
    // Another tab's local write is pushed by that tab; scheduling a run here too covers a tab closed before
    // its debounce fired (the run waits for the other tab's sync lock, then finds little or nothing to do).
    this.emitter.on('change', (change) => {
      if (change.otherContext && change.origin === 'local') this.scheduler.localWrite();
    });
  }

  on<K extends keyof UserSyncEventMap>(event: K, listener: UserSyncListener<K>): () => void {
    return this.emitter.on(event, listener);
  }

  /** Calls `listener` whenever local data of the given resources (default: all) changed. Returns unsubscribe. */
  subscribe(listener: (change: UserDataChange) => void, resources?: readonly UserResource[]): () => void {
    const wanted = resources ? new Set(resources) : null;
    return this.emitter.on('change', (change) => {
      if (!wanted || [...change.resources].some((r) => wanted.has(r))) listener(change);
    });
  }

  /**
   * Runs a sync now. Single-flight: a call during a run waits for it and then runs once more (so changes made
   * meanwhile go out); concurrent callers share that follow-up run.
   */
  sync(options: { readonly signal?: AbortSignal } = {}): Promise<SyncReport> {
    if (!this.running) return this.startRun(options.signal);
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.startRun(options.signal);
      });
    return this.queued;
  }

  private startRun(signal?: AbortSignal): Promise<SyncReport> {
    // One context at a time runs the engine on a shared store; the others wait for the lock.
    const run = this.core
      .exclusive('sync', () => this.runWithCheck(signal), signal)
      .then(
        (report) => {
          this.lastError = null;
          this.emitter.emit('synced', report);
          return report;
        },
        (error: unknown) => {
          this.lastError = error;
          this.emitter.emit('error', error);
          throw error;
        },
      );
    this.running = run;
    void run
      .catch(() => undefined)
      .finally(() => {
        if (this.running === run) this.running = null;
      });
    return run;
  }

  /** A run, then (when due) the integrity check, in the same sync section so no run interleaves with it. */
  private async runWithCheck(signal?: AbortSignal): Promise<SyncReport> {
    const report = await this.engine.run(signal);
    if (!this.integrity?.due()) return report;
    const integrity = await this.checkIntegrity(this.integrity, signal).catch((error: unknown) => {
      // The run itself succeeded: a check the server could not answer is made again on a later run. Anything
      // else (the store failing) fails the run like any store error.
      if (signal?.aborted || !(error instanceof ApiError || error instanceof NetworkError || error instanceof ProtocolError)) throw error;
      return null;
    });
    return integrity ? { ...report, integrity } : report;
  }

  private async checkIntegrity(checker: UserIntegrityChecker, signal?: AbortSignal): Promise<UserIntegrityReport | null> {
    const report = await checker.check(signal);
    if (report && report.repairs.length > 0) this.emitter.emit('integrity', report);
    return report;
  }

  /**
   * Compares the device's confirmed state with the server's digest now and repairs the resource types that
   * differ (docs/integrity.md). Waits for a run in progress; null when the device is not quiescent (queued
   * changes, or not pulled to the head: sync first) or the server has no digests.
   */
  async verifyIntegrity(options: { readonly signal?: AbortSignal } = {}): Promise<UserIntegrityReport | null> {
    const checker = this.integrity;
    if (!checker) return null;
    return this.core.exclusive('sync', () => this.checkIntegrity(checker, options.signal), options.signal);
  }

  /**
   * Pulls the user's whole state again (then pushes what is queued) and drops what the server no longer has.
   * For when the device may have missed resources: after the app was granted scopes it did not have (pulls
   * leave out resources a token cannot read), or to repair a store. Queued changes are kept.
   */
  async resync(options: { readonly signal?: AbortSignal } = {}): Promise<SyncReport> {
    await this.core.unit('sync', async (tx) => {
      const meta = await tx.readMeta();
      if (meta) tx.putMeta({ ...meta, pulledThrough: -1 });
    });
    return this.sync(options);
  }

  /** Starts background syncing: right away, then debounced after writes, periodically, and on reconnect. */
  start(): void {
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
  }

  /** Tell the client the network is back (React Native NetInfo, Node); browsers' `online` event is wired already. */
  notifyOnline(): void {
    this.scheduler.online();
  }

  /** Local changes not acknowledged by the server yet. */
  pendingCount(): Promise<number> {
    return this.core.unit('local', async (tx) => (await tx.listOutbox()).length);
  }

  async status(): Promise<{
    readonly syncing: boolean;
    readonly pending: number;
    readonly quarantined: number;
    readonly lastSyncedAt: number | null;
    readonly head: number | null;
    readonly lastError: unknown;
  }> {
    return this.core.unit('local', async (tx) => {
      const meta = await tx.readMeta();
      return {
        syncing: this.running !== null,
        pending: (await tx.listOutbox()).length,
        quarantined: (await tx.listQuarantine()).length,
        lastSyncedAt: meta?.lastSyncedAt ?? null,
        head: meta?.head ?? null,
        lastError: this.lastError,
      };
    });
  }

  /**
   * Signs out: stops background sync, then wipes every local trace of the user's data (records, outbox,
   * quarantine, cursors). Refuses while changes are still unsent (`PendingChangesError`) — sync first, or pass
   * `{ force: true }` to discard them knowingly. Signing in again (a fresh client on the store) pulls the full
   * history back.
   */
  async signOut(options: { readonly force?: boolean } = {}): Promise<void> {
    this.stop();
    await this.running?.catch(() => undefined);
    const pending = await this.pendingCount();
    if (pending > 0 && !options.force) throw new PendingChangesError(pending);
    await this.core.wipe();
    this.emitter.emit('change', {
      resources: new Set<UserResource>(['BOOKMARK', 'COLLECTION', 'COLLECTION_BOOKMARK', 'NOTE', 'READING_SESSION', 'PREFERENCE']),
      origin: 'local',
    });
  }

  async close(): Promise<void> {
    this.stop();
    await this.running?.catch(() => undefined);
    await this.core.close();
  }
}

export class QuarantineApi {
  constructor(
    private readonly core: UserSyncCore,
    private readonly onWrite: () => void,
  ) {}

  list(): Promise<QuarantinedEntry[]> {
    return this.core.unit('local', (tx) => tx.listQuarantine());
  }

  /**
   * Queues quarantined entries again (all, or those with the given seqs), in their original order, behind
   * everything already queued. Their records show the change once the server accepted it.
   */
  async retry(seqs?: readonly number[]): Promise<number> {
    const count = await this.core.unit('local', async (tx) => {
      const chosen = (await tx.listQuarantine()).filter((e) => !seqs || seqs.includes(e.seq));
      for (const q of chosen) {
        const { error: _error, quarantinedAt: _at, ...entry } = q;
        tx.deleteQuarantine(q.seq);
        tx.putOutbox({ ...entry, seq: this.core.nextSeq(), createdAt: this.core.now() });
      }
      return chosen.length;
    });
    if (count > 0) this.onWrite();
    return count;
  }

  /** Drops quarantined entries for good. */
  discard(seqs?: readonly number[]): Promise<number> {
    return this.core.unit('local', async (tx) => {
      const chosen = (await tx.listQuarantine()).filter((e) => !seqs || seqs.includes(e.seq));
      for (const q of chosen) tx.deleteQuarantine(q.seq);
      return chosen.length;
    });
  }
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new TypeError(`UserSyncClient needs ${name}`);
  return value;
}
