import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * Per-user data (docs/user-sync.md, "Storage model"): heads, resources with tombstones, the compacted change
 * index with its recently vacated positions, and stored idempotent outcomes. Ids are global (cuid2), yet
 * every query also filters by `user_id`: a user can never reach another user's rows by guessing an id.
 */
export const userDataMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `create table user_heads (
        user_id text primary key,
        head bigint not null,
        default_collection_id text
      )`,
      `create table user_changes (
        user_id text not null,
        resource text not null,
        resource_id text not null,
        timestamp bigint not null,
        created_ts bigint not null,
        deleted boolean not null,
        primary key (user_id, resource, resource_id)
      )`,
      // The pull index: a page is one range scan of it, whatever the user's history or other users' data.
      `create unique index user_changes_user_timestamp on user_changes (user_id, timestamp)`,
      `create table user_change_gaps (
        user_id text not null,
        timestamp bigint not null,
        resource text not null,
        resource_id text not null,
        vacated_at bigint not null,
        primary key (user_id, timestamp)
      )`,
      `create index user_change_gaps_vacated on user_change_gaps (vacated_at)`,
      // Full pulls keep a resource deleted while its old position is still a gap (see pull-query.ts).
      `create index user_change_gaps_resource on user_change_gaps (user_id, resource, resource_id)`,
      `create table user_bookmarks (
        id text primary key,
        user_id text not null,
        type text not null check (type in ('ayah', 'surah', 'juz', 'page')),
        key integer not null,
        verse_number integer,
        mushaf integer not null,
        is_reading boolean not null default false,
        client_created_at timestamptz,
        client_updated_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      )`,
      // Natural key of a live bookmark: one per location and mushaf.
      `create unique index user_bookmarks_location on user_bookmarks (user_id, type, key, coalesce(verse_number, 0), mushaf) where deleted_at is null`,
      `create unique index user_bookmarks_reading on user_bookmarks (user_id) where is_reading and deleted_at is null`,
      `create index user_bookmarks_user on user_bookmarks (user_id, created_at, id)`,
      `create table user_collections (
        id text primary key,
        user_id text not null,
        name text not null,
        slug text not null,
        is_private boolean not null default false,
        is_default boolean not null default false,
        is_system boolean not null default false,
        client_created_at timestamptz,
        client_updated_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      )`,
      `create index user_collections_user on user_collections (user_id, name)`,
      `create unique index user_collections_default on user_collections (user_id) where is_default`,
      `create table user_collection_bookmarks (
        collection_id text not null,
        bookmark_id text not null,
        user_id text not null,
        client_created_at timestamptz,
        client_updated_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz,
        primary key (collection_id, bookmark_id)
      )`,
      `create index user_collection_bookmarks_bookmark on user_collection_bookmarks (bookmark_id)`,
      `create index user_collection_bookmarks_user on user_collection_bookmarks (user_id, created_at)`,
      `create table user_notes (
        id text primary key,
        user_id text not null,
        body text not null,
        ranges jsonb not null,
        save_to_qr boolean not null default false,
        attached_entities jsonb not null default '[]'::jsonb,
        client_created_at timestamptz,
        client_updated_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      )`,
      `create index user_notes_user on user_notes (user_id, created_at, id)`,
      `create table user_note_ranges (
        note_id text not null references user_notes (id) on delete cascade,
        user_id text not null,
        from_verse integer not null,
        to_verse integer not null
      )`,
      `create index user_note_ranges_user on user_note_ranges (user_id, from_verse)`,
      `create index user_note_ranges_note on user_note_ranges (note_id)`,
      `create table user_reading_sessions (
        id text primary key,
        user_id text not null,
        chapter_number integer not null,
        verse_number integer not null,
        client_created_at timestamptz,
        client_updated_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz
      )`,
      `create index user_reading_sessions_user on user_reading_sessions (user_id, updated_at)`,
      `create table user_preferences (
        user_id text not null,
        group_name text not null,
        value jsonb not null,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        deleted_at timestamptz,
        primary key (user_id, group_name)
      )`,
      `create table user_idempotency_keys (
        user_id text not null,
        key text not null,
        request_hash text not null,
        status integer not null,
        body jsonb not null,
        mutation_at bigint not null,
        created_at bigint not null,
        primary key (user_id, key)
      )`,
      `create index user_idempotency_keys_created on user_idempotency_keys (created_at)`,
    ]);
  },
};
