import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../testing/fault-proxy.js';
import { MemoryUserStore } from './memory-user-store.js';
import { closingDevices, deviceState, freshUserId, serverState, startUserSyncServer, type Device, type DeviceOptions } from './testing/user-sync-harness.js';
import { UserInputError } from './local-unit.js';
import { PendingChangesError, UserSyncClient } from './user-sync-client.js';

/** The client against a real server: first sync, local API rules, pushes and pulls, sign-out. */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
});

const openClosing = closingDevices();
const device = (userId: string, options: DeviceOptions = {}): Promise<Device> => openClosing(server, userId, options);

describe('UserSyncClient', () => {
  it('first sync of a new user: metadataOnly says -1, the device pushes from -1, learns its default collection; a second device rebuilds everything', async () => {
    const user = freshUserId();
    const a = await device(user);
    const bookmark = await a.client.bookmarks.add({ type: 'ayah', key: 2, verseNumber: 255 });
    const study = await a.client.collections.create('Study');
    await a.client.collections.addBookmark(study.id, { type: 'surah', key: 18 });
    await a.client.collections.addBookmark('__default__', bookmark.id);
    const note = await a.client.notes.create({ body: 'The verse of the throne', ranges: ['2:255'] });
    await a.client.readingSessions.record({ chapterNumber: 2, verseNumber: 250 });
    await a.client.preferences.set('theme', { type: 'dark' });
    expect(await a.client.pendingCount()).toBeGreaterThan(0);
    expect((await a.client.bookmarks.get(bookmark.id))?.pending).toBe(true);

    const report = await a.client.sync();
    expect(report.pushed).toBeGreaterThan(0);
    const firstRequests = a.requests();
    expect(firstRequests[0]).toBe('GET /v1/sync?mutationsSince=0&metadataOnly=true');
    expect(firstRequests[1]).toMatch(/^POST \/v1\/sync\?lastMutationAt=-1$/);
    expect(a.proxy.requests[1]!.headers['idempotency-key']).toMatch(/^qs-[a-z0-9]+-[0-9a-f]{40}$/);

    expect(await a.client.pendingCount()).toBe(0);
    const collections = await a.client.collections.list();
    expect(collections.map((c) => [c.name, c.isDefault, c.bookmarksCount])).toEqual([
      ['Favorites', true, 1],
      ['Study', false, 1],
    ]);
    expect(collections[1]!.id).not.toBe(study.id); // created by name: the server chose the id, the device moved onto it
    expect((await a.client.bookmarks.get(bookmark.id))?.isInDefaultCollection).toBe(true);
    expect(await a.client.notes.byVerse('2:255')).toMatchObject([{ id: note.id, body: 'The verse of the throne', ranges: ['2:255-2:255'], pending: false }]);
    expect(await deviceState(a.store)).toEqual(await serverState(server, user));

    const b = await device(user);
    await b.client.sync();
    expect(b.requests()[0]).toBe('GET /v1/sync?mutationsSince=0&metadataOnly=true');
    expect(b.requests()[1]).toMatch(/^GET \/v1\/sync\?mutationsSince=-1&limit=1000$/);
    expect(await deviceState(b.store)).toEqual(await serverState(server, user));
    expect(await b.client.preferences.get('theme')).toEqual({ type: 'dark' });
  });

  it('writes offline, never waiting for the network; validates like the server; a failed sync loses nothing', async () => {
    const port = await closedPort();
    const store = new MemoryUserStore();
    const client = new UserSyncClient({
      store,
      baseUrl: `http://127.0.0.1:${port}`,
      tokenProvider: { getToken: async () => ({ accessToken: 'x', clientId: 'c' }), invalidate: () => undefined },
      retry: { maxAttempts: 1 },
    });
    try {
      const b = await client.bookmarks.add({ type: 'ayah', key: 1, verseNumber: 1 });
      expect(await client.bookmarks.add({ type: 'ayah', key: 1, verseNumber: 1 })).toMatchObject({ id: b.id });
      await expect(client.bookmarks.add({ type: 'ayah', key: 1, verseNumber: 8 })).rejects.toThrow(new UserInputError('Invalid verseNumber'));
      await expect(client.bookmarks.add({ type: 'juz', key: 31 })).rejects.toThrow(/Invalid key/);
      await expect(client.notes.create({ body: 'short', ranges: ['1:1'] })).rejects.toThrow(/Invalid body/);
      await expect(client.notes.create({ body: 'long enough', ranges: ['1:9'] })).rejects.toThrow(/Invalid ranges/);
      await expect(client.collections.create('   ')).rejects.toThrow(/Invalid name/);
      await expect(client.preferences.set('theme', { type: 'neon' })).rejects.toThrow(/Invalid value.type/);
      await expect(client.readingSessions.record({ chapterNumber: 115, verseNumber: 1 })).rejects.toThrow(/chapterNumber/);
      const c = await client.collections.create(' Study ');
      expect(c.name).toBe('Study');
      expect((await client.collections.create('Study')).id).toBe(c.id);
      await client.collections.addBookmark(c.id, b.id);
      expect(await client.collections.bookmarks(c.id)).toMatchObject([{ id: b.id }]);
      await client.bookmarks.setReading({ type: 'page', key: 3 });
      expect((await client.bookmarks.reading())?.key).toBe(3);
      await client.bookmarks.setReading(b.id);
      expect((await client.bookmarks.reading())?.id).toBe(b.id);
      expect((await client.bookmarks.find({ type: 'page', key: 3 }))?.isReading).toBe(false);
      const pendingBefore = await client.pendingCount();
      await expect(client.sync()).rejects.toThrow(/cannot reach/);
      expect(await client.pendingCount()).toBe(pendingBefore);
      expect((await client.status()).lastError).toBeTruthy();
    } finally {
      await client.close();
    }
  });

  it('pushes in batches of at most 100 at the stored head and maps every ack', async () => {
    const user = freshUserId();
    const a = await device(user);
    for (let verse = 1; verse <= 250; verse++) await a.client.bookmarks.add({ type: 'ayah', key: 2, verseNumber: verse });
    const report = await a.client.sync();
    expect(report.batches).toBe(3);
    const posts = a.proxy.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.url)).toEqual([
      expect.stringMatching(/lastMutationAt=-1$/),
      expect.stringMatching(/lastMutationAt=\d{13}$/),
      expect.stringMatching(/lastMutationAt=\d{13}$/),
    ]);
    expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    expect(await a.client.pendingCount()).toBe(0);
    expect(Object.keys(await serverState(server, user)).filter((k) => k.startsWith('BOOKMARK:'))).toHaveLength(250);
    expect(await deviceState(a.store)).toEqual(await serverState(server, user));
  });

  it('skips the echo pull when the server says the acks were all it recorded; pulls it when there were side effects', async () => {
    const user = freshUserId();
    const a = await device(user);
    await a.client.bookmarks.add({ type: 'ayah', key: 1, verseNumber: 1 });
    await a.client.sync(); // the first write also creates the default collection: an echo pull brings it
    for (let verse = 1; verse <= 150; verse++) await a.client.notes.create({ body: `note number ${verse}`, ranges: [`2:${verse}`] });
    let before = a.proxy.requests.length;
    await a.client.sync();
    // Two pushes, no pull: their acks were the whole change, and the device holds exactly the server's state.
    expect(
      a
        .requests()
        .slice(before)
        .map((r) => r.split(' ')[0]),
    ).toEqual(['POST', 'POST']);
    expect(await deviceState(a.store)).toEqual(await serverState(server, user));
    expect((await a.client.status()).pending).toBe(0);

    // Unlinking a bookmark's last link deletes it by the orphan rule, which no ack reports: the echo pull brings it.
    await a.client.collections.addBookmark('__default__', { type: 'surah', key: 18 });
    await a.client.sync();
    await a.client.collections.removeBookmark('__default__', { type: 'surah', key: 18 });
    before = a.proxy.requests.length;
    await a.client.sync();
    expect(
      a
        .requests()
        .slice(before)
        .map((r) => r.split(' ')[0]),
    ).toEqual(['POST', 'GET']);
    expect(await deviceState(a.store)).toEqual(await serverState(server, user));
  });

  it('polls cheaply: with nothing queued and nothing new, a sync is one metadataOnly request', async () => {
    const user = freshUserId();
    const a = await device(user);
    await a.client.notes.create({ body: 'a note to sync', ranges: ['1:1-1:7'] });
    await a.client.sync();
    const before = a.proxy.requests.length;
    const report = await a.client.sync();
    expect(report.upToDate).toBe(true);
    expect(a.requests().slice(before)).toEqual([expect.stringMatching(/^GET \/v1\/sync\?mutationsSince=\d+&metadataOnly=true$/)]);
  });

  it('subscriptions see local writes at once and synced changes after a sync; renames and deletes mirror the server’s rules locally', async () => {
    const user = freshUserId();
    const a = await device(user);
    const b = await device(user);
    const seenByB: Array<[string[], string]> = [];
    b.client.subscribe((change) => seenByB.push([[...change.resources].sort(), change.origin]), ['COLLECTION']);
    const study = await b.client.collections.create('Study');
    expect(seenByB).toEqual([[['COLLECTION'], 'local']]);
    await b.client.collections.addBookmark(study.id, { type: 'ayah', key: 55, verseNumber: 13 });
    await b.client.collections.rename(study.id, 'Reflect');
    await b.client.sync();
    expect(seenByB.some(([, origin]) => origin === 'sync')).toBe(true);
    await a.client.sync();
    const reflect = (await a.client.collections.list()).find((c) => c.name === 'Reflect')!;
    expect(reflect).toMatchObject({ slug: 'reflect', bookmarksCount: 1 });
    // Deleting the collection takes its link, and the bookmark that is in no other collection (orphan rule).
    await a.client.collections.delete(reflect.id);
    expect(await a.client.bookmarks.find({ type: 'ayah', key: 55, verseNumber: 13 })).toBeNull();
    await expect(a.client.collections.delete((await a.client.collections.list()).find((c) => c.isDefault)!.id)).rejects.toThrow(/cannot be deleted/);
    await a.client.sync();
    const state = await serverState(server, user);
    expect(await deviceState(a.store)).toEqual(state);
    expect(Object.values(state).some((v) => (v as { key?: number }).key === 55)).toBe(false);
    seenByB.length = 0;
    await b.client.sync();
    expect(seenByB.some(([resources, origin]) => origin === 'sync' && resources.includes('COLLECTION'))).toBe(true);
    expect(await deviceState(b.store)).toEqual(state);
  });

  it('sign-out refuses to drop unsent changes unless forced, then wipes everything; signing in again rebuilds the full state', async () => {
    const user = freshUserId();
    const store = new MemoryUserStore();
    const a = await device(user, { store });
    await a.client.bookmarks.add({ type: 'juz', key: 30 });
    await a.client.collections.addBookmark('__default__', { type: 'ayah', key: 112, verseNumber: 1 });
    await a.client.sync();
    await a.client.notes.create({ body: 'written after the sync', ranges: ['3:1'] });
    await expect(a.client.signOut()).rejects.toThrow(PendingChangesError);
    await a.client.sync();
    await a.client.signOut();
    expect(await store.readMeta()).toBeNull();
    expect(await deviceState(store)).toEqual({});

    const again = await device(user, { store });
    await again.client.sync();
    expect(await deviceState(store)).toEqual(await serverState(server, user));
    expect((await again.client.notes.list()).map((n) => n.body)).toEqual(['written after the sync']);
    expect(await again.client.collections.bookmarks('__default__')).toMatchObject([{ type: 'ayah', key: 112, verseNumber: 1 }]);
  });
});
