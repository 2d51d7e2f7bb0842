import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement, SqliteValue } from './sqlite-database.js';

/**
 * `SqliteDatabase` over a `better-sqlite3` connection (synchronous driver). Prepared statements are cached
 * by SQL text, so a batch of thousands of inserts prepares its statement once. A transaction runs
 * synchronously inside `db.transaction`, so nothing else on this connection interleaves with it.
 */
export function betterSqlite3Database(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string): BetterSqlite3.Statement => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  const runAll = db.transaction((statements: readonly SqliteStatement[]) => {
    for (const s of statements) prepare(s.sql).run(...(s.params as SqliteValue[]));
  });
  return {
    async exec(sql) {
      db.exec(sql);
    },
    async run(sql, params = []) {
      prepare(sql).run(...(params as SqliteValue[]));
    },
    async all<T extends Record<string, unknown>>(sql: string, params: readonly SqliteValue[] = []) {
      return prepare(sql).all(...(params as SqliteValue[])) as T[];
    },
    async transaction(statements) {
      runAll(statements);
    },
    async close() {
      cache.clear();
      db.close();
    },
  };
}
