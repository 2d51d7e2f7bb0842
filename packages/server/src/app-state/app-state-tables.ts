/**
 * Tables of App State (migration 0006-app-state). A namespace is one user's state in one app (the OAuth
 * client the token was issued to).
 *
 * - `app_state_heads`: one row per namespace, locked `FOR UPDATE` by every write: the last change sequence,
 *   the retention floor of the change feed, usage counters for quotas, and the highest version of any pruned
 *   tombstone (a re-created key's version must exceed it).
 * - `app_state_documents`: one row per key, live or tombstone. `seq` is the change sequence of its latest
 *   write, so the change feed is a range scan of `(user_id, namespace, seq)`.
 * - `app_state_idempotency`: stored outcomes of successful writes, per `Idempotency-Key`.
 */
export interface AppStateTables {
  app_state_heads: AppStateHeadTable;
  app_state_documents: AppStateDocumentTable;
  app_state_idempotency: AppStateIdempotencyTable;
}

export interface AppStateHeadTable {
  user_id: string;
  namespace: string;
  seq: number;
  /** Changes at or below it may have been pruned: a sync token below it is expired. */
  floor: number;
  bytes_used: number;
  documents: number;
  pruned_version: number;
}

export interface AppStateDocumentTable {
  user_id: string;
  namespace: string;
  collection: string;
  key: string;
  version: number;
  seq: number;
  deleted: boolean;
  schema_version: number;
  /** The value as JSON text (null for a tombstone); text keeps it exactly as answered. */
  value_json: string | null;
  etag: string;
  bytes: number;
  /** Milliseconds since the epoch. */
  updated_at: number;
}

export interface AppStateIdempotencyTable {
  user_id: string;
  namespace: string;
  key: string;
  fingerprint: string;
  status: number;
  /** The answer's JSON body; null for 204. */
  body_json: string | null;
  etag: string | null;
  created_at: number;
}
