import type { RetryInfo } from '../http/transport.js';
import type { ContentIntegrityReport } from './content-integrity.js';
import type { ContentSyncStateChange } from './content-sync-state-machine.js';
import { TypedEmitter } from '../events/typed-emitter.js';

/** What a run reports while it works, e.g. for a progress bar. Counts are cumulative within the run. */
export interface ContentSyncProgress {
  readonly mode: 'bootstrap' | 'incremental';
  readonly pages: number;
  /** Mutations received so far, and applied so far. */
  readonly mutationsKnown: number;
  readonly mutationsApplied: number;
  /**
   * Bootstrap: the number of resources the filter yields (known once every page was listed, before any
   * snapshot is fetched). Incremental: null until the final page arrived.
   */
  readonly resourcesTotal: number | null;
  /** Snapshots announced so far, and done (fetched, not modified, or not found). */
  readonly snapshotsKnown: number;
  readonly snapshotsDone: number;
  readonly rowsWritten: number;
  /** Bytes of JSON received (decoded, i.e. before compression was undone: what was parsed). */
  readonly bytes: number;
  readonly elapsedMs: number;
}

/** The result of one complete run. */
export interface ContentSyncSummary {
  readonly mode: 'bootstrap' | 'incremental';
  /** The run had to recover (resync_required / token_filter_mismatch) and bootstrapped again. */
  readonly resynced: boolean;
  /** Canonical filter the token is bound to. */
  readonly filter: string;
  readonly pages: number;
  readonly mutationsApplied: number;
  readonly snapshotsFetched: number;
  readonly snapshotsNotModified: number;
  /** Resources whose snapshot answered `snapshot_not_found` (`group:id`). */
  readonly unavailable: readonly string[];
  /** Resources removed because the server deleted them, the filter no longer tracks them, or a bootstrap did not list them. */
  readonly resourcesRemoved: number;
  readonly rowsWritten: number;
  readonly bytes: number;
  readonly durationMs: number;
  /** The new checkpoint (`sync_until_sequence` of the final page), and the one before the run. */
  readonly sequence: number;
  readonly previousSequence: number | null;
  /** The integrity check made after the run, when one was (docs/integrity.md). */
  readonly integrity?: ContentIntegrityReport;
}

export interface ContentSyncEventMap {
  state: ContentSyncStateChange;
  progress: ContentSyncProgress;
  /** The transport is about to retry a request (throttled, unavailable, offline). */
  retry: RetryInfo;
  synced: ContentSyncSummary;
  /** An integrity check found resources that differed from the server's and repaired them (`repairs`). */
  integrity: ContentIntegrityReport;
  /** Another context (browser tab, worker) sharing the store completed a run: re-read what you show. */
  otherContextSynced: ContentSyncSummary;
  error: unknown;
}

export type ContentSyncListener<K extends keyof ContentSyncEventMap> = (payload: ContentSyncEventMap[K]) => void;

/** The client's events (see {@link TypedEmitter}). */
export class ContentSyncEmitter extends TypedEmitter<ContentSyncEventMap> {}
