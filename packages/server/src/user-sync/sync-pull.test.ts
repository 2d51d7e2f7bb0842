import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { applyEntries, sortedState, type ClientState } from './testing/client-state.js';
import { SyncTestClient } from './testing/sync-test-client.js';

const ayah = (key: number, verseNumber: number) => ({ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key, verseNumber, mushaf: 4 } });

describe('user sync: pulls', () => {
  let server: TestServer;
  let users = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A writer device that keeps its own head and retries on 409. */
  function writer(userId: string) {
    const client = new SyncTestClient(server, { userId });
    return {
      client,
      async push(mutations: unknown[]): Promise<any> {
        for (let attempt = 0; attempt < 5; attempt++) {
          const head = await client.head();
          const res = await client.push(head, mutations);
          if (res.status === 200) return res.body.data;
          if (res.status !== 409) throw new Error(`push failed: ${res.status} ${JSON.stringify(res.body)}`);
        }
        throw new Error('push kept conflicting');
      },
    };
  }

  /** The server's truth: a fresh complete pull, applied. */
  async function truth(client: SyncTestClient): Promise<Array<[string, unknown]>> {
    return sortedState(applyEntries(new Map(), (await client.pullAll(0)).mutations));
  }

  it('compacts to one entry per resource with the type rules and the tombstone inclusion rule', async () => {
    const w = writer(`compaction-${++users}`);
    const created = await w.push([ayah(2, 1)]);
    const id = created.mutations[0].resourceId;
    const t1 = created.lastMutationAt;
    const t2 = (await w.push([{ type: 'UPDATE', resource: 'BOOKMARK', resourceId: id, data: { isReading: true } }])).lastMutationAt;
    const note = await w.push([{ type: 'CREATE', resource: 'NOTE', data: { body: 'to be deleted', ranges: ['2:1'] } }]);
    const t4 = (await w.push([{ type: 'DELETE', resource: 'NOTE', resourceId: note.mutations[0].resourceId }])).lastMutationAt;
    const pull = async (since: number, extra: Record<string, unknown> = {}) => (await w.client.pull({ mutationsSince: since, ...extra })).body.data;

    const full = await pull(0);
    expect(full.mutations.map((m: any) => [m.type, m.resource])).toEqual([
      ['CREATE', 'COLLECTION'],
      ['CREATE', 'BOOKMARK'],
    ]);
    expect(full.mutations[1]).toMatchObject({ resourceId: id, timestamp: t2, data: { isReading: true } });
    expect(full).toMatchObject({ lastMutationAt: t4, newLastSyncedAt: t2, total: 2, hasMore: false, page: 1, limit: 100 });
    expect(await pull(-1)).toEqual(full);

    const sinceT1 = await pull(t1);
    expect(sinceT1.mutations.map((m: any) => [m.type, m.resource, m.timestamp])).toEqual([
      ['UPDATE', 'BOOKMARK', t2],
      ['DELETE', 'NOTE', t4],
    ]);
    expect(sinceT1.mutations[1].data).toMatchObject({ body: 'to be deleted' });
    expect((await pull(t2)).mutations.map((m: any) => m.type)).toEqual(['DELETE']);
    expect(await pull(t4)).toEqual({ lastMutationAt: t4, newLastSyncedAt: -1, mutations: [], page: 1, limit: 100, total: 0, hasMore: false });
    expect((await pull(t1, { resources: 'note' })).mutations.map((m: any) => m.resource)).toEqual(['NOTE']);
    expect((await pull(t1, { resources: 'NOTE,BOOKMARK' })).mutations).toHaveLength(2);

    const res = await w.client.pull({ mutationsSince: t1 });
    expect(res.headers.get('x-mutation-at')).toBe(String(t4));
    const meta = await w.client.pull({ mutationsSince: 0, metadataOnly: 'true', resources: 'NOTE' });
    expect(meta.body).toEqual({ success: true, data: { lastMutationAt: t4 } });
    expect(meta.headers.get('x-mutation-at')).toBe(String(t4));
  });

  it('a pull without a valid mutationsSince is 400 invalid_request in the standard envelope, as the API reference documents', async () => {
    const client = new SyncTestClient(server, { userId: 'since-user' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'Missing mutationsSince'],
      [{ mutationsSince: '' }, 'Missing mutationsSince'],
      [{ metadataOnly: 'true' }, 'Missing mutationsSince'],
      [{ mutationsSince: 'yesterday' }, 'Invalid mutationsSince: must be -1, 0 or a timestamp in ms'],
      [{ mutationsSince: -2 }, 'Invalid mutationsSince: must be -1, 0 or a timestamp in ms'],
      [{ mutationsSince: '1.5' }, 'Invalid mutationsSince: must be -1, 0 or a timestamp in ms'],
    ];
    for (const [query, message] of cases) {
      const res = await client.pull(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body).toEqual({ message, type: 'invalid_request', success: false });
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    // The alias still counts as the parameter.
    expect((await client.pull({ lastSyncedAt: 0, metadataOnly: 'true' })).status).toBe(200);
  });

  it('refuses other bad parameters with 422 in the sync envelope', async () => {
    const client = new SyncTestClient(server, { userId: 'params-user' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mutationsSince: 0, limit: 0 }, 'Invalid limit: must be 1..1000'],
      [{ mutationsSince: 0, limit: 1001 }, 'Invalid limit: must be 1..1000'],
      [{ mutationsSince: 0, page: 0 }, 'Invalid page: must be 1..1000000'],
      [{ mutationsSince: 0, resources: 'BOOKMARK,POSTS' }, 'Invalid resources: "POSTS"'],
      [{ mutationsSince: 0, metadataOnly: 'maybe' }, 'Invalid metadataOnly'],
    ];
    for (const [query, message] of cases) {
      const res = await client.pull(query);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ success: false, error: { code: 'ValidationError', message } });
    }
  });

  it('on a page with more to come, lastMutationAt is the last returned timestamp, so a client ignoring hasMore resumes', async () => {
    const w = writer(`has-more-${++users}`);
    await w.push(Array.from({ length: 10 }, (_, i) => ayah(3, i + 1)));
    const page1 = (await w.client.pull({ mutationsSince: 0, limit: 4 })).body.data;
    expect(page1.hasMore).toBe(true);
    expect(page1.mutations).toHaveLength(4);
    expect(page1.lastMutationAt).toBe(page1.mutations[3].timestamp);
    expect(page1.newLastSyncedAt).toBe(page1.mutations[3].timestamp);
    expect(page1.total).toBe(11);
    const page3 = (await w.client.pull({ mutationsSince: 0, limit: 4, page: 3 })).body.data;
    expect(page3.hasMore).toBe(false);
    expect(page3.mutations).toHaveLength(3);
    expect(page3.lastMutationAt).toBe(await w.client.head());
    const beyond = (await w.client.pull({ mutationsSince: 0, limit: 4, page: 9 })).body.data;
    expect(beyond).toMatchObject({ mutations: [], hasMore: false, lastMutationAt: page3.lastMutationAt });
  });

  for (const limit of [1, 7, 1000]) {
    for (const mode of ['full', 'incremental'] as const) {
      it(`paging with limit ${limit} (${mode}) while another device writes between pages loses nothing`, async () => {
        const userId = `paging-${limit}-${mode}-${++users}`;
        const w = writer(userId);
        const setup = await w.push([
          ...Array.from({ length: 24 }, (_, i) => ayah(4, i + 1)),
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Study' } },
          { type: 'CREATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'light' } } },
          ...Array.from({ length: 6 }, (_, i) => ({ type: 'CREATE', resource: 'NOTE', data: { body: `note number ${i}`, ranges: [`4:${i + 1}`] } })),
        ]);
        const ids: string[] = setup.mutations.filter((m: any) => m.resource !== 'PREFERENCE').map((m: any) => m.resourceId);
        const study = setup.mutations[24].resourceId;
        const noteIds: string[] = setup.mutations.slice(26).map((m: any) => m.resourceId);

        const reader = new SyncTestClient(server, { userId });
        const state: ClientState = new Map();
        let since = 0;
        if (mode === 'incremental') {
          // The reader synced once already; then the other device changed half of everything.
          since = applyAndHead(state, await reader.pullAll(0));
          await w.push(ids.slice(0, 12).map((id) => ({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: study, bookmarkId: id } })));
        }

        // Page through; between pages the other device updates, deletes, links and creates.
        const writes: Array<() => Promise<unknown>> = [
          () => w.push([{ type: 'UPDATE', resource: 'NOTE', resourceId: noteIds[0], data: { body: 'note zero, edited' } }]),
          () => w.push([{ type: 'DELETE', resource: 'BOOKMARK', resourceId: ids[1] }]),
          () => w.push([{ type: 'UPDATE', resource: 'BOOKMARK', resourceId: ids[20], data: { isReading: true } }]),
          () =>
            w.push([
              ayah(5, 1),
              { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'ayah', key: 4, verseNumber: 3 } },
            ]),
          () =>
            w.push([
              { type: 'DELETE', resource: 'NOTE', resourceId: noteIds[5] },
              { type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'dark' } } },
            ]),
          () => w.push([{ type: 'DELETE', resource: 'COLLECTION', resourceId: study }]),
          () =>
            w.push([
              { type: 'UPDATE', resource: 'BOOKMARK', resourceId: ids[0], data: { isReading: true } },
              { type: 'DELETE', resource: 'BOOKMARK', resourceId: ids[23] },
            ]),
        ];
        let cursor = -1;
        for (let page = 1; page < 500; page++) {
          const res = await reader.pull({ mutationsSince: since, limit, page });
          expect(res.status).toBe(200);
          applyEntries(state, res.body.data.mutations);
          if (!res.body.data.hasMore) {
            cursor = res.body.data.lastMutationAt;
            break;
          }
          const write = writes.shift();
          if (write) await write();
        }
        // A write may still be pending when a single large page ends the pagination: it lands now.
        for (const write of writes) await write();
        expect(cursor).toBeGreaterThan(0);
        // The next sync, from the cursor the pagination handed out, completes the picture.
        applyEntries(state, (await reader.pullAll(cursor)).mutations);
        expect(sortedState(state)).toEqual(await truth(reader));
      });
    }
  }

  it('a client that ignores hasMore and sends no limit loses nothing over repeated syncs', async () => {
    const userId = `ignores-has-more-${++users}`;
    const w = writer(userId);
    const first = await w.push(Array.from({ length: 100 }, (_, i) => ayah(6, i + 1)));
    await w.push(Array.from({ length: 100 }, (_, i) => ayah(7, i + 1)));
    await w.push(Array.from({ length: 60 }, (_, i) => ayah(26, i + 1)));
    const ids: string[] = first.mutations.map((m: any) => m.resourceId);

    // The real mobile client: one request per sync, no limit, stores lastMutationAt, never looks at hasMore.
    const mobile = new SyncTestClient(server, { userId, prefix: '/auth/v1' });
    const state: ClientState = new Map();
    let stored = 0;
    for (let sync = 0; sync < 12; sync++) {
      const res = await mobile.pull(
        { mutationsSince: stored },
        { 'content-type': 'application/json', authorization: 'Bearer ignored-when-x-auth-token-is-set' },
      );
      expect(res.status).toBe(200);
      expect(res.body.data.limit).toBe(100);
      applyEntries(state, res.body.data.mutations);
      stored = res.body.data.lastMutationAt;
      if (sync < 6) await w.push([{ type: 'DELETE', resource: 'BOOKMARK', resourceId: ids[sync * 7] }, ayah(36, sync + 1)]);
    }
    expect(stored).toBe(await mobile.head());
    expect(sortedState(state)).toEqual(await truth(mobile));
    expect(state.size).toBe(1 + 260 - 6 + 6);
  });
});

function applyAndHead(state: ClientState, result: { mutations: any[]; lastMutationAt: number }): number {
  applyEntries(state, result.mutations);
  return result.lastMutationAt;
}
