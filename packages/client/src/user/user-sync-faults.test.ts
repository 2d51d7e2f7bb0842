import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryUserStore } from './memory-user-store.js';
import { closingDevices, deviceState, freshUserId, serverState, type Device } from './testing/user-sync-harness.js';
import type { UserStoreOp } from './user-store.js';

/**
 * Real network faults between a device and a real server (the proxy forwards, or drops the request, or lets
 * the server apply it and then drops the answer, or answers 5xx, or delays): nothing is lost, nothing is
 * applied twice.
 */
let server: TestServer;
let shortTtlServer: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  shortTtlServer = await startTestServer({ userSync: { idempotencyTtlMs: 1000 } });
});
afterAll(async () => {
  await server?.close();
  await shortTtlServer?.close();
});
const device = closingDevices();

const posts = (d: Device) => d.proxy.requests.filter((r) => r.method === 'POST');
const countNotes = (state: Record<string, unknown>) => Object.keys(state).filter((k) => k.startsWith('NOTE:')).length;

describe('user sync under network faults', () => {
  it('a lost answer (server applied, client never saw it) is retried with the same Idempotency-Key: replayed, no duplicates', async () => {
    const user = freshUserId();
    const a = await device(server, user);
    for (let i = 0; i < 5; i++) await a.client.notes.create({ body: `note number ${i}`, ranges: [`1:${i + 1}`] });
    let dropped = false;
    a.proxy.plan = (req) => (req.method === 'POST' && !dropped ? ((dropped = true), { kind: 'drop-response' }) : { kind: 'forward' });
    await a.client.sync();
    expect(posts(a)).toHaveLength(2);
    expect(posts(a)[0]!.headers['idempotency-key']).toBe(posts(a)[1]!.headers['idempotency-key']);
    const state = await serverState(server, user);
    expect(countNotes(state)).toBe(5);
    expect(await deviceState(a.store)).toEqual(state);
  });

  it('a lost answer after the transport gave up: the batch stays frozen and the next sync resends it byte for byte (same key), later edits go after it', async () => {
    const user = freshUserId();
    const a = await device(server, user, { client: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 } } });
    const note = await a.client.notes.create({ body: 'first version', ranges: ['2:1'] });
    await a.client.bookmarks.add({ type: 'ayah', key: 2, verseNumber: 2 });
    a.proxy.plan = (req) => (req.method === 'POST' ? { kind: 'drop-response' } : { kind: 'forward' });
    await expect(a.client.sync()).rejects.toThrow(/cannot reach|other side closed|fetch failed|socket/i);
    // The server applied it; the device does not know. It edits the same note meanwhile.
    await a.client.notes.update(note.id, { body: 'second version' });
    a.proxy.plan = () => ({ kind: 'forward' });
    await a.client.sync();
    const [lost, resent, next] = posts(a);
    expect(resent!.headers['idempotency-key']).toBe(lost!.headers['idempotency-key']);
    expect(next!.headers['idempotency-key']).not.toBe(lost!.headers['idempotency-key']);
    const state = await serverState(server, user);
    expect(countNotes(state)).toBe(1);
    expect(state[`NOTE:${note.id}`]).toMatchObject({ body: 'second version' });
    expect(await deviceState(a.store)).toEqual(state);
  });

  it('a lost answer whose idempotency record expired: 409, pull, the device recognises its own applied changes and loses no later edit', async () => {
    const user = freshUserId();
    const a = await device(shortTtlServer, user, { client: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 } } });
    const b = await device(shortTtlServer, user);
    await a.client.sync();
    const note = await a.client.notes.create({ body: 'first version', ranges: ['3:1'] });
    await a.client.preferences.set('audio', { reciter: 7 });
    a.proxy.plan = (req) => (req.method === 'POST' ? { kind: 'drop-response' } : { kind: 'forward' });
    await expect(a.client.sync()).rejects.toThrow();
    await a.client.notes.update(note.id, { body: 'second version' });
    await b.client.preferences.set('audio', { playbackRate: 1.5 });
    await b.client.sync();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the server forgets the key
    a.proxy.plan = () => ({ kind: 'forward' });
    const report = await a.client.sync();
    expect(report.outOfSync).toBeGreaterThanOrEqual(1);
    await b.client.sync();
    const state = await serverState(shortTtlServer, user);
    expect(countNotes(state)).toBe(1);
    expect(state[`NOTE:${note.id}`]).toMatchObject({ body: 'second version' });
    expect(state['PREFERENCE:audio']).toEqual({ group: 'audio', value: { reciter: 7, playbackRate: 1.5 } });
    expect(await deviceState(a.store)).toEqual(state);
    expect(await deviceState(b.store)).toEqual(state);
  });

  it('dropped requests, 5xx answers and delays are retried with backoff; the data arrives once', async () => {
    const user = freshUserId();
    const a = await device(server, user, { client: { retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 10, totalBudgetMs: 20_000 } } });
    for (let i = 1; i <= 30; i++) await a.client.bookmarks.add({ type: 'page', key: i });
    const faults = [
      { kind: 'reset' as const },
      { kind: 'respond' as const, status: 503, headers: { 'retry-after': '0' }, body: '{"message":"busy","type":"service_unavailable","success":false}' },
      { kind: 'respond' as const, status: 502 },
      { kind: 'delay' as const, ms: 50 },
      { kind: 'drop-response' as const },
    ];
    a.proxy.plan = (_req, index) => faults[index] ?? { kind: 'forward' };
    const retries: number[] = [];
    a.client.on('retry', (info) => retries.push(info.attempt));
    await a.client.sync();
    expect(retries.length).toBeGreaterThanOrEqual(4);
    const state = await serverState(server, user);
    expect(Object.keys(state).filter((k) => k.startsWith('BOOKMARK:'))).toHaveLength(30);
    expect(await deviceState(a.store)).toEqual(state);
  });

  it('a sync that fails mid-pull resumes from the last applied page', async () => {
    const user = freshUserId();
    const a = await device(server, user);
    for (let i = 1; i <= 40; i++) await a.client.bookmarks.add({ type: 'ayah', key: 3, verseNumber: i });
    await a.client.sync();
    const b = await device(server, user, {
      client: { engine: { pageSize: 10 }, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 } },
    });
    let gets = 0;
    b.proxy.plan = (req) => (req.method === 'GET' && ++gets === 4 ? { kind: 'reset' } : { kind: 'forward' });
    await expect(b.client.sync()).rejects.toThrow();
    const partial = Object.keys(await deviceState(b.store)).length;
    expect(partial).toBeGreaterThan(0);
    const before = b.proxy.requests.length;
    await b.client.sync();
    const firstPull = b.proxy.requests.slice(before).find((r) => r.method === 'GET' && !r.url.includes('metadataOnly'))!;
    expect(Number(new URL(firstPull.url, 'http://x').searchParams.get('mutationsSince'))).toBeGreaterThan(0);
    expect(await deviceState(b.store)).toEqual(await serverState(server, user));
  });

  describe('pipelined pushes (the next batch goes out before the answer to the previous one is recorded)', () => {
    const keys = (d: Device) => posts(d).map((r) => r.headers['idempotency-key']);
    const batches = { engine: { batchSize: 2 } };

    it('sends batch after batch without waiting to record each answer; every edit arrives once', async () => {
      const user = freshUserId();
      const a = await device(server, user, { client: batches });
      for (let i = 0; i < 7; i++) await a.client.notes.create({ body: `note number ${i}`, ranges: [`3:${i + 1}`] });
      const report = await a.client.sync();
      expect(report.batches).toBe(4);
      expect(new Set(keys(a)).size).toBe(4);
      const state = await serverState(server, user);
      expect(countNotes(state)).toBe(7);
      expect(await deviceState(a.store)).toEqual(state);
    });

    it('the follower’s answer is lost: the next sync resends it byte for byte at the same head, nothing twice', async () => {
      const user = freshUserId();
      const a = await device(server, user, { client: { ...batches, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 } } });
      await a.client.notes.create({ body: 'the first note', ranges: ['4:9'] });
      await a.client.sync();
      for (let i = 0; i < 5; i++) await a.client.notes.create({ body: `note number ${i}`, ranges: [`4:${i + 1}`] });
      const before = posts(a).length;
      a.proxy.plan = (req) => (req.method === 'POST' && posts(a).length === before + 1 ? { kind: 'drop-response' } : { kind: 'forward' });
      await expect(a.client.sync()).rejects.toThrow(/cannot reach|other side closed|fetch failed|socket/i);
      a.proxy.plan = () => ({ kind: 'forward' });
      await a.client.sync();
      const [first, lost, resent, last] = keys(a).slice(before);
      expect(resent).toBe(lost);
      expect(new Set([first, lost, last]).size).toBe(3);
      const state = await serverState(server, user);
      expect(countNotes(state)).toBe(6);
      expect(await deviceState(a.store)).toEqual(state);
    });

    it('the app dies after the follower went out but before the first answer was recorded: on restart both are resent exactly and replayed', async () => {
      const user = freshUserId();
      // The store refuses the unit that records the first batch's acks, as a process killed at that moment would
      // leave it: the follower was already sent (and applied by the server), nothing of the answer was kept.
      let die = false;
      const store = new (class extends MemoryUserStore {
        override async write(ops: readonly UserStoreOp[]): Promise<void> {
          if (die && ops.some((op) => op.op === 'deleteOutbox')) {
            die = false;
            throw new Error('process killed');
          }
          return super.write(ops);
        }
      })();
      const a = await device(server, user, { store, client: batches });
      // A user's first push has a side effect (the default collection), so a pull follows it before the next
      // push: the pipeline starts from the second sync on.
      await a.client.notes.create({ body: 'the first note', ranges: ['5:9'] });
      await a.client.sync();
      const notes = [];
      for (let i = 0; i < 5; i++) notes.push(await a.client.notes.create({ body: `note number ${i}`, ranges: [`5:${i + 1}`] }));
      const before = posts(a).length;
      die = true;
      await expect(a.client.sync()).rejects.toThrow('process killed');
      // The follower is on the wire when the unit fails: the server applies it (the first batch's 2 notes + 2).
      await vi.waitFor(async () => expect(countNotes(await serverState(server, user))).toBe(5), { timeout: 5000 });
      expect(posts(a)).toHaveLength(before + 2);
      const [k1, k2] = keys(a).slice(before);
      // The app starts again on the same store (the dead client is simply not used again).
      const restarted = await device(server, user, { store, client: batches, proxy: a.proxy });
      // A note of the follower is edited before the next sync: the follower stays as it was sent (the edit
      // queues after it), so it can still be resent byte for byte.
      await restarted.client.notes.update(notes[2]!.id, { body: 'edited after the restart' });
      const report = await restarted.client.sync();
      // The first batch again (replayed), the follower again at the same head (replayed), then the rest.
      expect(keys(a).slice(before + 2, before + 4)).toEqual([k1, k2]);
      expect(report.outOfSync).toBe(0);
      const state = await serverState(server, user);
      expect(countNotes(state)).toBe(6);
      expect(state[`NOTE:${notes[2]!.id}`]).toMatchObject({ body: 'edited after the restart' });
      expect(await deviceState(store)).toEqual(state);
    });
  });
});
