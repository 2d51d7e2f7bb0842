import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

describe('user sync: scopes and isolation between users', () => {
  let server: TestServer;
  let alice: SyncTestClient;
  let aliceIds: Record<string, string>;
  let aliceHead: number;
  beforeAll(async () => {
    server = await startTestServer();
    alice = new SyncTestClient(server, { userId: 'alice' });
    const res = await alice.push(-1, [
      { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 } },
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Private' } },
      { type: 'CREATE', resource: 'NOTE', data: { body: 'alice private thoughts', ranges: ['2:255'] } },
      { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 2, verseNumber: 255 } },
      { type: 'CREATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'sepia' } } },
    ]);
    expect(res.status).toBe(200);
    const [bookmark, collection, note, session] = res.body.data.mutations.map((m: any) => m.resourceId);
    aliceIds = { bookmark, collection, note, session };
    await alice.push(res.body.data.lastMutationAt, [
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collection, bookmarkId: bookmark } },
    ]);
    aliceHead = await alice.head();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('needs the sync scope and a user token on /v1/sync', async () => {
    const noSync = new SyncTestClient(server, { userId: 'alice', scopes: ['bookmark', 'note'] });
    for (const res of [await noSync.pull({ mutationsSince: 0 }), await noSync.push(aliceHead, [])]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ success: false, type: 'forbidden' });
    }
    const clientToken = new SyncTestClient(server, { userId: null as unknown as string, scopes: ['sync', 'bookmark'] });
    expect((await clientToken.pull({ mutationsSince: 0 })).status).toBe(403);
  });

  it('leaves out-of-scope resources out of pulls; links need both bookmark and collection', async () => {
    const pullResources = async (scopes: string[], query: Record<string, unknown> = {}) =>
      [
        ...new Set(
          (await new SyncTestClient(server, { userId: 'alice', scopes }).pull({ mutationsSince: 0, ...query })).body.data.mutations.map((m: any) => m.resource),
        ),
      ].sort();
    expect(await pullResources(['sync', 'bookmark'])).toEqual(['BOOKMARK']);
    expect(await pullResources(['sync', 'bookmark.read', 'collection.read'])).toEqual(['BOOKMARK', 'COLLECTION', 'COLLECTION_BOOKMARK']);
    expect(await pullResources(['sync', 'note', 'preference'], { resources: 'NOTE,BOOKMARK' })).toEqual(['NOTE']);
    expect(await pullResources(['sync'])).toEqual([]);
    // metadataOnly still reports the head.
    const meta = await new SyncTestClient(server, { userId: 'alice', scopes: ['sync'] }).pull({ mutationsSince: 0, metadataOnly: true });
    expect(meta.body.data.lastMutationAt).toBe(aliceHead);
  });

  it('refuses a whole push with 403 when one mutation is out of scope, and applies nothing', async () => {
    const limited = new SyncTestClient(server, { userId: 'alice', scopes: ['sync', 'bookmark.create', 'note'] });
    const res = await limited.push(aliceHead, [
      { type: 'CREATE', resource: 'NOTE', data: { body: 'should not stay', ranges: ['1:1'] } },
      { type: 'DELETE', resource: 'BOOKMARK', resourceId: aliceIds.bookmark },
    ]);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ success: false, type: 'forbidden' });
    expect(res.body.message).toContain('mutation[1]');
    expect(await alice.head()).toBe(aliceHead);
    // The child scope it does hold is enough for what it covers.
    const ok = await limited.push(aliceHead, [{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'page', key: 1, mushaf: 4 } }]);
    expect(ok.status).toBe(200);
    aliceHead = ok.body.data.lastMutationAt;
  });

  it("never lets a user read or change another user's resources", async () => {
    const before = await alice.pullAll(0);
    const mallory = new SyncTestClient(server, { userId: 'mallory' });
    const attempts: Array<[unknown, string]> = [
      [{ type: 'UPDATE', resource: 'BOOKMARK', resourceId: aliceIds.bookmark, data: { isReading: true } }, 'Invalid resourceId at mutation[0]'],
      [
        { type: 'CREATE', resource: 'BOOKMARK', resourceId: aliceIds.bookmark, data: { type: 'ayah', key: 1, verseNumber: 1 } },
        'Invalid resourceId at mutation[0]',
      ],
      [{ type: 'UPDATE', resource: 'NOTE', resourceId: aliceIds.note, data: { body: 'overwritten by mallory' } }, 'Invalid resourceId at mutation[0]'],
      [{ type: 'UPDATE', resource: 'COLLECTION', resourceId: aliceIds.collection, data: { name: 'Mine now' } }, 'Invalid resourceId at mutation[0]'],
      [{ type: 'UPDATE', resource: 'READING_SESSION', resourceId: aliceIds.session, data: { verseNumber: 1 } }, 'Invalid resourceId at mutation[0]'],
      [
        { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: aliceIds.collection, type: 'ayah', key: 1, verseNumber: 1 } },
        'Invalid collectionId at mutation[0]',
      ],
    ];
    for (const [mutation, message] of attempts) {
      const res = await mallory.push(await mallory.head(), [mutation]);
      expect(res.status).toBe(422);
      expect(res.body.error.message).toBe(message);
    }
    // A link by a composite id of Alice's, like one of ids nobody has, names the field Mallory sent.
    const byComposite = await mallory.push(-1, [
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', resourceId: `${aliceIds.collection}-${aliceIds.bookmark}` },
    ]);
    expect(byComposite.body.error.message).toBe('Invalid resourceId at mutation[0]');
    // Deleting Alice's ids is acknowledged without effect, exactly like deleting ids nobody has (a delete of
    // something gone never fails a push): the same acks but for the id sent, no data, at Mallory's head (-1).
    // And Mallory still has no history: a no-op creates not even her default collection.
    const deletes = (ids: Record<string, string | undefined>) => [
      { type: 'DELETE', resource: 'BOOKMARK', resourceId: ids.bookmark },
      { type: 'DELETE', resource: 'NOTE', resourceId: ids.note },
      { type: 'DELETE', resource: 'COLLECTION', resourceId: ids.collection },
      { type: 'DELETE', resource: 'READING_SESSION', resourceId: ids.session },
      { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: `${ids.collection}-${ids.bookmark}` },
    ];
    const nobodys = { bookmark: 'nobodysBookmark', note: 'nobodysNote', collection: 'nobodysCollection', session: 'nobodysSession' };
    const onAlice = await mallory.push(-1, deletes(aliceIds));
    const onNobody = await mallory.push(-1, deletes(nobodys));
    expect(onAlice.status).toBe(200);
    expect(onNobody.status).toBe(200);
    const withoutIds = (res: typeof onAlice) =>
      res.body.data.mutations.map((m: any) => ({ ...m, resourceId: null, data: m.data && { ...m.data, collectionId: null, bookmarkId: null } }));
    expect(withoutIds(onAlice)).toEqual(withoutIds(onNobody));
    expect(onAlice.body.data.mutations[0]).toEqual({ type: 'DELETE', resource: 'BOOKMARK', resourceId: aliceIds.bookmark, data: null, timestamp: -1 });
    expect(onAlice.body.data.lastMutationAt).toBe(-1);
    expect(await mallory.head()).toBe(-1);
    // Mallory's own default collection exists only after a write of hers; her links cannot reach Alice's bookmark.
    await mallory.push(-1, [{ type: 'CREATE', resource: 'COLLECTION', data: { name: 'M' } }]);
    const link = await mallory.push(await mallory.head(), [
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', bookmarkId: aliceIds.bookmark } },
    ]);
    expect(link.body.error.message).toBe('Invalid bookmarkId at mutation[0]');

    const direct: Array<[string, string, unknown?]> = [
      ['GET', `/notes/${aliceIds.note}`],
      ['PATCH', `/notes/${aliceIds.note}`, { body: 'overwritten by mallory' }],
      ['DELETE', `/notes/${aliceIds.note}`],
      ['DELETE', `/bookmarks/${aliceIds.bookmark}`],
      ['GET', `/collections/${aliceIds.collection}`],
      ['POST', `/collections/${aliceIds.collection}`, { name: 'Mine now' }],
      ['DELETE', `/collections/${aliceIds.collection}`],
      ['POST', `/collections/${aliceIds.collection}/bookmarks`, { type: 'ayah', key: 1, verseNumber: 1 }],
      ['DELETE', `/collections/${aliceIds.collection}/bookmarks/${aliceIds.bookmark}`],
    ];
    for (const [method, path, body] of direct) {
      const res = await mallory.request(method, path, { query: { lastMutationAt: await mallory.head() }, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('alice private');
    }
    // Nothing of Alice's shows up for Mallory, and Alice's data is untouched.
    const seen = JSON.stringify((await mallory.pullAll(0)).mutations);
    for (const id of Object.values(aliceIds)) expect(seen).not.toContain(id);
    expect((await mallory.request('GET', '/notes')).body.data).toEqual([]);
    expect(await alice.pullAll(0)).toEqual(before);
  });
});
