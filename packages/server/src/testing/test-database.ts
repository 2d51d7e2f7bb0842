import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../db/database.js';

/**
 * A fresh, isolated database for one test file, on the real engine the run is configured for:
 *
 * - `QS_TEST_DATABASE_URL` set (CI, `.ci/run`): a new schema in that PostgreSQL database, dropped on close;
 * - otherwise: an in-memory PGlite, started from the migrated template the global setup dumped (a fresh
 *   PGlite takes seconds to initialise; loading the dump takes well under one).
 */
export const TEST_DATABASE_URL_ENV = 'QS_TEST_DATABASE_URL';
export const PGLITE_TEMPLATE_ENV = 'QS_TEST_PGLITE_TEMPLATE';

export function testPostgresUrl(): string | null {
  const url = process.env[TEST_DATABASE_URL_ENV];
  return url && url.length > 0 ? url : null;
}

export async function createTestDatabase(): Promise<DatabaseHandle> {
  const url = testPostgresUrl();
  if (url) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema ${schema}`);
    } finally {
      await admin.end();
    }
    const handle = await openDatabase({ kind: 'postgres', url, poolSize: 10, searchPath: schema });
    return {
      ...handle,
      async close() {
        await handle.close();
        const cleanup = new pg.Client({ connectionString: url });
        await cleanup.connect();
        try {
          await cleanup.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await cleanup.end();
        }
      },
    };
  }
  const template = process.env[PGLITE_TEMPLATE_ENV];
  const dump = template ? new Blob([await fs.readFile(template)]) : undefined;
  return openDatabase({ kind: 'pglite', dataDir: null }, dump ? { pgliteLoadDataDir: dump } : {});
}
