import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashSwitch, SimulatedCrash, crashingFetch, crashingStore } from '../testing/crash-harness.js';
import { resetContent, rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { betterSqlite3Database } from '../sqlite/better-sqlite3-database.js';
import { SqliteContentStore } from '../sqlite/sqlite-content-store.js';
import { ContentSyncClient } from './content-sync-client.js';
import type { ContentStore } from './content-store.js';

/**
 * Crash injection: the engine's process dies at every await point of a run (each network call and store
 * call, before and after), one point per experiment; a new process opens the same SQLite file and syncs.
 * Whatever the point, the result equals the server's public state and the next run has nothing to do.
 */
/**
 * `npm test` crashes at every third point (with the first and the last); QS_SLOW_TESTS=1 (`.ci/run`) at every one.
 */
const SLOW = process.env.QS_SLOW_TESTS === '1';
function crashPoints(points: number): number[] {
  return Array.from({ length: points }, (_, i) => i + 1).filter((n) => SLOW || n === 1 || n === points || n % 3 === 0);
}

describe('content sync survives a crash at any await point', () => {
  let fx: ContentFixture;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qs-crash-'));
  beforeAll(async () => {
    fx = await startContentFixture();
  });
  afterAll(async () => {
    await fx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const FILTER = 'translations:*;recitations:1';
  let fileCounter = 0;
  const openStore = (file: string) => SqliteContentStore.open(betterSqlite3Database(new Database(file)));
  const client = (store: ContentStore, sw?: CrashSwitch) =>
    new ContentSyncClient({
      baseUrl: fx.server.url,
      resources: FILTER,
      store: sw ? crashingStore(sw, store) : store,
      tokenProvider: fx.tokenProvider,
      perPage: 2,
      snapshotConcurrency: 2,
      maxBatchRows: 4,
      retry: { maxAttempts: 1 },
      ...(sw ? { fetch: crashingFetch(sw) } : {}),
    });

  async function baseContent(): Promise<void> {
    await resetContent(fx.server);
    for (const n of [1, 2, 3]) {
      await fx.editor.put('translations', n, {});
      await fx.editor.rows('translations', n, { upsert: [1, 2, 3].map((i) => rows.translation(i, i, `t${n}-${i}`)) });
    }
    await fx.editor.put('recitations', 1, { resource_content_id: 71 });
    await fx.editor.rows('recitations', 1, { upsert: [rows.audioFile(1, 1, 1, 'a'), rows.chapterAudioFile(1, 1, 1, 'c')] });
  }

  /** Every kind of change, spread over several pages of the incremental run. */
  async function edits(): Promise<void> {
    await fx.editor.put('translations', 1, { metadata: { v: 2 } });
    await fx.editor.rows('translations', 1, {
      upsert: [rows.translation(1, 1, 'edited'), rows.translation(4, 4, 'new')],
      delete: [{ record_type: 'translation', id: 2 }],
    });
    await fx.editor.put('translations', 2, { status: 'hidden' });
    await fx.editor.invalidate('translations', 3);
    await fx.editor.put('recitations', 1, { resource_content_id: 72 });
    await fx.editor.put('translations', 4, {});
    await fx.editor.rows('translations', 4, { upsert: [rows.translation(1, 1, 'four')] });
    // Last: a row change no snapshot of the run covers, alone on the final page, committed with the token.
    await fx.editor.rows('translations', 1, { upsert: [rows.translation(5, 5, 'last')] });
  }

  /** Runs `prepare`, then a run that dies at `crashAt`, then a restarted process; returns the crashed run's switch. */
  async function experiment(crashAt: number | null, prepare: (file: string) => Promise<void>): Promise<CrashSwitch> {
    const file = path.join(dir, `crash-${++fileCounter}.sqlite`);
    await prepare(file);
    const sw = new CrashSwitch(crashAt);
    const disk = await openStore(file);
    const dying = client(disk, sw);
    const outcome = await dying.sync().then(
      () => 'completed',
      (error: unknown) => {
        if (!(error instanceof SimulatedCrash)) throw error;
        return 'crashed';
      },
    );
    expect(outcome).toBe(crashAt === null || crashAt > sw.points ? 'completed' : 'crashed');
    await disk.close();

    const restarted = await openStore(file); // a new process over the same file
    try {
      await client(restarted).sync();
      expect(await storeState(restarted)).toEqual(await serverPublicState(fx.server, FILTER));
      const next = await client(restarted).sync();
      expect(next).toMatchObject({ mode: 'incremental', mutationsApplied: 0 });
    } finally {
      await restarted.close();
    }
    return sw;
  }

  const bootstrapOnly = async (): Promise<void> => baseContent();
  const afterBootstrapThenEdits = async (file: string): Promise<void> => {
    await baseContent();
    const store = await openStore(file);
    await client(store).sync();
    await store.close();
    await edits();
  };

  for (const [name, prepare] of [
    ['bootstrap', bootstrapOnly],
    ['incremental run after every kind of edit', afterBootstrapThenEdits],
  ] as const) {
    it(`${name}: crash at ${SLOW ? 'each point' : 'the first, the last and every third point'}, restart, converge`, async () => {
      const clean = await experiment(null, prepare);
      expect(clean.points).toBeGreaterThan(15);
      for (const n of crashPoints(clean.points)) {
        const sw = await experiment(n, prepare);
        expect(sw.crashed, `crash point ${n}`).toBe(true);
      }
    }, 600_000); // one experiment per await point: ~10-20 s alone
  }
});
