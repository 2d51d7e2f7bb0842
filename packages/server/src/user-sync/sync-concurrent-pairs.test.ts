import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';
import { purgeUserSyncData } from './user-sync-jobs.js';

/**
 * Concurrent edits from two devices of one user (docs/user-sync.md, "Concurrent edits: what the server does").
 * Both devices start from the same head; the first pushes, the second pushes from the stale head (409), pulls
 * the head and pushes the same mutations again, as a well-behaved client does. That second push must be 200,
 * never 422, in either order; each test checks the acks and the final state from a full pull.
 */
const ayah = (key: number, verseNumber: number) => ({ type: 'ayah', key, verseNumber, mushaf: 4 });
const ORDERS = ['first device first', 'second device first'] as const;

interface Device {
  readonly client: SyncTestClient;
  /** The head this device last saw. */
  head: number;
  /** Pushes from the head it saw; must be 200. */
  push(mutations: unknown[]): Promise<{ mutations: any[]; lastMutationAt: number }>;
  /** Pushes from a stale head (409), pulls the head, pushes again; the second answer must be 200. */
  pushAfterConflict(mutations: unknown[]): Promise<{ mutations: any[]; lastMutationAt: number }>;
  sync(): Promise<void>;
}

/** What a full pull says the user has: live resources only. */
interface State {
  head: number;
  bookmarks: Array<{ id: string; at: string; isReading: boolean; isInDefaultCollection: boolean }>;
  collections: string[];
  links: string[];
  notes: Array<{ id: string; body: string }>;
  sessions: Array<{ id: string; at: string }>;
  preferences: Record<string, unknown>;
}

describe('user sync: concurrent edits of two devices never end in 422', () => {
  let server: TestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  function device(userId: string): Device {
    const client = new SyncTestClient(server, { userId });
    const d: Device = {
      client,
      head: -1,
      async push(mutations) {
        const res = await client.push(d.head, mutations);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(Number(res.headers.get('x-mutation-at'))).toBe(res.body.data.lastMutationAt);
        d.head = res.body.data.lastMutationAt;
        return res.body.data;
      },
      async pushAfterConflict(mutations) {
        const stale = await client.push(d.head, mutations);
        expect(stale.status, JSON.stringify(stale.body)).toBe(409);
        await d.sync();
        return d.push(mutations);
      },
      async sync() {
        d.head = await client.head();
      },
    };
    return d;
  }

  /** Two devices of a new user; `seed` is pushed by the first, then both know the head. */
  async function pair(seed: unknown[] = []): Promise<{ a: Device; b: Device; seeded: any[]; state(): Promise<State> }> {
    const userId = `pairs-${++n}`;
    const a = device(userId);
    const b = device(userId);
    const seeded = seed.length > 0 ? (await a.push(seed)).mutations : [];
    await b.sync();
    return { a, b, seeded, state: () => stateOf(a.client) };
  }

  async function stateOf(client: SyncTestClient): Promise<State> {
    const { mutations, lastMutationAt } = await client.pullAll(0);
    expect(mutations.every((e) => e.type !== 'DELETE')).toBe(true);
    const of = (resource: string) => mutations.filter((e) => e.resource === resource);
    const byId = <T extends { id: string }>(list: T[]) => list.sort((x, y) => (x.id < y.id ? -1 : 1));
    return {
      head: lastMutationAt,
      bookmarks: byId(
        of('BOOKMARK').map((e) => ({
          id: e.resourceId,
          at: `${e.data.type}:${e.data.key}:${e.data.verseNumber}`,
          isReading: e.data.isReading,
          isInDefaultCollection: e.data.isInDefaultCollection,
        })),
      ),
      collections: of('COLLECTION')
        .map((e) => e.data.name)
        .sort(),
      links: of('COLLECTION_BOOKMARK')
        .map((e) => `${e.data.collectionId}-${e.data.bookmarkId}`)
        .sort(),
      notes: byId(of('NOTE').map((e) => ({ id: e.resourceId, body: e.data.body }))),
      sessions: byId(of('READING_SESSION').map((e) => ({ id: e.resourceId, at: `${e.data.chapterNumber}:${e.data.verseNumber}` }))),
      preferences: Object.fromEntries(of('PREFERENCE').map((e) => [e.data.group, e.data.value])),
    };
  }

  it('reproduction: DELETE of a link by location after its bookmark was deleted and bookmarked again is 200, a no-op', async () => {
    const { a, state } = await pair();
    const linked = await a.push([{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'surah', key: 36 } }]);
    const { collectionId: favorites, bookmarkId: b1 } = linked.mutations[0].data;
    const deleted = await a.push([{ type: 'DELETE', resource: 'BOOKMARK', resourceId: b1 }]);
    const recreated = await a.push([{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'surah', key: 36, mushaf: 4 } }]);
    const b2 = recreated.mutations[0].resourceId;
    expect(b2).not.toBe(b1);
    const before = await a.client.pullAll(0);

    const res = await a.push([{ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'surah', key: 36, mushaf: 4 } }]);
    // Acked with the link that was there (the gone one, to b1), at the timestamp of its deletion; nothing recorded.
    const linkDeletedAt = (await a.client.pull({ mutationsSince: linked.lastMutationAt })).body.data.mutations.find(
      (e: any) => e.resource === 'COLLECTION_BOOKMARK',
    ).timestamp;
    expect(linkDeletedAt).toBeLessThan(deleted.lastMutationAt);
    expect(res).toEqual({
      mutations: [
        {
          type: 'DELETE',
          resource: 'COLLECTION_BOOKMARK',
          resourceId: `${favorites}-${b1}`,
          data: { collectionId: favorites, bookmarkId: b1, type: 'surah', key: 36, verseNumber: null, clientCreatedAt: null, clientUpdatedAt: null },
          timestamp: linkDeletedAt,
        },
      ],
      lastMutationAt: recreated.lastMutationAt,
    });
    expect(await a.client.pullAll(0)).toEqual(before);
    expect((await state()).bookmarks).toEqual([{ id: b2, at: 'surah:36:null', isReading: false, isInDefaultCollection: false }]);
  });

  describe('delete vs link', () => {
    for (const order of ORDERS) {
      it(`link CREATE into a collection another device deleted: the deletion wins, nothing is created (${order})`, async () => {
        const { a, b, seeded, state } = await pair([
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Dua' } },
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(2, 255) },
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(2, 201) },
        ]);
        const [dua, kursi, rabbana] = seeded.map((m) => m.resourceId);
        const deletion = [{ type: 'DELETE', resource: 'COLLECTION', resourceId: dua }];
        const links = [
          // A location nobody bookmarked, a location with a live bookmark, and a bookmark by id.
          { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: dua, ...ayah(2, 286), clientCreatedAt: '2025-03-01T10:00:00Z' } },
          { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: dua, ...ayah(2, 255) } },
          { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: dua, bookmarkId: rabbana } },
        ];
        if (order === 'first device first') {
          const deleted = await a.push(deletion);
          const res = await b.pushAfterConflict(links);
          const at = deleted.mutations[0].timestamp;
          const sent = { type: 'ayah', key: 2, clientCreatedAt: null, clientUpdatedAt: null };
          expect(res).toEqual({
            mutations: [
              {
                type: 'CREATE',
                resource: 'COLLECTION_BOOKMARK',
                resourceId: null,
                data: { ...sent, collectionId: dua, bookmarkId: null, verseNumber: 286, clientCreatedAt: '2025-03-01T10:00:00.000Z' },
                timestamp: at,
              },
              {
                type: 'CREATE',
                resource: 'COLLECTION_BOOKMARK',
                resourceId: `${dua}-${kursi}`,
                data: { ...sent, collectionId: dua, bookmarkId: kursi, verseNumber: 255 },
                timestamp: at,
              },
              {
                type: 'CREATE',
                resource: 'COLLECTION_BOOKMARK',
                resourceId: `${dua}-${rabbana}`,
                data: { ...sent, collectionId: dua, bookmarkId: rabbana, verseNumber: 201 },
                timestamp: at,
              },
            ],
            lastMutationAt: deleted.lastMutationAt,
          });
        } else {
          await b.push(links);
          await a.pushAfterConflict(deletion);
        }
        // Either way: no Dua, no links, no bookmark at 2:286 (created then orphaned, or never created).
        const final = await state();
        expect(final.collections).toEqual(['Favorites']);
        expect(final.links).toEqual([]);
        expect(final.bookmarks.map((x) => x.at).sort()).toEqual(order === 'first device first' ? ['ayah:2:201', 'ayah:2:255'] : []);
      });

      it(`link CREATE by bookmarkId of a bookmark another device deleted (${order})`, async () => {
        const { a, b, seeded, state } = await pair([
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(3, 7) },
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Later' } },
        ]);
        const [bookmark, later] = seeded.map((m) => m.resourceId);
        const deletion = [{ type: 'DELETE', resource: 'BOOKMARK', resourceId: bookmark }];
        const link = [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: later, bookmarkId: bookmark } }];
        if (order === 'first device first') {
          const deleted = await a.push(deletion);
          const res = await b.pushAfterConflict(link);
          expect(res).toEqual({
            mutations: [
              {
                type: 'CREATE',
                resource: 'COLLECTION_BOOKMARK',
                resourceId: `${later}-${bookmark}`,
                data: { collectionId: later, bookmarkId: bookmark, type: 'ayah', key: 3, verseNumber: 7, clientCreatedAt: null, clientUpdatedAt: null },
                timestamp: deleted.mutations[0].timestamp,
              },
            ],
            lastMutationAt: deleted.lastMutationAt,
          });
        } else {
          await b.push(link);
          await a.pushAfterConflict(deletion);
        }
        const final = await state();
        expect(final.bookmarks).toEqual([]);
        expect(final.links).toEqual([]);
        expect(final.collections).toEqual(['Favorites', 'Later']);
      });
    }

    it('a collection or bookmark id this user never had stays 422, naming the field sent', async () => {
      const { a } = await pair([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(1, 1) }]);
      const refused: Array<[unknown, string]> = [
        [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: 'neverACollection', ...ayah(1, 2) } }, 'Invalid collectionId at mutation[0]'],
        [
          { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', bookmarkId: 'neverABookmark' } },
          'Invalid bookmarkId at mutation[0]',
        ],
        [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', resourceId: 'neverACollection-neverABookmark' }, 'Invalid resourceId at mutation[0]'],
      ];
      for (const [mutation, message] of refused) {
        const res = await a.client.push(a.head, [mutation]);
        expect(res.status).toBe(422);
        expect(res.body.error).toEqual({ code: 'ValidationError', message });
      }
    });
  });

  describe('delete vs update', () => {
    for (const order of ORDERS) {
      it(`UPDATE of a note, bookmark, collection or session another device deleted revives it (${order})`, async () => {
        const { a, b, seeded, state } = await pair([
          { type: 'CREATE', resource: 'NOTE', data: { body: 'On patience', ranges: ['2:153'] } },
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(2, 153) },
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Sabr' } },
          { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 2, verseNumber: 153 } },
        ]);
        const [note, bookmark, collection, session] = seeded.map((m) => m.resourceId);
        const deletions = [
          { type: 'DELETE', resource: 'NOTE', resourceId: note },
          { type: 'DELETE', resource: 'BOOKMARK', resourceId: bookmark },
          { type: 'DELETE', resource: 'COLLECTION', resourceId: collection },
          { type: 'DELETE', resource: 'READING_SESSION', resourceId: session },
        ];
        const updates = [
          { type: 'UPDATE', resource: 'NOTE', resourceId: note, data: { body: 'On patience, revised' } },
          { type: 'UPDATE', resource: 'BOOKMARK', resourceId: bookmark, data: { isReading: true } },
          { type: 'UPDATE', resource: 'COLLECTION', resourceId: collection, data: { name: 'Patience' } },
          { type: 'UPDATE', resource: 'READING_SESSION', resourceId: session, data: { chapterNumber: 2, verseNumber: 155 } },
        ];
        if (order === 'first device first') {
          const deleted = await a.push(deletions);
          const res = await b.pushAfterConflict(updates);
          // Upserts: each comes back under its id, as a mutation of its own.
          expect(res.mutations.map((m) => [m.type, m.resource, m.resourceId])).toEqual(updates.map((u) => [u.type, u.resource, u.resourceId]));
          for (const m of res.mutations) expect(m.timestamp).toBeGreaterThan(deleted.lastMutationAt);
          const final = await state();
          expect(final.notes).toEqual([{ id: note, body: 'On patience, revised' }]);
          expect(final.bookmarks).toEqual([{ id: bookmark, at: 'ayah:2:153', isReading: true, isInDefaultCollection: false }]);
          expect(final.collections).toEqual(['Favorites', 'Patience']);
          expect(final.sessions).toEqual([{ id: session, at: '2:155' }]);
          // Revived: a pull since the deletion sees them created again.
          const since = (await b.client.pull({ mutationsSince: deleted.lastMutationAt })).body.data.mutations;
          expect(since.map((e: any) => e.type)).toEqual(['CREATE', 'CREATE', 'CREATE', 'CREATE']);
        } else {
          await b.push(updates);
          await a.pushAfterConflict(deletions);
          const final = await state();
          expect([final.notes, final.bookmarks, final.sessions]).toEqual([[], [], []]);
          expect(final.collections).toEqual(['Favorites']);
        }
      });
    }
  });

  describe('cascade vs link by location', () => {
    for (const order of ORDERS) {
      it(`a collection deleted with its link and orphaned bookmark, and a link by location into another collection (${order})`, async () => {
        const { a, b, seeded, state } = await pair([
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'A' } },
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'B' } },
        ]);
        const [collectionA, collectionB] = seeded.map((m) => m.resourceId);
        const linkedA = await a.push([{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collectionA, ...ayah(5, 5) } }]);
        const original = linkedA.mutations[0].data.bookmarkId;
        await b.sync();
        const deletion = [{ type: 'DELETE', resource: 'COLLECTION', resourceId: collectionA }];
        const link = [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collectionB, ...ayah(5, 5) } }];
        let kept: string;
        if (order === 'first device first') {
          await a.push(deletion);
          const res = await b.pushAfterConflict(link);
          // The orphaned bookmark is gone: a new one is created at that location, under a new id.
          kept = res.mutations[0].data.bookmarkId;
          expect(kept).not.toBe(original);
          expect(res.mutations[0]).toMatchObject({ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', resourceId: `${collectionB}-${kept}` });
        } else {
          await b.push(link);
          // The bookmark is in B too now, so deleting A does not orphan it.
          await a.pushAfterConflict(deletion);
          kept = original;
        }
        const final = await state();
        expect(final.bookmarks).toEqual([{ id: kept, at: 'ayah:5:5', isReading: false, isInDefaultCollection: false }]);
        expect(final.links).toEqual([`${collectionB}-${kept}`]);
        expect(final.collections).toEqual(['B', 'Favorites']);
      });
    }
  });

  describe('re-created at a location', () => {
    for (const order of ORDERS) {
      it(`deleted and bookmarked again on one device; the other deletes the old id and the link by location (${order})`, async () => {
        const { a, b, state } = await pair();
        const linked = await a.push([{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'surah', key: 36 } }]);
        const { collectionId: favorites, bookmarkId: old } = linked.mutations[0].data;
        await b.sync();
        const recreate = [
          { type: 'DELETE', resource: 'BOOKMARK', resourceId: old },
          { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'surah', key: 36, mushaf: 4 } },
        ];
        const unlink = [
          { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'surah', key: 36, mushaf: 4 } },
          { type: 'DELETE', resource: 'BOOKMARK', resourceId: old },
        ];
        let fresh: string;
        if (order === 'first device first') {
          const recreated = await a.push(recreate);
          fresh = recreated.mutations[1].resourceId;
          const res = await b.pushAfterConflict(unlink);
          // Both no-ops, acked with what is gone, at its deletion; the head does not move.
          const [bookmarkDeleted] = recreated.mutations;
          expect(res.lastMutationAt).toBe(recreated.lastMutationAt);
          expect(res.mutations[0]).toMatchObject({
            type: 'DELETE',
            resource: 'COLLECTION_BOOKMARK',
            resourceId: `${favorites}-${old}`,
            data: { collectionId: favorites, bookmarkId: old },
          });
          expect(res.mutations[0].timestamp).toBeLessThan(bookmarkDeleted.timestamp);
          expect(res.mutations[1]).toEqual(bookmarkDeleted);
        } else {
          await b.push(unlink);
          const recreated = await a.pushAfterConflict(recreate);
          fresh = recreated.mutations[1].resourceId;
        }
        expect(fresh).not.toBe(old);
        const final = await state();
        expect(final.bookmarks).toEqual([{ id: fresh, at: 'surah:36:null', isReading: false, isInDefaultCollection: false }]);
        expect(final.links).toEqual([]);
      });
    }

    it('an UPDATE of the old id lands on the bookmark now at that location, acked with its id', async () => {
      const { a, b, seeded, state } = await pair([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(18, 10) }]);
      const old = seeded[0].resourceId;
      const recreated = await a.push([
        { type: 'DELETE', resource: 'BOOKMARK', resourceId: old },
        { type: 'CREATE', resource: 'BOOKMARK', data: ayah(18, 10) },
      ]);
      const fresh = recreated.mutations[1].resourceId;
      const res = await b.pushAfterConflict([
        { type: 'UPDATE', resource: 'BOOKMARK', resourceId: old, data: { isReading: true, clientUpdatedAt: '2025-03-01T10:00:00Z' } },
      ]);
      expect(res.mutations).toEqual([
        {
          type: 'UPDATE',
          resource: 'BOOKMARK',
          resourceId: fresh,
          data: expect.objectContaining({ type: 'ayah', key: 18, verseNumber: 10, isReading: true, clientUpdatedAt: '2025-03-01T10:00:00.000Z' }),
          timestamp: res.lastMutationAt,
        },
      ]);
      expect((await state()).bookmarks).toEqual([{ id: fresh, at: 'ayah:18:10', isReading: true, isInDefaultCollection: false }]);
      // Moving a live bookmark onto another live one is still refused: no well-behaved client sends that.
      const other = (await a.client.push(res.lastMutationAt, [{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(18, 11) }])).body.data;
      const move = await a.client.push(other.lastMutationAt, [
        { type: 'UPDATE', resource: 'BOOKMARK', resourceId: other.mutations[0].resourceId, data: ayah(18, 10) },
      ]);
      expect(move.status).toBe(422);
      expect(move.body.error.message).toBe('A bookmark already exists at this location at mutation[0]');
    });
  });

  describe('duplicate link', () => {
    for (const order of ORDERS) {
      it(`both devices add the same bookmark to a collection: the second gets the link as is (${order})`, async () => {
        const { a, b, seeded, state } = await pair([
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(36, 58) },
          { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Ya-Sin' } },
        ]);
        const [bookmark, collection] = seeded.map((m) => m.resourceId);
        const byId = [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collection, bookmarkId: bookmark } }];
        const byDetails = [{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collection, ...ayah(36, 58) } }];
        const [first, second] = order === 'first device first' ? [a, b] : [b, a];
        const added = await first.push(byId);
        const again = await second.pushAfterConflict(byDetails);
        expect(again).toEqual(added);
        expect((await state()).links).toEqual([`${collection}-${bookmark}`]);
      });
    }
  });

  describe('deleting what is already gone', () => {
    it('every resource deleted on both devices: the second push is all no-ops, acked like the first, head unchanged', async () => {
      const { a, b, seeded, state } = await pair([
        { type: 'CREATE', resource: 'NOTE', data: { body: 'To be removed', ranges: ['1:1'] } },
        { type: 'CREATE', resource: 'BOOKMARK', data: ayah(1, 2) },
        { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Gone' } },
        { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 1, verseNumber: 3 } },
        { type: 'CREATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'dark' } } },
      ]);
      const [note, bookmark, collection, session] = seeded.map((m) => m.resourceId);
      const linked = await a.push([
        { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collection, ...ayah(1, 4) } },
        { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(1, 5) } },
      ]);
      const [inGone, inFavorites] = linked.mutations.map((m) => m.data);
      await b.sync();
      const deletions = [
        { type: 'DELETE', resource: 'NOTE', resourceId: note },
        { type: 'DELETE', resource: 'BOOKMARK', resourceId: bookmark },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: `${inGone.collectionId}-${inGone.bookmarkId}` },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(1, 5) } },
        { type: 'DELETE', resource: 'COLLECTION', resourceId: collection },
        { type: 'DELETE', resource: 'READING_SESSION', resourceId: session },
        { type: 'DELETE', resource: 'PREFERENCE', resourceId: 'theme' },
      ];
      const first = await a.push(deletions);
      const second = await b.pushAfterConflict(deletions);
      expect(second).toEqual(first);
      expect(first.mutations[3]).toMatchObject({ resourceId: `${inFavorites.collectionId}-${inFavorites.bookmarkId}` });
      // And once more by the other ways of naming a link.
      const byIds = await b.push([
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collection, bookmarkId: inGone.bookmarkId } },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: collection, ...ayah(1, 4) } },
      ]);
      expect(byIds).toEqual({ mutations: [first.mutations[2], first.mutations[2]], lastMutationAt: first.lastMutationAt });
      const final = await state();
      expect(final.head).toBe(first.lastMutationAt);
      expect([final.notes, final.bookmarks, final.links, final.sessions, final.preferences]).toEqual([[], [], [], [], {}]);
    });

    it("ids this user does not have (never existed, purged tombstone, another user's): identical no-op acks", async () => {
      const { a } = await pair([{ type: 'CREATE', resource: 'NOTE', data: { body: 'Purged one day', ranges: ['1:1'] } }]);
      const purgedNote = (await a.client.pullAll(0)).mutations.find((e) => e.resource === 'NOTE').resourceId;
      await a.push([{ type: 'DELETE', resource: 'NOTE', resourceId: purgedNote }]);
      const purge = await purgeUserSyncData(server.database.db, {
        now: Date.now() + 31 * 86_400_000,
        idempotencyTtlMs: 86_400_000,
        tombstoneRetentionDays: 30,
      });
      expect(purge.tombstones).toBeGreaterThanOrEqual(1);
      const { a: other } = await pair([
        { type: 'CREATE', resource: 'NOTE', data: { body: 'Not yours to delete', ranges: ['1:1'] } },
        { type: 'CREATE', resource: 'BOOKMARK', data: ayah(1, 6) },
        { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Mine' } },
        { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 1, verseNumber: 6 } },
      ]);
      const others = (await other.client.pullAll(0)).mutations;
      const idOf = (resource: string, pick: (e: any) => boolean = () => true) => others.find((e) => e.resource === resource && pick(e)).resourceId;
      const otherIds = {
        NOTE: idOf('NOTE'),
        BOOKMARK: idOf('BOOKMARK'),
        COLLECTION: idOf('COLLECTION', (e) => !e.data.isDefault),
        READING_SESSION: idOf('READING_SESSION'),
      };
      const head = a.head;
      const cases: Array<[string, string]> = [
        ['NOTE', purgedNote],
        ['NOTE', 'neverANote'],
        ['NOTE', otherIds.NOTE],
        ['BOOKMARK', 'neverABookmark'],
        ['BOOKMARK', otherIds.BOOKMARK],
        ['COLLECTION', 'neverACollection'],
        ['COLLECTION', otherIds.COLLECTION],
        ['READING_SESSION', 'neverASession'],
        ['READING_SESSION', otherIds.READING_SESSION],
      ];
      const res = await a.push(cases.map(([resource, resourceId]) => ({ type: 'DELETE', resource, resourceId })));
      expect(res).toEqual({
        mutations: cases.map(([resource, resourceId]) => ({ type: 'DELETE', resource, resourceId, data: null, timestamp: head })),
        lastMutationAt: head,
      });
      // Links: the details sent, the collection resolved, the composite of what is known.
      const favorites = (await a.client.pullAll(0)).mutations.find((e) => e.resource === 'COLLECTION').resourceId;
      const links = await a.push([
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: `${otherIds.COLLECTION}-${otherIds.BOOKMARK}` },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(1, 6) } },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', bookmarkId: otherIds.BOOKMARK } },
      ]);
      const none = { type: null, key: null, verseNumber: null, clientCreatedAt: null, clientUpdatedAt: null };
      expect(links).toEqual({
        mutations: [
          {
            type: 'DELETE',
            resource: 'COLLECTION_BOOKMARK',
            resourceId: `${otherIds.COLLECTION}-${otherIds.BOOKMARK}`,
            data: { ...none, collectionId: otherIds.COLLECTION, bookmarkId: otherIds.BOOKMARK },
            timestamp: head,
          },
          {
            type: 'DELETE',
            resource: 'COLLECTION_BOOKMARK',
            resourceId: null,
            data: { ...none, collectionId: favorites, bookmarkId: null, type: 'ayah', key: 1, verseNumber: 6 },
            timestamp: head,
          },
          {
            type: 'DELETE',
            resource: 'COLLECTION_BOOKMARK',
            resourceId: `${favorites}-${otherIds.BOOKMARK}`,
            data: { ...none, collectionId: favorites, bookmarkId: otherIds.BOOKMARK },
            timestamp: head,
          },
        ],
        lastMutationAt: head,
      });
      // The default collection can still not be deleted.
      const refused = await a.client.push(head, [{ type: 'DELETE', resource: 'COLLECTION', resourceId: '__default__' }]);
      expect(refused.body.error.message).toBe('The default collection cannot be deleted at mutation[0]');
    });

    it('a brand-new user whose first push only deletes what it does not have: head stays -1, no default collection', async () => {
      const { a } = await pair();
      const res = await a.push([
        { type: 'DELETE', resource: 'NOTE', resourceId: 'someNote' },
        { type: 'DELETE', resource: 'PREFERENCE', resourceId: 'theme' },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', type: 'surah', key: 1 } },
        { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: '__default__-someBookmark' },
      ]);
      expect(res).toEqual({
        mutations: [
          { type: 'DELETE', resource: 'NOTE', resourceId: 'someNote', data: null, timestamp: -1 },
          { type: 'DELETE', resource: 'PREFERENCE', resourceId: 'theme', data: { group: 'theme', value: {} }, timestamp: -1 },
          {
            type: 'DELETE',
            resource: 'COLLECTION_BOOKMARK',
            resourceId: null,
            data: { collectionId: '__default__', bookmarkId: null, type: 'surah', key: 1, verseNumber: null, clientCreatedAt: null, clientUpdatedAt: null },
            timestamp: -1,
          },
          {
            type: 'DELETE',
            resource: 'COLLECTION_BOOKMARK',
            resourceId: '__default__-someBookmark',
            data: {
              collectionId: '__default__',
              bookmarkId: 'someBookmark',
              type: null,
              key: null,
              verseNumber: null,
              clientCreatedAt: null,
              clientUpdatedAt: null,
            },
            timestamp: -1,
          },
        ],
        lastMutationAt: -1,
      });
      expect(await a.client.pullAll(0)).toEqual({ mutations: [], lastMutationAt: -1 });
      // Its first real write then brings the default collection, stamped before the write's own mutation.
      const created = await a.push([{ type: 'CREATE', resource: 'NOTE', data: { body: 'First real write', ranges: ['1:1'] } }]);
      const all = (await a.client.pullAll(0)).mutations;
      expect(all.map((e) => [e.resource, e.resource === 'COLLECTION' ? e.data.isDefault : e.resourceId])).toEqual([
        ['COLLECTION', true],
        ['NOTE', created.mutations[0].resourceId],
      ]);
      expect(all[0].timestamp).toBeLessThan(created.mutations[0].timestamp);
    });
  });

  describe('edits on two devices', () => {
    for (const order of ORDERS) {
      it(`a note edited on both: the last push wins (${order})`, async () => {
        const { a, b, seeded, state } = await pair([{ type: 'CREATE', resource: 'NOTE', data: { body: 'Original body', ranges: ['3:190'] } }]);
        const note = seeded[0].resourceId;
        const edit = (body: string) => [{ type: 'UPDATE', resource: 'NOTE', resourceId: note, data: { body } }];
        const [first, second] = order === 'first device first' ? [a, b] : [b, a];
        await first.push(edit('Edited on the first'));
        const res = await second.pushAfterConflict(edit('Edited on the second'));
        expect(res.mutations[0]).toMatchObject({
          type: 'UPDATE',
          resource: 'NOTE',
          resourceId: note,
          data: { body: 'Edited on the second', ranges: ['3:190-3:190'] },
        });
        expect((await state()).notes).toEqual([{ id: note, body: 'Edited on the second' }]);
      });

      it(`preferences set on both: per group, the last push wins a group (${order})`, async () => {
        const { a, b, state } = await pair([{ type: 'CREATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'light' } } }]);
        const [first, second] = order === 'first device first' ? [a, b] : [b, a];
        await first.push([
          { type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'dark' } } },
          { type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'audio', value: { reciter: 7 } } },
        ]);
        await second.pushAfterConflict([{ type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'sepia' } } }]);
        expect((await state()).preferences).toEqual({ theme: { type: 'sepia' }, audio: { reciter: 7 } });
      });

      it(`the reading bookmark moved on both: the last push wins, the previous one cleared as its own UPDATE (${order})`, async () => {
        const { a, b, seeded, state } = await pair([
          { type: 'CREATE', resource: 'BOOKMARK', data: { ...ayah(2, 1), isReading: true } },
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(2, 50) },
          { type: 'CREATE', resource: 'BOOKMARK', data: ayah(2, 100) },
        ]);
        const [start, fifty, hundred] = seeded.map((m) => m.resourceId);
        const [first, second] = order === 'first device first' ? [a, b] : [b, a];
        await first.push([{ type: 'UPDATE', resource: 'BOOKMARK', resourceId: fifty, data: { isReading: true } }]);
        const mark = first.head;
        const res = await second.pushAfterConflict([{ type: 'UPDATE', resource: 'BOOKMARK', resourceId: hundred, data: { isReading: true } }]);
        expect(res.mutations[0]).toMatchObject({ resourceId: hundred, data: { isReading: true } });
        // The one the first push made the reading bookmark was cleared by a BOOKMARK UPDATE stamped before the ack.
        const since = (await a.client.pull({ mutationsSince: mark })).body.data.mutations;
        expect(since.map((e: any) => [e.type, e.resourceId, e.data.isReading])).toEqual([
          ['UPDATE', fifty, false],
          ['UPDATE', hundred, true],
        ]);
        expect(since[0].timestamp).toBeLessThan(res.mutations[0].timestamp);
        expect((await state()).bookmarks.filter((x) => x.isReading).map((x) => x.id)).toEqual([hundred]);
        expect((await state()).bookmarks.map((x) => x.id).sort()).toEqual([start, fifty, hundred].sort());
      });
    }
  });
});
