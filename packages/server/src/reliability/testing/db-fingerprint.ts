import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Per table of the current schema: row count and an MD5 over every row's text form (order-independent). */
export type DatabaseFingerprint = Readonly<Record<string, { readonly rows: number; readonly md5: string }>>;

/** Kysely's migration bookkeeping is not data a request may change either, but it never moves at runtime. */
const SKIPPED = new Set(['kysely_migration', 'kysely_migration_lock']);

/**
 * A fingerprint of everything stored: tests take one before a request that must be refused and compare
 * after, so "refused and left stored data untouched" is checked on every table, including ones added
 * later, not on the few a test author thought of.
 */
export async function databaseFingerprint(db: Kysely<Database>): Promise<DatabaseFingerprint> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const { name } of tables.rows) {
    if (SKIPPED.has(name)) continue;
    const row = await sql<{ rows: number; md5: string }>`
      select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5
      from ${sql.table(name)} as t`.execute(db);
    out[name] = { rows: Number(row.rows[0]!.rows), md5: row.rows[0]!.md5 };
  }
  return out;
}

/** Tables whose fingerprint differs, for a readable assertion message. */
export function fingerprintDiff(before: DatabaseFingerprint, after: DatabaseFingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n]?.md5 !== after[n]?.md5 || before[n]?.rows !== after[n]?.rows).sort();
}

/**
 * The same, restricted to one user's rows (every table with a `user_id` column): what another user's
 * requests must never change.
 */
export async function userDataFingerprint(db: Kysely<Database>, userId: string): Promise<DatabaseFingerprint> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.columns
    where table_schema = current_schema() and column_name = 'user_id' order by table_name`.execute(db);
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const { name } of tables.rows) {
    const row = await sql<{ rows: number; md5: string }>`
      select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as md5
      from ${sql.table(name)} as t where t.user_id = ${userId}`.execute(db);
    out[name] = { rows: Number(row.rows[0]!.rows), md5: row.rows[0]!.md5 };
  }
  return out;
}
