import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrateToLatest } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import { PGLITE_SEEDED_TEMPLATE_ENV, PGLITE_TEMPLATE_ENV, TEST_DATABASE_URL_ENV } from './test-database-env.js';

/**
 * Runs once per `vitest run`: when tests use PGlite, migrates one instance and dumps its data directory,
 * so each test file loads a ready database instead of initialising and migrating its own. Workers inherit
 * the dump's path through the environment, and the path where the first file that needs the bundled content
 * leaves a seeded dump for the others (see `createTestDatabase`).
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env[TEST_DATABASE_URL_ENV]) return async () => {};
  const pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const dump = await pglite.dumpDataDir('none');
  await db.destroy();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'quran-sync-test-'));
  const file = path.join(dir, 'pglite-template.tar');
  await fs.writeFile(file, Buffer.from(await dump.arrayBuffer()));
  process.env[PGLITE_TEMPLATE_ENV] = file;
  process.env[PGLITE_SEEDED_TEMPLATE_ENV] = path.join(dir, 'pglite-seeded-template.tar');
  return async () => {
    await fs.rm(dir, { recursive: true, force: true });
  };
}
