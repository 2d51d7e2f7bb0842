import 'fake-indexeddb/auto';
import Database from 'better-sqlite3';
import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betterSqlite3Database } from '../sqlite/better-sqlite3-database.js';
import { SqliteUserStore } from '../sqlite/sqlite-user-store.js';
import { IndexedDbUserStore } from './indexeddb-user-store.js';
import { MemoryUserStore } from './memory-user-store.js';
import { deviceState, freshUserId, openDevice, serverState, startUserSyncServer } from './testing/user-sync-harness.js';
import type { UserIntegrityReport } from './user-integrity.js';
import type { UserStore } from './user-store.js';

/** The user client's integrity check against a real server: a store corrupted behind its back is healed. */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => server?.close());

const backends: Array<{ name: string; open: (key: string) => Promise<UserStore> }> = [
  { name: 'memory', open: async () => new MemoryUserStore() },
  { name: 'SQLite', open: async () => SqliteUserStore.open(betterSqlite3Database(new Database(':memory:'))) },
  { name: 'IndexedDB', open: async (key) => IndexedDbUserStore.open({ name: `integrity-${key}` }) },
];

describe.each(backends)('user integrity on $name', ({ open }) => {
  it('a device restarted on a corrupted store (row dropped, field altered, stray row) heals it on its next sync, keeping its queued write', async () => {
    const user = freshUserId('integrity');
    const store = await open(user);
    const first = await openDevice(server, user, { store });
    const noteA = await first.client.notes.create({ body: 'first note', ranges: ['1:1'] });
    const noteB = await first.client.notes.create({ body: 'second note', ranges: ['2:255'] });
    await first.client.collections.addBookmark('__default__', { type: 'ayah', key: 18, verseNumber: 10 });
    const firstRun = await first.client.sync();
    // The first quiet run checks, and finds nothing to repair.
    expect(firstRun.integrity?.repairs).toEqual([]);
    expect(firstRun.integrity?.checked).toContain('NOTE');
    // The app is "restarted": the first client is left idle (closing it would close the store too).
    await first.proxy.close();

    const bookmark = (await store.listRecords('BOOKMARK'))[0]!;
    const b = (await store.getRecord('NOTE', noteB.id))!;
    const altered = { ...bookmark, data: { ...bookmark.data, verseNumber: 11 }, base: { ...bookmark.base, verseNumber: 11 } };
    await store.write([
      { op: 'deleteRecord', resource: 'NOTE', id: noteA.id },
      { op: 'putRecord', record: altered },
      {
        op: 'putRecord',
        record: { ...b, id: 'stray-note', base: { ...b.base, body: 'never on the server' }, data: { ...b.data, body: 'never on the server' } },
      },
    ]);
    expect(await deviceState(store)).not.toEqual(await serverState(server, user));

    const restarted = await openDevice(server, user, { store });
    try {
      const queued = await restarted.client.notes.create({ body: 'written after the restart', ranges: ['3:1'] });
      const events: UserIntegrityReport[] = [];
      restarted.client.on('integrity', (r) => events.push(r));
      const report = await restarted.client.sync();
      expect(events).toHaveLength(1);
      expect(report.integrity).toBe(events[0]);
      const repairs = [...events[0]!.repairs].sort((x, y) => (x.resource < y.resource ? -1 : 1));
      expect(repairs.map((r) => [r.resource, r.healed])).toEqual([
        ['BOOKMARK', true],
        ['NOTE', true],
      ]);
      const notes = repairs.find((r) => r.resource === 'NOTE')!;
      expect(notes.local.count).toBe(3); // B, the stray one and the queued one (pushed in this run); A was dropped
      expect(notes.server.count).toBe(3); // A, B and the queued one
      expect(notes.dropped).toBe(1);
      const state = await serverState(server, user);
      expect(state[`NOTE:${queued.id}`]).toMatchObject({ body: 'written after the restart' });
      expect(await deviceState(store)).toEqual(state);
      expect(await restarted.client.verifyIntegrity()).toMatchObject({ repairs: [] });
    } finally {
      await restarted.close();
      await first.client.close().catch(() => undefined);
    }
  });

  it('verifyIntegrity() is null while changes are queued (not quiescent), and repairs once synced', async () => {
    const user = freshUserId('integrity-q');
    const device = await openDevice(server, user, { store: await open(`${user}-q`) });
    try {
      await device.client.preferences.set('theme', { type: 'sepia' });
      await device.client.sync();
      await device.client.preferences.set('theme', { type: 'dark' });
      expect(await device.client.verifyIntegrity()).toBeNull();
      await device.client.sync();
      const pref = (await device.store.getRecord('PREFERENCE', 'theme'))!;
      await device.store.write([
        { op: 'putRecord', record: { ...pref, base: { ...pref.base, value: { type: 'tampered' } }, data: { ...pref.data, value: { type: 'tampered' } } } },
      ]);
      const report = await device.client.verifyIntegrity();
      expect(report?.repairs.map((r) => [r.resource, r.pulled, r.healed])).toEqual([['PREFERENCE', 1, true]]);
      expect(await deviceState(device.store)).toEqual(await serverState(server, user));
    } finally {
      await device.close();
    }
  });
});
