import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { createTestDatabase } from '../testing/test-database.js';
import { takenLocationsQuery } from './write-engine/batch-guesses.js';
import { indexedChangesQuery } from './change-index.js';

/**
 * The reads a push makes before writing must cost what the push asks about, not what the user already has:
 * a user with a long history pays per push the same as a new one. Measured as the rows each query's
 * plan actually pulls from the table (EXPLAIN ANALYZE), beside a user with thousands of rows.
 */
const HISTORY = 3_000;
const USER = 'probe-user';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/**
 * Rows the plan read from `table`: what its scan nodes returned plus what they filtered out, over every loop.
 * (EXPLAIN rounds a node's rows per loop, so this is exact up to that rounding; the bounds below leave room.)
 */
async function rowsReadFrom(handle: DatabaseHandle, query: RawBuilder<unknown>, table: string): Promise<number> {
  const compiled = query.compile(handle.db);
  const explained = await handle.db.executeQuery<{ 'QUERY PLAN': unknown }>({
    ...compiled,
    sql: `explain (analyze, format json) ${compiled.sql}`,
  });
  const raw = explained.rows[0]!['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  let rows = 0;
  const visit = (node: PlanNode): void => {
    if (node['Relation Name'] === table) {
      rows += (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'];
    }
    node.Plans?.forEach(visit);
  };
  visit(plan[0]!.Plan);
  return rows;
}

describe('write-path probes read only what they look for', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await createTestDatabase();
    await migrateToLatest(handle.db);
    // A long history: HISTORY live ayah bookmarks of surah 2 (mushaf 4) and their change-index entries.
    await sql`
      insert into user_bookmarks (id, user_id, type, key, verse_number, mushaf, created_at, updated_at)
      select 'bm' || i, ${USER}, 'ayah', 2, i, 4, now(), now() from generate_series(1, ${HISTORY}::int) i`.execute(handle.db);
    await sql`
      insert into user_changes (user_id, resource, resource_id, timestamp, created_ts, deleted)
      select ${USER}, 'BOOKMARK', 'bm' || i, 1000 + i, 1000 + i, false from generate_series(1, ${HISTORY}::int) i`.execute(handle.db);
    await sql`analyze user_bookmarks`.execute(handle.db);
    await sql`analyze user_changes`.execute(handle.db);
  });
  afterAll(async () => handle?.close());

  it('the location probe of a push reads the taken locations only, not the user’s other bookmarks', async () => {
    const wanted = [
      { type: 'ayah', key: 2, verse: 7, mushaf: 4 }, // taken
      { type: 'ayah', key: 2, verse: 2_999, mushaf: 4 }, // taken
      { type: 'ayah', key: 2, verse: 7, mushaf: 5 }, // other mushaf: free
      { type: 'surah', key: 2, verse: 0, mushaf: 4 }, // free
    ];
    const taken = (await takenLocationsQuery(USER, wanted).execute(handle.db)).rows;
    expect(taken.map((r) => r.verse_number).sort((a, b) => a! - b!)).toEqual([7, 2_999]);
    // At most one row per location asked about, whatever the history (a scan of the user's bookmarks: 3,000).
    expect(await rowsReadFrom(handle, takenLocationsQuery(USER, wanted), 'user_bookmarks')).toBeLessThanOrEqual(wanted.length);
  });

  it('the change-index read of a push reads the entries of the resources it names only', async () => {
    const resources = [
      { resource: 'BOOKMARK', resourceId: 'bm10' },
      { resource: 'BOOKMARK', resourceId: 'bm2500' },
      { resource: 'COLLECTION', resourceId: 'bm11' }, // same id, other resource: no entry
      { resource: 'BOOKMARK', resourceId: 'missing' },
    ];
    const found = (await indexedChangesQuery(USER, resources).execute(handle.db)).rows;
    expect(found.map((r) => [r.resource_id, r.timestamp]).sort()).toEqual([
      ['bm10', 1010],
      ['bm2500', 3500],
    ]);
    expect(await rowsReadFrom(handle, indexedChangesQuery(USER, resources), 'user_changes')).toBeLessThanOrEqual(resources.length);
  });
});
