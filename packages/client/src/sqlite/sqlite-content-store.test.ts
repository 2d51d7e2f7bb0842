import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeContentStoreConformance } from '../testing/content-store-conformance.js';
import { namedDatabaseStores } from '../testing/named-database-stores.js';
import { computeStoredDigest } from '../content/content-store-digests.js';
import { betterSqlite3Database } from './better-sqlite3-database.js';
import { SqliteContentStore } from './sqlite-content-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-sqlite-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const openFile = async (file: string) => SqliteContentStore.open(betterSqlite3Database(new Database(file)));

describeContentStoreConformance(
  'SQLite (better-sqlite3, file)',
  namedDatabaseStores('store', ({ name }) => openFile(path.join(dir, `${name}.sqlite`))),
);

describeContentStoreConformance('SQLite (better-sqlite3, :memory:)', {
  create: async () => SqliteContentStore.open(betterSqlite3Database(new Database(':memory:'))),
  propertyRuns: 20,
});

describe('SQLite content store schema', () => {
  it('refuses a database written by a newer schema, and uses its indexes for row queries', async () => {
    const db = new Database(':memory:');
    const store = await SqliteContentStore.open(betterSqlite3Database(db));
    const plan = (sql: string) => (db.prepare(`explain query plan ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(
      plan("select data from qs_content_rows where resource_group = 'translations' and resource_id = 1 order by sort_key, record_type, record_key"),
    ).toMatch(/qs_content_rows_order/);
    expect(
      plan(
        "select data from qs_content_rows where resource_group = 'translations' and resource_id = 1 and verse_index is not null and verse_index between 8 and 20",
      ),
    ).toMatch(/qs_content_rows_verse/);
    db.prepare("update qs_content_meta set value = '99' where key = 'schema_version'").run();
    await expect(SqliteContentStore.open(betterSqlite3Database(db))).rejects.toThrow(/schema 99/);
    await store.close();
  });

  it('a database from before kept digests gets the table on open, and each digest computed once from the rows when first moved', async () => {
    const db = new Database(':memory:');
    const store = await SqliteContentStore.open(betterSqlite3Database(db));
    const row = (id: number, text: string) => ({
      recordType: 'translation',
      recordKey: String(id),
      data: { id, resource_content_id: 19, verse_key: `1:${id}`, text },
    });
    await store.write([
      {
        op: 'replaceResource',
        resource: {
          group: 'translations',
          id: 19,
          resourceContentId: 19,
          status: 'available',
          unavailableReason: null,
          etag: null,
          sequence: 1,
          changedAt: null,
          freshAt: 1,
        },
        rows: [row(1, 'a'), row(2, 'b')],
      },
    ]);
    // What a store written by an SDK without digests looks like.
    db.exec('drop table qs_content_digests');
    const reopened = await SqliteContentStore.open(betterSqlite3Database(db));
    expect(await reopened.readDigest('translations', 19)).toBeNull();
    await reopened.write([{ op: 'upsertRow', group: 'translations', resourceId: 19, ...row(2, 'b, edited') }]);
    expect(await reopened.readDigest('translations', 19)).toEqual(await computeStoredDigest(reopened, 'translations', 19));
    expect((await reopened.readDigest('translations', 19))?.count).toBe(2);
    await reopened.close();
  });
});
