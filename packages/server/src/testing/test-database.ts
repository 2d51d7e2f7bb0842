import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { seedContent } from '../content-sync/content-seed.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import { PGLITE_SEEDED_TEMPLATE_ENV, PGLITE_TEMPLATE_ENV, TEST_DATABASE_URL_ENV } from './test-database-env.js';

export { PGLITE_SEEDED_TEMPLATE_ENV, PGLITE_TEMPLATE_ENV, TEST_DATABASE_URL_ENV };

export interface TestDatabaseOptions {
  /** Holds the bundled content. */
  readonly seeded?: boolean;
}

export function testPostgresUrl(): string | null {
  const url = process.env[TEST_DATABASE_URL_ENV];
  return url && url.length > 0 ? url : null;
}

/**
 * A fresh, isolated database for one test file, on the real engine the run is configured for:
 *
 * - `QS_TEST_DATABASE_URL` set (CI, `.ci/run`): a new schema in that PostgreSQL database, dropped on close;
 * - otherwise: an in-memory PGlite, started from the migrated template the global setup dumped (a fresh
 *   PGlite takes seconds to initialise; loading the dump takes well under one).
 *
 * `seeded: true` gives a database holding the bundled content (what `seedOnStart` loads), for tests that
 * need that content but do not test seeding itself. On PGlite it starts from a seeded template, made once
 * per run by the first test file that asks (seeding takes many seconds; loading the dump about one).
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<DatabaseHandle> {
  const handle = await createEmptyTestDatabase(options);
  if (options.seeded && handle.kind === 'postgres') {
    // A fresh schema is empty: migrate it first (the server's start then finds nothing to do).
    await migrateToLatest(handle.db);
    await seedContent(handle.db);
  }
  return handle;
}

async function createEmptyTestDatabase(options: TestDatabaseOptions): Promise<DatabaseHandle> {
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
    // Checked again through the pool the server will use: under a loaded PostgreSQL run, a server's first
    // migration has (rarely) found its schema missing; if it is, it is made here, before anything needs it.
    await sql`create schema if not exists ${sql.id(schema)}`.execute(handle.db);
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
  if (options.seeded) return openDatabase({ kind: 'pglite', dataDir: null }, { pgliteLoadDataDir: await seededTemplate() });
  return openPglite();
}

async function openPglite(): Promise<DatabaseHandle> {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  const dump = template ? new Blob([await fs.readFile(template)]) : undefined;
  return openDatabase({ kind: 'pglite', dataDir: null }, dump ? { pgliteLoadDataDir: dump } : {});
}

/**
 * The seeded PGlite dump. Test files run in parallel processes: the first to take the lock file seeds and
 * writes the dump (renamed into place whole), the others wait for it. Without a path from the global setup
 * (a single file run some other way), each caller seeds its own.
 */
async function seededTemplate(): Promise<Blob> {
  const file = process.env[PGLITE_SEEDED_TEMPLATE_ENV];
  if (!file) return makeSeededDump();
  const deadline = Date.now() + 300_000;
  for (;;) {
    const ready = await fs.readFile(file).catch(() => null);
    if (ready) return new Blob([ready]);
    const lock = await fs.open(`${file}.lock`, 'wx').catch(() => null);
    if (lock) {
      try {
        const dump = await makeSeededDump();
        await fs.writeFile(`${file}.partial`, Buffer.from(await dump.arrayBuffer()));
        await fs.rename(`${file}.partial`, file);
        return dump;
      } catch (error) {
        // Let a waiting file try instead of waiting out the deadline.
        await fs.rm(`${file}.lock`, { force: true });
        throw error;
      } finally {
        await lock.close();
      }
    }
    if (Date.now() > deadline) throw new Error(`no seeded database template at ${file}: the file seeding it did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function makeSeededDump(): Promise<Blob> {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  const pglite = await PGlite.create(template ? { loadDataDir: new Blob([await fs.readFile(template)]) } : {});
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  try {
    if (!template) await migrateToLatest(db);
    await seedContent(db);
    return await pglite.dumpDataDir('none');
  } finally {
    await db.destroy();
  }
}
