/**
 * Schema of the SQLite content store (documented in docs/content-client.md). Table names carry a `qs_`
 * prefix so the store can live in an app's own database beside its tables. `data` is the row exactly as
 * the server sent it (JSON text), so apps can also query it with SQLite's JSON functions.
 */
export const SQLITE_CONTENT_SCHEMA_VERSION = 1;

export const SQLITE_CONTENT_SCHEMA: readonly string[] = [
  `create table if not exists qs_content_meta (
    key text primary key,
    value text not null
  )`,
  `create table if not exists qs_content_resources (
    resource_group text not null,
    resource_id integer not null,
    resource_content_id integer,
    status text not null check (status in ('available', 'unavailable')),
    unavailable_reason text,
    etag text,
    sequence integer not null,
    changed_at text,
    fresh_at integer not null,
    primary key (resource_group, resource_id)
  )`,
  `create table if not exists qs_content_rows (
    resource_group text not null,
    resource_id integer not null,
    record_type text not null,
    record_key text not null,
    sort_key text not null,
    verse_index integer,
    data text not null,
    primary key (resource_group, resource_id, record_type, record_key)
  )`,
  `create index if not exists qs_content_rows_order on qs_content_rows (resource_group, resource_id, sort_key, record_type, record_key)`,
  `create index if not exists qs_content_rows_verse on qs_content_rows (resource_group, resource_id, verse_index) where verse_index is not null`,
  // The integrity digest kept per resource (content-store-digests.ts). Added without a version change: the
  // statement runs on every open, and a store that lacks a resource's digest computes it once from the rows.
  `create table if not exists qs_content_digests (
    resource_group text not null,
    resource_id integer not null,
    digest text not null,
    row_count integer not null,
    primary key (resource_group, resource_id)
  )`,
  `create table if not exists qs_content_checkpoint (
    id integer primary key check (id = 1),
    filter text not null,
    token text not null,
    sequence integer not null,
    synced_at integer not null
  )`,
];
