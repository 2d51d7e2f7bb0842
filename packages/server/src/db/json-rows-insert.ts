import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * `INSERT INTO table (columns) SELECT columns FROM json_populate_recordset(NULL::table, $1)`, plus `suffix`
 * (an ON CONFLICT clause): many rows with one bind parameter. The table's row type converts each JSON value
 * as a cast would (ISO date strings to `timestamptz`, nested JSON to `jsonb`, numbers to `bigint`). Callers
 * pass table and column names of their own, never anything from a request.
 */
export function jsonRowsInsert(table: keyof Database & string, columns: readonly string[], rows: readonly object[], suffix: RawBuilder<unknown> = sql``): RawBuilder<unknown> {
  const list = sql.join(columns.map((c) => sql.ref(c)));
  return sql`insert into ${sql.table(table)} (${list}) select ${list} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json) ${suffix}`;
}

/**
 * Runs data-modifying statements and then `main` as ONE statement (one round trip): each statement becomes a
 * `WITH` entry of `main`. All of them run to completion (PostgreSQL executes every data-modifying WITH entry
 * whether or not it is referenced), against the same snapshot, and constraint checks, foreign keys among them,
 * happen at the end of the whole statement, so a child row may come in an entry after its parent's.
 * Callers must not have two entries touch the same row.
 */
export async function executeAsOneStatement(trx: Transaction<Database>, statements: readonly RawBuilder<unknown>[], main: RawBuilder<unknown>): Promise<void> {
  if (statements.length === 0) {
    await main.execute(trx);
    return;
  }
  const entries = sql.join(
    statements.map((statement, i) => sql`${sql.raw(`w${i}`)} as (${statement})`),
    sql`, `,
  );
  await sql`with ${entries} ${main}`.execute(trx);
}
