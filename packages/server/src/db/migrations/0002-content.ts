import type { Kysely, Migration } from 'kysely';
import { runStatements } from '../run-statements.js';

/**
 * Content change feed (docs/content-sync.md, "Storage model").
 *
 * - `content_feed_head`: one row, the committed head sequence. Every editorial transaction locks it
 *   (`for update`) before appending, which is what makes commit order equal sequence order.
 * - `content_resources`: one row per resource with its status, metadata and feed bookkeeping.
 * - `content_rows`: the current rows of every resource, with a precomputed `sort_key` (snapshot order).
 * - `content_feed`: the change feed. Row changes store the full row as it was at that sequence, so a page
 *   pinned to `sync_until_sequence` never shows data written after it.
 */
export const contentMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await runStatements(db, [
      `create table content_feed_head (
        id smallint primary key check (id = 1),
        sequence bigint not null,
        retention_floor bigint not null default 0
      )`,
      `insert into content_feed_head (id, sequence, retention_floor) values (1, 0, 0)`,
      `create table content_resources (
        resource_group text not null,
        resource_id integer not null check (resource_id > 0),
        resource_content_id integer,
        status text not null check (status in ('public', 'hidden', 'rejected', 'unapproved', 'deleted')),
        reason text,
        metadata jsonb not null default '{}'::jsonb,
        last_sequence bigint not null default 0,
        public_since_sequence bigint,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (resource_group, resource_id)
      )`,
      `create table content_rows (
        resource_group text not null,
        resource_id integer not null,
        record_type text not null,
        record_key text not null,
        sort_key text collate "C" not null,
        data jsonb not null,
        primary key (resource_group, resource_id, record_type, record_key),
        foreign key (resource_group, resource_id) references content_resources (resource_group, resource_id) on delete cascade
      )`,
      `create index content_rows_order on content_rows (resource_group, resource_id, sort_key, record_type, record_key)`,
      `create table content_feed (
        sequence bigint primary key,
        type text not null,
        resource_group text not null,
        resource_id integer not null,
        resource_content_id integer,
        record_type text,
        record_key text,
        data jsonb,
        unavailable_reason text,
        changed_at timestamptz not null
      )`,
      `create index content_feed_row on content_feed (resource_group, resource_id, record_type, record_key, sequence)`,
      `create index content_feed_resource on content_feed (resource_group, resource_id, sequence)`,
      // Resource-level entries only: the compaction probe "is there a later CREATE/INVALIDATE/DELETE of this
      // resource?" must not walk the resource's row changes.
      `create index content_feed_resource_level on content_feed (resource_group, resource_id, sequence) where record_type is null`,
      // Incremental reads for `group:*` filters: a range of one group's sequences, not the whole window.
      `create index content_feed_group on content_feed (resource_group, sequence)`,
      `create index content_feed_changed_at on content_feed (changed_at)`,
    ]);
  },
};
