import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { namedDatabaseStores } from '../testing/named-database-stores.js';
import { describeUserStoreConformance } from '../user/testing/user-store-conformance.js';
import { betterSqlite3Database } from './better-sqlite3-database.js';
import { SqliteContentStore } from './sqlite-content-store.js';
import { SqliteUserStore } from './sqlite-user-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-sqlite-user-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const openFile = async (file: string) => SqliteUserStore.open(betterSqlite3Database(new Database(file)));

describeUserStoreConformance(
  'SQLite (better-sqlite3, file)',
  namedDatabaseStores('user-store', ({ name }) => openFile(path.join(dir, `${name}.sqlite`))),
);

describeUserStoreConformance('SQLite (better-sqlite3, :memory:)', {
  create: async () => SqliteUserStore.open(betterSqlite3Database(new Database(':memory:'))),
  propertyRuns: 20,
});

describe('SQLite user store schema', () => {
  it('uses its indexes for the per-write lookups, shares a database with the content store, refuses a newer schema', async () => {
    const db = new Database(':memory:');
    const adapter = betterSqlite3Database(db);
    const store = await SqliteUserStore.open(adapter);
    await SqliteContentStore.open(adapter);
    const plan = (sql: string) => (db.prepare(`explain query plan ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan("select * from qs_user_records where resource = 'BOOKMARK' and natural_key = 'x' order by id")).toMatch(/qs_user_records_natural_key/);
    expect(plan("select * from qs_user_outbox where resource = 'NOTE' and id = 'n1' order by seq")).toMatch(/qs_user_outbox_record/);
    expect(plan("select * from qs_user_records where resource = 'NOTE' and id = 'n1'")).toMatch(/sqlite_autoindex_qs_user_records/);
    db.prepare("update qs_user_meta set value = '99' where key = 'schema_version'").run();
    await expect(SqliteUserStore.open(betterSqlite3Database(db))).rejects.toThrow(/schema 99/);
    await store.close();
  });
});
