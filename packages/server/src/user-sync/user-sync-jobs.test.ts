import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';
import { PAGE_STABILITY_WINDOW_MS, purgeUserSyncData } from './user-sync-jobs.js';

describe('user sync: purge job', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('purges vacated positions and idempotency outcomes when due, and tombstones only with a retention', async () => {
    const db = server.database.db;
    const client = new SyncTestClient(server, { userId: 'purge-user' });
    const created = await client.push(
      -1,
      [
        { type: 'CREATE', resource: 'NOTE', data: { body: 'will be deleted', ranges: ['1:1'] } },
        { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'surah', key: 1, mushaf: 4 } },
      ],
      { 'idempotency-key': 'purge-key' },
    );
    const noteId = created.body.data.mutations[0].resourceId;
    const deleted = await client.push(created.body.data.lastMutationAt, [{ type: 'DELETE', resource: 'NOTE', resourceId: noteId }]);
    expect(deleted.status).toBe(200);
    const countGaps = async () => (await db.selectFrom('user_change_gaps').select('timestamp').where('user_id', '=', 'purge-user').execute()).length;
    expect(await countGaps()).toBe(1);

    // Nothing is due yet.
    const now = Date.now();
    const settings = { idempotencyTtlMs: 86_400_000, tombstoneRetentionDays: null };
    expect(await purgeUserSyncData(db, { now, ...settings })).toEqual({ gaps: 0, idempotencyKeys: 0, tombstones: 0 });

    // Later: the gap is past the page-stability window and the key past its TTL; tombstones are kept forever.
    const later = now + PAGE_STABILITY_WINDOW_MS + 86_400_000 + 1000;
    const first = await purgeUserSyncData(db, { now: later, ...settings });
    expect(first.gaps).toBeGreaterThanOrEqual(1);
    expect(first.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(first.tombstones).toBe(0);
    expect(await countGaps()).toBe(0);
    const since = created.body.data.lastMutationAt;
    expect((await client.pull({ mutationsSince: since })).body.data.mutations.map((m: any) => m.type)).toEqual(['DELETE']);

    // With a retention of 30 days, a tombstone 31 days old goes (its row and its index entry).
    const old = now + 31 * 86_400_000;
    const purged = await purgeUserSyncData(db, { now: old, idempotencyTtlMs: 86_400_000, tombstoneRetentionDays: 30 });
    expect(purged.tombstones).toBeGreaterThanOrEqual(2);
    expect(await db.selectFrom('user_notes').select('id').where('id', '=', noteId).executeTakeFirst()).toBeUndefined();
    expect((await client.pull({ mutationsSince: since })).body.data.mutations).toEqual([]);
    // Live data is untouched.
    expect((await client.pullAll(0)).mutations.map((m: any) => m.resource).sort()).toEqual(['BOOKMARK', 'COLLECTION']);
  });
});
