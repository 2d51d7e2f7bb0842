import type { UserResource } from '@quran-sync/protocol';
import type { RetryInfo } from '../http/transport.js';
import type { ConflictResolution } from './conflict-policy.js';
import type { UserIntegrityReport } from './user-integrity.js';
import type { QuarantinedEntry, RecordData } from './user-store.js';
import { TypedEmitter } from '../events/typed-emitter.js';

/** Local data changed: re-read what you show. `origin` says whether the app itself or a sync changed it. */
export interface UserDataChange {
  readonly resources: ReadonlySet<UserResource>;
  readonly origin: 'local' | 'sync';
  /** Another context (browser tab, worker) sharing the store made the change (see `CrossContextOptions`). */
  readonly otherContext?: boolean;
}

/**
 * A conflict the rebase resolved (docs/user-client.md, "Conflicts"). `dropped`: a pending local change could
 * not apply any more because the server deleted what it depends on (a link into a deleted collection).
 */
export interface ConflictReport {
  readonly resource: UserResource;
  readonly id: string;
  readonly outcome: ConflictResolution['use'] | 'dropped';
  readonly base: RecordData | null;
  readonly local: RecordData | null;
  readonly remote: RecordData | null;
  /** What the record holds now. */
  readonly result: RecordData | null;
}

/** The outcome of one complete `sync()`. */
export interface SyncReport {
  /** Nothing changed on either side (a `metadataOnly` poll answered the known head). */
  readonly upToDate: boolean;
  readonly pulled: number;
  readonly pushed: number;
  readonly batches: number;
  /** 409 answers that made the run pull and rebase. */
  readonly outOfSync: number;
  readonly conflicts: number;
  readonly quarantined: number;
  readonly head: number;
  readonly durationMs: number;
  /** The integrity check made after the run, when one was (docs/integrity.md). */
  readonly integrity?: UserIntegrityReport;
}

export interface UserSyncEventMap {
  change: UserDataChange;
  conflict: ConflictReport;
  /** A mutation the server refused permanently was set aside (see `client.quarantine`). */
  quarantine: QuarantinedEntry;
  synced: SyncReport;
  /** An integrity check found resource types that differed from the server's and pulled them again (`repairs`). */
  integrity: UserIntegrityReport;
  /** A sync run failed (it is retried by the scheduler with backoff). */
  error: unknown;
  /** The transport is about to retry a request (throttled, unavailable, offline). */
  retry: RetryInfo;
}

export type UserSyncListener<K extends keyof UserSyncEventMap> = (payload: UserSyncEventMap[K]) => void;

/** The client's events (see {@link TypedEmitter}). */
export class UserSyncEmitter extends TypedEmitter<UserSyncEventMap> {}
