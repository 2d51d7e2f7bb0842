import { afterEach, describe, expect, inject, it } from 'vitest';
import { commands } from 'vitest/browser';
import type { ChangeLog, ClientOptions, RequestLog, TabDriver } from '../testing/browser/tab-driver.js';

/**
 * Real tabs in real Chromium: every test opens two pages of the test origin (tab-commands.ts) that share one
 * IndexedDB database, Web Locks and BroadcastChannels, each running its own SDK client exactly as two tabs
 * of one app do, against a real server (browser-global-setup.ts). The Node twin of these scenarios,
 * cross-context.test.ts, runs on fake-indexeddb with in-process locks; here nothing is simulated.
 */
const qs = inject('qs');
let nextUser = 0;
let dbCounter = 0;
const run = Math.random().toString(36).slice(2, 8);
const opened: string[] = [];

/** A typed handle on a tab's driver (each call crosses to the Node side and back into that page). */
type Tab = { [K in keyof TabDriver]: (...args: Parameters<TabDriver[K]>) => Promise<Awaited<ReturnType<TabDriver[K]>>> };

async function openTab(asDevice = false): Promise<Tab> {
  const id = asDevice ? await commands.openDevice() : await commands.openTab();
  opened.push(id);
  // `then` stays undefined: the handle itself is not a promise (`await openTab()` must not call into the page).
  return new Proxy({} as Tab, { get: (_, method: string) => (method === 'then' ? undefined : (...args: unknown[]) => commands.tabCall(id, method, args)) });
}

function userFor(name: string): ClientOptions {
  const user = qs.users[nextUser++];
  if (!user) throw new Error('out of test users: raise BROWSER_TEST_USERS');
  return { name, baseUrl: qs.serverUrl, token: user.token, clientId: user.clientId };
}

const dbName = (prefix: string): string => `${prefix}-${run}-${++dbCounter}`;

/** Polls `done` (another tab's state) until it holds; gives up after `limitMs` so a failure names itself. */
async function until(done: () => Promise<boolean>, limitMs = 15_000): Promise<void> {
  for (let waited = 0; !(await done()); waited += 20) {
    if (waited > limitMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  for (const id of opened.splice(0)) {
    await commands.tabCall(id, 'close', []).catch(() => undefined);
    await commands.closeTab(id);
  }
});

describe('user sync: two Chromium tabs on one IndexedDB database', () => {
  it('concurrent local edits from both tabs: every outbox entry kept (no seq handed out twice), all reach the server', async () => {
    const user = userFor(dbName('tabs-writes'));
    const [a, b] = [await openTab(), await openTab()];
    await Promise.all([a.openUser(user), b.openUser(user)]);
    const written = await Promise.all([a.writeMany(15, 'tab A', 3), b.writeMany(15, 'tab B', 4)]);
    expect(written).toEqual([30, 30]);
    const seqs = await a.outboxSeqs(user.name);
    expect(seqs).toHaveLength(60);
    expect(new Set(seqs).size).toBe(60);
    expect(await b.pendingCount()).toBe(60);

    await Promise.all([a.sync(), b.sync()]);
    expect(await a.pendingCount()).toBe(0);
    // A third tab with its own database is a second device: it pulls what the server holds.
    const device = await openTab();
    await device.openUser({ ...user, name: dbName('second-device') });
    await device.sync();
    const notes = await device.notes();
    expect(notes).toHaveLength(30);
    expect(notes.filter((n) => n.startsWith('tab A'))).toHaveLength(15);
    expect(await device.bookmarks()).toHaveLength(30);
    expect(await a.notes()).toEqual(notes);
    expect(await b.bookmarks()).toEqual(await device.bookmarks());
  });

  it('only one tab syncs at a time: the other waits on the Web Lock until the first run ends', async () => {
    const user = userFor(dbName('tabs-exclusive'));
    const [a, b] = [await openTab(), await openTab()];
    await Promise.all([a.openUser(user), b.openUser(user)]);
    await a.addBookmark(18, 10);
    await b.addBookmark(18, 11);
    await a.holdPushes();
    await a.startSync();
    await a.waitForPush(); // tab A's run is in flight, its push held at the network
    await b.startSync();
    // Tab B's run is queued behind tab A's lock in the browser's own lock manager, and has sent nothing.
    const syncLock = `quran-sync:indexeddb:user:${user.name}:sync`;
    await until(async () => (await b.locks()).pending.includes(syncLock));
    const locks = await b.locks();
    expect(locks.held).toContain(syncLock);
    expect(locks.pending).toContain(syncLock);
    expect((await b.requests()).filter((r) => r.path.endsWith('/sync'))).toEqual([]);
    await a.releasePushes();
    const first = await a.finishSync();
    const second = await b.finishSync();
    expect(first.pushed + second.pushed).toBe(2);
    // Every request of B's run started after the last request of A's run ended.
    const lastOfA = Math.max(...(await a.requests()).map((r: RequestLog) => r.end));
    const firstOfB = Math.min(...(await b.requests()).map((r: RequestLog) => r.start));
    expect(firstOfB).toBeGreaterThanOrEqual(lastOfA);
    expect(await a.pendingCount()).toBe(0);
  });

  it("an edit in one tab while the other tab's push is in flight is queued behind it, not folded into it", async () => {
    const user = userFor(dbName('tabs-frozen'));
    const [a, b] = [await openTab(), await openTab()];
    await Promise.all([a.openUser(user), b.openUser(user)]);
    const id = await a.createNote('first version', '1:1');
    await b.addBookmark(20, 1); // tab B has worked on the store before A's push began (its state is warm)
    await a.holdPushes();
    await a.startSync();
    await a.waitForPush(); // tab A's batch (the note's CREATE) is on the wire
    // Folded into that CREATE, this edit would be deleted with it when A's ack arrives, and never sent.
    await b.updateNote(id, 'second version, written in tab B');
    await a.releasePushes();
    await a.finishSync();
    await b.sync();
    await a.sync();
    expect(await a.pendingCount()).toBe(0);
    const device = await openTab();
    await device.openUser({ ...user, name: dbName('second-device') });
    await device.sync();
    expect(await device.notes()).toEqual(['second version, written in tab B']);
    expect(await device.bookmarks()).toEqual(['20:1']);
    expect(await a.notes()).toEqual(['second version, written in tab B']);
  });

  it('a change in one tab is announced in the other (BroadcastChannel) and readable there at once', async () => {
    const user = userFor(dbName('tabs-notify'));
    const [a, b] = [await openTab(), await openTab()];
    await Promise.all([a.openUser(user), b.openUser(user)]);
    await a.addBookmark(36, 58);
    const heard: ChangeLog = await b.waitForChange(true, 'BOOKMARK');
    expect(heard).toMatchObject({ origin: 'local', otherContext: true });
    expect(await b.bookmarks()).toEqual(['36:58']);
    // The writing tab saw its own change as its own.
    expect((await a.changes()).every((c: ChangeLog) => !c.otherContext)).toBe(true);
  });

  it('data written before a reload is still there after it (IndexedDB is durable; the outbox survives)', async () => {
    const user = userFor(dbName('tabs-reload'));
    const a = await openTab();
    await a.openUser(user);
    await a.addBookmark(2, 255);
    const id = opened[opened.length - 1]!;
    await commands.reloadTab(id);
    await a.openUser(user);
    expect(await a.bookmarks()).toEqual(['2:255']);
    expect(await a.pendingCount()).toBe(1);
    await a.sync();
    expect(await a.pendingCount()).toBe(0);
  });
});

describe('user sync: two devices (separate browser contexts) offline, then online', () => {
  it('edits made offline on both devices are kept, survive failed syncs, and converge once the network is back', async () => {
    const user = userFor(dbName('devices-offline'));
    const [a, b] = [await openTab(true), await openTab(true)];
    const [idA, idB] = opened.slice(-2) as [string, string];
    await Promise.all([a.openUser(user), b.openUser(user)]);
    await a.sync(); // device A knows the server before going offline
    await commands.setOffline(idA, true);
    await commands.setOffline(idB, true);
    await a.addBookmark(1, 1);
    await a.createNote('written on device A, offline', '1:1');
    await b.addBookmark(2, 255);
    await b.createNote('written on device B, offline', '2:255');
    const failed = await Promise.all([a.trySync(), b.trySync()]);
    expect(failed.map((r) => r.ok)).toEqual([false, false]);
    expect([await a.pendingCount(), await b.pendingCount()]).toEqual([2, 2]);
    await commands.setOffline(idA, false);
    await commands.setOffline(idB, false);
    await a.sync();
    await b.sync();
    await a.sync();
    for (const device of [a, b]) {
      expect(await device.bookmarks()).toEqual(['1:1', '2:255']);
      expect(await device.notes()).toEqual(['written on device A, offline', 'written on device B, offline']);
      expect(await device.pendingCount()).toBe(0);
    }
  });
});

describe('content sync: two Chromium tabs on one IndexedDB database', () => {
  it('runs are serialised: one tab bootstraps, the other then finds the checkpoint and runs incrementally', async () => {
    const name = dbName('tabs-content');
    const options = { name, baseUrl: qs.serverUrl, token: qs.content.token, clientId: qs.content.clientId, resources: qs.content.resources };
    const [a, b] = [await openTab(), await openTab()];
    await Promise.all([a.openContent(options), b.openContent(options)]);
    const summaries = await Promise.all([a.contentSync(), b.contentSync()]);
    expect(summaries.map((s) => s.mode).sort()).toEqual(['bootstrap', 'incremental']);
    expect(summaries.reduce((n, s) => n + s.snapshotsFetched, 0)).toBe(1);
    const other = summaries[0]!.mode === 'bootstrap' ? b : a; // the tab that did not bootstrap hears the bootstrap
    await until(async () => (await other.contentHeard()).length > 0);
    expect((await other.contentHeard())[0]).toMatchObject({ mode: 'bootstrap', snapshotsFetched: 1 });
    expect(await a.contentRowCount(name, 'translations', 41)).toBe(qs.content.rows);
  });
});

describe('UserSessionTokenProvider: two Chromium tabs sharing one stored session', () => {
  it('refreshes once for both tabs; the other tab adopts the rotated session instead of spending the old refresh token', async () => {
    // Two refreshes with the same refresh token would look like a stolen token to the server: the login would end.
    const session = qs.sessions[0]!;
    const storageName = `session-${run}`; // an IndexedDbSessionStorage (localStorage is not consistent across tab processes)
    const [a, b] = [await openTab(), await openTab()];
    await a.storeSession(storageName, { ...session, expiresAt: Date.now() - 1000 }); // expired: both tabs must refresh
    const options = { baseUrl: qs.serverUrl, clientId: qs.sessionClientId, storageName };
    await Promise.all([a.openSession(options), b.openSession(options)]);
    const [ta, tb] = await Promise.all([a.getToken(), b.getToken()]);
    expect(ta).toBe(tb);
    expect(ta).not.toBe(session.accessToken);
    const tokenCalls = [...(await a.requests()), ...(await b.requests())].filter((r: RequestLog) => r.path === '/oauth2/token');
    expect(tokenCalls).toHaveLength(1);
    // The login survived: the refresh token now stored still works (a reuse would have revoked the family).
    const stored = await b.storedSession(storageName);
    expect(stored?.accessToken).toBe(ta);
    const response = await fetch(`${qs.serverUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: stored!.refreshToken!, client_id: qs.sessionClientId }).toString(),
    });
    expect(response.status).toBe(200);
  });
});
