import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

describe('user sync: first run, push, pull', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a brand-new user sees -1, pushes with -1 and gets the default collection with the first write', async () => {
    const client = new SyncTestClient(server, { userId: 'first-run-user' });
    const meta = await client.pull({ mutationsSince: 0, metadataOnly: true });
    expect(meta.status).toBe(200);
    expect(meta.body).toEqual({ success: true, data: { lastMutationAt: -1 } });
    expect(meta.headers.get('x-mutation-at')).toBe('-1');

    const empty = await client.pull({ mutationsSince: -1 });
    expect(empty.body).toEqual({
      success: true,
      data: { lastMutationAt: -1, newLastSyncedAt: -1, mutations: [], page: 1, limit: 100, total: 0, hasMore: false },
    });

    const push = await client.push(-1, [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 } }]);
    expect(push.status).toBe(200);
    const ack = push.body.data.mutations[0];
    expect(ack).toMatchObject({
      type: 'CREATE',
      resource: 'BOOKMARK',
      data: { type: 'ayah', bookmarkType: 'ayah', key: 2, verseNumber: 255, mushaf: 4, mushafId: 4, isReading: false, isInDefaultCollection: false },
    });
    expect(ack.resourceId).toMatch(/^[a-z0-9]{20,}$/);
    expect(push.body.data.lastMutationAt).toBe(ack.timestamp);
    expect(push.headers.get('x-mutation-at')).toBe(String(ack.timestamp));

    const all = await client.pull({ mutationsSince: 0 });
    expect(all.body.data.lastMutationAt).toBe(ack.timestamp);
    const [favorites, bookmark] = all.body.data.mutations;
    expect(favorites).toMatchObject({ type: 'CREATE', resource: 'COLLECTION', data: { name: 'Favorites', isDefault: true, isSystem: true } });
    expect(favorites.timestamp).toBeLessThan(ack.timestamp);
    expect(bookmark).toEqual({ type: 'CREATE', resource: 'BOOKMARK', resourceId: ack.resourceId, data: ack.data, timestamp: ack.timestamp });
  });

  it('answers under both prefixes with the same data', async () => {
    const v1 = new SyncTestClient(server, { userId: 'prefix-user' });
    const gateway = new SyncTestClient(server, { userId: 'prefix-user', prefix: '/auth/v1' });
    const push = await gateway.push(-1, [{ type: 'CREATE', resource: 'COLLECTION', data: { name: "Du'a" } }]);
    expect(push.status).toBe(200);
    const a = await v1.pull({ mutationsSince: 0 });
    const b = await gateway.pull({ lastSyncedAt: 0 });
    expect(a.body).toEqual(b.body);
    expect(a.body.data.mutations.map((m: any) => m.data.name)).toEqual(['Favorites', "Du'a"]);
  });
});
