import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiError, NetworkError } from '../http/api-error.js';
import type { RetryInfo } from '../http/transport.js';
import { resetContent, rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { closedPort, startFaultProxy, type FaultProxy } from '../testing/fault-proxy.js';
import { ContentSyncClient, type ContentSyncClientOptions } from './content-sync-client.js';
import type { ContentStore } from './content-store.js';
import { MemoryContentStore } from './memory-content-store.js';

/**
 * Faults on a real network path: throttling and overload (a real rate-limited server, and a real proxy
 * answering 503/429 with Retry-After), connection refused and reset, and the server forgetting old history
 * (retention) so the client must resync.
 */
describe('ContentSyncClient under faults', () => {
  let fx: ContentFixture;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    fx = await startContentFixture();
  });
  afterAll(async () => fx?.close());
  beforeEach(async () => {
    await resetContent(fx.server);
    for (const n of [1, 2, 3]) {
      await fx.editor.put('translations', n, {});
      await fx.editor.rows('translations', n, { upsert: [1, 2, 3].map((i) => rows.translation(i, i, `t${n}-${i}`)) });
    }
  });
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
  });

  const FILTER = 'translations:*';
  const newClient = (baseUrl: string, store: ContentStore, extra: Partial<ContentSyncClientOptions> = {}) =>
    new ContentSyncClient({ baseUrl, resources: FILTER, store, tokenProvider: fx.tokenProvider, ...extra });
  const converged = async (store: ContentStore) => expect(await storeState(store)).toEqual(await serverPublicState(fx.server, FILTER));
  const proxy = async (plan?: FaultProxy['plan'], port?: number) => {
    const p = await startFaultProxy(fx.server.url, { ...(plan ? { plan } : {}), ...(port ? { port } : {}) });
    proxies.push(p);
    return p;
  };

  it('waits out 503 and 429 with Retry-After from a proxy, then completes', async () => {
    let snapshotsSeen = 0;
    const p = await proxy((req, i) => {
      if (i === 0)
        return { kind: 'respond', status: 503, headers: { 'retry-after': '1' }, body: '{"message":"overloaded","type":"service_unavailable","success":false}' };
      if (req.url?.includes('/snapshots/') && snapshotsSeen++ === 0)
        return { kind: 'respond', status: 429, headers: { 'retry-after': '1' }, body: '{"message":"slow down","type":"rate_limit_exceeded","success":false}' };
      return { kind: 'forward' };
    });
    const store = new MemoryContentStore();
    const client = newClient(p.url, store, { snapshotConcurrency: 1 });
    const retries: RetryInfo[] = [];
    client.on('retry', (r) => retries.push(r));
    const summary = await client.sync();
    expect(summary.snapshotsFetched).toBe(3);
    expect(retries.map((r) => [(r.error as ApiError).status, r.delayMs])).toEqual([
      [503, 1000],
      [429, 1000],
    ]);
    const [first, second] = [p.requests.findIndex((r) => r.decision === 'respond'), p.requests.findLastIndex((r) => r.decision === 'respond')];
    expect(p.requests[first + 1]!.at - p.requests[first]!.at).toBeGreaterThanOrEqual(1000);
    // The throttled snapshot was asked again no earlier than Retry-After allowed.
    const retried = p.requests.findIndex((r, i) => i > second && r.url === p.requests[second]!.url);
    expect(p.requests[retried]!.at - p.requests[second]!.at).toBeGreaterThanOrEqual(1000);
    await converged(store);
  });

  it("honours a real server's rate limit (429 + Retry-After) and completes", async () => {
    const limited = await startContentFixture({ database: fx.server.database, rateLimit: { enabled: true, perClient: 3, windowMs: 1000 } });
    try {
      const store = new MemoryContentStore();
      const retries: RetryInfo[] = [];
      const client = new ContentSyncClient({ baseUrl: limited.server.url, resources: FILTER, store, tokenProvider: limited.tokenProvider });
      client.on('retry', (r) => retries.push(r));
      await client.sync();
      expect(retries.length).toBeGreaterThan(0);
      for (const r of retries) {
        expect((r.error as ApiError).status).toBe(429);
        expect((r.error as ApiError).retryAfterMs).not.toBeNull();
        expect(r.delayMs).toBe((r.error as ApiError).retryAfterMs);
      }
      await converged(store);
    } finally {
      await limited.close();
    }
  });

  it('gives up after a bounded number of attempts when the server stays unavailable', async () => {
    const p = await proxy(() => ({ kind: 'respond', status: 503, headers: { 'retry-after': '0' } }));
    const store = new MemoryContentStore();
    const client = newClient(p.url, store, { retry: { maxAttempts: 3 } });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    await expect(client.sync()).rejects.toMatchObject({ status: 503, attempts: 3 });
    expect(p.requests).toHaveLength(3);
    expect(client.state).toBe('error');
    expect(errors).toHaveLength(1);
    expect(await store.readCheckpoint()).toBeNull();
  });

  it('periodic sync keeps failing runs spaced out, never sooner than Retry-After', async () => {
    const p = await proxy(() => ({ kind: 'respond', status: 503, headers: { 'retry-after': '5' } }));
    const waits: number[] = [];
    let stopAfter: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stopAfter = resolve));
    const client = newClient(p.url, new MemoryContentStore(), {
      retry: { maxAttempts: 2 },
      // Records every wait (transport retries and the loop's pauses) without spending the time.
      sleep: async (ms, signal) => {
        waits.push(ms);
        if (waits.length < 9) return;
        stopAfter();
        await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
      },
    });
    client.start({ intervalMs: 60_000 });
    await stopped;
    await client.stop();
    // Per failed run: one transport retry after Retry-After (5 s), then the loop's pause: ≥ Retry-After, ≤ interval.
    const loopPauses = waits.filter((_, i) => i % 2 === 1);
    expect(waits.filter((_, i) => i % 2 === 0).every((w) => w === 5000)).toBe(true);
    for (const pause of loopPauses) {
      expect(pause).toBeGreaterThanOrEqual(5000);
      expect(pause).toBeLessThanOrEqual(61_000);
    }
    // Four failed runs of two attempts, and the fifth run's first attempt (cancelled by stop while waiting).
    expect(p.requests).toHaveLength(9);
    expect(client.state).toBe('idle');
  });

  it('offline (connection refused), then back online: fails cleanly, then syncs on the same client', async () => {
    const port = await closedPort();
    const store = new MemoryContentStore();
    const client = newClient(`http://127.0.0.1:${port}`, store, { retry: { maxAttempts: 2, baseDelayMs: 10 } });
    const error = await client.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/ECONNREFUSED/);
    expect(client.state).toBe('error');
    expect(await store.listResources()).toEqual([]);

    const p = await proxy(undefined, port); // the network comes back on the same address
    const summary = await client.sync();
    expect(summary.mode).toBe('bootstrap');
    expect(client.state).toBe('idle');
    expect(p.requests.length).toBeGreaterThan(0);
    await converged(store);
  });

  it('connection lost mid-run: the next run continues from the store and converges without refetching what it has', async () => {
    let dropping = false;
    const p = await proxy((req) => (dropping && req.url?.includes('/snapshots/translations/3') ? { kind: 'reset' } : { kind: 'forward' }));
    const store = new MemoryContentStore();
    const client = newClient(p.url, store, { retry: { maxAttempts: 2, baseDelayMs: 10 }, snapshotConcurrency: 1, maxBatchRows: 1 });
    dropping = true;
    await expect(client.sync()).rejects.toBeInstanceOf(NetworkError);
    expect(await store.readCheckpoint()).toBeNull();
    expect((await store.listResources()).map((r) => r.id)).toEqual([1, 2]); // applied before the failure, kept
    dropping = false;
    const summary = await client.sync();
    expect(summary).toMatchObject({ mode: 'bootstrap', snapshotsFetched: 1, snapshotsNotModified: 2 });
    await converged(store);
  });

  it('resyncs after retention dropped the history its token needs (410), keeping rows until replaced', async () => {
    const store = new MemoryContentStore();
    const client = newClient(fx.server.url, store);
    await client.sync();
    await fx.editor.rows('translations', 1, { upsert: [rows.translation(1, 1, 'edited')] });
    // The feed's history grows old and the server's retention job removes it (raising the retention floor).
    await sql`update content_feed set changed_at = changed_at - interval '200 days'`.execute(fx.server.ctx.db);
    const compaction = await fx.editor.compact();
    expect((compaction.body as { retention_floor: number }).retention_floor).toBeGreaterThan(0);
    await fx.editor.rows('translations', 2, { upsert: [rows.translation(4, 4, 'after compaction')] });

    const rowsDuringRecovery: Array<Promise<number>> = [];
    client.on('state', (c) => {
      if (c.to === 'recovering') rowsDuringRecovery.push(store.countRows('translations', 3));
    });
    const summary = await client.sync();
    expect(summary).toMatchObject({ mode: 'bootstrap', resynced: true });
    expect(await Promise.all(rowsDuringRecovery)).toEqual([3]); // kept while recovering
    // translations:3 did not change: the re-bootstrap kept its rows (304) instead of downloading them again.
    expect(summary.snapshotsNotModified).toBe(1);
    expect(summary.snapshotsFetched).toBe(2);
    await converged(store);
    expect((await client.sync()).mode).toBe('incremental');
  });
});
