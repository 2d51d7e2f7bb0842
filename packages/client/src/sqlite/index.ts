/**
 * `@quran-sync/client/sqlite`: the SQLite content and user stores, kept out of the root export so browser bundles
 * never pull in SQLite. Bring your own connection (`new Database(file)` from better-sqlite3, or an adapter
 * for another driver implementing `SqliteDatabase`).
 */
export type { SqliteDatabase, SqliteStatement, SqliteValue } from './sqlite-database.js';
export { betterSqlite3Database } from './better-sqlite3-database.js';
export { SqliteContentStore } from './sqlite-content-store.js';
export { SQLITE_CONTENT_SCHEMA, SQLITE_CONTENT_SCHEMA_VERSION } from './sqlite-content-schema.js';
export { SqliteUserStore } from './sqlite-user-store.js';
export { SQLITE_USER_SCHEMA, SQLITE_USER_SCHEMA_VERSION } from './sqlite-user-schema.js';
