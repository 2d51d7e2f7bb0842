/**
 * Schema of the SQLite user store (documented in docs/user-client.md, "Store schema"). Table names carry a
 * `qs_user_` prefix so the store can share an app's database (and the content store's). JSON columns hold
 * exactly what the server sent or the app wrote, so apps can also query them with SQLite's JSON functions.
 */
export const SQLITE_USER_SCHEMA_VERSION = 1;

export const SQLITE_USER_SCHEMA: readonly string[] = [
  `create table if not exists qs_user_meta (
    key text primary key,
    value text not null
  )`,
  `create table if not exists qs_user_records (
    resource text not null,
    id text not null,
    data text,
    base text,
    base_timestamp integer,
    natural_key text,
    updated_at integer not null,
    primary key (resource, id)
  )`,
  `create index if not exists qs_user_records_natural_key on qs_user_records (resource, natural_key, id) where natural_key is not null`,
  `create table if not exists qs_user_outbox (
    seq integer primary key,
    type text not null,
    resource text not null,
    id text not null,
    send_id integer not null,
    data text,
    created_at integer not null
  )`,
  `create index if not exists qs_user_outbox_record on qs_user_outbox (resource, id, seq)`,
  `create table if not exists qs_user_quarantine (
    seq integer primary key,
    entry text not null
  )`,
];
