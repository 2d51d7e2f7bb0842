/**
 * The few things the SQLite content store needs from a driver, so any driver can be plugged in:
 * `better-sqlite3` (Node, Electron main; adapter shipped in `better-sqlite3-database.ts`), or an async
 * React Native driver (op-sqlite, expo-sqlite; see docs/content-client.md for a sketch).
 *
 * `transaction` receives the whole list of statements up front rather than a callback: the store knows
 * every statement of a write batch before it starts, drivers differ in how (and whether) they let a
 * transaction span awaits, and a synchronous driver can then run the batch without yielding, so a reader on
 * the same connection never sees half of it.
 */
export type SqliteValue = string | number | bigint | null | Uint8Array;

export interface SqliteStatement {
  readonly sql: string;
  readonly params: readonly SqliteValue[];
}

export interface SqliteDatabase {
  /** Runs one or more parameterless statements (schema). */
  exec(sql: string): Promise<void>;
  /** Runs one statement with positional (`?`) parameters. */
  run(sql: string, params?: readonly SqliteValue[]): Promise<void>;
  /** Rows of a query, as objects keyed by column name. */
  all<T extends Record<string, unknown>>(sql: string, params?: readonly SqliteValue[]): Promise<T[]>;
  /** Runs the statements in order in one transaction: all of them, or (on any error) none. */
  transaction(statements: readonly SqliteStatement[]): Promise<void>;
  close(): Promise<void>;
}
