import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../db/migrator.js';
import type { DatabaseHandle } from '../db/database.js';
import { createTestDatabase, testPostgresUrl } from '../testing/index.js';
import { applyRowChanges, putResource, validateRowChanges } from './content-editorial.js';
import { readFeedHead, withFeedWriter } from './content-feed-writer.js';

/**
 * Invariant 1 (no holes) on a real PostgreSQL pool: many editorial transactions run at once, each appending
 * several entries after a random pause (so they would interleave if nothing serialised them), while readers
 * poll the committed head and read the feed up to it. Every read must see exactly the sequences 1..head —
 * a hole (a sequence committed later than a larger one) would show up as a gap that later fills in.
 */
describe.skipIf(!testPostgresUrl())('feed writer on PostgreSQL: sequence order == commit order (needs QS_TEST_DATABASE_URL)', () => {
  let database: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());

  it('readers never see a sequence hole while many writers commit concurrently', async () => {
    const db = database.db;
    await withFeedWriter(db, (w) => putResource(w, 'translations', 1, {}));
    const WRITERS = 40;
    let writing = true;
    const violations: string[] = [];
    let reads = 0;

    const reader = async () => {
      while (writing) {
        const { head } = await readFeedHead(db);
        const rows = await db.selectFrom('content_feed').select('sequence').where('sequence', '<=', head).orderBy('sequence').execute();
        reads++;
        if (rows.length !== head) violations.push(`head ${head} but ${rows.length} visible entries`);
        rows.forEach((r, i) => {
          if (Number(r.sequence) !== i + 1) violations.push(`gap at ${i + 1} (saw ${r.sequence}) with head ${head}`);
        });
      }
    };

    const writer = async (n: number) => {
      await withFeedWriter(db, async (w) => {
        const resource = await putResource(w, 'translations', 1, {});
        await new Promise((r) => setTimeout(r, Math.random() * 15));
        const changes = validateRowChanges('translations', resource, { upsert: [1, 2, 3].map((k) => ({ id: n * 10 + k, verse_key: '1:1', text: `w${n}` })) });
        await applyRowChanges(w, 'translations', resource, changes);
      });
    };

    const readers = Array.from({ length: 4 }, reader);
    await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i + 1)));
    writing = false;
    await Promise.all(readers);

    expect(violations).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const { head } = await readFeedHead(db);
    expect(head).toBe(1 + WRITERS * 3);
    const all = await db.selectFrom('content_feed').select(['sequence', 'record_key', 'changed_at']).orderBy('sequence').execute();
    expect(all.map((r) => Number(r.sequence))).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // Each transaction's entries are contiguous: sequences were assigned under the lock, not interleaved.
    for (let i = 1; i < all.length; i += 3) {
      const writerIds = new Set(all.slice(i, i + 3).map((r) => Math.floor(Number(r.record_key) / 10)));
      expect(writerIds.size).toBe(1);
    }
  });
});
