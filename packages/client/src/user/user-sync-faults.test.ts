import { startTestServer, type TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closingDevices, deviceState, freshUserId, serverState, type Device } from './testing/user-sync-harness.js';

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
    const faults = [{ kind: 'reset' as const }, { kind: 'respond' as const, status: 503, headers: { 'retry-after': '0' }, body: '{"message":"busy","type":"service_unavailable","success":false}' }, { kind: 'respond' as const, status: 502 }, { kind: 'delay' as const, ms: 50 }, { kind: 'drop-response' as const }];
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
    const b = await device(server, user, { client: { engine: { pageSize: 10 }, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 1000 } } });
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
});
