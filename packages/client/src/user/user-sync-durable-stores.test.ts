import 'fake-indexeddb/auto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betterSqlite3Database } from '../sqlite/better-sqlite3-database.js';
import { SqliteUserStore } from '../sqlite/sqlite-user-store.js';
import { IndexedDbUserStore } from './indexeddb-user-store.js';
import { deviceState, freshUserId, openDevice, serverState, startUserSyncServer, type Device } from './testing/user-sync-harness.js';
import type { UserStore } from './user-store.js';

/**
 * The client on the durable stores: a write the app saw succeed survives the app being killed before it
 * synced (the record and its outbox entry are in the store), and the next process pushes it. Also: background
 * syncing picks a write up by itself.
 */
let server: TestServer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-user-durable-'));
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const backends: Array<{ name: string; open: (key: string) => Promise<UserStore> }> = [
  { name: 'SQLite file', open: async (key) => SqliteUserStore.open(betterSqlite3Database(new Database(path.join(dir, `${key}.sqlite`)))) },
  { name: 'IndexedDB', open: async (key) => IndexedDbUserStore.open({ name: `durable-${key}` }) },
];

describe.each(backends)('user sync on $name', ({ open }) => {
  it('keeps acknowledged local writes across a kill before any sync; the next process pushes them once', async () => {
    const user = freshUserId('durable');
    let device: Device = await openDevice(server, user, { store: await open(user) });
    const note = await device.client.notes.create({ body: 'written just before the app died', ranges: ['18:10'] });
    await device.client.collections.addBookmark('__default__', { type: 'ayah', key: 18, verseNumber: 10 });
    await device.client.preferences.set('theme', { type: 'sepia' });
    await device.close(); // killed: never synced

    device = await openDevice(server, user, { store: await open(user) });
    try {
      expect(await device.client.pendingCount()).toBe(3 + 1); // + the bookmark the link created
      expect((await device.client.notes.get(note.id))?.pending).toBe(true);
      await device.client.sync();
      const state = await serverState(server, user);
      expect(state[`NOTE:${note.id}`]).toMatchObject({ body: 'written just before the app died' });
      expect(await deviceState(device.store)).toEqual(state);
    } finally {
      await device.close();
    }
  });

  it('a lost answer, then the app is killed: the restarted app resends the same batch with the same key', async () => {
    const user = freshUserId('durable-lost');
    let device: Device = await openDevice(server, user, {
      store: await open(user),
      client: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 } },
    });
    await device.client.notes.create({ body: 'pushed, answer lost', ranges: ['19:1'] });
    device.proxy.plan = (req) => (req.method === 'POST' ? { kind: 'drop-response' } : { kind: 'forward' });
    await expect(device.client.sync()).rejects.toThrow();
    const lostKey = device.proxy.requests.find((r) => r.method === 'POST')!.headers['idempotency-key'];
    await device.close();

    device = await openDevice(server, user, { store: await open(user) });
    try {
      await device.client.notes.create({ body: 'written after the restart', ranges: ['19:2'] });
      await device.client.sync();
      expect(device.proxy.requests.find((r) => r.method === 'POST')!.headers['idempotency-key']).toBe(lostKey);
      const state = await serverState(server, user);
      expect(Object.keys(state).filter((k) => k.startsWith('NOTE:'))).toHaveLength(2);
      expect(await deviceState(device.store)).toEqual(state);
    } finally {
      await device.close();
    }
  });

  it('background sync: a local write is pushed without the app calling sync()', async () => {
    const user = freshUserId('background');
    const device = await openDevice(server, user, { store: await open(user), client: { scheduler: { debounceMs: 20, intervalMs: 60_000 } } });
    try {
      device.client.start();
      await new Promise<void>((resolve) => device.client.on('synced', () => resolve()));
      const pushed = new Promise<void>((resolve) => device.client.on('synced', (r) => r.pushed > 0 && resolve()));
      await device.client.bookmarks.add({ type: 'surah', key: 67 });
      await pushed;
      expect(await device.client.pendingCount()).toBe(0);
      expect(Object.values(await serverState(server, user))).toContainEqual(expect.objectContaining({ type: 'surah', key: 67 }));
    } finally {
      await device.close();
    }
  });
});
