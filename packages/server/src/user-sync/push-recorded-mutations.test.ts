import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

/**
 * `X-Mutations-Recorded` (docs/user-sync.md): present exactly when every mutation a push recorded is the state
 * one of its acks reports, so the acks are the whole change between the head the push named and the new one.
 * The check below is the one a client relies on: a pull since the old head returns precisely the acked states.
 */
describe('user sync: X-Mutations-Recorded', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const ayah = (key: number, verseNumber: number) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key, verseNumber, mushaf: 4 } });

  async function pushAndPull(client: SyncTestClient, head: number, mutations: unknown[]) {
    const push = await client.push(head, mutations);
    expect(push.status).toBe(200);
    const pulled = (await client.pull({ mutationsSince: head, limit: 1000 })).body.data.mutations as Array<{
      resource: string;
      resourceId: string;
      timestamp: number;
    }>;
    return { push, newHead: push.body.data.lastMutationAt as number, header: push.headers.get('x-mutations-recorded'), pulled };
  }

  it('is the number of mutations when the acks are all of them, and a pull since the old head returns exactly the acks', async () => {
    const client = new SyncTestClient(server, { userId: 'recorded-1' });
    // The first write also creates the default collection, which no ack reports: no header.
    const first = await pushAndPull(client, -1, [ayah(1, 1)]);
    expect(first.header).toBeNull();
    expect(first.pulled.map((m) => m.resource)).toEqual(['COLLECTION', 'BOOKMARK']);

    const note = { type: 'CREATE', resource: 'NOTE', resourceId: 'recordednote1', data: { body: 'a note of six', ranges: ['1:1'] } };
    const plain = await pushAndPull(client, first.newHead, [
      ayah(2, 255),
      note,
      { type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'dark' } } },
    ]);
    expect(plain.header).toBe('3');
    const acks = plain.push.body.data.mutations as Array<{ timestamp: number; data: unknown; resourceId: string | null }>;
    expect(plain.pulled.map((m) => m.timestamp)).toEqual(acks.map((a) => a.timestamp));
    expect(plain.pulled.map((m: any) => m.data)).toEqual(acks.map((a) => a.data));

    // A push that changes nothing records nothing, and says so.
    const again = await pushAndPull(client, plain.newHead, [note]);
    expect(again.header).toBe('0');
    expect(again.newHead).toBe(plain.newHead);
    expect(again.pulled).toEqual([]);
  });

  it('is absent when the push had side effects no ack reports (orphan rule, reading flag moved)', async () => {
    const client = new SyncTestClient(server, { userId: 'recorded-2' });
    const link = { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'surah', key: 36, mushaf: 4 } };
    const start = await pushAndPull(client, -1, [link]);
    const unlink = await pushAndPull(client, start.newHead, [{ ...link, type: 'DELETE' }]);
    // The link's deletion is acked; the bookmark's deletion by the orphan rule is not.
    expect(unlink.header).toBeNull();
    expect(unlink.pulled.map((m) => m.resource).sort()).toEqual(['BOOKMARK', 'COLLECTION_BOOKMARK']);

    const reading = (key: number) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'surah', key, mushaf: 4, isReading: true } });
    const one = await pushAndPull(client, unlink.newHead, [reading(1)]);
    expect(one.header).toBe('1');
    const two = await pushAndPull(client, one.newHead, [reading(2)]);
    expect(two.header).toBeNull();
    expect(two.pulled).toHaveLength(2);
  });

  it('is absent on a replayed answer (the stored outcome does not say)', async () => {
    const client = new SyncTestClient(server, { userId: 'recorded-3' });
    const first = await pushAndPull(client, -1, [ayah(3, 3)]);
    const headers = { 'idempotency-key': 'recorded-replay-1' };
    const body = { mutations: [ayah(4, 4)] };
    const sent = await client.request('POST', '/sync', { query: { lastMutationAt: first.newHead }, body, headers });
    expect(sent.headers.get('x-mutations-recorded')).toBe('1');
    const replayed = await client.request('POST', '/sync', { query: { lastMutationAt: first.newHead }, body, headers });
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('x-mutations-recorded')).toBeNull();
  });
});
