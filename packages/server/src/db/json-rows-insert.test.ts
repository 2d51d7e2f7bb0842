import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/test-database.js';
import type { DatabaseHandle } from './database.js';
import { executeAsOneStatement, jsonRowsInsert, rowsJson } from './json-rows-insert.js';
import { migrateToLatest } from './migrator.js';

describe('jsonRowsInsert + executeAsOneStatement', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await createTestDatabase();
    await migrateToLatest(handle.db);
  });
  afterAll(async () => handle?.close());

  it('stores every value as the column type reads it: timestamps, nulls, booleans, bigint, jsonb, text with quotes and emoji', async () => {
    const at = new Date('2026-11-24T02:27:52.748Z');
    const note = {
      id: 'n1',
      user_id: 'u"1\\',
      body: 'سلام "quoted" \\ 😀',
      ranges: [{ from: '1:1', to: '1:7' }],
      save_to_qr: true,
      attached_entities: [],
      client_created_at: null,
      created_at: at,
      updated_at: at,
    };
    const ranges = [{ note_id: 'n1', user_id: 'u"1\\', from_verse: 1, to_verse: 7 }];
    const change = { user_id: 'u"1\\', resource: 'NOTE', resource_id: 'n1', timestamp: 1_795_487_272_748, created_ts: 1_795_487_272_748, deleted: false };
    await handle.db.transaction().execute(async (trx) => {
      // Children after parents within ONE statement: the foreign key of user_note_ranges is checked at its end.
      await executeAsOneStatement(
        trx,
        [
          jsonRowsInsert('user_notes', Object.keys(note), [note]),
          jsonRowsInsert('user_note_ranges', Object.keys(ranges[0]!), ranges),
          jsonRowsInsert('user_changes', Object.keys(change), [change]),
        ],
        sql`select 1`,
      );
    });
    const stored = await handle.db.selectFrom('user_notes').selectAll().where('id', '=', 'n1').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      user_id: 'u"1\\',
      body: note.body,
      ranges: note.ranges,
      save_to_qr: true,
      attached_entities: [],
      client_created_at: null,
      deleted_at: null,
    });
    expect(stored.created_at.toISOString()).toBe(at.toISOString());
    expect(await handle.db.selectFrom('user_note_ranges').select(['from_verse', 'to_verse']).where('note_id', '=', 'n1').execute()).toEqual([
      { from_verse: 1, to_verse: 7 },
    ]);
    const index = await handle.db.selectFrom('user_changes').selectAll().where('resource_id', '=', 'n1').executeTakeFirstOrThrow();
    expect(Number(index.timestamp)).toBe(change.timestamp);
  });

  it('runs all entries or none: a failing entry rolls back the others of the statement', async () => {
    const bookmark = (id: string, key: number) => ({ id, user_id: 'u2', type: 'page', key, mushaf: 4, created_at: new Date(), updated_at: new Date() });
    await expect(
      handle.db.transaction().execute((trx) =>
        executeAsOneStatement(
          trx,
          [jsonRowsInsert('user_bookmarks', Object.keys(bookmark('a', 1)), [bookmark('a', 1)])],
          // Violates the check constraint on type: the whole statement fails.
          jsonRowsInsert('user_bookmarks', Object.keys(bookmark('b', 2)), [{ ...bookmark('b', 2), type: 'verse' }]),
        ),
      ),
    ).rejects.toThrow();
    expect(await handle.db.selectFrom('user_bookmarks').select('id').where('user_id', '=', 'u2').execute()).toEqual([]);
  });
});

describe('rowsJson', () => {
  it('is JSON.stringify of the rows without their null values, dates included (cached second or not)', () => {
    // Dates near one another (the cache's case) and anywhere (every year shape, invalid dates).
    const near = fc.integer({ min: 0, max: 3_000 }).map((offset) => new Date(1_795_487_271_000 + offset));
    const anyDate = fc.oneof(fc.date(), fc.constant(new Date(Number.NaN)), fc.date({ min: new Date(-62_198_755_200_000), max: new Date(253_402_300_799_999) }));
    const value = fc.oneof(near, anyDate, fc.constant(null), fc.string(), fc.integer(), fc.boolean(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), value), { maxLength: 8 }), (rows) => {
        const expected = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined)));
        expect(JSON.parse(rowsJson(rows))).toEqual(JSON.parse(JSON.stringify(expected)));
      }),
      { numRuns: 500 },
    );
  });
});
