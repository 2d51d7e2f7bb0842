import { sql, type Kysely } from 'kysely';

/**
 * Runs DDL statements one by one. PGlite executes each query as a prepared statement, which admits a
 * single command, so migrations list their statements instead of sending one multi-statement string.
 */
export async function runStatements(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
