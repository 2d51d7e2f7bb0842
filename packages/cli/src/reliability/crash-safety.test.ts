import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verseAt } from '@quran-sync/protocol';
import { loadKeyRing, openDatabase, signAccessToken, type DatabaseHandle } from '@quran-sync/server';
import {
  backdateContentFeed,
  contentFeedReport,
  createPostgresSchema,
  ReferenceContentClient,
  stateToObject,
  supersededSequences,
  testPostgresUrl,
  userHeadReport,
} from '@quran-sync/server/testing';
import { startServeProcess, type ServeProcess } from '../testing/cli-harness.js';
import { crashRandom } from './testing/crash-random.js';

/**
 * Crash safety: the real `quran-sync serve` process is killed with SIGKILL at a random
 * moment while clients push batches, make direct writes, an editor writes row batches, compaction runs
 * (background job every 250 ms plus explicit calls, on feed entries backdated so it really deletes) and a
 * content client syncs. After each kill, with the server dead, the stored data itself is checked (content
 * feed: no entry above the head, every sequence up to the head present unless compaction was allowed to
 * remove it, every resource's last sequence present; user heads: no change above a head). Then the server
 * restarts on the same data and, over HTTP: every acknowledged write is there exactly once, every write
 * whose answer was lost is all-or-nothing, retrying it with its Idempotency-Key (or, for editorial rows,
 * re-sending it) applies it exactly once, and the content client converges to the public state.
 *
 * Embedded PGlite by default (its WAL recovery after a kill mid-write is what is under test there); a
 * private schema of PostgreSQL when QS_TEST_DATABASE_URL is set. QS_CRASH_EPOCHS (default 3, 10 with
 * QS_SLOW_TESTS=1) kills per run; QS_CRASH_SEED replays a run (the seed is printed on failure).
 */
const SLOW = process.env.QS_SLOW_TESTS === '1';
const EPOCHS = Number(process.env.QS_CRASH_EPOCHS ?? (SLOW ? 10 : 1));
const ISSUER = 'http://quran-sync.crash-test';
const USERS = ['crash-u1', 'crash-u2', 'crash-u3'];
const DIRECT_USER = 'crash-direct';
const RESOURCES = [1, 2, 3];
const FILTER = 'translations:*';

interface PushBatch {
  readonly user: string;
  readonly key: string;
  readonly body: { mutations: unknown[] };
  readonly notes: readonly string[];
  readonly bookmarks: readonly string[];
  outcome: 'pending' | 'acked' | 'unknown';
}

interface EditBatch {
  readonly resource: number;
  readonly body: { upsert: Array<{ id: number; verse_key: string; text: string }> };
  readonly newIds: readonly number[];
  outcome: 'pending' | 'acked' | 'unknown';
}

class NetworkError extends Error {}

// Slow (real serve processes killed under load): runs with QS_SLOW_TESTS=1, as .ci/run's slow step does.
describe.skipIf(!SLOW)(
  `crash safety: kill -9 under load, ${EPOCHS} times (${testPostgresUrl() ? 'PostgreSQL' : 'embedded PGlite'}; slow: needs QS_SLOW_TESTS=1)`,
  () => {
    const random = crashRandom();
    let dataDir: string;
    let serve: ServeProcess | null = null;
    let env: Record<string, string>;
    let openStore: () => Promise<DatabaseHandle>;
    let dropStore: () => Promise<void> = async () => {};
    const tokens = new Map<string, Record<string, string>>();
    const pushes: PushBatch[] = [];
    const directs: PushBatch[] = [];
    const edits: EditBatch[] = [];
    /** Sequences compaction was allowed to remove (superseded when their feed was backdated). */
    const compactable = new Set<number>();
    let noteCounter = 0;
    let rowCounter = 0;
    const verseCounter = new Map<string, number>();
    let reader: ReferenceContentClient;
    const figures = {
      kills: 0,
      ackedPushes: 0,
      unknownPushes: 0,
      appliedUnknownPushes: 0,
      ackedEdits: 0,
      unknownEdits: 0,
      compactedAway: 0,
      killedAfterMs: [] as number[],
    };

    const url = () => {
      if (!serve) throw new NetworkError('server is down');
      return serve.url;
    };
    const call = async (method: string, pathAndQuery: string, headers: Record<string, string>, body?: unknown) => {
      let res: Response;
      try {
        res = await fetch(`${url()}${pathAndQuery}`, {
          method,
          headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(20_000),
        });
      } catch (error) {
        throw new NetworkError(`${method} ${pathAndQuery}: ${(error as Error).message}`);
      }
      const text = await res.text().catch(() => {
        throw new NetworkError(`${method} ${pathAndQuery}: body lost`);
      });
      return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
    };

    const start = async () => {
      serve = await startServeProcess(['--port', '0', '--data-dir', dataDir], { env });
    };

    beforeAll(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qs-crash-'));
      env = {
        QS_ISSUER: ISSUER,
        QS_SEED: 'false',
        QS_DEV_CREDENTIALS: 'false',
        QS_RATE_LIMIT: 'false',
        QS_OVERLOAD_PROTECTION: 'false',
        QS_COMPACTION_INTERVAL_MS: '250',
      };
      const pgUrl = testPostgresUrl();
      if (pgUrl) {
        const schema = await createPostgresSchema(pgUrl, 'crash');
        env = { ...env, DATABASE_URL: pgUrl, QS_DB_SEARCH_PATH: schema.schema };
        openStore = () => openDatabase({ kind: 'postgres', url: pgUrl, poolSize: 2, searchPath: schema.schema });
        dropStore = schema.drop;
      } else {
        openStore = () => openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') });
      }
      await start();
      const keys = await loadKeyRing(path.join(dataDir, 'keys.json'));
      const mint = async (userId: string | null, scopes: string[]) => ({
        'x-auth-token': (await signAccessToken(keys, { issuer: ISSUER, clientId: 'crash-app', userId, scopes, ttlSeconds: 7200 })).token,
        'x-client-id': 'crash-app',
      });
      for (const user of [...USERS, DIRECT_USER]) tokens.set(user, await mint(user, ['sync', 'bookmark', 'note', 'collection']));
      tokens.set('editor', await mint(null, ['content.write']));
      tokens.set('reader', await mint(null, ['content']));
      for (const id of RESOURCES)
        expect((await call('PUT', `/admin/v1/resources/translations/${id}`, tokens.get('editor')!, { status: 'public' })).status).toBe(200);
      reader = new ReferenceContentClient(async (p) => call('GET', p, tokens.get('reader')!), FILTER, FILTER);
    }, 180_000);

    afterAll(async () => {
      await serve?.stop('SIGKILL');
      await dropStore().catch(() => {});
      await fs.rm(dataDir, { recursive: true, force: true });
      console.info(`crash safety figures (seed ${random.seed}): ${JSON.stringify(figures)}`);
    });

    // ---- workload -------------------------------------------------------------------------------------

    const nextVerse = (user: string) => {
      const n = (verseCounter.get(user) ?? 0) + 1;
      verseCounter.set(user, n);
      return verseAt(n);
    };
    const newPushBatch = (user: string): PushBatch => {
      const notes = Array.from({ length: 1 + Math.floor(random() * 6) }, () => `crash note ${++noteCounter} of ${user}`);
      const verse = nextVerse(user);
      return {
        user,
        key: `push-${user}-${noteCounter}`,
        body: {
          mutations: [
            ...notes.map((body) => ({ type: 'CREATE', resource: 'NOTE', data: { body, ranges: ['1:1'] } })),
            { type: 'CREATE', resource: 'BOOKMARK', data: { type: 'ayah', key: verse.surah, verseNumber: verse.ayah, mushaf: 1 } },
          ],
        },
        notes,
        bookmarks: [`${verse.surah}:${verse.ayah}`],
        outcome: 'pending',
      };
    };
    const head = async (user: string): Promise<number> => {
      const res = await call('GET', '/v1/sync?mutationsSince=0&metadataOnly=true', tokens.get(user)!);
      if (res.status !== 200) throw new Error(`head of ${user}: ${res.status}`);
      return res.body.data.lastMutationAt;
    };

    /** Sends one user write until it is answered: 409 → re-read the head and resend (same key). */
    const sendUserWrite = async (batch: PushBatch, pathOf: (head: number) => string, body: unknown) => {
      let h = await head(batch.user);
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await call('POST', pathOf(h), { ...tokens.get(batch.user)!, 'idempotency-key': batch.key }, body);
        if (res.status === 200) return res;
        if (res.status !== 409) throw new Error(`${batch.key}: ${res.status} ${JSON.stringify(res.body)}`);
        h = await head(batch.user);
      }
      throw new Error(`${batch.key}: still 409 after 20 attempts`);
    };

    const pusher = async (user: string, alive: () => boolean) => {
      while (alive()) {
        const batch = newPushBatch(user);
        pushes.push(batch);
        try {
          await sendUserWrite(batch, (h) => `/v1/sync?lastMutationAt=${h}`, batch.body);
          batch.outcome = 'acked';
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          batch.outcome = 'unknown';
          return;
        }
      }
    };

    const directWriter = async (alive: () => boolean) => {
      while (alive()) {
        const body = `crash direct note ${++noteCounter}`;
        const batch: PushBatch = { user: DIRECT_USER, key: `direct-${noteCounter}`, body: { mutations: [] }, notes: [body], bookmarks: [], outcome: 'pending' };
        directs.push(batch);
        try {
          await sendUserWrite(batch, (h) => `/v1/notes?lastMutationAt=${h}`, { body, ranges: ['2:255'] });
          batch.outcome = 'acked';
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          batch.outcome = 'unknown';
          return;
        }
      }
    };

    /** Row ids written so far per resource (updates pick from these, so compaction has superseded entries). */
    const knownRows = new Map<number, number[]>();
    const editor = async (alive: () => boolean) => {
      while (alive()) {
        const resource = RESOURCES[Math.floor(random() * RESOURCES.length)]!;
        const batchNo = edits.length + 1;
        const newIds = Array.from({ length: 5 + Math.floor(random() * 20) }, () => ++rowCounter);
        const existing = knownRows.get(resource) ?? [];
        const updates =
          existing.length > 0
            ? Array.from({ length: Math.min(existing.length, Math.floor(random() * 5)) }, () => existing[Math.floor(random() * existing.length)]!)
            : [];
        const ids = [...new Set([...newIds, ...updates])];
        const batch: EditBatch = {
          resource,
          body: { upsert: ids.map((id) => ({ id, verse_key: '1:1', text: `row ${id} v${batchNo}` })) },
          newIds,
          outcome: 'pending',
        };
        edits.push(batch);
        knownRows.set(resource, [...existing, ...newIds]);
        try {
          const res = await call('POST', `/admin/v1/resources/translations/${resource}/rows`, tokens.get('editor')!, batch.body);
          if (res.status !== 200) throw new Error(`edit ${batchNo}: ${res.status} ${JSON.stringify(res.body)}`);
          batch.outcome = 'acked';
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          batch.outcome = 'unknown';
          return;
        }
      }
    };

    const compactor = async (alive: () => boolean) => {
      while (alive()) {
        try {
          const res = await call('POST', '/admin/v1/compact', tokens.get('editor')!);
          if (res.status !== 200) throw new Error(`compact: ${res.status} ${JSON.stringify(res.body)}`);
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          return;
        }
        await sleep(50);
      }
    };

    const contentReader = async (alive: () => boolean) => {
      while (alive()) {
        try {
          await reader.sync({ perPage: 1 + Math.floor(random() * 10) });
        } catch (error) {
          // A run cut by the crash: the client keeps its last token (the spec's client rules) and starts over.
          if (!(error instanceof NetworkError) && !/answered 5\d\d/.test(String(error))) throw error;
          if (!alive()) return;
        }
        await sleep(20);
      }
    };

    // ---- checks ---------------------------------------------------------------------------------------

    /** With the server dead: the stored data itself. Then backdates the feed so compaction will act. */
    const checkStorage = async (epoch: number) => {
      const store = await openStore();
      try {
        const feed = await contentFeedReport(store.db);
        expect(feed.aboveHead, `epoch ${epoch}: feed entries above the head`).toEqual([]);
        expect(feed.badLastSequence, `epoch ${epoch}: resources pointing at missing feed entries`).toEqual([]);
        if (feed.head > 0) expect(feed.maxSequence, `epoch ${epoch}: head is not the newest entry`).toBe(feed.head);
        const holes = feed.missing.filter((s) => !compactable.has(s));
        expect(holes, `epoch ${epoch}: sequence holes (missing and never compactable)`).toEqual([]);
        figures.compactedAway = feed.missing.length;
        expect((await userHeadReport(store.db)).changesAboveHead, `epoch ${epoch}: user changes above a head`).toEqual([]);
        await backdateContentFeed(store.db, 2);
        for (const s of await supersededSequences(store.db)) compactable.add(s);
      } finally {
        await store.close();
      }
    };

    const pullAll = async (user: string) => {
      const notes = new Map<string, number>();
      const bookmarks = new Set<string>();
      for (let page = 1; ; page++) {
        const res = await call('GET', `/v1/sync?mutationsSince=0&limit=1000&page=${page}`, tokens.get(user)!);
        expect(res.status).toBe(200);
        for (const m of res.body.data.mutations as Array<{ resource: string; type: string; data: any }>) {
          if (m.type === 'DELETE') continue;
          if (m.resource === 'NOTE') notes.set(m.data.body, (notes.get(m.data.body) ?? 0) + 1);
          if (m.resource === 'BOOKMARK') bookmarks.add(`${m.data.key}:${m.data.verseNumber}`);
        }
        if (!res.body.data.hasMore) return { notes, bookmarks };
      }
    };

    /** Every acknowledged write present once; an unanswered one all-or-nothing; retried, present once. */
    const checkUserWrites = async (epoch: number) => {
      const users = [...USERS, DIRECT_USER];
      const batchesOf = (user: string) => [...pushes, ...directs].filter((b) => b.user === user);
      for (const user of users) {
        const state = await pullAll(user);
        for (const batch of batchesOf(user)) {
          const counts = batch.notes.map((n) => state.notes.get(n) ?? 0);
          const marks = batch.bookmarks.map((b) => (state.bookmarks.has(b) ? 1 : 0));
          const all = [...counts, ...marks];
          expect(
            counts.every((c) => c <= 1),
            `epoch ${epoch}: ${batch.key} duplicated`,
          ).toBe(true);
          if (batch.outcome === 'acked')
            expect(
              all.every((c) => c === 1),
              `epoch ${epoch}: acknowledged ${batch.key} lost (${all})`,
            ).toBe(true);
          if (batch.outcome === 'unknown') {
            const applied = all.every((c) => c === 1);
            expect(applied || all.every((c) => c === 0), `epoch ${epoch}: ${batch.key} half-applied (${all})`).toBe(true);
            figures.unknownPushes++;
            if (applied) figures.appliedUnknownPushes++;
          }
        }
      }
      // Clients retry what they did not hear back about, with the same Idempotency-Key.
      for (const batch of [...pushes, ...directs].filter((b) => b.outcome === 'unknown')) {
        if (batch.body.mutations.length > 0) await sendUserWrite(batch, (h) => `/v1/sync?lastMutationAt=${h}`, batch.body);
        else await sendUserWrite(batch, (h) => `/v1/notes?lastMutationAt=${h}`, { body: batch.notes[0], ranges: ['2:255'] });
        batch.outcome = 'acked';
      }
      for (const user of users) {
        const state = await pullAll(user);
        for (const batch of batchesOf(user)) {
          for (const note of batch.notes) expect(state.notes.get(note), `epoch ${epoch}: ${note} after retries`).toBe(1);
          for (const b of batch.bookmarks) expect(state.bookmarks.has(b), `epoch ${epoch}: bookmark ${b} after retries`).toBe(true);
        }
      }
      figures.ackedPushes = pushes.length + directs.length;
    };

    const snapshotRows = async (resource: number): Promise<Map<number, string>> => {
      const res = await call('GET', `/api/v4/resources/snapshots/translations/${resource}`, tokens.get('reader')!);
      expect(res.status).toBe(200);
      return new Map((res.body.records as Array<{ id: number; text: string }>).map((r) => [r.id, r.text]));
    };

    /** The editor writes sequentially, so each resource's rows are its applied batches in order. */
    const checkEdits = async (epoch: number) => {
      const unknown = edits.filter((e) => e.outcome === 'unknown');
      expect(unknown.length).toBeLessThanOrEqual(1);
      for (const resource of RESOURCES) {
        const rows = await snapshotRows(resource);
        const expected = new Map<number, string>();
        for (const batch of edits.filter((e) => e.resource === resource)) {
          if (batch.outcome === 'unknown') {
            const present = batch.newIds.map((id) => rows.has(id));
            const applied = present.every(Boolean);
            expect(applied || present.every((p) => !p), `epoch ${epoch}: editorial batch half-applied (${present})`).toBe(true);
            figures.unknownEdits++;
            if (!applied) continue;
          }
          for (const row of batch.body.upsert) expected.set(row.id, row.text);
        }
        expect(Object.fromEntries(rows), `epoch ${epoch}: rows of translations:${resource}`).toEqual(Object.fromEntries(expected));
      }
      // The editor re-sends what it did not hear back about: identical rows change nothing, missing ones apply.
      for (const batch of unknown) {
        const res = await call('POST', `/admin/v1/resources/translations/${batch.resource}/rows`, tokens.get('editor')!, batch.body);
        expect(res.status).toBe(200);
        batch.outcome = 'acked';
        const rows = await snapshotRows(batch.resource);
        for (const row of batch.body.upsert) expect(rows.get(row.id)).toBe(row.text);
      }
      figures.ackedEdits = edits.length;
    };

    it(
      'loses no acknowledged write, applies no batch by half, leaves no sequence hole, and clients converge',
      async () => {
        for (let epoch = 1; epoch <= EPOCHS; epoch++) {
          let alive = true;
          const isAlive = () => alive;
          const workers = [...USERS.map((u) => pusher(u, isAlive)), directWriter(isAlive), editor(isAlive), compactor(isAlive), contentReader(isAlive)];
          const delay = 300 + Math.floor(random() * 2200);
          await sleep(delay);
          figures.killedAfterMs.push(delay);
          const dying = serve!;
          dying.child.kill('SIGKILL');
          await dying.stop('SIGKILL');
          serve = null;
          alive = false;
          figures.kills++;
          const results = await Promise.allSettled(workers);
          for (const r of results) if (r.status === 'rejected') throw r.reason;

          await checkStorage(epoch);
          await start();
          await checkUserWrites(epoch);
          await checkEdits(epoch);
        }
        // The content client converges: after a final complete run its rows equal a fresh bootstrap's.
        let synced = false;
        for (let attempt = 0; attempt < 5 && !synced; attempt++) {
          synced = await reader.sync({ perPage: 7 }).then(
            () => true,
            () => false,
          );
        }
        expect(synced).toBe(true);
        const fresh = new ReferenceContentClient(async (p) => call('GET', p, tokens.get('reader')!), FILTER, FILTER);
        await fresh.sync({ perPage: 100 });
        expect(stateToObject(reader.rows)).toEqual(stateToObject(fresh.rows));
        expect(Object.values(stateToObject(fresh.rows)).reduce((n, rows) => n + Object.keys(rows).length, 0)).toBeGreaterThan(0);
      },
      (EPOCHS + 2) * 90_000,
    );
  },
);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
