import fs from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { DatabaseConfig } from '../config/server-config.js';
import { lockDataDir } from './data-dir-lock.js';
import type { DatabaseHandle, OpenDatabaseOptions } from './database.js';
import { INT8_OID, parseInt8 } from './int8-values.js';
import type { Database } from './schema.js';

/**
 * Embedded PGlite (one connection, in this process), in a data directory locked against a second process, or
 * in memory without one.
 */
export async function openPgliteDatabase(config: Extract<DatabaseConfig, { kind: 'pglite' }>, options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (config.dataDir) await fs.mkdir(config.dataDir, { recursive: true });
  const unlock = config.dataDir ? lockDataDir(config.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
      ...(options.pgliteLoadDataDir ? { loadDataDir: options.pgliteLoadDataDir } : {}),
      parsers: { [INT8_OID]: parseInt8 },
    });
  } catch (error) {
    unlock();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    waitingCount: () => 0,
    totalCount: () => 1,
    async listen(channel, onNotify) {
      // PGlite delivers a transaction's notifications when its COMMIT completes, before that query resolves.
      const unlisten = await pglite.listen(channel, onNotify);
      return async () => {
        await unlisten().catch(() => {});
      };
    },
    close: async () => {
      try {
        await db.destroy();
      } finally {
        unlock();
      }
    },
  };
}
