import type { RawBuilder, Selectable, Transaction } from 'kysely';
import { executeAsOneStatement, jsonRowsInsert } from '../../db/json-rows-insert.js';
import type { Database } from '../../db/schema.js';
import type { DeferrableTable } from './applier-context.js';

/** Tables in an order where every parent comes before its children (a note before its ranges). */
const FLUSH_ORDER: readonly DeferrableTable[] = ['user_bookmarks', 'user_collections', 'user_notes', 'user_note_ranges', 'user_reading_sessions'];

/**
 * New rows a write has not sent yet. Each table's rows become one `INSERT … SELECT` from
 * `json_populate_recordset` (at most 1,000 rows each), tables in {@link FLUSH_ORDER} so foreign keys hold, rows
 * of one table in the order they were made; `flush` sends them as one statement before any other statement of
 * the write, `drain` hands them to the write's final statement. One JSON parameter instead of one parameter per value: a
 * 100-bookmark batch was 1,200 bind parameters, and parsing, binding and planning them cost PostgreSQL more
 * than the insert itself, and Kysely and pg as much again to compile and serialise. The row type of
 * the table converts each value as a cast from its JSON form would (ISO dates to `timestamptz`, …).
 *
 * Rows are given whole, as the database would return them (jsonb columns as values, not JSON text): what
 * the applier already built for its answer goes out as it is.
 *
 * Regrouping by table is safe because every deferred row is new: nothing between them reads, updates or
 * deletes them (any other statement flushes first). Consecutive rows of a table share one column list (the
 * table's), so they go in one statement.
 */
export class DeferredInserts {
  private pending = new Map<DeferrableTable, Array<Record<string, unknown>>>();

  add<T extends DeferrableTable>(table: T, row: Selectable<Database[T]>): void {
    let rows = this.pending.get(table);
    if (!rows) this.pending.set(table, (rows = []));
    rows.push(row as Record<string, unknown>);
  }

  /** Sends the pending rows now (before another statement of the write). */
  async flush(trx: Transaction<Database>): Promise<void> {
    const statements = this.drain();
    if (statements.length > 0) await executeAsOneStatement(trx, statements.slice(0, -1), statements.at(-1)!);
  }

  /** The pending rows as INSERT statements (each conditional on `onlyIf`), in dependency order; they are no longer pending. */
  drain(onlyIf?: RawBuilder<unknown>): RawBuilder<unknown>[] {
    if (this.pending.size === 0) return [];
    const pending = this.pending;
    this.pending = new Map();
    const statements: RawBuilder<unknown>[] = [];
    for (const table of FLUSH_ORDER) {
      const rows = pending.get(table);
      if (!rows) continue;
      for (let i = 0; i < rows.length; i += 1_000) statements.push(jsonRowsInsert(table, Object.keys(rows[i]!), rows.slice(i, i + 1_000), { onlyIf }));
    }
    return statements;
  }
}
