import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.js';

export interface JsonRowsInsertOptions {
  /** An `ON CONFLICT …` clause. */
  readonly onConflict?: RawBuilder<unknown>;
  /** A condition (e.g. `exists (select from h)`): when false, the statement inserts nothing. */
  readonly onlyIf?: RawBuilder<unknown>;
}

/**
 * `INSERT INTO table (columns) SELECT columns FROM json_populate_recordset(NULL::table, $1)`: many rows with
 * one bind parameter. The table's row type converts each JSON value as a cast would (ISO date strings to
 * `timestamptz`, nested JSON to `jsonb`, numbers to `bigint`). Callers pass table and column names of their
 * own, never anything from a request.
 */
export function jsonRowsInsert(
  table: keyof Database & string,
  columns: readonly string[],
  rows: readonly object[],
  options: JsonRowsInsertOptions = {},
): RawBuilder<unknown> {
  const list = sql.join(columns.map((c) => sql.ref(c)));
  const where = options.onlyIf ? sql`where ${options.onlyIf}` : sql``;
  return sql`insert into ${sql.table(table)} (${list}) select ${list} from json_populate_recordset(null::${sql.table(table)}, ${rowsJson(rows)}::json) ${where} ${options.onConflict ?? sql``}`;
}

/**
 * The rows as JSON, leaner than `JSON.stringify(rows)` (that was the push's largest cost of its
 * own). Null values are left out: `json_populate_recordset(NULL::table, …)` reads a missing key as NULL.
 * Dates are formatted here: `Date#toJSON` took over half the time of the whole stringify, and the rows of one
 * write carry timestamps within a few milliseconds of each other, so the formatted second is reused.
 */
export function rowsJson(rows: readonly object[]): string {
  const lean = rows.map((row) => {
    const out: Record<string, unknown> = {};
    // for…in, not Object.entries: no pair arrays to allocate. Rows are plain objects (nothing inherited).
    for (const key in row) {
      const value = (row as Record<string, unknown>)[key];
      if (value === null || value === undefined) continue;
      out[key] = value instanceof Date ? isoTime(value) : value;
    }
    return out;
  });
  return JSON.stringify(lean);
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** `date.toISOString()` (`null` for an invalid date, as JSON.stringify gives), the second's part cached. */
function isoTime(date: Date): string | null {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return null;
  // Years 0000–9999 only: outside them toISOString has another shape (±YYYYYY).
  if (ms < 0 || ms >= 253_402_300_800_000) return date.toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20); // 'YYYY-MM-DDTHH:MM:SS.'
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

/**
 * Statements and then `main` as ONE statement (one round trip): each statement becomes a `WITH` entry of
 * `main`, named `w0`, `w1`, … unless given a name. All of them run to completion (PostgreSQL executes every
 * data-modifying WITH entry whether or not it is referenced), against the same snapshot, and constraint
 * checks, foreign keys among them, happen at the end of the whole statement, so a child row may come in an
 * entry after its parent's. Callers must not have two entries touch the same row.
 */
export function asOneStatement(
  statements: ReadonlyArray<RawBuilder<unknown> | { readonly name: string; readonly statement: RawBuilder<unknown> }>,
  main: RawBuilder<unknown>,
): RawBuilder<unknown> {
  if (statements.length === 0) return main;
  const entries = sql.join(
    statements.map((entry, i) => ('statement' in entry ? sql`${sql.id(entry.name)} as (${entry.statement})` : sql`${sql.raw(`w${i}`)} as (${entry})`)),
    sql`, `,
  );
  return sql`with ${entries} ${main}`;
}

/** Runs {@link asOneStatement} in `db` (a transaction, or the pool: then the statement is its own transaction). */
export async function executeAsOneStatement(
  db: Kysely<Database> | Transaction<Database>,
  statements: readonly RawBuilder<unknown>[],
  main: RawBuilder<unknown>,
): Promise<void> {
  await asOneStatement(statements, main).execute(db);
}
