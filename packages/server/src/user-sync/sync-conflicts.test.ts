import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

const OUT_OF_SYNC = { success: false, error: { code: 'OutOfSyncError', message: 'Invalid lastMutationAt, please re-sync your data and try again.' } };

const bookmark = (key: number, verseNumber: number) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key, verseNumber, mushaf: 1 } });

describe('user sync: conflicts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a stale push with 409 OutOfSyncError and accepts it again after a pull', async () => {
    const phone = new SyncTestClient(server, { userId: 'conflict-user' });
    const tablet = new SyncTestClient(server, { userId: 'conflict-user' });
    const first = await phone.push(-1, [bookmark(1, 1)]);
    expect(first.status).toBe(200);
    const head1 = first.body.data.lastMutationAt;

    // The tablet never pulled: it still believes the user has no history.
    const stale = await tablet.push(-1, [bookmark(2, 2)]);
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual(OUT_OF_SYNC);
    expect(await tablet.head()).toBe(head1);

    // A head from the future is just as stale.
    expect((await tablet.push(head1 + 1, [bookmark(2, 2)])).status).toBe(409);
    // So is 0 for a user with history (0 is not -1).
    expect((await tablet.push(0, [bookmark(2, 2)])).status).toBe(409);

    // Recovery: pull since what it has, then push with the head it got.
    const pulled = await tablet.pull({ mutationsSince: -1 });
    expect(pulled.body.data.lastMutationAt).toBe(head1);
    const retry = await tablet.push(pulled.body.data.lastMutationAt, [bookmark(2, 2)]);
    expect(retry.status).toBe(200);
    expect(retry.body.data.lastMutationAt).toBeGreaterThan(head1);
    const all = await phone.pullAll(0);
    expect(all.mutations.filter((m) => m.resource === 'BOOKMARK').map((m) => m.data.key)).toEqual([1, 2]);
  });

  it('lets exactly one of two devices racing from the same head win; the other recovers and both changes survive', async () => {
    const userId = 'race-user';
    const a = new SyncTestClient(server, { userId });
    const b = new SyncTestClient(server, { userId });
    const base = (await a.push(-1, [bookmark(3, 1)])).body.data.lastMutationAt;
    for (let round = 0; round < 5; round++) {
      const head = await a.head();
      const [ra, rb] = await Promise.all([a.push(head, [bookmark(10 + round, 1)]), b.push(head, [bookmark(50 + round, 1)])]);
      const statuses = [ra.status, rb.status].sort();
      expect(statuses).toEqual([200, 409]);
      const loser = ra.status === 409 ? { client: a, key: 10 + round } : { client: b, key: 50 + round };
      const newHead = (await loser.client.pull({ mutationsSince: head })).body.data.lastMutationAt;
      expect((await loser.client.push(newHead, [bookmark(loser.key, 1)])).status).toBe(200);
    }
    const keys = (await a.pullAll(0)).mutations.filter((m) => m.resource === 'BOOKMARK').map((m) => m.data.key);
    expect(keys.sort((x, y) => x - y)).toEqual([3, 10, 11, 12, 13, 14, 50, 51, 52, 53, 54]);
    expect(base).toBeGreaterThan(0);
  });

  it('orders concurrent writes of many devices by strictly increasing, unique timestamps', async () => {
    const userId = 'many-devices';
    const devices = Array.from({ length: 6 }, () => new SyncTestClient(server, { userId }));
    await devices[0]!.push(-1, [bookmark(20, 1)]);
    // Each device keeps retrying its own write until it lands.
    await Promise.all(
      devices.map(async (device, i) => {
        for (let attempt = 0; attempt < 50; attempt++) {
          const head = await device.head();
          const res = await device.push(head, [bookmark(30 + i, 1), bookmark(30 + i, 2)]);
          if (res.status === 200) return;
          expect(res.status).toBe(409);
        }
        throw new Error('device never got its write in');
      }),
    );
    const all = await devices[0]!.pullAll(0);
    const timestamps = all.mutations.map((m) => m.timestamp);
    expect(new Set(timestamps).size).toBe(timestamps.length);
    expect([...timestamps].sort((x, y) => x - y)).toEqual(timestamps);
    expect(all.mutations.filter((m) => m.resource === 'BOOKMARK')).toHaveLength(1 + 12);
    expect(all.lastMutationAt).toBe(timestamps[timestamps.length - 1]);
  });

  it('needs lastMutationAt on a push (query parameter or X-Mutation-At header)', async () => {
    const client = new SyncTestClient(server, { userId: 'missing-head' });
    const missing = await client.push(undefined, [bookmark(1, 1)]);
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ success: false, error: { code: 'ValidationError', message: 'Missing lastMutationAt' } });
    const invalid = await client.request('POST', '/sync', { query: { lastMutationAt: 'yesterday' }, body: { mutations: [bookmark(1, 1)] } });
    expect(invalid.body.error.message).toBe('Invalid lastMutationAt');
    const viaHeader = await client.request('POST', '/sync', { body: { mutations: [bookmark(1, 1)] }, headers: { 'x-mutation-at': '-1' } });
    expect(viaHeader.status).toBe(200);
  });
});
