import type { TestServer } from '@quran-sync/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConflictContext, ConflictPolicy } from './conflict-policy.js';
import { deviceState, freshUserId, openDevice, serverState, startUserSyncServer, type Device, type DeviceOptions } from './testing/user-sync-harness.js';
import type { ConflictReport } from './user-sync-events.js';

/** 409 → pull → rebase → re-push, and each conflict policy, between real devices on a real server. */
let server: TestServer;
beforeAll(async () => {
  server = await startUserSyncServer();
});
afterAll(async () => {
  await server?.close();
});
const devices: Device[] = [];
afterAll(async () => {
  for (const d of devices) await d.close();
});

interface Pair {
  readonly user: string;
  readonly a: Device;
  readonly b: Device;
  readonly conflictsOfB: ConflictReport[];
  readonly clock: { a: number; b: number };
}

/** Two devices of one user, both synced with a note and a preference group. Clocks are under test control. */
async function pair(options: DeviceOptions = {}): Promise<Pair & { noteId: string }> {
  const user = freshUserId();
  const clock = { a: Date.parse('2026-01-01T00:00:00Z'), b: Date.parse('2026-01-01T00:00:00Z') };
  const a = await openDevice(server, user, { ...options, client: { now: () => clock.a } });
  const b = await openDevice(server, user, { ...options, client: { now: () => clock.b } });
  devices.push(a, b);
  const note = await a.client.notes.create({ body: 'the original body', ranges: ['1:1'] });
  await a.client.preferences.set('reading', { readingPreference: 'translation', selectedWordByWordLocale: 'en' });
  await a.client.sync();
  await b.client.sync();
  const conflictsOfB: ConflictReport[] = [];
  b.client.on('conflict', (c) => conflictsOfB.push(c));
  return { user, a, b, conflictsOfB, clock, noteId: note.id };
}

async function expectConverged(p: Pair): Promise<Record<string, unknown>> {
  await p.a.client.sync();
  await p.b.client.sync();
  const state = await serverState(server, p.user);
  expect(await deviceState(p.a.store)).toEqual(state);
  expect(await deviceState(p.b.store)).toEqual(state);
  expect(await p.a.client.pendingCount()).toBe(0);
  expect(await p.b.client.pendingCount()).toBe(0);
  return state;
}

describe('409 → pull → rebase → re-push', () => {
  it('edits of different resources on two devices: the second push is refused as out of sync, rebased and pushed again; both edits land', async () => {
    const p = await pair();
    await p.a.client.notes.update(p.noteId, { body: 'edited on device A' });
    const other = await p.b.client.notes.create({ body: 'written on device B', ranges: ['2:2'] });
    await p.a.client.sync();
    const report = await p.b.client.sync();
    expect(report.outOfSync).toBe(1);
    expect(p.conflictsOfB).toEqual([]);
    const state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toMatchObject({ body: 'edited on device A' });
    expect(state[`NOTE:${other.id}`]).toMatchObject({ body: 'written on device B' });
  });
});

describe('conflict policy: server-wins (default)', () => {
  it('the same field: the server keeps the first pushed value; the local change is reported as discarded', async () => {
    const p = await pair();
    await p.a.client.notes.update(p.noteId, { body: 'body from device A' });
    await p.b.client.notes.update(p.noteId, { body: 'body from device B' });
    await p.a.client.sync();
    await p.b.client.sync();
    expect(p.conflictsOfB).toMatchObject([
      { resource: 'NOTE', id: p.noteId, outcome: 'remote', local: { body: 'body from device B' }, remote: { body: 'body from device A' } },
    ]);
    const state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toMatchObject({ body: 'body from device A' });
  });

  it('different fields of one record, and different keys of one preference group: the local change is replayed on top (both kept)', async () => {
    const p = await pair();
    await p.a.client.notes.update(p.noteId, { body: 'body from device A' });
    await p.b.client.notes.update(p.noteId, { ranges: ['1:1-1:3'] });
    await p.a.client.preferences.set('reading', { readingPreference: 'reading' });
    await p.b.client.preferences.set('reading', { selectedWordByWordLocale: 'ur' });
    await p.a.client.sync();
    await p.b.client.sync();
    expect(p.conflictsOfB.map((c) => [c.resource, c.outcome])).toEqual([
      ['NOTE', 'merged'],
      ['PREFERENCE', 'merged'],
    ]);
    const state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toMatchObject({ body: 'body from device A', ranges: ['1:1-1:3'] });
    expect(state['PREFERENCE:reading']).toEqual({ group: 'reading', value: { readingPreference: 'reading', selectedWordByWordLocale: 'ur' } });
  });

  it('a deletion wins on either side, whichever device syncs first', async () => {
    const p = await pair();
    const second = await p.a.client.notes.create({ body: 'a second note', ranges: ['4:1'] });
    await p.a.client.sync();
    await p.b.client.sync();
    await p.a.client.notes.delete(p.noteId);
    await p.b.client.notes.update(p.noteId, { body: 'edited while deleted elsewhere' });
    await p.a.client.notes.update(second.id, { body: 'second note edited on A' });
    await p.b.client.notes.delete(second.id);
    await p.a.client.sync();
    await p.b.client.sync();
    expect(p.conflictsOfB.map((c) => [c.id, c.outcome, c.result === null])).toEqual([
      [p.noteId, 'remote', true],
      [second.id, 'local', true],
    ]);
    const state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toBeUndefined();
    expect(state[`NOTE:${second.id}`]).toBeUndefined();
  });

  it('a side effect elsewhere (the reading flag moving to another bookmark) does not bring back a bookmark deleted here', async () => {
    const p = await pair();
    await p.a.client.bookmarks.setReading({ type: 'page', key: 10 });
    await p.a.client.sync();
    await p.b.client.sync();
    await p.b.client.bookmarks.remove({ type: 'page', key: 10 });
    await p.a.client.bookmarks.setReading({ type: 'page', key: 11 }); // the server clears the flag on page 10
    await p.a.client.sync();
    await p.b.client.sync();
    const state = await expectConverged(p);
    expect(
      Object.values(state)
        .filter((v) => (v as { type?: string }).type === 'page')
        .map((v) => (v as { key: number }).key),
    ).toEqual([11]);
  });

  it('a link made offline into a collection another device deleted is dropped and reported; the bookmark itself stays', async () => {
    const p = await pair();
    const shelf = await p.a.client.collections.create('Shelf');
    await p.a.client.sync();
    await p.b.client.sync();
    const shelfId = (await p.b.client.collections.list()).find((c) => c.name === 'Shelf')!.id;
    await p.b.client.collections.addBookmark(shelfId, { type: 'ayah', key: 36, verseNumber: 1 });
    await p.a.client.collections.delete((await p.a.client.collections.list()).find((c) => c.name === shelf.name)!.id);
    await p.a.client.sync();
    await p.b.client.sync();
    expect(p.conflictsOfB).toMatchObject([{ resource: 'COLLECTION_BOOKMARK', outcome: 'dropped' }]);
    const state = await expectConverged(p);
    expect(Object.values(state)).toContainEqual(expect.objectContaining({ type: 'ayah', key: 36, verseNumber: 1, isInDefaultCollection: false }));
    expect(Object.keys(state).some((k) => k.startsWith('COLLECTION_BOOKMARK:'))).toBe(false);
  });
});

describe('conflict policy: last-writer-wins', () => {
  it('the later clientUpdatedAt wins, whichever device pushes first', async () => {
    const p = await pair({ conflictPolicy: 'last-writer-wins' });
    p.clock.a += 1000;
    await p.a.client.notes.update(p.noteId, { body: 'older edit from A' });
    p.clock.b += 2000;
    await p.b.client.notes.update(p.noteId, { body: 'newer edit from B' });
    await p.a.client.sync();
    await p.b.client.sync(); // B's is newer: it wins although A pushed first
    expect(p.conflictsOfB).toMatchObject([{ outcome: 'local' }]);
    let state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toMatchObject({ body: 'newer edit from B' });

    p.clock.b += 1000;
    await p.b.client.notes.update(p.noteId, { body: 'older edit from B' });
    p.clock.a += 5000;
    await p.a.client.notes.update(p.noteId, { body: 'newer edit from A' });
    await p.a.client.sync();
    await p.b.client.sync(); // A's is newer: B's local edit yields
    expect(p.conflictsOfB.at(-1)).toMatchObject({ outcome: 'remote' });
    state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toMatchObject({ body: 'newer edit from A' });
  });

  it('a deletion wins on either side (it carries no client time on the wire)', async () => {
    const p = await pair({ conflictPolicy: 'last-writer-wins' });
    const second = await p.a.client.notes.create({ body: 'a second note', ranges: ['4:1'] });
    await p.a.client.sync();
    await p.b.client.sync();
    p.clock.a += 1000;
    await p.a.client.notes.delete(p.noteId);
    await p.a.client.notes.update(second.id, { body: 'edited later on A' });
    p.clock.b += 5000;
    await p.b.client.notes.update(p.noteId, { body: 'edited after the deletion, on B' });
    await p.b.client.notes.delete(second.id);
    await p.a.client.sync();
    await p.b.client.sync();
    const state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toBeUndefined();
    expect(state[`NOTE:${second.id}`]).toBeUndefined();
  });
});

describe('conflict policy: custom merge', () => {
  it('the app merges: here both bodies are kept, joined; the function sees base, local and remote', async () => {
    const seen: ConflictContext[] = [];
    const joinBodies: ConflictPolicy = (c) => {
      seen.push(c);
      if (c.resource !== 'NOTE' || !c.local || !c.remote) return { use: 'remote' };
      return { use: 'merged', data: { ...c.remote, body: `${c.remote.body as string} + ${c.local.body as string}` } };
    };
    const p = await pair({ conflictPolicy: joinBodies });
    await p.a.client.notes.update(p.noteId, { body: 'line from A' });
    await p.b.client.notes.update(p.noteId, { body: 'line from B' });
    await p.a.client.sync();
    await p.b.client.sync();
    expect(seen).toMatchObject([
      { resource: 'NOTE', id: p.noteId, base: { body: 'the original body' }, local: { body: 'line from B' }, remote: { body: 'line from A' } },
    ]);
    const state = await expectConverged(p);
    expect(state[`NOTE:${p.noteId}`]).toMatchObject({ body: 'line from A + line from B' });
  });
});
