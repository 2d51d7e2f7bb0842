import { existsSync } from 'node:fs';
import path from 'node:path';
import { migrateToLatest, openDatabase, type DatabaseHandle, type ServerConfig } from '@quran-sync/server';

/**
 * Opens the server's database for a one-shot command, migrated to the latest schema.
 *
 * The embedded database (PGlite) is a single-process engine: two processes on one data directory would
 * corrupt it, and PGlite does not stop the second one. While a PGlite instance has the directory open it
 * holds a `postmaster.pid` there, so its presence means "a server is running on it" (or one crashed).
 */
export async function openCliDatabase(config: ServerConfig): Promise<DatabaseHandle> {
  if (config.database.kind === 'pglite' && config.database.dataDir) {
    const pidFile = path.join(config.database.dataDir, 'postmaster.pid');
    if (existsSync(pidFile)) {
      throw new Error(
        `the embedded database in ${config.database.dataDir} is in use, probably by a running \`quran-sync serve\`: ` +
          'stop the server first (embedded PostgreSQL allows one process per data directory), or point --database-url at a PostgreSQL server. ' +
          `If no server is running (it crashed), start and stop it once, or delete ${pidFile}.`,
      );
    }
  }
  const database = await openDatabase(config.database);
  try {
    await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** Runs `fn` with an open database and always closes it. */
export async function withCliDatabase<T>(config: ServerConfig, fn: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const database = await openCliDatabase(config);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
