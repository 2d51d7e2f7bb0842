import type { ResourceGroupName, SetDigest } from '@quran-sync/protocol';

/**
 * The local copy of synced content, as the sync engine writes it and an app reads it.
 *
 * Writes are batches of operations applied atomically (`write(ops)`): all of them or none. A batch, not a
 * callback transaction, because IndexedDB commits a transaction as soon as it is left without pending
 * requests (an `await` on the network inside it would end it) and SQLite drivers differ in how they run
 * transactions; a list of operations known up front maps onto every backend. The engine relies on two
 * properties: a snapshot replaces ALL rows of its resource in one batch, and the checkpoint is written in
 * the same batch as the last changes of a run.
 *
 * Implementations do not coordinate concurrent writers: one sync engine per store, or, for stores that several
 * contexts open at once (browser tabs over IndexedDB), a `coordinationKey` under which the clients serialise
 * their runs (`CrossContextOptions`).
 */
export interface ContentStore {
  /** Set by stores that other contexts (browser tabs, workers) can open at the same time, e.g. `indexeddb:content:<name>`. */
  readonly coordinationKey?: string;
  /** Applies `ops` in order, atomically. Throws (and changes nothing) when any op is invalid. */
  write(ops: readonly ContentStoreOp[]): Promise<void>;
  readCheckpoint(): Promise<ContentCheckpoint | null>;
  getResource(group: ResourceGroupName, resourceId: number): Promise<StoredResource | null>;
  /** Every stored resource, ordered by `(group, id)`. */
  listResources(): Promise<StoredResource[]>;
  getRow(group: ResourceGroupName, resourceId: number, recordType: string, recordKey: string | number): Promise<StoredRow | null>;
  /** Rows of one resource in the group's snapshot order (content-sync.md), optionally filtered. */
  listRows(group: ResourceGroupName, resourceId: number, options?: ListRowsOptions): Promise<StoredRow[]>;
  countRows(group: ResourceGroupName, resourceId: number): Promise<number>;
  /**
   * The integrity digest the store keeps for the resource's rows, moved by every write in the same
   * transaction (`content-store-digests.ts`); null when it keeps none for it yet (a store written before
   * digests were kept). Optional: without it the integrity check hashes the resource's rows.
   */
  readDigest?(group: ResourceGroupName, resourceId: number): Promise<SetDigest | null>;
  close(): Promise<void>;
}

/** The sync token of the last complete run, and the canonical filter it is bound to. */
export interface ContentCheckpoint {
  /** Canonical filter (`parseContentFilter(…).filter.canonical`). */
  readonly filter: string;
  readonly token: string;
  /** `sync_until_sequence` of the run that produced the token. */
  readonly sequence: number;
  /** When the run completed (ms since the epoch, client clock). */
  readonly syncedAt: number;
}

export type StoredResourceStatus = 'available' | 'unavailable';

export interface StoredResource {
  readonly group: ResourceGroupName;
  readonly id: number;
  readonly resourceContentId: number | null;
  /**
   * `available`: the rows are the resource's public rows. `unavailable`: the server refused its snapshot
   * (`snapshot_not_found`); it has no rows, and a later run brings its `RESOURCE_DELETE` or `RESOURCE_CREATE`.
   */
  readonly status: StoredResourceStatus;
  readonly unavailableReason: string | null;
  /** ETag of the snapshot the rows came from; null once a row change was applied on top of it. */
  readonly etag: string | null;
  /** Feed sequence of the latest change applied to this resource. */
  readonly sequence: number;
  /** `changed_at` of that change (server time, ISO 8601), when known. */
  readonly changedAt: string | null;
  /** When the client last confirmed the resource current (ms since the epoch, client clock). */
  readonly freshAt: number;
}

export interface StoredRow {
  readonly group: ResourceGroupName;
  readonly resourceId: number;
  readonly recordType: string;
  readonly recordKey: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A row as written: the resource comes from the op. */
export interface StoredRowInput {
  readonly recordType: string;
  readonly recordKey: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface ListRowsOptions {
  readonly recordType?: string;
  /**
   * Only rows whose `verse_key` lies in this inclusive range (`"2:1"`…`"2:10"`, compared in Quran order,
   * not as strings). Rows without a `verse_key` are left out when a range is given.
   */
  readonly verseKeyFrom?: string;
  readonly verseKeyTo?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export type ContentStoreOp =
  /** Replace the resource record and ALL its rows (a snapshot; `rows: []` for an unavailable resource). */
  | { readonly op: 'replaceResource'; readonly resource: StoredResource; readonly rows: readonly StoredRowInput[] }
  /** Create or update the resource record only; rows untouched. */
  | { readonly op: 'putResource'; readonly resource: StoredResource }
  /** Remove the resource record and all its rows. */
  | { readonly op: 'removeResource'; readonly group: ResourceGroupName; readonly resourceId: number }
  | ({ readonly op: 'upsertRow'; readonly group: ResourceGroupName; readonly resourceId: number } & StoredRowInput)
  | { readonly op: 'deleteRow'; readonly group: ResourceGroupName; readonly resourceId: number; readonly recordType: string; readonly recordKey: string }
  | { readonly op: 'writeCheckpoint'; readonly checkpoint: ContentCheckpoint }
  | { readonly op: 'clearCheckpoint' };
