import type { ColumnType } from 'kysely';

/**
 * Tables of per-user data (migration 0003-user-data; docs/user-sync.md, "Storage model").
 *
 * - `user_heads`: one row per user with history: the head (`lastMutationAt`), locked `FOR UPDATE` by every
 *   writing transaction, and the id of the user's default collection.
 * - `user_changes`: the compacted change index, one row per (user, resource, resource id) with the timestamp
 *   of its latest mutation; a pull is one range scan of `(user_id, timestamp)`.
 * - `user_change_gaps`: positions vacated in that index in the last minutes, so offset pages stay stable
 *   while writes land between page requests.
 * - one table per resource, rows kept as tombstones (`deleted_at`) after a delete.
 * - `user_idempotency_keys`: stored outcomes of writes that carried an `Idempotency-Key`.
 */
export interface UserDataTables {
  user_heads: UserHeadTable;
  user_changes: UserChangeTable;
  user_change_gaps: UserChangeGapTable;
  user_bookmarks: UserBookmarkTable;
  user_collections: UserCollectionTable;
  user_collection_bookmarks: UserCollectionBookmarkTable;
  user_notes: UserNoteTable;
  user_note_ranges: UserNoteRangeTable;
  user_reading_sessions: UserReadingSessionTable;
  user_preferences: UserPreferenceTable;
  user_idempotency_keys: UserIdempotencyKeyTable;
}

type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
type Json<T> = ColumnType<T, string, string>;

export interface UserHeadTable {
  user_id: string;
  /** Timestamp (ms) of the user's latest mutation; -1 until the first one commits. */
  head: number;
  default_collection_id: string | null;
}

export interface UserChangeTable {
  user_id: string;
  resource: string;
  /** Resource id; a link's composite `"<collectionId>-<bookmarkId>"`; a preference's group name. */
  resource_id: string;
  /** The resource's latest mutation. Unique per user: every mutation has its own timestamp. */
  timestamp: number;
  /** The mutation that (last) brought the resource into existence: decides CREATE vs UPDATE on pulls. */
  created_ts: number;
  deleted: boolean;
}

export interface UserChangeGapTable {
  user_id: string;
  /** A timestamp some resource left when it changed again. */
  timestamp: number;
  resource: string;
  /** The resource that left it. */
  resource_id: string;
  /** When it was vacated (ms); gaps are purged a few minutes later. */
  vacated_at: number;
}

interface ResourceRowCommon {
  id: string;
  user_id: string;
  client_created_at: NullableTimestamp;
  client_updated_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface UserBookmarkTable extends ResourceRowCommon {
  type: string;
  key: number;
  verse_number: number | null;
  mushaf: number;
  is_reading: boolean;
}

export interface UserCollectionTable extends ResourceRowCommon {
  name: string;
  slug: string;
  is_private: boolean;
  is_default: boolean;
  is_system: boolean;
}

export interface UserCollectionBookmarkTable {
  collection_id: string;
  bookmark_id: string;
  user_id: string;
  client_created_at: NullableTimestamp;
  client_updated_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface UserNoteTable extends ResourceRowCommon {
  body: string;
  ranges: Json<string[]>;
  save_to_qr: boolean;
  attached_entities: Json<Record<string, unknown>[]>;
}

/** One row per range of a live note, as global verse positions, for by-verse and by-range lookups. */
export interface UserNoteRangeTable {
  note_id: string;
  user_id: string;
  from_verse: number;
  to_verse: number;
}

export interface UserReadingSessionTable extends ResourceRowCommon {
  chapter_number: number;
  verse_number: number;
}

export interface UserPreferenceTable {
  user_id: string;
  group_name: string;
  value: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface UserIdempotencyKeyTable {
  user_id: string;
  key: string;
  /** SHA-256 of the request (route and body): the same key with another request is refused. */
  request_hash: string;
  status: number;
  /** The response body of rows written before migration 0005; null since (see `body_gzip`). */
  body: ColumnType<unknown, string | null, string | null>;
  /** The response body as gzip-compressed JSON. */
  body_gzip: ColumnType<Buffer | null, Buffer | null, Buffer | null>;
  /** `X-Mutation-At` of the original response. */
  mutation_at: number;
  created_at: number;
}
