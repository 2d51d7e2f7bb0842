import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUserStore } from './memory-user-store.js';
import { closingDevices, deviceState, freshUserId, serverState, USER_SCOPES } from './testing/user-sync-harness.js';
import type { QuarantinedEntry } from './user-store.js';

/** Mutations the server refuses for good are set aside and reported; they never block the rest. */
let server: TestServer;
let cappedServer: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  cappedServer = await startTestServer({ userSync: { maxMutationsPerPush: 7 } });
});
afterAll(async () => {
  await server?.close();
  await cappedServer?.close();
});
const device = closingDevices();

/** A store whose outbox already holds a valid note, a poison one (an older app version wrote it) and another valid one. */
async function storeWithPoison(): Promise<MemoryUserStore> {
  const store = new MemoryUserStore();
  const note = (_id: string, body: string) => ({
    body,
    ranges: ['1:1-1:1'],
    saveToQR: false,
    attachedEntities: [],
    clientCreatedAt: '2026-01-01T00:00:00.000Z',
    clientUpdatedAt: '2026-01-01T00:00:00.000Z',
  });
  const ops = (['good1', 'poison', 'good2'] as const).flatMap((id, i) => {
    const data = note(id, id === 'poison' ? 'tiny' : `a valid note ${id}`);
    return [
      { op: 'putRecord' as const, record: { resource: 'NOTE' as const, id, data, base: null, baseTimestamp: null, naturalKey: null, updatedAt: 1 } },
      { op: 'putOutbox' as const, entry: { seq: i + 1, type: 'CREATE' as const, resource: 'NOTE' as const, id, sendId: true, data, createdAt: 1 } },
    ];
  });
  await store.write(ops);
  return store;
}

describe('quarantine', () => {
  it('a poison mutation is quarantined with the server’s message and reported; the others sync; its record rolls back; discard drops it', async () => {
    const user = freshUserId();
    const a = await device(server, user, { store: await storeWithPoison() });
    await a.client.bookmarks.add({ type: 'surah', key: 1 });
    const reported: QuarantinedEntry[] = [];
    a.client.on('quarantine', (q) => reported.push(q));
    const report = await a.client.sync();
    expect(report.quarantined).toBe(1);
    expect(reported).toMatchObject([
      { resource: 'NOTE', id: 'poison', error: { status: 422, code: 'ValidationError', message: 'Invalid body at mutation[1]' } },
    ]);
    expect(await a.client.quarantine.list()).toMatchObject([{ id: 'poison' }]);
    expect(await a.client.pendingCount()).toBe(0);
    const state = await serverState(server, user);
    expect(
      Object.keys(state)
        .filter((k) => k.startsWith('NOTE:'))
        .sort(),
    ).toEqual(['NOTE:good1', 'NOTE:good2']);
    expect(Object.keys(state).filter((k) => k.startsWith('BOOKMARK:'))).toHaveLength(1);
    expect(await deviceState(a.store)).toEqual(state);

    // Retrying unchanged fails the same way (and again does not block anything); discarding ends it.
    await a.client.notes.create({ body: 'written after the poison', ranges: ['2:3'] });
    expect(await a.client.quarantine.retry()).toBe(1);
    await a.client.sync();
    expect((await a.client.quarantine.list()).map((q) => q.id)).toEqual(['poison']);
    expect(Object.keys(await serverState(server, user)).filter((k) => k.startsWith('NOTE:'))).toHaveLength(3);
    expect(await a.client.quarantine.discard()).toBe(1);
    expect(await a.client.quarantine.list()).toEqual([]);
  });

  it('a server state the device could not foresee (renaming the default collection) is quarantined, the rest of the batch syncs', async () => {
    const user = freshUserId();
    const a = await device(server, user);
    await a.client.bookmarks.add({ type: 'page', key: 1 });
    await a.client.sync();
    const favorites = (await a.client.collections.list()).find((c) => c.isDefault)!;
    // An old client version queued a rename the server refuses (the local API itself refuses it).
    await expect(a.client.collections.rename(favorites.id, 'Renamed')).rejects.toThrow(/cannot be renamed/);
    const seq = (await a.store.maxSeq()) + 1000;
    await a.store.write([
      { op: 'putOutbox', entry: { seq, type: 'UPDATE', resource: 'COLLECTION', id: favorites.id, sendId: true, data: { name: 'Renamed' }, createdAt: 1 } },
    ]);
    await a.client.notes.create({ body: 'queued before the rename', ranges: ['5:5'] });
    await a.client.sync();
    expect(await a.client.quarantine.list()).toMatchObject([
      { resource: 'COLLECTION', error: { status: 422, message: expect.stringMatching(/default collection cannot be renamed at mutation\[\d\]/) } },
    ]);
    expect((await a.client.collections.list()).find((c) => c.isDefault)?.name).toBe('Favorites');
    expect(await deviceState(a.store)).toEqual(await serverState(server, user));
  });

  it('a token without a resource’s scope: those mutations are quarantined (403), everything else syncs', async () => {
    const user = freshUserId();
    const a = await device(server, user, { scopes: USER_SCOPES.filter((s) => s !== 'note') });
    await a.client.bookmarks.add({ type: 'ayah', key: 9, verseNumber: 1 });
    await a.client.notes.create({ body: 'not allowed for this app', ranges: ['9:1'] });
    await a.client.bookmarks.add({ type: 'ayah', key: 9, verseNumber: 2 });
    await a.client.sync();
    expect(await a.client.quarantine.list()).toMatchObject([{ resource: 'NOTE', error: { status: 403 } }]);
    const state = await serverState(server, user);
    expect(Object.keys(state).filter((k) => k.startsWith('BOOKMARK:'))).toHaveLength(2);
    expect(Object.keys(state).some((k) => k.startsWith('NOTE:'))).toBe(false);
  });

  it('a server with a smaller batch cap: batches shrink to it, nothing is quarantined', async () => {
    const user = freshUserId();
    const a = await device(cappedServer, user);
    for (let i = 1; i <= 20; i++) await a.client.bookmarks.add({ type: 'page', key: i });
    const report = await a.client.sync();
    expect(report.quarantined).toBe(0);
    expect(await a.client.quarantine.list()).toEqual([]);
    expect(Object.keys(await serverState(cappedServer, user)).filter((k) => k.startsWith('BOOKMARK:'))).toHaveLength(20);
  });

  it('dependency order survives a retry in the wrong order: the collection goes before the link into it; a resync shows what a new scope reveals', async () => {
    const user = freshUserId();
    const store = new MemoryUserStore();
    const limited = await device(server, user, { store, scopes: USER_SCOPES.filter((s) => s !== 'collection') });
    const shelf = await limited.client.collections.create('Shelf');
    await limited.client.collections.addBookmark(shelf.id, { type: 'juz', key: 2 });
    await limited.client.sync();
    const quarantined = await limited.client.quarantine.list();
    expect(quarantined.map((q) => q.resource)).toEqual(['COLLECTION', 'COLLECTION_BOOKMARK']);
    // The user grants the scope; the app retries the link first, then the collection.
    const full = await device(server, user, { store });
    await full.client.quarantine.retry([quarantined[1]!.seq]);
    await full.client.quarantine.retry([quarantined[0]!.seq]);
    // Pulls so far left collections out (no scope): a resync fetches what the new scope shows.
    await full.client.resync();
    expect(await full.client.quarantine.list()).toEqual([]);
    const state = await serverState(server, user);
    expect(Object.keys(state).filter((k) => k.startsWith('COLLECTION_BOOKMARK:'))).toHaveLength(1);
    expect(await deviceState(store)).toEqual(state);
  });
});
