import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeWithLogin, createTestClient, createTestUser, startTestServer, tokenRequest, type TestServer } from '@quran-sync/server/testing';
import { createPkcePair, exchangeAuthorizationCode } from '../auth/authorization-code.js';
import type { FetchLike } from '../auth/authorized-fetch.js';
import { UserSessionTokenProvider } from '../auth/user-session-provider.js';
import type { UserSession } from '../auth/user-session.js';
import { ContentSyncClient } from '../content/content-sync-client.js';
import type { ContentSyncSummary } from '../content/content-sync-events.js';
import { IndexedDbContentStore } from '../content/indexeddb-content-store.js';
import { rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { IndexedDbUserStore } from '../user/indexeddb-user-store.js';
import { deviceState, freshUserId, serverState, tokenProviderFor } from '../user/testing/user-sync-harness.js';
import { UserSyncClient } from '../user/user-sync-client.js';
import type { UserDataChange } from '../user/user-sync-events.js';
import { NamedLocks } from './context-lock.js';
import type { CrossContextOptions } from './cross-context.js';

/**
 * Two "tabs": two SDK clients in one process over ONE IndexedDB database (fake-indexeddb), coordinated as
 * browser tabs are — a lock shared by both (`NamedLocks`, standing in for `navigator.locks`, which Node 20
 * lacks) and real `BroadcastChannel`s. The same scenarios run in real Chromium tabs in
 * cross-tab.browser.test.ts. Every check here fails without the coordination (see each test).
 */
let counter = 0;
const dbName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

describe('user sync: two contexts on one IndexedDB store', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  async function openTab(user: string, name: string, crossContext: CrossContextOptions, fetch?: FetchLike): Promise<UserSyncClient> {
    return new UserSyncClient({
      store: await IndexedDbUserStore.open({ name }),
      baseUrl: server.url,
      tokenProvider: tokenProviderFor(server, user),
      retry: { baseDelayMs: 1, maxDelayMs: 20, maxAttempts: 3, totalBudgetMs: 10_000 },
      crossContext,
      ...(fetch ? { fetch } : {}),
    });
  }

  it('interleaved writes from both tabs all reach the server (no outbox seq is handed out twice)', async () => {
    // Without the per-unit refresh both tabs start from maxSeq 0 and overwrite each other's outbox entries.
    const user = freshUserId('tabs');
    const name = dbName('tabs-writes');
    const locks = new NamedLocks();
    const [a, b] = [await openTab(user, name, { lock: locks }), await openTab(user, name, { lock: locks })];
    try {
      const writes: Promise<unknown>[] = [];
      for (let i = 1; i <= 20; i++) {
        writes.push(a.notes.create({ body: `note from tab A #${i}`, ranges: [`2:${i}`] }));
        writes.push(b.bookmarks.add({ type: 'ayah', key: 3, verseNumber: i }));
      }
      await Promise.all(writes);
      expect(await a.pendingCount()).toBe(40);
      await Promise.all([a.sync(), b.sync(), a.sync()]);
      await b.sync();
      const state = await serverState(server, user);
      expect(Object.keys(state).filter((k) => k.startsWith('NOTE:'))).toHaveLength(20);
      expect(Object.keys(state).filter((k) => k.startsWith('BOOKMARK:'))).toHaveLength(20);
      expect(await a.pendingCount()).toBe(0);
      const store = await IndexedDbUserStore.open({ name });
      expect(await deviceState(store)).toEqual(state);
      await store.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("an edit in one tab while the other tab's push is in flight is queued behind it, not folded into it", async () => {
    // Without the shared frozen set, tab B folds its edit into the CREATE tab A is sending; A's ack then
    // deletes that entry and the edit never reaches the server.
    const user = freshUserId('tabs-frozen');
    const name = dbName('tabs-frozen');
    const locks = new NamedLocks();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let pushSeen!: () => void;
    const pushStarted = new Promise<void>((resolve) => (pushSeen = resolve));
    const holdPush: FetchLike = async (input, init) => {
      if ((init?.method ?? 'GET') === 'POST') {
        pushSeen();
        await released;
      }
      return fetch(input, init);
    };
    const a = await openTab(user, name, { lock: locks }, holdPush);
    const b = await openTab(user, name, { lock: locks });
    try {
      const note = await a.notes.create({ body: 'first version', ranges: ['1:1'] });
      expect(await b.pendingCount()).toBe(1); // tab B has read the store before A's push began
      const pushing = a.sync();
      await pushStarted;
      await b.notes.update(note.id, { body: 'second version, written in tab B' });
      release();
      await pushing;
      await a.sync();
      expect((await serverState(server, user))[`NOTE:${note.id}`]).toMatchObject({ body: 'second version, written in tab B' });
      expect((await b.notes.get(note.id))?.body).toBe('second version, written in tab B');
    } finally {
      release();
      await a.close();
      await b.close();
    }
  });

  it('tells the other tab what changed (BroadcastChannel), marked as coming from another context', async () => {
    const user = freshUserId('tabs-notify');
    const name = dbName('tabs-notify');
    const locks = new NamedLocks();
    const a = await openTab(user, name, { lock: locks });
    const b = await openTab(user, name, { lock: locks });
    try {
      const seen: UserDataChange[] = [];
      const arrived = new Promise<void>((resolve) => b.subscribe((change) => (seen.push(change), resolve())));
      const own: UserDataChange[] = [];
      a.subscribe((change) => own.push(change));
      await a.bookmarks.add({ type: 'surah', key: 36 });
      await arrived;
      expect(seen[0]).toMatchObject({ origin: 'local', otherContext: true });
      expect([...seen[0]!.resources]).toContain('BOOKMARK');
      expect(own.every((c) => c.otherContext === undefined)).toBe(true);
      expect((await b.bookmarks.list()).map((bm) => bm.key)).toEqual([36]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('content sync: two contexts on one IndexedDB store', () => {
  let fx: ContentFixture;
  beforeAll(async () => {
    fx = await startContentFixture();
  });
  afterAll(async () => fx?.close());

  it('runs are serialised: one tab bootstraps, the other then finds the checkpoint and runs incrementally', async () => {
    // Without the lock both tabs bootstrap at once (two 'bootstrap' summaries) and their batches interleave.
    await fx.editor.put('translations', 31, {});
    await fx.editor.rows('translations', 31, { upsert: [1, 2, 3].map((i) => rows.translation(i, i, `t31-${i}`)) });
    const name = dbName('tabs-content');
    const locks = new NamedLocks();
    const open = async () =>
      new ContentSyncClient({
        baseUrl: fx.server.url,
        resources: 'translations:31',
        store: await IndexedDbContentStore.open({ name }),
        tokenProvider: fx.tokenProvider,
        crossContext: { lock: locks },
      });
    const [a, b] = [await open(), await open()];
    try {
      const elsewhere: ContentSyncSummary[] = [];
      const heard = new Promise<void>((resolve) => b.on('otherContextSynced', (s) => (elsewhere.push(s), resolve())));
      const summaries = await Promise.all([a.sync(), b.sync()]);
      expect(summaries.map((s) => s.mode)).toEqual(['bootstrap', 'incremental']);
      expect(summaries[1]!.snapshotsFetched).toBe(0);
      await heard;
      expect(elsewhere[0]).toMatchObject({ mode: 'bootstrap', snapshotsFetched: 1 });
      const store = await IndexedDbContentStore.open({ name });
      expect(await storeState(store)).toEqual(await serverPublicState(fx.server, 'translations:31'));
      await store.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('UserSessionTokenProvider: two contexts sharing one stored session', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await createTestClient(server.ctx.db, { id: 'spa', scopes: 'openid offline_access bookmark' });
    await createTestUser(server.ctx.db, 'zaid', 'correct horse battery');
  });
  afterAll(async () => server?.close());

  it('refreshes once for both tabs; the other tab adopts the rotated session instead of spending the old refresh token', async () => {
    // Without the lock and load(), both tabs present the same refresh token: the second use revokes the login.
    const pkce = await createPkcePair();
    const authorization = await authorizeWithLogin(server.url, {
      clientId: 'spa',
      scope: 'openid offline_access bookmark',
      username: 'zaid',
      password: 'correct horse battery',
      pkce,
    });
    const session = await exchangeAuthorizationCode({
      baseUrl: server.url,
      clientId: 'spa',
      code: authorization.code,
      redirectUri: authorization.redirectUri,
      codeVerifier: pkce.verifier,
    });
    let stored: UserSession | null = { ...session, expiresAt: Date.now() };
    const storage = { save: (s: UserSession | null) => void (stored = s), load: () => stored };
    const tokenCalls: string[] = [];
    const countingFetch: FetchLike = async (input, init) => {
      tokenCalls.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    const locks = new NamedLocks();
    const tab = () => new UserSessionTokenProvider({ baseUrl: server.url, clientId: 'spa', session: stored!, storage, fetch: countingFetch, lock: locks });
    const [a, b] = [tab(), tab()];
    const [ga, gb] = await Promise.all([a.getToken(), b.getToken()]);
    expect(tokenCalls).toEqual(['/oauth2/token']);
    expect(ga.accessToken).toBe(gb.accessToken);
    expect(b.currentSession).toEqual(stored);
    // The login survived: the rotated refresh token still works (a reuse would have revoked it).
    const refresh = await tokenRequest(server.url, { grant_type: 'refresh_token', refresh_token: stored!.refreshToken!, client_id: 'spa' });
    expect(refresh.status).toBe(200);
  });
});
