import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

describe('user sync: direct endpoints', () => {
  let server: TestServer;
  let users = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A client that sends the head it last saw with every write, as the Data Sync guide asks. */
  function user() {
    const client = new SyncTestClient(server, { userId: `direct-${++users}` });
    let head = -1;
    const write = async (method: string, path: string, body?: unknown, extraQuery: Record<string, unknown> = {}) => {
      const res = await client.request(method, path, { query: { lastMutationAt: head, ...extraQuery }, ...(body !== undefined ? { body } : {}) });
      if (res.status === 200) {
        const at = Number(res.headers.get('x-mutation-at'));
        expect(at).toBeGreaterThanOrEqual(head);
        head = at;
      }
      return res;
    };
    return { client, write, head: () => head, get: (path: string, query: Record<string, unknown> = {}) => client.request('GET', path, { query }) };
  }

  it('bookmarks: add-or-update by details, lookups, lists, delete — each write a mutation with X-Mutation-At', async () => {
    const u = user();
    const added = await u.write('POST', '/bookmarks', { type: 'ayah', key: 2, verseNumber: 255, mushafId: 4 });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      success: true,
      data: {
        id: expect.any(String),
        createdAt: expect.any(String),
        type: 'ayah',
        key: 2,
        verseNumber: 255,
        group: 'verses',
        isInDefaultCollection: false,
        isReading: false,
        collectionsCount: 0,
        mushafId: 4,
      },
    });
    const id = added.body.data.id;
    // The same details again: the same bookmark, now the reading one.
    const again = await u.write('POST', '/bookmarks', { type: 'ayah', key: 2, verseNumber: 255, mushafId: 4, isReading: true });
    expect(again.body.data).toMatchObject({ id, isReading: true });
    await u.write('POST', '/bookmarks', { type: 'surah', key: 18, mushafId: 4 });
    await u.write('POST', '/bookmarks', { type: 'ayah', key: 2, verseNumber: 100, mushafId: 4 });

    const byDetails = await u.get('/bookmarks/bookmark', { type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 });
    expect(byDetails.body.data).toMatchObject({ id, isReading: true });
    expect((await u.get('/bookmarks/bookmark', { isReading: true, mushaf: 4 })).body.data.id).toBe(id);
    expect((await u.get('/bookmarks/bookmark', { type: 'ayah', key: 2, verseNumber: 254, mushaf: 4 })).body).toEqual({ success: true, data: null });

    const ayahs = await u.get('/bookmarks', { mushafId: 4 });
    expect(ayahs.body.data.map((b: any) => b.verseNumber)).toEqual([100, 255]);
    expect(ayahs.body.pagination).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect((await u.get('/bookmarks', { type: 'surah' })).body.data.map((b: any) => b.key)).toEqual([18]);
    const firstOnly = await u.get('/bookmarks', { first: 1 });
    expect(firstOnly.body.data).toHaveLength(1);
    expect(firstOnly.body.pagination.hasNextPage).toBe(true);
    const next = await u.get('/bookmarks', { first: 1, after: firstOnly.body.pagination.endCursor });
    expect(next.body.data[0].id).not.toBe(firstOnly.body.data[0].id);
    expect(next.body.pagination).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await u.get('/bookmarks', { first: 21 })).status).toBe(422);

    const range = await u.get('/bookmarks/ayahs-range', { chapterNumber: 2, rangeStartAyahNumber: 1, rangeEndAyahNumber: 200, mushafId: 4 });
    expect(range.body.data).toEqual([
      {
        id: expect.any(String),
        createdAt: expect.any(String),
        bookmarkType: 'ayah',
        key: 2,
        verseNumber: 100,
        bookmarkGroup: 'verses',
        isInDefaultCollection: false,
        isReading: false,
      },
    ]);
    expect((await u.get('/bookmarks/ayahs-range', { chapterNumber: 2, rangeStartAyahNumber: 1, rangeEndAyahNumber: 287 })).status).toBe(422);

    const deleted = await u.write('DELETE', `/bookmarks/${id}`);
    expect(deleted.body).toEqual({ success: true, data: {} });
    expect((await u.get('/bookmarks/bookmark', { type: 'ayah', key: 2, verseNumber: 255, mushaf: 4 })).body.data).toBeNull();
    // Every write is in the sync feed, in order.
    const feed = await u.client.pullAll(0);
    expect(feed.lastMutationAt).toBe(u.head());
    expect(feed.mutations.filter((m: any) => m.resource === 'BOOKMARK').map((m: any) => m.data.key)).toEqual([18, 2]);
  });

  it('refuses invalid details with 422 and unknown ids with 404, in the standard envelope', async () => {
    const u = user();
    const bad = await u.write('POST', '/bookmarks', { type: 'ayah', key: 1, verseNumber: 8 });
    expect(bad.status).toBe(422);
    expect(bad.body).toEqual({ message: 'Invalid verseNumber', type: 'unprocessable_entity', success: false });
    expect((await u.write('POST', '/bookmarks', { type: 'juz', key: 31 })).body.message).toBe('Invalid key');
    expect((await u.write('POST', '/notes', { body: 'tiny', ranges: ['1:1'] })).body.message).toBe('Invalid body');
    const notJson = await u.client.request('POST', '/notes', { query: { lastMutationAt: -1 }, rawBody: '{oops' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ success: false, type: 'invalid_request' });
    expect((await u.write('DELETE', '/notes/nosuchnote')).status).toBe(404);
    expect((await u.get('/notes/nosuchnote')).status).toBe(404);
  });

  it('checks lastMutationAt on every write: 409 when stale, 400 when missing', async () => {
    const u = user();
    await u.write('POST', '/collections', { name: 'One' });
    const stale = await u.client.request('POST', '/collections', { query: { lastMutationAt: -1 }, body: { name: 'Two' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      success: false,
      error: { code: 'OutOfSyncError', message: 'Invalid lastMutationAt, please re-sync your data and try again.' },
    });
    const missing = await u.client.request('POST', '/collections', { body: { name: 'Two' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ success: false, type: 'invalid_request' });
    const viaHeader = await u.client.request('POST', '/collections', { body: { name: 'Two' }, headers: { 'x-mutation-at': String(u.head()) } });
    expect(viaHeader.status).toBe(200);
    expect(Number(viaHeader.headers.get('x-mutation-at'))).toBeGreaterThan(u.head());
  });

  it('accepts writes without lastMutationAt when the server runs with lenient direct writes', async () => {
    // A second server on the same database: only the lenient switch differs.
    const lenient = await startTestServer({ database: server.database, userSync: { lenientDirectWrites: true } });
    try {
      const client = new SyncTestClient(lenient, { userId: 'legacy' });
      const res = await client.request('POST', '/reading-sessions', { body: { chapterNumber: 1, verseNumber: 1 } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-mutation-at')).toMatch(/^\d+$/);
      // A value, when sent, is still checked.
      expect((await client.request('POST', '/reading-sessions', { query: { lastMutationAt: -1 }, body: { chapterNumber: 1, verseNumber: 2 } })).status).toBe(
        409,
      );
    } finally {
      await lenient.close();
    }
  });

  it('collections: create by name, list, rename, items, __default__, links by details and id, delete', async () => {
    const u = user();
    const created = await u.write('POST', '/collections', { name: 'Stories' });
    expect(created.body.data).toEqual({
      id: expect.any(String),
      name: 'Stories',
      slug: 'stories',
      isPrivate: false,
      isDefault: false,
      modifiable: true,
      updatedAt: expect.any(String),
      url: null,
      bookmarksCount: 0,
      resourcesCount: 0,
      count: 0,
    });
    const stories = created.body.data.id;
    expect((await u.write('POST', '/collections', { name: 'Stories' })).body.data.id).toBe(stories);
    const added = await u.write('POST', `/collections/${stories}/bookmarks`, { type: 'ayah', key: 12, verseNumber: 4, mushaf: 4 });
    expect(added.body.data).toMatchObject({
      message: 'collection bookmark added',
      collectionId: stories,
      bookmark: { key: 12, verseNumber: 4, collectionsCount: 1 },
    });
    const bookmarkId = added.body.data.bookmark.id;
    const fav = await u.write('POST', '/collections/__default__/bookmarks', { bookmarkId });
    expect(fav.body.data.bookmark).toMatchObject({ id: bookmarkId, isInDefaultCollection: true, collectionsCount: 2 });

    const list = await u.get('/collections', { sortBy: 'alphabetical' });
    expect(list.body.data.map((c: any) => [c.name, c.isDefault, c.bookmarksCount])).toEqual([
      ['Favorites', true, 1],
      ['Stories', false, 1],
    ]);
    const items = await u.get(`/collections/${stories}`);
    expect(items.body.data.collection).toMatchObject({ id: stories, name: 'Stories', bookmarksCount: 1 });
    expect(items.body.data.bookmarks.map((b: any) => b.id)).toEqual([bookmarkId]);
    expect((await u.get('/collections/__default__')).body.data.collection).toMatchObject({ name: 'Favorites', isDefault: true, modifiable: false });
    const all = await u.get('/collections/all', { sortBy: 'verseKey' });
    expect(all.body.data.map((b: any) => b.collectionName).sort()).toEqual(['Favorites', 'Stories']);
    const ofBookmark = await u.get('/bookmarks/collections', { type: 'ayah', key: 12, verseNumber: 4, mushafId: 4 });
    expect(ofBookmark.body.data.map((c: any) => c.name).sort()).toEqual(['Favorites', 'Stories']);

    const renamed = await u.write('POST', `/collections/${stories}`, { name: 'Prophets' });
    expect(renamed.body.data).toMatchObject({ name: 'Prophets', slug: 'prophets', bookmarksCount: 1 });
    expect((await u.write('POST', '/collections/__default__', { name: 'Renamed' })).body.message).toBe('The default collection cannot be renamed');
    expect((await u.write('DELETE', '/collections/__default__')).status).toBe(422);

    // Removing from Favorites by details keeps the bookmark (it is still in Prophets)...
    expect((await u.write('DELETE', '/collections/__default__/bookmarks', { type: 'ayah', key: 12, verseNumber: 4, mushaf: 4 })).status).toBe(200);
    expect((await u.get('/bookmarks/bookmark', { type: 'ayah', key: 12, verseNumber: 4, mushaf: 4 })).body.data).toMatchObject({
      id: bookmarkId,
      isInDefaultCollection: false,
    });
    // ...removing it from its last collection deletes it (QF's orphan rule).
    expect((await u.write('DELETE', `/collections/${stories}/bookmarks/${bookmarkId}`)).status).toBe(200);
    expect((await u.get('/bookmarks/bookmark', { type: 'ayah', key: 12, verseNumber: 4, mushaf: 4 })).body.data).toBeNull();
    expect((await u.write('DELETE', `/collections/${stories}`)).body).toEqual({ success: true, data: {} });
    expect((await u.get(`/collections/${stories}`)).status).toBe(404);
  });

  it('notes: create, read, patch, by verse, by range, counts, cursor pages, delete', async () => {
    const u = user();
    const a = await u.write('POST', '/notes', { body: 'On the throne verse', ranges: ['2:255-2:257'], saveToQR: true });
    expect(a.body.data).toEqual({
      id: expect.any(String),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      body: 'On the throne verse',
      ranges: ['2:255-2:257'],
      saveToQR: true,
      attachedEntities: [],
      source: null,
    });
    const b = await u.write('POST', '/notes', { body: 'On the last verses', ranges: ['2:285-2:286', '2:256'] });
    const c = await u.write('POST', '/notes', { body: 'On Al-Fatiha', ranges: ['1:1-1:7'] });
    expect((await u.get(`/notes/${a.body.data.id}`)).body.data.body).toBe('On the throne verse');
    const patched = await u.write('PATCH', `/notes/${a.body.data.id}`, { body: 'On the throne verse, revised' });
    expect(patched.body.data).toMatchObject({ body: 'On the throne verse, revised', ranges: ['2:255-2:257'] });

    expect((await u.get('/notes/by-verse/2:256')).body.data.map((n: any) => n.id).sort()).toEqual([a.body.data.id, b.body.data.id].sort());
    expect((await u.get('/notes/by-verse/1:4')).body.data.map((n: any) => n.id)).toEqual([c.body.data.id]);
    expect((await u.get('/notes/by-verse/1:8')).status).toBe(422);
    expect((await u.get('/notes/by-range', { range: '2:250-2:255' })).body.data.map((n: any) => n.id)).toEqual([a.body.data.id]);
    expect((await u.get('/notes/count-within-range', { range: '2:254-2:257' })).body.data).toEqual({ '2:255': 1, '2:256': 2, '2:257': 1 });

    const newest = await u.get('/notes', { limit: 2 });
    expect(newest.body.data.map((n: any) => n.id)).toEqual([c.body.data.id, b.body.data.id]);
    expect(newest.body.pagination.hasNextPage).toBe(true);
    const rest = await u.get('/notes', { limit: 2, cursor: newest.body.pagination.endCursor });
    expect(rest.body.data.map((n: any) => n.id)).toEqual([a.body.data.id]);
    expect((await u.get('/notes', { sortBy: 'oldest', limit: 1 })).body.data[0].id).toBe(a.body.data.id);
    expect((await u.get('/notes', { limit: 51 })).status).toBe(422);

    // Mobile clients send Content-Type: application/json on bodiless DELETEs.
    const del = await u.client.request('DELETE', `/notes/${b.body.data.id}`, {
      query: { lastMutationAt: u.head() },
      headers: { 'content-type': 'application/json' },
    });
    expect(del.status).toBe(200);
    expect((await u.get('/notes/count-within-range', { from: '2:254', to: '2:257' })).body.data).toEqual({ '2:255': 1, '2:256': 1, '2:257': 1 });
    expect((await u.get(`/notes/${b.body.data.id}`)).status).toBe(404);
  });

  it('reading sessions: the session touched in the last 20 minutes follows the reader; an older one does not', async () => {
    const u = user();
    const first = await u.write('POST', '/reading-sessions', { chapterNumber: 18, verseNumber: 1 });
    expect(first.body.data).toMatchObject({ chapterNumber: 18, verseNumber: 1, message: 'reading session created' });
    const moved = await u.write('POST', '/reading-sessions', { chapterNumber: 18, verseNumber: 10 });
    expect(moved.body.data).toMatchObject({ id: first.body.data.id, verseNumber: 10, message: 'reading session updated' });
    // Pretend the reader stopped 21 minutes ago.
    await server.database.db
      .updateTable('user_reading_sessions')
      .set({ updated_at: new Date(Date.now() - 21 * 60_000) })
      .where('id', '=', first.body.data.id)
      .execute();
    const later = await u.write('POST', '/reading-sessions', { chapterNumber: 36, verseNumber: 1 });
    expect(later.body.data.id).not.toBe(first.body.data.id);
    const list = await u.get('/reading-sessions');
    expect(list.body.data.map((s: any) => [s.chapterNumber, s.verseNumber])).toEqual([
      [36, 1],
      [18, 10],
    ]);
    expect((await u.write('POST', '/reading-sessions', { chapterNumber: 115, verseNumber: 1 })).status).toBe(422);
  });

  it('preferences: one key, bulk groups, value rules, and the same data on pulls', async () => {
    const u = user();
    const one = await u.write('POST', '/preferences', { group: 'theme', key: 'type', value: 'dark' }, { mushafId: 4 });
    expect(one.body).toEqual({ success: true, data: { theme: { type: 'dark' } } });
    const bulk = await u.write('POST', '/preferences/bulk', { quranReaderStyles: { quranTextFontScale: 5, quranFont: 'code_v2' }, audio: { reciter: 7 } });
    expect(bulk.body.data).toEqual({ audio: { reciter: 7 }, quranReaderStyles: { quranTextFontScale: 5, quranFont: 'code_v2' }, theme: { type: 'dark' } });
    await u.write('POST', '/preferences', { group: 'quranReaderStyles', key: 'translationFontScale', value: 3 });
    expect((await u.get('/preferences')).body.data.quranReaderStyles).toEqual({ quranTextFontScale: 5, quranFont: 'code_v2', translationFontScale: 3 });
    expect((await u.write('POST', '/preferences', { group: 'quranReaderStyles', key: 'wordByWordFontScale', value: 7 })).status).toBe(422);
    expect((await u.write('POST', '/preferences', { group: 'theme', key: 'colour', value: 'red' })).status).toBe(422);
    expect((await u.write('POST', '/preferences/bulk', { nonsense: {} })).status).toBe(422);
    expect((await u.write('POST', '/preferences', { group: 'theme', key: 'type', value: 'dark' }, { mushafId: 8 })).status).toBe(422);
    const pulled = (await u.client.pullAll(0)).mutations.filter((m: any) => m.resource === 'PREFERENCE').map((m: any) => m.data);
    expect(pulled).toEqual(
      expect.arrayContaining([
        { group: 'theme', value: { type: 'dark' } },
        { group: 'audio', value: { reciter: 7 } },
      ]),
    );
  });

  it('needs the child action scope of the resource', async () => {
    const reader = new SyncTestClient(server, { userId: 'scoped', scopes: ['bookmark.read', 'note.read'] });
    expect((await reader.request('GET', '/bookmarks')).status).toBe(200);
    expect((await reader.request('POST', '/bookmarks', { query: { lastMutationAt: -1 }, body: { type: 'surah', key: 1 } })).status).toBe(403);
    expect((await reader.request('GET', '/collections')).status).toBe(403);
    const parent = new SyncTestClient(server, { userId: 'scoped', scopes: ['collection'] });
    expect((await parent.request('POST', '/collections', { query: { lastMutationAt: -1 }, body: { name: 'x' } })).status).toBe(200);
  });
});
