import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestClient } from '@quran-sync/server/testing';
import type { FetchLike } from '../auth/authorized-fetch.js';
import { ClientCredentialsTokenProvider } from '../auth/client-credentials-provider.js';
import { resetContent, rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { STORE_KINDS, createStore } from '../testing/store-factories.js';
import { ContentSyncClient, type ContentSyncClientOptions } from './content-sync-client.js';
import type { ContentSyncProgress } from './content-sync-events.js';
import type { ContentStore, ContentStoreOp } from './content-store.js';
import type { ContentSyncStateChange } from './content-sync-state-machine.js';
import { MemoryContentStore } from './memory-content-store.js';

/** The engine against a real server on a real database; edits go through the real admin API. */
describe('ContentSyncClient against a real server', () => {
  let fx: ContentFixture;
  beforeAll(async () => {
    fx = await startContentFixture();
  });
  afterAll(async () => fx?.close());
  beforeEach(async () => resetContent(fx.server));

  const newClient = (store: ContentStore, resources: string, extra: Partial<ContentSyncClientOptions> = {}) =>
    new ContentSyncClient({ baseUrl: fx.server.url, resources, store, tokenProvider: fx.tokenProvider, ...extra });

  /** Real fetch, logging each request's path and headers. */
  const loggingFetch =
    (log: Array<{ path: string; headers: Headers }>, before?: (path: string) => Promise<void>): FetchLike =>
    async (input, init) => {
      const url = new URL(String(input));
      const path = url.pathname + url.search;
      log.push({ path, headers: new Headers(init?.headers) });
      await before?.(path);
      return fetch(input, init);
    };

  async function baseContent(): Promise<void> {
    await fx.editor.put('translations', 1, { metadata: { name: 'one' } });
    await fx.editor.rows('translations', 1, { upsert: [1, 2, 3, 4, 5].map((i) => rows.translation(i, i, `t1-${i}`)) });
    await fx.editor.put('translations', 2, {});
    await fx.editor.rows('translations', 2, { upsert: [1, 2, 3].map((i) => rows.translation(i, i, `t2-${i}`)) });
    await fx.editor.put('translations', 3, {});
    await fx.editor.rows('translations', 3, { upsert: [rows.translation(1, 1, 't3-1')] });
    await fx.editor.put('tafsirs', 1, {});
    await fx.editor.rows('tafsirs', 1, { upsert: [rows.tafsir(1, 1, 'f1'), rows.tafsir(2, 2, 'f2')] });
    await fx.editor.put('recitations', 1, { resource_content_id: 71 });
    await fx.editor.rows('recitations', 1, { upsert: [rows.audioFile(1, 1, 1, 'a'), rows.audioFile(2, 1, 2, 'b'), rows.chapterAudioFile(1, 1, 1, 'c')] });
    // Not in the filters below: must never reach the store.
    await fx.editor.put('tafsirs', 2, {});
    await fx.editor.rows('tafsirs', 2, { upsert: [rows.tafsir(1, 1, 'other')] });
  }

  const FILTER = 'translations:*;tafsirs:1;recitations:1';

  it.each(STORE_KINDS)('bootstraps, then follows every editorial operation kind incrementally (%s store)', async (kind) => {
    await baseContent();
    const store = await createStore(kind);
    let clock = 1_000_000;
    const client = newClient(store, FILTER, { now: () => clock });
    const expectConverged = async () => expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));

    const boot = await client.sync();
    expect(boot).toMatchObject({
      mode: 'bootstrap',
      resynced: false,
      snapshotsFetched: 5,
      snapshotsNotModified: 0,
      rowsWritten: 14,
      previousSequence: null,
      filter: 'recitations:1;tafsirs:1;translations:*',
    });
    await expectConverged();
    expect(await store.readCheckpoint()).toMatchObject({ filter: 'recitations:1;tafsirs:1;translations:*', sequence: boot.sequence, syncedAt: clock });
    expect((await store.getResource('translations', 1))?.etag).toMatch(/^W\/"translations-1-/);

    const step = async (edit: () => Promise<unknown>, expected: Record<string, unknown>) => {
      await edit();
      clock += 1000;
      const summary = await client.sync();
      expect(summary).toMatchObject({ mode: 'incremental', resynced: false, ...expected });
      await expectConverged();
      return summary;
    };
    // ROW_CREATE / ROW_UPDATE / ROW_DELETE
    await step(() => fx.editor.rows('translations', 1, { upsert: [rows.translation(6, 6, 'new')] }), {
      mutationsApplied: 1,
      snapshotsFetched: 0,
      rowsWritten: 1,
    });
    expect((await store.getResource('translations', 1))?.etag).toBeNull(); // rows now differ from the snapshot
    await step(() => fx.editor.rows('translations', 1, { upsert: [rows.translation(2, 2, 'changed')] }), { mutationsApplied: 1, rowsWritten: 1 });
    expect((await store.getRow('translations', 1, 'translation', 2))?.data.text).toBe('changed');
    await step(() => fx.editor.rows('translations', 1, { delete: [{ record_type: 'translation', id: 3 }] }), { mutationsApplied: 1, rowsWritten: 0 });
    // RESOURCE_UPDATE: metadata only, the rows stay, the resource is marked fresh
    const before = await store.getResource('tafsirs', 1);
    const update = await step(() => fx.editor.put('tafsirs', 1, { metadata: { name: 'renamed' } }), {
      mutationsApplied: 1,
      snapshotsFetched: 0,
      rowsWritten: 0,
    });
    expect(await store.getResource('tafsirs', 1)).toMatchObject({ freshAt: clock, sequence: update.sequence, etag: before!.etag });
    // RESOURCE_DELETE (each reason) and RESOURCE_CREATE
    await step(() => fx.editor.put('translations', 2, { status: 'hidden' }), { mutationsApplied: 1, resourcesRemoved: 1 });
    expect(await store.getResource('translations', 2)).toBeNull();
    expect(await store.countRows('translations', 2)).toBe(0);
    await step(
      async () => {
        await fx.editor.rows('translations', 2, { upsert: [rows.translation(9, 9, 'edited while hidden')] });
        await fx.editor.put('translations', 2, { status: 'public' });
      },
      { mutationsApplied: 1, snapshotsFetched: 1, rowsWritten: 4 },
    );
    for (const status of ['rejected', 'unapproved', 'deleted']) {
      await step(() => fx.editor.put('translations', 3, { status }), { resourcesRemoved: 1 });
      await step(() => fx.editor.put('translations', 3, { status: 'public' }), { snapshotsFetched: 1 });
    }
    // RESOURCE_INVALIDATE (editorial refresh, and a resource_content_id change)
    await step(() => fx.editor.invalidate('translations', 1), { mutationsApplied: 1, snapshotsFetched: 1, rowsWritten: 5 });
    await step(() => fx.editor.put('recitations', 1, { resource_content_id: 72 }), { snapshotsFetched: 1 });
    expect((await store.getResource('recitations', 1))?.resourceContentId).toBe(72);
    // A new resource of a group:* filter arrives as RESOURCE_CREATE; one outside the filter does not
    await step(
      async () => {
        await fx.editor.put('translations', 40, {});
        await fx.editor.rows('translations', 40, { upsert: [rows.translation(1, 1, 'forty')] });
        await fx.editor.put('tafsirs', 3, {});
      },
      { snapshotsFetched: 1 },
    );
    expect(await store.getResource('tafsirs', 3)).toBeNull();
    // Several kinds in one run, over several pages
    const perPage2 = newClient(store, FILTER, { perPage: 2, now: () => clock });
    await fx.editor.rows('translations', 1, {
      upsert: [rows.translation(7, 7, 'seven'), rows.translation(8, 8, 'eight')],
      delete: [{ record_type: 'translation', id: 1 }],
    });
    await fx.editor.put('tafsirs', 1, { status: 'hidden' });
    await fx.editor.invalidate('translations', 40);
    await fx.editor.rows('recitations', 1, { upsert: [rows.chapterAudioFile(2, 1, 2, 'd')] });
    const multi = await perPage2.sync();
    expect(multi.pages).toBeGreaterThan(1);
    await expectConverged();
    // Nothing new: one page, nothing applied, the checkpoint moves to the (unchanged) head
    const idle = await client.sync();
    expect(idle).toMatchObject({ mode: 'incremental', mutationsApplied: 0, pages: 1, sequence: multi.sequence });
    await store.close();
  });

  /** A store that records every batch it is asked to write. */
  function recordingStore(): { store: ContentStore; batches: ContentStoreOp[][] } {
    const inner = new MemoryContentStore();
    const batches: ContentStoreOp[][] = [];
    const store = Object.assign(Object.create(inner) as ContentStore, {
      write: async (ops: readonly ContentStoreOp[]) => {
        batches.push([...ops]);
        await inner.write(ops);
      },
    });
    return { store, batches };
  }

  it('writes the token once per run: in the final batch, with the last changes, after every snapshot', async () => {
    await baseContent();
    const { store, batches } = recordingStore();
    // One row per batch and one resource per page: many batches, to see where the checkpoint lands.
    await newClient(store, FILTER, { perPage: 1, maxBatchRows: 1 }).sync();
    const withCheckpoint = batches.map((b, i) => (b.some((op) => op.op === 'writeCheckpoint') ? i : -1)).filter((i) => i >= 0);
    expect(batches.length).toBeGreaterThan(3);
    expect(withCheckpoint).toEqual([batches.length - 1]);
    expect(batches.at(-1)!.map((op) => op.op)).toContain('replaceResource');
    expect(batches.flat().filter((op) => op.op === 'replaceResource')).toHaveLength(5);

    batches.length = 0;
    await fx.editor.rows('translations', 1, { upsert: [rows.translation(1, 1, 'x'), rows.translation(2, 2, 'y')] });
    await fx.editor.put('tafsirs', 1, { status: 'hidden' });
    await fx.editor.rows('translations', 2, { delete: [{ record_type: 'translation', id: 1 }] });
    await fx.editor.invalidate('translations', 3);
    const run = await newClient(store, FILTER, { perPage: 2 }).sync();
    expect(run.pages).toBe(3);
    expect(batches.map((b) => b.some((op) => op.op === 'writeCheckpoint'))).toEqual([false, false, true]);
    // The final page holds the invalidation: its snapshot is in the same batch as the token.
    expect(batches.at(-1)!.map((op) => op.op)).toEqual(expect.arrayContaining(['replaceResource', 'writeCheckpoint']));
    expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
  });

  it('on a filter change bootstraps the new filter, keeps unchanged resources without downloading them, drops the untracked', async () => {
    await baseContent();
    const store = await createStore('sqlite');
    const log: Array<{ path: string; headers: Headers }> = [];
    const client = newClient(store, 'translations:1,2;tafsirs:1', { fetch: loggingFetch(log) });
    await client.sync();
    client.setResources('translations:3,2');
    log.length = 0;
    const changed = await client.sync();
    expect(changed).toMatchObject({
      mode: 'bootstrap',
      resynced: false,
      snapshotsFetched: 1,
      snapshotsNotModified: 1,
      resourcesRemoved: 2,
      filter: 'translations:2,3',
      previousSequence: null,
    });
    expect(log.filter((r) => r.path.includes('/snapshots/translations/2'))[0]!.headers.get('if-none-match')).toMatch(/^W\//);
    expect((await store.listResources()).map((r) => `${r.group}:${r.id}`)).toEqual(['translations:2', 'translations:3']);
    expect(await storeState(store)).toEqual(await serverPublicState(fx.server, 'translations:2,3'));
    expect((await store.readCheckpoint())?.filter).toBe('translations:2,3');
    // The same filter spelled differently is the same filter: an incremental run, no bootstrap.
    client.setResources('translations:3;translations:2,2');
    expect((await client.sync()).mode).toBe('incremental');
  });

  it('recovers from token_filter_mismatch (a token of another filter) by bootstrapping the filter', async () => {
    await baseContent();
    const store = new MemoryContentStore();
    await newClient(store, 'tafsirs:1').sync();
    const foreign = (await store.readCheckpoint())!;
    const target = new MemoryContentStore();
    await newClient(target, 'translations:1').sync();
    await fx.editor.rows('translations', 1, { upsert: [rows.translation(1, 1, 'edited')] });
    // Corrupt the checkpoint: the right filter, a token bound to another one.
    await target.write([{ op: 'writeCheckpoint', checkpoint: { ...foreign, filter: 'translations:1' } }]);
    const states: string[] = [];
    const client = newClient(target, 'translations:1');
    client.on('state', (c) => states.push(c.to));
    const summary = await client.sync();
    expect(summary).toMatchObject({ mode: 'bootstrap', resynced: true });
    expect(states).toEqual(['syncing', 'recovering', 'bootstrapping', 'idle']);
    expect(await storeState(target)).toEqual(await serverPublicState(fx.server, 'translations:1'));
  });

  it('marks a resource unavailable on snapshot_not_found, continues, and removes it on the next run', async () => {
    await baseContent();
    const store = new MemoryContentStore();
    let hidden = false;
    const client = newClient(store, FILTER, {
      fetch: loggingFetch([], async (path) => {
        if (!hidden && path.includes('/snapshots/translations/2')) {
          hidden = true;
          await fx.editor.put('translations', 2, { status: 'hidden' }); // between the page and its snapshot
        }
      }),
    });
    const first = await client.sync();
    expect(first.unavailable).toEqual(['translations:2']);
    expect(first.snapshotsFetched).toBe(4);
    expect(await store.getResource('translations', 2)).toMatchObject({ status: 'unavailable', unavailableReason: 'snapshot_not_found' });
    expect(await store.countRows('translations', 2)).toBe(0);
    expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
    const second = await client.sync();
    expect(second.resourcesRemoved).toBe(1);
    expect(await store.getResource('translations', 2)).toBeNull();
  });

  it('sends If-None-Match when it holds the ETag: a re-bootstrap of unchanged content downloads no snapshot', async () => {
    await baseContent();
    const store = await createStore('sqlite');
    const log: Array<{ path: string; headers: Headers }> = [];
    const client = newClient(store, FILTER, { fetch: loggingFetch(log) });
    const first = await client.sync();
    expect(log.filter((r) => r.path.includes('/snapshots/')).every((r) => r.headers.get('if-none-match') === null)).toBe(true);
    await store.write([{ op: 'clearCheckpoint' }]); // e.g. the app lost its token
    log.length = 0;
    const again = await client.sync();
    expect(again).toMatchObject({ mode: 'bootstrap', snapshotsFetched: 0, snapshotsNotModified: 5, rowsWritten: 0 });
    expect(again.bytes).toBeLessThan(first.bytes);
    expect(log.filter((r) => r.path.includes('/snapshots/')).map((r) => r.headers.get('if-none-match'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^W\//)]),
    );
    expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
  });

  it('voids the ETag when a row change lands on a newer snapshot, so a later bootstrap refetches instead of keeping stale rows', async () => {
    await fx.editor.put('translations', 1, {});
    await fx.editor.rows('translations', 1, { upsert: [rows.translation(1, 1, 'v1'), rows.translation(2, 2, 'y')] });
    await fx.editor.put('translations', 2, {});
    const store = new MemoryContentStore();
    await newClient(store, 'translations:*').sync();
    // Window of the next run, one mutation per page: INVALIDATE t1, row 1 = "s", then a change of t2.
    await fx.editor.invalidate('translations', 1);
    await fx.editor.rows('translations', 1, { upsert: [rows.translation(1, 1, 's')] });
    await fx.editor.put('translations', 2, { metadata: { v: 2 } });
    let syncPages = 0;
    let editedMidRun = false;
    const client = newClient(store, 'translations:*', {
      perPage: 1,
      fetch: loggingFetch([], async (path) => {
        if (path.includes('/snapshots/translations/1') && !editedMidRun) {
          editedMidRun = true;
          // Lands after the run's sync_until_sequence: the snapshot shows "L", the run then replays "s" over it.
          await fx.editor.rows('translations', 1, { upsert: [rows.translation(1, 1, 'L')] });
        }
        if (path.includes('/resources/sync') && ++syncPages === 3) throw new Error('process died before the final page');
      }),
    });
    await expect(client.sync()).rejects.toThrow('process died');
    expect((await store.getRow('translations', 1, 'translation', 1))?.data.text).toBe('s'); // older than the snapshot
    expect((await store.getResource('translations', 1))?.etag).toBeNull();
    // The token is lost (or a resync comes): a bootstrap must not accept 304 for rows it changed itself.
    await store.write([{ op: 'clearCheckpoint' }]);
    const log: Array<{ path: string; headers: Headers }> = [];
    await newClient(store, 'translations:*', { fetch: loggingFetch(log) }).sync();
    expect(log.find((r) => r.path.includes('/snapshots/translations/1'))!.headers.get('if-none-match')).toBeNull();
    expect((await store.getRow('translations', 1, 'translation', 1))?.data.text).toBe('L');
    expect(await storeState(store)).toEqual(await serverPublicState(fx.server, 'translations:*'));
  });

  it('fetches snapshots concurrently, never more than snapshotConcurrency at once', async () => {
    await baseContent();
    let inFlight = 0;
    let peak = 0;
    const client = newClient(new MemoryContentStore(), FILTER, {
      snapshotConcurrency: 2,
      fetch: async (input, init) => {
        const snapshot = String(input).includes('/snapshots/');
        if (snapshot) peak = Math.max(peak, ++inFlight);
        try {
          const response = await fetch(input, init);
          const body = await response.arrayBuffer();
          return new Response(body, { status: response.status, headers: response.headers });
        } finally {
          if (snapshot) inFlight--;
        }
      },
    });
    await client.sync();
    expect(peak).toBe(2);
  });

  it('reports state transitions, monotonic progress and a summary', async () => {
    await baseContent();
    const client = newClient(new MemoryContentStore(), FILTER, { perPage: 2 });
    const states: ContentSyncStateChange[] = [];
    const progress: ContentSyncProgress[] = [];
    let synced = 0;
    client.on('state', (c) => states.push(c));
    client.on('progress', (p) => progress.push(p));
    client.on('synced', () => synced++);
    client.on('progress', () => {
      throw new Error('a broken listener does not break the sync');
    });
    const summary = await client.sync();
    expect(states.map((s) => `${s.from}>${s.to}`)).toEqual(['idle>bootstrapping', 'bootstrapping>idle']);
    expect(client.state).toBe('idle');
    expect(synced).toBe(1);
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) {
      for (const k of ['pages', 'mutationsApplied', 'snapshotsDone', 'rowsWritten', 'bytes'] as const)
        expect(progress[i]![k]).toBeGreaterThanOrEqual(progress[i - 1]![k]);
    }
    const last = progress.at(-1)!;
    expect(last).toMatchObject({
      mode: 'bootstrap',
      resourcesTotal: 5,
      snapshotsKnown: 5,
      snapshotsDone: 5,
      pages: summary.pages,
      rowsWritten: summary.rowsWritten,
      bytes: summary.bytes,
    });
    expect(progress.filter((p) => p.resourcesTotal === null).every((p) => p.snapshotsDone === 0)).toBe(true);
  });

  it('cancels a run through AbortSignal: state idle, no token, and the next run completes', async () => {
    await baseContent();
    const store = new MemoryContentStore();
    const controller = new AbortController();
    const errors: unknown[] = [];
    const client = newClient(store, FILTER, {
      snapshotConcurrency: 1,
      fetch: loggingFetch([], async (path) => {
        if (path.includes('/snapshots/recitations/1')) controller.abort(new Error('user left the screen'));
      }),
    });
    client.on('error', (e) => errors.push(e));
    await expect(client.sync({ signal: controller.signal })).rejects.toThrow('user left the screen');
    expect(client.state).toBe('idle');
    expect(errors).toEqual([]);
    expect(await store.readCheckpoint()).toBeNull();
    const done = await client.sync();
    expect(done.mode).toBe('bootstrap');
    expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
  });

  it('joins concurrent sync() calls into one run', async () => {
    await baseContent();
    const log: Array<{ path: string; headers: Headers }> = [];
    const client = newClient(new MemoryContentStore(), FILTER, { fetch: loggingFetch(log) });
    const [a, b] = await Promise.all([client.sync(), client.sync()]);
    expect(a).toBe(b);
    expect(log.filter((r) => r.path.includes('bootstrap=true'))).toHaveLength(1);
  });

  it('syncs periodically with start(), and stop() cancels a run in progress and ends the loop', async () => {
    await baseContent();
    const store = new MemoryContentStore();
    const client = newClient(store, FILTER);
    const synced: number[] = [];
    client.on('synced', (s) => synced.push(s.sequence));
    const twice = new Promise<void>((resolve) => client.on('synced', () => synced.length >= 2 && resolve()));
    client.start({ intervalMs: 1000 });
    expect(() => client.start()).toThrow(/already started/);
    await twice;
    await client.stop();
    expect(client.state).toBe('idle');
    expect(synced.length).toBeGreaterThanOrEqual(2);
    expect(() => client.start({ intervalMs: 8 * 86_400_000 })).toThrow(RangeError);

    const errors: unknown[] = [];
    const fresh = newClient(new MemoryContentStore(), FILTER);
    fresh.on('error', (e) => errors.push(e));
    const states: string[] = [];
    fresh.on('state', (c) => states.push(c.to));
    fresh.start({ intervalMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await fresh.stop();
    expect(fresh.state).toBe('idle');
    expect(states.at(-1)).toBe('idle');
    expect(errors).toEqual([]);
  });

  it('works with the client-credentials token provider end to end, and reports freshness', async () => {
    await baseContent();
    await createTestClient(fx.server.ctx.db, { id: 'sdk-reader', secret: 'sdk-reader-secret', scopes: 'content' });
    let clock = Date.now();
    const store = new MemoryContentStore();
    const client = new ContentSyncClient({
      baseUrl: fx.server.url,
      resources: FILTER,
      store,
      tokenProvider: new ClientCredentialsTokenProvider({
        baseUrl: fx.server.url,
        clientId: 'sdk-reader',
        clientSecret: 'sdk-reader-secret',
        scope: 'content',
      }),
      now: () => clock,
    });
    expect(await client.freshness()).toEqual({ lastSyncedAt: null, sequence: null, stale: true });
    const summary = await client.sync();
    expect(await client.freshness()).toEqual({ lastSyncedAt: clock, sequence: summary.sequence, stale: false });
    clock += 7 * 86_400_000 + 1;
    expect((await client.freshness()).stale).toBe(true);
    expect(() => new ContentSyncClient({ baseUrl: fx.server.url, resources: 'videos:1', store, tokenProvider: fx.tokenProvider })).toThrow(
      /unknown resource group/,
    );
    expect(() => newClient(store, FILTER, { perPage: 101 })).toThrow(RangeError);
  });
});
