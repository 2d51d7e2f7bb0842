import { newResourceId } from '@quran-sync/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';
import type { PushWritePath } from './write-engine/user-write-engine.js';
import { SyncTestClient, type ApiResponse } from './testing/sync-test-client.js';

const ayah = (key: number, verseNumber: number, resourceId?: string) => ({
  type: 'CREATE',
  resource: 'BOOKMARK',
  ...(resourceId ? { resourceId } : {}),
  data: { type: 'ayah', key, verseNumber, mushaf: 4 },
});
const note = (body: string, resourceId?: string) => ({
  type: 'CREATE',
  resource: 'NOTE',
  ...(resourceId ? { resourceId } : {}),
  data: { body: `a note that says ${body}`, ranges: ['1:1-1:2'] },
});

/**
 * Pushes that only create are written in one statement with no lock (the engine's speculative path). These tests check
 * that such a push takes that path, that every wrong guess it makes ends in the locked write's answer with
 * nothing of the guess kept, and that under concurrency a pulling device still misses nothing.
 */
describe('user sync: speculative pushes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function paths(): Promise<Record<PushWritePath, number>> {
    const metric = await server.ctx.metrics.getSingleMetric('qs_user_push_writes_total')!.get();
    const count = (path: PushWritePath) => metric.values.find((v) => v.labels.path === path)?.value ?? 0;
    return { speculative: count('speculative'), locked: count('locked'), probing: count('probing') };
  }

  /** Runs `fn` and returns how many pushes took each path meanwhile. */
  async function pathsTakenBy(fn: () => Promise<void>): Promise<Record<PushWritePath, number>> {
    const before = await paths();
    await fn();
    const after = await paths();
    return { speculative: after.speculative - before.speculative, locked: after.locked - before.locked, probing: after.probing - before.probing };
  }

  /** A user with one bookmark (ayah 1:1): the first write, which is always locked. */
  async function userWithHistory(userId: string): Promise<{ client: SyncTestClient; head: number; firstId: string }> {
    const client = new SyncTestClient(server, { userId });
    const first = await client.push(-1, [ayah(1, 1)]);
    expect(first.status).toBe(200);
    return { client, head: first.body.data.lastMutationAt, firstId: first.body.data.mutations[0].resourceId };
  }

  it('writes a batch of creates from a known head speculatively, with the answer and state of a locked write', async () => {
    const { client, head } = await userWithHistory('spec-plain');
    const bookmarkId = newResourceId();
    const noteId = newResourceId();
    let res!: ApiResponse;
    const taken = await pathsTakenBy(async () => {
      res = await client.push(head, [ayah(2, 1, bookmarkId), ayah(2, 2), note('hello', noteId), note('minted')]);
    });
    expect(res.status).toBe(200);
    expect(taken).toEqual({ speculative: 1, locked: 0, probing: 0 });
    const acks = res.body.data.mutations as Array<{ resourceId: string; timestamp: number }>;
    expect(acks.map((a) => a.resourceId).slice(0, 3)).toEqual([bookmarkId, expect.any(String), noteId]);
    // Stamps above the head the write was based on, strictly increasing, the last one the new head.
    const stamps = acks.map((a) => a.timestamp);
    expect(stamps[0]).toBeGreaterThan(head);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1]!);
    expect(res.body.data.lastMutationAt).toBe(stamps.at(-1));
    expect(res.headers.get('x-mutation-at')).toBe(String(stamps.at(-1)));

    const pulled = await client.pullAll(head);
    expect(pulled.lastMutationAt).toBe(stamps.at(-1));
    expect(pulled.mutations.map((m) => [m.resourceId, m.timestamp])).toEqual(acks.map((a) => [a.resourceId, a.timestamp]));
    const notes = await server.ctx.db.selectFrom('user_note_ranges').select('note_id').where('note_id', 'in', [noteId, acks[3]!.resourceId]).execute();
    expect(notes).toHaveLength(2);
  });

  it('answers a stale head with 409 and keeps nothing of the batch', async () => {
    const { client, head } = await userWithHistory('spec-stale');
    const moved = await client.push(head, [ayah(3, 1)]);
    expect(moved.status).toBe(200);
    const stale = await client.push(head, [ayah(3, 2), note('lost')]);
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('OutOfSyncError');
    const all = await client.pullAll(0);
    expect(all.lastMutationAt).toBe(moved.body.data.lastMutationAt);
    expect(all.mutations.filter((m) => m.resource === 'NOTE')).toHaveLength(0);
    expect(await server.ctx.db.selectFrom('user_notes').select('id').where('user_id', '=', 'spec-stale').execute()).toEqual([]);
    expect(await server.ctx.db.selectFrom('user_bookmarks').select('id').where('user_id', '=', 'spec-stale').execute()).toHaveLength(2);
  });

  it('of devices racing from one head with speculative batches, exactly one wins; the others get 409', async () => {
    const { head } = await userWithHistory('spec-duel');
    const devices = Array.from({ length: 4 }, () => new SyncTestClient(server, { userId: 'spec-duel' }));
    const answers = await Promise.all(devices.map((device, d) => device.push(head, [ayah(20 + d, 1), note(`from device ${d}`)])));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 200)!;
    const pulled = await devices[0]!.pullAll(head);
    expect(pulled.lastMutationAt).toBe(winner.body.data.lastMutationAt);
    expect(pulled.mutations.map((m) => m.resourceId)).toEqual(winner.body.data.mutations.map((m: { resourceId: string }) => m.resourceId));
  });

  it('re-creating a live bookmark (location taken) ends in the probing write: the existing bookmark is acked, none added', async () => {
    const { client, head, firstId } = await userWithHistory('spec-location');
    let res!: ApiResponse;
    const taken = await pathsTakenBy(async () => {
      res = await client.push(head, [ayah(4, 4), ayah(1, 1)]);
    });
    expect(res.status).toBe(200);
    expect(taken).toEqual({ speculative: 0, locked: 0, probing: 1 });
    expect(res.body.data.mutations[1].resourceId).toBe(firstId);
    const live = await server.ctx.db.selectFrom('user_bookmarks').select('id').where('user_id', '=', 'spec-location').where('deleted_at', 'is', null).execute();
    expect(live).toHaveLength(2);
  });

  it('a client id already used by this user ends in the locked write, which moves that bookmark instead of inserting', async () => {
    const { client, head, firstId } = await userWithHistory('spec-own-id');
    let res!: ApiResponse;
    const taken = await pathsTakenBy(async () => {
      res = await client.push(head, [ayah(5, 5, firstId)]);
    });
    expect(res.status).toBe(200);
    expect(taken).toEqual({ speculative: 0, locked: 1, probing: 0 });
    expect(res.body.data.mutations[0]).toMatchObject({ resourceId: firstId, data: { key: 5, verseNumber: 5 } });
    const rows = await server.ctx.db.selectFrom('user_bookmarks').select(['id', 'key']).where('user_id', '=', 'spec-own-id').execute();
    expect(rows).toEqual([{ id: firstId, key: 5 }]);
  });

  it('an UPDATE of an existing bookmark that names no location is applied as the update it is, not refused as a create', async () => {
    const { client, head, firstId } = await userWithHistory('spec-update');
    const res = await client.push(head, [{ type: 'UPDATE', resource: 'BOOKMARK', resourceId: firstId, data: { isReading: false } }]);
    expect(res.status).toBe(200);
    expect(res.body.data.mutations[0].resourceId).toBe(firstId);
  });

  it("another user's id is refused as unknown (422 naming the mutation), with nothing stored", async () => {
    const owner = await userWithHistory('spec-owner');
    const { client, head } = await userWithHistory('spec-intruder');
    const res = await client.push(head, [ayah(6, 1), ayah(6, 2, owner.firstId)]);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('mutation[1]');
    expect(await client.head()).toBe(head);
    const rows = await server.ctx.db.selectFrom('user_bookmarks').select('id').where('user_id', '=', 'spec-intruder').execute();
    expect(rows).toHaveLength(1);
  });

  it('a note id already used by this user upserts that note', async () => {
    const { client, head } = await userWithHistory('spec-note');
    const noteId = newResourceId();
    const created = await client.push(head, [note('first', noteId)]);
    expect(created.status).toBe(200);
    const again = await client.push(created.body.data.lastMutationAt, [note('second', noteId)]);
    expect(again.status).toBe(200);
    const notes = await server.ctx.db.selectFrom('user_notes').select(['id', 'body']).where('user_id', '=', 'spec-note').execute();
    expect(notes).toEqual([{ id: noteId, body: 'a note that says second' }]);
  });

  it('stores the Idempotency-Key outcome; a retry replays it, a reused key is refused, an expired record is replaced', async () => {
    const { client, head } = await userWithHistory('spec-idem');
    const batch = [ayah(7, 1)];
    let original!: ApiResponse;
    const taken = await pathsTakenBy(async () => {
      original = await client.push(head, batch, { 'idempotency-key': 'k1' });
    });
    expect(taken.speculative).toBe(1);
    const retry = await client.push(head, batch, { 'idempotency-key': 'k1' });
    expect(retry.body).toEqual(original.body);
    const newHead = original.body.data.lastMutationAt;
    // Same key, other body, on the current head: the speculative insert of the outcome collides, the locked write refuses.
    const reused = await client.push(newHead, [ayah(7, 2)], { 'idempotency-key': 'k1' });
    expect(reused.status).toBe(422);
    expect(await client.head()).toBe(newHead);
    // An expired record under the key: the locked write replaces it and applies the batch.
    await server.ctx.db.updateTable('user_idempotency_keys').set({ created_at: 0 }).where('user_id', '=', 'spec-idem').execute();
    const fresh = await client.push(newHead, [ayah(7, 3)], { 'idempotency-key': 'k1' });
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.lastMutationAt).toBeGreaterThan(newHead);
  });

  it('under concurrent speculative and locked writes of one user, a device pulling all along misses nothing', async () => {
    const userId = 'spec-race';
    const { client: puller, head: start } = await userWithHistory(userId);
    const devices = Array.from({ length: 4 }, () => new SyncTestClient(server, { userId }));
    let writing = true;
    let cursor = start;
    const seen = new Map<string, number>();
    const pulling = (async () => {
      while (writing) {
        const page = await puller.pullAll(cursor);
        for (const m of page.mutations) seen.set(`${m.resource}:${m.resourceId}`, m.timestamp);
        cursor = page.lastMutationAt;
      }
    })();
    const acked: Array<{ id: string; timestamp: number }> = [];
    await Promise.all(
      devices.map(async (device, d) => {
        let head = await device.head();
        for (let n = 0; n < 12; ) {
          // Every third batch also deletes one of the device's own bookmarks: a locked write among speculative ones.
          const own = acked.filter((a) => a.id.startsWith(`d${d}`));
          const mutations: unknown[] = [ayah(10 + d, n * 2 + 1), ayah(10 + d, n * 2 + 2)];
          if (n % 3 === 2 && own.length > 0)
            mutations.push({ type: 'DELETE', resource: 'BOOKMARK', resourceId: own[Math.floor(n / 3) % own.length]!.id.slice(2) });
          const res = await device.push(head, mutations);
          if (res.status === 409) {
            head = await device.head();
            continue;
          }
          expect(res.status).toBe(200);
          for (const m of res.body.data.mutations) if (m.type === 'CREATE') acked.push({ id: `d${d}${m.resourceId}`, timestamp: m.timestamp });
          head = res.body.data.lastMutationAt;
          n++;
        }
      }),
    );
    writing = false;
    await pulling;
    const last = await puller.pullAll(cursor);
    for (const m of last.mutations) seen.set(`${m.resource}:${m.resourceId}`, m.timestamp);

    // Every resource's latest state as one pull from the start shows it, the device pulling all along saw too.
    const full = await puller.pullAll(start);
    const expected = new Map(full.mutations.map((m) => [`${m.resource}:${m.resourceId}`, m.timestamp]));
    expect(seen).toEqual(expected);
    // Stamps unique across all writes.
    expect(new Set(acked.map((a) => a.timestamp)).size).toBe(acked.length);
    expect(acked).toHaveLength(4 * 12 * 2);
  });
});
