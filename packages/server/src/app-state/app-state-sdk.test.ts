import {
  createServerClient,
  createAppStateMemoryStore,
  createAppStateReconciler,
  getAppStateErrorCode,
  type AppStateReconciler,
  type AppStateTransport,
} from '@quranjs/api/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import { purgeAppState } from './app-state-jobs.js';

/**
 * The official SDK's App State transport and reconciler (`@quranjs/api` 3.10), unmodified, against a real
 * server: two devices of one account, offline edits, conflicts, lost answers, deletes, expired sync tokens.
 */
const CLIENT = 'reader-app';
const DAY = 86_400_000;

describe('App State with @quranjs/api 3.10', () => {
  let server: TestServer;
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** A transport of the SDK for `userId`; `fetchImpl` lets a test lose answers. */
  const transport = async (userId: string, fetchImpl?: typeof fetch, scopes = ['app_state']): Promise<AppStateTransport> => {
    const accessToken = await server.mintToken({ userId, clientId: CLIENT, scopes });
    const client = createServerClient({
      clientId: CLIENT,
      clientSecret: 'unused',
      services: { gatewayUrl: server.url, tokenHost: server.url },
      userSession: { accessToken },
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    return client.auth.v1.appState;
  };
  const device = async (userId: string, fetchImpl?: typeof fetch): Promise<AppStateReconciler> =>
    createAppStateReconciler({ accountId: userId, store: createAppStateMemoryStore(), transport: await transport(userId, fetchImpl) });
  const user = () => `user-${++counter}`;
  const visibleValue = async (reconciler: AppStateReconciler, collection: string, key: string) =>
    (await reconciler.getState()).visible[`${collection}/${encodeURIComponent(key)}`]?.value;

  it('answers the configuration the operator set (the default set here)', async () => {
    const config = await (await transport(user())).getConfiguration();
    expect(config.success).toBe(true);
    expect(config.data.collections.map((c) => c.name)).toEqual(['settings', 'reading-plans', 'drafts']);
    expect(config.data.collections.find((c) => c.name === 'settings')?.requiresPrecondition).toBe(true);
    expect(config.data.limits).toEqual({ changeRetentionDays: 30, maxDocumentBytes: 65536, maxDocumentsPerUser: 1000, quotaBytesPerUser: 1048576 });
  });

  it('carries an offline edit of one device to the other', async () => {
    const id = user();
    const phone = await device(id);
    const laptop = await device(id);
    await phone.putDocument('settings', 'theme', { schemaVersion: 1, value: { mode: 'dark', fontScale: 1.1 } });
    expect((await phone.getState()).visible['settings/theme']?.pending).toBe(true);
    const synced = await phone.reconcile();
    expect(synced.pendingMutations).toEqual([]);
    expect(synced.visible['settings/theme']).toMatchObject({ pending: false, version: 1, value: { mode: 'dark', fontScale: 1.1 } });
    expect(synced.visible['settings/theme']?.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    await laptop.reconcile();
    expect(await visibleValue(laptop, 'settings', 'theme')).toEqual({ mode: 'dark', fontScale: 1.1 });
  });

  it('rebases a stale edit on 412 and keeps its complete replacement (last reconciler wins, both converge)', async () => {
    const id = user();
    const phone = await device(id);
    const laptop = await device(id);
    await phone.putDocument('settings', 'reader', { schemaVersion: 1, value: { translation: 20 } });
    await phone.reconcile();
    await laptop.reconcile();
    // Both edit the same version offline.
    await phone.putDocument('settings', 'reader', { schemaVersion: 1, value: { translation: 131 } });
    await laptop.putDocument('settings', 'reader', { schemaVersion: 2, value: { translation: 85, tafsir: 169 } });
    await phone.reconcile();
    const laptopState = await laptop.reconcile();
    expect(laptopState.pendingMutations).toEqual([]);
    expect(laptopState.visible['settings/reader']).toMatchObject({ version: 3, schemaVersion: 2, value: { translation: 85, tafsir: 169 } });
    await phone.reconcile();
    expect(await visibleValue(phone, 'settings', 'reader')).toEqual({ translation: 85, tafsir: 169 });
    const current = await (await transport(id)).getDocument('settings', 'reader');
    expect(current.data.version).toBe(3);
    expect(current.etag).toBe(laptopState.visible['settings/reader']?.etag);
  });

  it('replays the stored outcome when an answer was lost, applying the write once', async () => {
    const id = user();
    let loseNextPut = true;
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'PUT' && loseNextPut) {
        loseNextPut = false;
        throw new TypeError('fetch failed (connection reset after the server answered)');
      }
      return response;
    };
    const phone = await device(id, lossy);
    await phone.putDocument('reading-plans', 'ramadan', { schemaVersion: 1, value: { days: 30, juzPerDay: 1 } });
    await expect(phone.reconcile()).rejects.toThrow(/fetch failed/);
    const pending = (await phone.getState()).pendingMutations;
    expect(pending).toHaveLength(1);
    // The retry carries the same Idempotency-Key and If-None-Match: *; the server answers the stored 201.
    const state = await phone.reconcile();
    expect(state.pendingMutations).toEqual([]);
    expect(state.visible['reading-plans/ramadan']).toMatchObject({ version: 1, value: { days: 30, juzPerDay: 1 } });
    const changes = await (await transport(id)).bootstrap();
    expect(changes.data.items.map((i) => [i.key, i.version])).toEqual([['ramadan', 1]]);
  });

  it('refuses an Idempotency-Key reused for another request with 409 idempotency_key_reused', async () => {
    const t = await transport(user());
    await t.putDocument('drafts', 'note', { schemaVersion: 1, value: 'a' }, { idempotencyKey: 'key-0123456789abcdef' });
    const replay = await t.putDocument('drafts', 'note', { schemaVersion: 1, value: 'a' }, { idempotencyKey: 'key-0123456789abcdef' });
    expect(replay.status).toBe(201);
    expect(replay.data.version).toBe(1);
    const error = await t.putDocument('drafts', 'note', { schemaVersion: 1, value: 'b' }, { idempotencyKey: 'key-0123456789abcdef' }).catch((e: unknown) => e);
    expect(getAppStateErrorCode(error)).toBe('idempotency_key_reused');
    expect((await t.getDocument('drafts', 'note')).data.value).toBe('a');
  });

  it('carries deletes to the other device, and a re-created key gets a higher version', async () => {
    const id = user();
    const phone = await device(id);
    const laptop = await device(id);
    await phone.putDocument('settings', 'font', { schemaVersion: 1, value: 'uthmani' });
    await phone.reconcile();
    await laptop.reconcile();
    await laptop.deleteDocument('settings', 'font');
    expect((await laptop.getState()).visible['settings/font']).toBeUndefined();
    await laptop.reconcile();
    await phone.reconcile();
    expect((await phone.getState()).visible['settings/font']).toBeUndefined();
    expect((await phone.getState()).shadow['settings/font']).toMatchObject({ operation: 'delete', version: 2, value: null });
    await phone.putDocument('settings', 'font', { schemaVersion: 1, value: 'indopak' });
    await phone.reconcile();
    await laptop.reconcile();
    expect((await laptop.getState()).visible['settings/font']).toMatchObject({ version: 3, value: 'indopak' });
    const missing = await (await transport(id)).getDocument('settings', 'absent').catch((e: unknown) => e);
    expect(getAppStateErrorCode(missing)).toBe('document_not_found');
  });

  it('bootstraps again after sync_token_expired, keeping pending edits, and re-creation outranks a pruned tombstone', async () => {
    const id = user();
    const phone = await device(id);
    const laptop = await device(id);
    for (const key of ['a', 'b', 'gone']) await phone.putDocument('drafts', key, { schemaVersion: 1, value: key });
    await phone.reconcile();
    await laptop.reconcile();
    await phone.deleteDocument('drafts', 'gone');
    await phone.putDocument('drafts', 'a', { schemaVersion: 1, value: 'a2' });
    await phone.reconcile();
    // The deletion falls out of the retention window: the laptop's sync token predates the pruned tombstone.
    const purged = await purgeAppState(server.ctx.db, { now: Date.now() + 31 * DAY, changeRetentionDays: 30 });
    expect(purged.tombstones).toBeGreaterThanOrEqual(1);
    const stale = await (await transport(id)).getChanges((await laptop.getState()).syncToken!).catch((e: unknown) => e);
    expect(getAppStateErrorCode(stale)).toBe('sync_token_expired');
    expect((stale as { status: number }).status).toBe(410);
    await laptop.putDocument('drafts', 'offline', { schemaVersion: 1, value: 'kept' });
    const state = await laptop.reconcile();
    expect(state.pendingMutations).toEqual([]);
    expect(Object.fromEntries(Object.values(state.visible).map((d) => [d.key, d.value]))).toEqual({ a: 'a2', b: 'b', offline: 'kept' });
    // Re-creating the pruned key: its version exceeds the tombstone's (2), so a device that kept the tombstone takes it.
    const phoneBefore = (await phone.getState()).shadow['drafts/gone'];
    expect(phoneBefore).toMatchObject({ operation: 'delete', version: 2 });
    await laptop.putDocument('drafts', 'gone', { schemaVersion: 1, value: 'back' });
    await laptop.reconcile();
    await phone.reconcile();
    expect((await phone.getState()).visible['drafts/gone']).toMatchObject({ value: 'back' });
    expect((await phone.getState()).visible['drafts/gone']!.version).toBeGreaterThan(2);
  });

  it('pages bootstrap and changes with the reconciler’s page size', async () => {
    const id = user();
    const writer = await device(id);
    for (let i = 0; i < 7; i++) await writer.putDocument('drafts', `k${i}`, { schemaVersion: 1, value: i });
    await writer.reconcile();
    const reader = createAppStateReconciler({ accountId: id, pageSize: 2, store: createAppStateMemoryStore(), transport: await transport(id) });
    const state = await reader.reconcile();
    expect(Object.keys(state.visible).sort()).toEqual(['drafts/k0', 'drafts/k1', 'drafts/k2', 'drafts/k3', 'drafts/k4', 'drafts/k5', 'drafts/k6']);
    for (let i = 0; i < 5; i++) await writer.putDocument('drafts', `k${i}`, { schemaVersion: 1, value: i * 10 });
    await writer.reconcile();
    const later = await reader.reconcile();
    expect(later.visible['drafts/k4']?.value).toBe(40);
    const listed = await (await transport(id)).listDocuments('drafts', { limit: 3 });
    expect(listed.data.items.map((i) => i.key)).toEqual(['k0', 'k1', 'k2']);
    expect(listed.data.hasMore).toBe(true);
    const next = await (await transport(id)).listDocuments('drafts', { limit: 10, cursor: listed.data.nextCursor! });
    expect(next.data.items.map((i) => i.key)).toEqual(['k3', 'k4', 'k5', 'k6']);
    expect(next.data).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it('keeps accounts and apps apart, and refuses tokens without an App State scope', async () => {
    const a = await device(user());
    await a.putDocument('settings', 'private', { schemaVersion: 1, value: 'mine' });
    await a.reconcile();
    const other = await device(user());
    expect((await other.reconcile()).visible).toEqual({});
    const noScope = await transport(user(), undefined, ['bookmark']);
    const refused = await noScope.getConfiguration().catch((e: unknown) => e);
    expect((refused as { status: number }).status).toBe(403);
    const readOnly = await transport(user(), undefined, ['app_state.read']);
    expect((await readOnly.bootstrap()).data.items).toEqual([]);
    const write = await readOnly.putDocument('drafts', 'x', { schemaVersion: 1, value: 1 }, { idempotencyKey: 'ro-0123456789abcdef' }).catch((e: unknown) => e);
    expect((write as { status: number }).status).toBe(403);
  });
});
