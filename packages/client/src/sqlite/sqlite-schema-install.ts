import type { SqliteDatabase } from './sqlite-database.js';

export interface SqliteSchema {
  /** The statements creating the store's tables; the first creates `metaTable` (`key`, `value`). */
  readonly statements: readonly string[];
  readonly version: number;
  /** Holds `schema_version` among the store's own settings. */
  readonly metaTable: string;
}

/**
 * Creates a store's tables if needed and records their version, in one transaction. Returns the version a
 * newer SDK wrote instead, without touching anything, when the database holds a schema above `version`
 * (the caller refuses to open it: an older store must not write tables it does not understand).
 */
export async function installSqliteSchema(db: SqliteDatabase, schema: SqliteSchema): Promise<{ readonly newerVersion: number } | null> {
  await db.exec(schema.statements[0]!);
  const rows = await db.all<{ value: string }>(`select value from ${schema.metaTable} where key = 'schema_version'`);
  const found = rows[0] ? Number(rows[0].value) : null;
  if (found !== null && found > schema.version) return { newerVersion: found };
  await db.transaction([
    ...schema.statements.slice(1).map((sql) => ({ sql, params: [] })),
    { sql: `insert or replace into ${schema.metaTable} (key, value) values ('schema_version', ?)`, params: [String(schema.version)] },
  ]);
  return null;
}
