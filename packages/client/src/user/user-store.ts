import type { MutationType, UserResource } from '@quran-sync/protocol';

/**
 * The device's copy of one user's data, as the user-sync engine keeps it (docs/user-client.md, "Store").
 *
 * Three kinds of state live in one store so that a local change and the outbox entry that will carry it to the
 * server are written in ONE atomic batch (`write(ops)`): a write the app saw succeed is never half-stored.
 *
 * - records: one per resource the device knows, with `data` (what the app sees, local changes included) and
 *   `base` (the last state the server confirmed, by an ack or a pull). Keeping `base` is what lets a rebase
 *   tell which fields the server changed, and lets a quarantined change be rolled back to the server's state.
 * - the outbox: local mutations not yet acknowledged, in `seq` order; and the quarantine: mutations the server
 *   refused permanently, kept with the refusal for the app to inspect, retry or discard.
 * - meta: sync cursors and the device id.
 *
 * Writes are lists of operations applied atomically (all or nothing), for the same reason as `ContentStore`:
 * IndexedDB ends a transaction at the first await on anything else, and SQLite drivers differ in how they run
 * transactions. Reads are plain queries; the client serialises its read-then-write sequences itself (one
 * client per store: implementations do not coordinate concurrent writers).
 */
export interface UserStore {
  /**
   * Set by stores that other contexts (browser tabs, workers) can open at the same time, e.g.
   * `indexeddb:user:<database name>`: clients then coordinate with those contexts (`CrossContextOptions`).
   */
  readonly coordinationKey?: string;
  /** Applies `ops` in order, atomically. Throws (and changes nothing) when any op is invalid. */
  write(ops: readonly UserStoreOp[]): Promise<void>;
  readMeta(): Promise<UserSyncMeta | null>;
  getRecord(resource: UserResource, id: string): Promise<UserRecord | null>;
  /**
   * The records of `resource` with these ids, by id (absent ones left out). Optional: one read for many
   * records where the store can; without it, `getRecord` is called per id.
   */
  getRecords?(resource: UserResource, ids: readonly string[]): Promise<Map<string, UserRecord>>;
  /** Records of `resource` whose `naturalKey` equals `naturalKey`, ordered by id. */
  findRecords(resource: UserResource, naturalKey: string): Promise<UserRecord[]>;
  /** Records of `resource` ordered by id; local tombstones (`data: null`) only with `includeDeleted`. */
  listRecords(resource: UserResource, options?: ListRecordsOptions): Promise<UserRecord[]>;
  getOutbox(seq: number): Promise<OutboxEntry | null>;
  /** Outbox entries in `seq` order, at most `limit`. */
  listOutbox(limit?: number): Promise<OutboxEntry[]>;
  /** Outbox entries about one record, in `seq` order. */
  outboxFor(resource: UserResource, id: string): Promise<OutboxEntry[]>;
  /** The seqs of the outbox entries about these records of `resource`. Optional, like `getRecords`. */
  outboxSeqs?(resource: UserResource, ids: readonly string[]): Promise<Array<{ readonly id: string; readonly seq: number }>>;
  countOutbox(): Promise<number>;
  /** Quarantined entries in `seq` order. */
  listQuarantine(): Promise<QuarantinedEntry[]>;
  /** The largest `seq` in the outbox or the quarantine; 0 when both are empty. */
  maxSeq(): Promise<number>;
  /** Removes everything: records, outbox, quarantine and meta (sign-out). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export interface ListRecordsOptions {
  readonly includeDeleted?: boolean;
  /**
   * Hints a store may follow to return less (never more is asked of it): `unsettled` — records whose `data`
   * equals their `base` may be left out (live ones only; tombstones stay); `confirmed` — records without a
   * `base` may be left out. A store that ignores them returns every record, which is always correct.
   */
  readonly unsettled?: boolean;
  readonly confirmed?: boolean;
}

/** The optional batch reads, required of the SDK's own stores. */
export type BatchReads = Required<Pick<UserStore, 'getRecords' | 'outboxSeqs'>>;

export type RecordData = Readonly<Record<string, unknown>>;

export interface UserRecord {
  readonly resource: UserResource;
  /**
   * The resource id. Links use the composite `"<collectionId>-<bookmarkId>"`, preferences their group name.
   * A record created offline has an id minted by the device, replaced by the server's when an ack says so.
   */
  readonly id: string;
  /** The state the app sees; null: deleted on this device, deletion not yet acknowledged. */
  readonly data: RecordData | null;
  /** The last state the server confirmed; null: not on the server (yet), or deleted there. */
  readonly base: RecordData | null;
  /** Server timestamp of `base`; null before the server confirmed anything about this record. */
  readonly baseTimestamp: number | null;
  /** Lookup key derived from `data` (bookmark location, collection name, …); null when none or deleted. */
  readonly naturalKey: string | null;
  /** Device clock (ms) of the last change to `data`, local or remote. */
  readonly updatedAt: number;
}

export interface OutboxEntry {
  /** Position in the outbox; unique across outbox and quarantine, never reused while either holds it. */
  readonly seq: number;
  readonly type: MutationType;
  readonly resource: UserResource;
  /** The record the mutation is about (local id until the server maps it). */
  readonly id: string;
  /**
   * Whether the pushed mutation names `resourceId`. False for a collection created by name (so the server can
   * merge it with a same-named one), for links (pushed by collection id + bookmark details) and preferences.
   */
  readonly sendId: boolean;
  /** The mutation's `data` as pushed; null for deletes that need none. */
  readonly data: RecordData | null;
  /** Device clock (ms) when the entry was written. */
  readonly createdAt: number;
}

export interface QuarantineError {
  readonly status: number;
  readonly code: string | null;
  readonly message: string;
}

export interface QuarantinedEntry extends OutboxEntry {
  readonly error: QuarantineError;
  readonly quarantinedAt: number;
}

export interface UserSyncMeta {
  /** Random per store (per sign-in); part of every Idempotency-Key so two devices never share one. */
  readonly deviceId: string;
  /**
   * The server head pushes are based on; null before the first sync. Between two pulls only this device's own
   * pushes move it, so every server mutation in `(pulledThrough, head]` is this device's own.
   */
  readonly head: number | null;
  /** Cursor of the last applied pull page; null before the first sync. */
  readonly pulledThrough: number | null;
  /** Device clock (ms) of the last complete sync; null before. */
  readonly lastSyncedAt: number | null;
  /**
   * The batch last sent whose outcome is unknown (the request failed in transit: the server may have applied
   * it). Until an answer settles it, its entries are frozen and the next push resends exactly this batch at
   * this head, hence with the same Idempotency-Key, so the server replays its first answer. Null otherwise.
   *
   * `next`: the batch chosen to follow it while it was in flight (pushes are pipelined). It may have been sent
   * at the head the first batch's answer gave, so it is frozen too, and once that answer is known (and moved
   * no id) it is the batch to send, exactly, at that head.
   */
  readonly sentBatch: { readonly head: number; readonly seqs: readonly number[]; readonly next?: readonly number[] } | null;
  /**
   * A sync run changed the confirmed state or the outbox and has not yet recomputed the view (it failed, or the
   * app closed, in between). The next run rebuilds the view even when it finds nothing new on the server.
   */
  readonly viewStale?: boolean;
}

export type UserStoreOp =
  | { readonly op: 'putRecord'; readonly record: UserRecord }
  | { readonly op: 'deleteRecord'; readonly resource: UserResource; readonly id: string }
  /** Inserts or replaces the entry with this `seq`. */
  | { readonly op: 'putOutbox'; readonly entry: OutboxEntry }
  | { readonly op: 'deleteOutbox'; readonly seq: number }
  | { readonly op: 'putQuarantine'; readonly entry: QuarantinedEntry }
  | { readonly op: 'deleteQuarantine'; readonly seq: number }
  | { readonly op: 'putMeta'; readonly meta: UserSyncMeta };
