import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * Brings the schema to the latest version. Kysely's migrator takes a lock table, so several server
 * processes starting together on one PostgreSQL database migrate once.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  // Kysely looks for its bookkeeping tables in every schema of the database unless told which one: with
  // several schemas side by side (one per test file on PostgreSQL) it would find another schema's tables,
  // skip creating its own and fail. Pin them to the schema the connection works in.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    ...(rows[0]?.schema ? { migrationTableSchema: rows[0].schema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, { cause: result.error });
  }
  return result;
}
