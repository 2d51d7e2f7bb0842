import { migrateToLatest, openDatabase, type DatabaseHandle, type ServerConfig } from '@quran-sync/server';

/**
 * Opens the server's database for a one-shot command, migrated to the latest schema. On the embedded
 * database, `openDatabase` refuses a data directory another live process holds (see `data-dir-lock.ts`).
 */
export async function openCliDatabase(config: ServerConfig): Promise<DatabaseHandle> {
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
