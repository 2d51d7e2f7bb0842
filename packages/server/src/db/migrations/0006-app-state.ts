import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * App State (app-state/app-state-tables.ts, docs/app-state.md). Collections and keys compare in the "C"
 * collation: by code point, the same on every server whatever its locale, so listing and bootstrap pages are
 * stable and keys are never folded together.
 */
export const appStateMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `create table app_state_heads (
        user_id text not null,
        namespace text not null,
        seq bigint not null,
        floor bigint not null,
        bytes_used bigint not null,
        documents integer not null,
        pruned_version bigint not null,
        primary key (user_id, namespace)
      )`,
      `create table app_state_documents (
        user_id text not null,
        namespace text not null,
        collection text collate "C" not null,
        key text collate "C" not null,
        version bigint not null,
        seq bigint not null,
        deleted boolean not null,
        schema_version integer not null,
        value_json text,
        etag text not null,
        bytes integer not null,
        updated_at bigint not null,
        primary key (user_id, namespace, collection, key)
      )`,
      // The change feed: one range scan per page.
      `create unique index app_state_documents_feed on app_state_documents (user_id, namespace, seq)`,
      // Pruning finds old tombstones without scanning live documents.
      `create index app_state_documents_tombstones on app_state_documents (updated_at) where deleted`,
      `create table app_state_idempotency (
        user_id text not null,
        namespace text not null,
        key text not null,
        fingerprint text not null,
        status integer not null,
        body_json text,
        etag text,
        created_at bigint not null,
        primary key (user_id, namespace, key)
      )`,
      `create index app_state_idempotency_created on app_state_idempotency (created_at)`,
    ]);
  },
};
