import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { SyncTestClient } from './testing/sync-test-client.js';

const ayah = (key: number, verseNumber: number, extra: Record<string, unknown> = {}) => ({ type: 'ayah', key, verseNumber, mushaf: 4, ...extra });

describe('user sync: natural keys, side effects and resource rules', () => {
  let server: TestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A fresh user with one synced device. */
  async function device(): Promise<{ client: SyncTestClient; push(mutations: unknown[]): Promise<any>; entries(since?: number): Promise<any[]> }> {
    const client = new SyncTestClient(server, { userId: `rules-${++n}` });
    let head = -1;
    return {
      client,
      async push(mutations) {
        const res = await client.push(head, mutations);
        if (res.status !== 200) throw new Error(`push failed: ${res.status} ${JSON.stringify(res.body)}`);
        head = res.body.data.lastMutationAt;
        return res.body.data;
      },
      async entries(since = 0) {
        return (await client.pullAll(since)).mutations;
      },
    };
  }

  it('a re-pushed batch (lost response) creates no duplicates and no new mutations', async () => {
    const d = await device();
    const batch = [
      { type: 'CREATE', resource: 'BOOKMARK', data: ayah(2, 255) },
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Ayat al-Kursi' } },
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(2, 255) } },
      { type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 2, verseNumber: 255 } },
      { type: 'CREATE', resource: 'PREFERENCE', data: { group: 'theme', value: { type: 'dark' } } },
    ];
    const first = await d.push(batch);
    const before = await d.entries();
    const again = await d.push(batch);
    expect(again.mutations.map((m: any) => [m.type, m.resource, m.resourceId])).toEqual(first.mutations.map((m: any) => [m.type, m.resource, m.resourceId]));
    // Acks show the state now: the bookmark is in Favorites since the first push's link.
    expect(again.mutations[0].data).toEqual({ ...first.mutations[0].data, isInDefaultCollection: true });
    expect(again.mutations.slice(1).map((m: any) => m.data)).toEqual(first.mutations.slice(1).map((m: any) => m.data));
    expect(again.lastMutationAt).toBe(first.lastMutationAt);
    expect(await d.entries()).toEqual(before);
    // Favorites, bookmark, collection, link, session, preference: one each.
    expect(before.map((e) => e.resource).sort()).toEqual(['BOOKMARK', 'COLLECTION', 'COLLECTION', 'COLLECTION_BOOKMARK', 'PREFERENCE', 'READING_SESSION']);
  });

  it('a CREATE of an existing location updates that bookmark and is acked as CREATE with its id', async () => {
    const d = await device();
    const created = (await d.push([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(18, 10) }])).mutations[0];
    const again = (await d.push([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(18, 10, { isReading: true }) }])).mutations[0];
    expect(again).toMatchObject({ type: 'CREATE', resource: 'BOOKMARK', resourceId: created.resourceId, data: { isReading: true } });
    expect(again.timestamp).toBeGreaterThan(created.timestamp);
    // Another mushaf is another bookmark.
    const other = (await d.push([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(18, 10, { mushaf: 1 }) }])).mutations[0];
    expect(other.resourceId).not.toBe(created.resourceId);
    // CREATE with a client-chosen id upserts that id; UPDATE of an unknown id creates it (mobile clients upsert).
    const chosen = (await d.push([{ type: 'CREATE', resource: 'NOTE', resourceId: 'myNote1', data: { body: 'Note with my id', ranges: ['18:10'] } }]))
      .mutations[0];
    expect(chosen.resourceId).toBe('myNote1');
    const upserted = (await d.push([{ type: 'UPDATE', resource: 'READING_SESSION', resourceId: 'mySession', data: { chapterNumber: 18, verseNumber: 11 } }]))
      .mutations[0];
    expect(upserted).toMatchObject({ type: 'UPDATE', resourceId: 'mySession', data: { chapterNumber: 18, verseNumber: 11 } });
  });

  it('a batch re-creating a live bookmark among new ones (the push runs again with the location probe) keeps nothing of the first run', async () => {
    const d = await device();
    const live = (await d.push([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(3, 1) }])).mutations[0];
    const mark = await d.client.head();
    const batch = await d.push([
      { type: 'CREATE', resource: 'BOOKMARK', data: ayah(3, 2) },
      { type: 'CREATE', resource: 'BOOKMARK', data: ayah(3, 1, { isReading: true }) },
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(3, 3) } },
    ]);
    const [fresh, again, link] = batch.mutations;
    expect(again).toMatchObject({ type: 'CREATE', resourceId: live.resourceId, data: { isReading: true } });
    expect(fresh.resourceId).not.toBe(live.resourceId);
    // The acks' timestamps are one clock, strictly increasing, up to the new head.
    expect(fresh.timestamp).toBeGreaterThan(mark);
    expect(again.timestamp).toBeGreaterThan(fresh.timestamp);
    expect(link.timestamp).toBeGreaterThan(again.timestamp);
    expect(batch.lastMutationAt).toBeGreaterThanOrEqual(link.timestamp);
    // Exactly one entry per resource the batch touched: the new bookmark, the updated one, the bookmark the
    // link created, and the link; nothing minted by the discarded first run.
    const entries = await d.entries(mark);
    expect(entries.map((e) => [e.resource, e.resource === 'COLLECTION_BOOKMARK' ? e.data.bookmarkId : e.resourceId]).sort()).toEqual(
      [
        ['BOOKMARK', fresh.resourceId],
        ['BOOKMARK', live.resourceId],
        ['BOOKMARK', link.data.bookmarkId],
        ['COLLECTION_BOOKMARK', link.data.bookmarkId],
      ].sort(),
    );
    const all = await d.client.pullAll(0);
    expect(all.mutations.filter((e) => e.resource === 'BOOKMARK' && e.type !== 'DELETE')).toHaveLength(3);
  });

  it('COLLECTION CREATE by the name of a live collection returns it; the default collection keeps its name and stays', async () => {
    const d = await device();
    const first = (await d.push([{ type: 'CREATE', resource: 'COLLECTION', data: { name: 'Dua' } }])).mutations[0];
    const second = (await d.push([{ type: 'CREATE', resource: 'COLLECTION', data: { name: '  Dua ' } }])).mutations[0];
    expect(second.resourceId).toBe(first.resourceId);
    expect(second.timestamp).toBe(first.timestamp);
    const favorites = (await d.entries()).find((e) => e.resource === 'COLLECTION' && e.data.isDefault);
    // __default__ names it; renaming it to its own name and toggling privacy are fine.
    const touched = (await d.push([{ type: 'UPDATE', resource: 'COLLECTION', resourceId: '__default__', data: { name: 'Favorites', isPrivate: false } }]))
      .mutations[0];
    expect(touched).toMatchObject({ resourceId: favorites.resourceId, data: { name: 'Favorites', isPrivate: false, isDefault: true } });
    // A renamed collection gets a new slug; deleting it twice is fine, the second time without a new mutation.
    const renamed = (await d.push([{ type: 'UPDATE', resource: 'COLLECTION', resourceId: first.resourceId, data: { name: 'Supplications' } }])).mutations[0];
    expect(renamed.data).toMatchObject({ name: 'Supplications', slug: 'supplications' });
    const deleted = await d.push([{ type: 'DELETE', resource: 'COLLECTION', resourceId: first.resourceId }]);
    const deletedAgain = await d.push([{ type: 'DELETE', resource: 'COLLECTION', resourceId: first.resourceId }]);
    expect(deletedAgain.lastMutationAt).toBe(deleted.lastMutationAt);
    expect(deletedAgain.mutations[0].timestamp).toBe(deleted.mutations[0].timestamp);
  });

  it('keeps one reading bookmark: setting another clears the previous one with a mutation of its own', async () => {
    const d = await device();
    const a = (await d.push([{ type: 'CREATE', resource: 'BOOKMARK', data: ayah(1, 1, { isReading: true }) }])).mutations[0];
    const start = a.timestamp;
    const result = await d.push([{ type: 'CREATE', resource: 'BOOKMARK', data: { type: 'page', key: 50, mushaf: 4, isReading: true } }]);
    const b = result.mutations[0];
    const changes = await d.entries(start);
    const cleared = changes.find((e) => e.resourceId === a.resourceId);
    expect(cleared).toMatchObject({ type: 'UPDATE', data: { isReading: false } });
    expect(cleared.timestamp).toBeLessThan(b.timestamp);
    expect(changes.find((e) => e.resourceId === b.resourceId)).toMatchObject({
      type: 'CREATE',
      data: { type: 'page', key: 50, verseNumber: null, isReading: true },
    });
  });

  it('links: __default__ membership shows as isInDefaultCollection; losing the last collection deletes the bookmark unless it is the reading one', async () => {
    const d = await device();
    const setup = await d.push([
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'Hifz' } },
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(67, 1) } },
    ]);
    const hifz = setup.mutations[0].resourceId;
    const link = setup.mutations[1];
    const bookmarkId = link.data.bookmarkId;
    expect(link.resourceId).toBe(`${link.data.collectionId}-${bookmarkId}`);
    expect(link.data).toMatchObject({ type: 'ayah', key: 67, verseNumber: 1 });
    let entries = await d.entries();
    expect(entries.find((e) => e.resourceId === bookmarkId)).toMatchObject({ resource: 'BOOKMARK', data: { isInDefaultCollection: true } });
    expect(entries.find((e) => e.resource === 'COLLECTION_BOOKMARK')).toMatchObject({
      resourceId: null,
      data: { collectionId: link.data.collectionId, bookmarkId },
    });

    // Also in Hifz (by bookmark id); removing it from Favorites keeps it (still in Hifz) and clears the flag.
    const mark = setup.lastMutationAt;
    await d.push([{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: hifz, bookmarkId } }]);
    await d.push([{ type: 'DELETE', resource: 'COLLECTION_BOOKMARK', resourceId: link.resourceId }]);
    entries = await d.entries(mark);
    expect(entries.find((e) => e.resourceId === bookmarkId)).toMatchObject({ type: 'UPDATE', data: { isInDefaultCollection: false } });

    // Deleting Hifz removes its last link: the bookmark goes too (orphan rule), each a mutation of its own.
    const beforeDelete = (await d.client.pull({ mutationsSince: 0, metadataOnly: true })).body.data.lastMutationAt;
    const del = await d.push([{ type: 'DELETE', resource: 'COLLECTION', resourceId: hifz }]);
    entries = await d.entries(beforeDelete);
    expect(entries.map((e) => [e.type, e.resource])).toEqual([
      ['DELETE', 'COLLECTION_BOOKMARK'],
      ['DELETE', 'BOOKMARK'],
      ['DELETE', 'COLLECTION'],
    ]);
    expect(del.mutations[0].timestamp).toBe(entries[2].timestamp);
    expect(new Set(entries.map((e) => e.timestamp)).size).toBe(3);
    expect(entries[0].data).toMatchObject({ collectionId: hifz, bookmarkId });

    // The reading bookmark survives losing its last collection.
    const kept = await d.push([
      { type: 'CREATE', resource: 'BOOKMARK', data: ayah(36, 1, { isReading: true }) },
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(36, 1) } },
      { type: 'DELETE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: '__default__', ...ayah(36, 1) } },
    ]);
    const keptId = kept.mutations[0].resourceId;
    const final = await d.entries();
    expect(final.find((e) => e.resourceId === keptId)).toMatchObject({ type: 'CREATE', data: { isReading: true, isInDefaultCollection: false } });
  });

  it('deleting a bookmark deletes its links first; deleting it again is a no-op', async () => {
    const d = await device();
    const setup = await d.push([
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'A' } },
      { type: 'CREATE', resource: 'COLLECTION', data: { name: 'B' } },
      { type: 'CREATE', resource: 'BOOKMARK', data: ayah(112, 1) },
    ]);
    const [a, b, bm] = setup.mutations.map((m: any) => m.resourceId);
    await d.push([
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: a, bookmarkId: bm } },
      { type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: b, bookmarkId: bm } },
    ]);
    const mark = await d.client.head();
    const del = await d.push([{ type: 'DELETE', resource: 'BOOKMARK', resourceId: bm }]);
    const entries = await d.entries(mark);
    expect(entries.map((e) => [e.type, e.resource, e.data.collectionId ?? null])).toEqual([
      ['DELETE', 'COLLECTION_BOOKMARK', a],
      ['DELETE', 'COLLECTION_BOOKMARK', b],
      ['DELETE', 'BOOKMARK', null],
    ]);
    const again = await d.push([{ type: 'DELETE', resource: 'BOOKMARK', resourceId: bm }]);
    expect(again.lastMutationAt).toBe(del.lastMutationAt);
    expect(again.mutations[0]).toMatchObject({ type: 'DELETE', resourceId: bm, timestamp: del.mutations[0].timestamp });
    // A link to a deleted bookmark is not made: acknowledged without effect (the deletion wins), at its timestamp.
    const ignored = await d.push([{ type: 'CREATE', resource: 'COLLECTION_BOOKMARK', data: { collectionId: a, bookmarkId: bm } }]);
    expect(ignored.lastMutationAt).toBe(del.lastMutationAt);
    expect(ignored.mutations[0]).toMatchObject({
      type: 'CREATE',
      resourceId: `${a}-${bm}`,
      data: { collectionId: a, bookmarkId: bm },
      timestamp: del.mutations[0].timestamp,
    });
    expect(await d.entries(mark)).toEqual(entries);
  });

  it('READING_SESSION CREATE at a position with a live session returns it; preferences replace their group', async () => {
    const d = await device();
    const first = (await d.push([{ type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 55, verseNumber: 13 } }])).mutations[0];
    const again = (await d.push([{ type: 'CREATE', resource: 'READING_SESSION', data: { chapterNumber: 55, verseNumber: 13 } }])).mutations[0];
    expect(again.resourceId).toBe(first.resourceId);
    const moved = (await d.push([{ type: 'UPDATE', resource: 'READING_SESSION', resourceId: first.resourceId, data: { verseNumber: 78 } }])).mutations[0];
    expect(moved.data).toMatchObject({ chapterNumber: 55, verseNumber: 78 });
    const refused = await d.client.push(moved.timestamp, [
      { type: 'UPDATE', resource: 'READING_SESSION', resourceId: first.resourceId, data: { chapterNumber: 1 } },
    ]);
    expect(refused.body.error.message).toBe('Invalid verseNumber at mutation[0]');

    await d.push([{ type: 'CREATE', resource: 'PREFERENCE', data: { group: 'audio', value: { reciter: 7, playbackRate: 1.5 } } }]);
    const replaced = (await d.push([{ type: 'UPDATE', resource: 'PREFERENCE', data: { group: 'audio', value: { reciter: 3 } } }])).mutations[0];
    expect(replaced).toMatchObject({ type: 'UPDATE', resource: 'PREFERENCE', resourceId: null, data: { group: 'audio', value: { reciter: 3 } } });
    const deleted = (await d.push([{ type: 'DELETE', resource: 'PREFERENCE', resourceId: 'audio' }])).mutations[0];
    expect(deleted).toMatchObject({ type: 'DELETE', resourceId: 'audio', data: { group: 'audio' } });
    const pulled = (await d.entries(first.timestamp)).find((e) => e.resource === 'PREFERENCE');
    expect(pulled).toMatchObject({ type: 'DELETE', resourceId: null, data: { group: 'audio', value: { reciter: 3 } } });
  });
});
