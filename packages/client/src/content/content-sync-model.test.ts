import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../http/api-error.js';
import { CrashSwitch, SimulatedCrash, crashingFetch, crashingStore } from '../testing/crash-harness.js';
import { resetContent, rows, serverPublicState, startContentFixture, storeState, type ContentFixture } from '../testing/content-sync-fixture.js';
import { createStore, STORE_KINDS } from '../testing/store-factories.js';
import type { FetchLike } from '../auth/authorized-fetch.js';
import { ContentSyncClient } from './content-sync-client.js';
import type { ContentStore } from './content-store.js';

/**
 * Model-based test: random editorial histories on a real server, interleaved with client runs that are
 * interrupted at random (process crash at a random await point, cancellation, a lost connection), with
 * edits landing between the run's requests, filter changes, and the server's retention removing history
 * (forcing resyncs). However the history goes, one last uninterrupted run leaves the store equal to the
 * server's public state, and a run after it has nothing to apply.
 */
type Group = 'translations' | 'recitations';
type Edit =
  | { kind: 'put'; group: Group; id: number; status: string; meta: number }
  | {
      kind: 'rows';
      group: Group;
      id: number;
      upsert: Array<{ id: number; text: string; verse: number; chapter: boolean }>;
      del: Array<{ id: number; chapter: boolean }>;
    }
  | { kind: 'invalidate'; group: Group; id: number }
  | { kind: 'expire' };
type Interruption = { kind: 'none' } | { kind: 'crash' | 'abort' | 'offline'; at: number };
type Step =
  | { kind: 'edit'; edit: Edit }
  | { kind: 'sync'; perPage: number; interruption: Interruption; midRun: Array<{ before: number; edit: Edit }> }
  | { kind: 'filter'; filter: string };

const group = fc.constantFrom<Group>('translations', 'recitations');
const id = fc.integer({ min: 1, max: 3 });
const rowEdit = fc.record({
  id: fc.integer({ min: 1, max: 4 }),
  text: fc.constantFrom('a', 'b', 'c'),
  verse: fc.integer({ min: 1, max: 7 }),
  chapter: fc.boolean(),
});
const edit: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      group,
      id,
      status: fc.constantFrom('public', 'public', 'public', 'hidden', 'deleted', 'unapproved'),
      meta: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('rows' as const),
      group,
      id,
      upsert: fc.array(rowEdit, { minLength: 1, maxLength: 4 }),
      del: fc.array(fc.record({ id: fc.integer({ min: 1, max: 4 }), chapter: fc.boolean() }), { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), group, id }) },
  { weight: 1, arbitrary: fc.constant<Edit>({ kind: 'expire' }) },
);
const interruption: fc.Arbitrary<Interruption> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Interruption>({ kind: 'none' }) },
  // `at`: the await point (crash: network and store calls, before and after) or the request number (abort, offline).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const), at: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('abort' as const, 'offline' as const), at: fc.integer({ min: 1, max: 8 }) }) },
);
const FILTERS = ['translations:*;recitations:*', 'translations:1,2;recitations:2', 'translations:*', 'recitations:1,3;translations:3'];
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: edit.map((e): Step => ({ kind: 'edit', edit: e })) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sync' as const),
      perPage: fc.integer({ min: 1, max: 4 }),
      interruption,
      midRun: fc.array(fc.record({ before: fc.integer({ min: 1, max: 12 }), edit }), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...FILTERS).map((filter): Step => ({ kind: 'filter', filter })) },
);
const initial = fc.subarray(
  (['translations', 'recitations'] as const).flatMap((g) => [1, 2, 3].map((n): Edit => ({ kind: 'put', group: g, id: n, status: 'public', meta: 0 }))),
  { minLength: 2 },
);

describe('content sync model test (fast-check, real server)', () => {
  let fx: ContentFixture;
  const coverage = { runs: 0, runsWithRows: 0, crashes: 0, aborts: 0, offline: 0, resyncs: 0, midRunEdits: 0, rows: 0 };
  beforeAll(async () => {
    fx = await startContentFixture();
  });
  afterAll(async () => fx?.close());

  async function apply(e: Edit): Promise<void> {
    const ok = [200, 404, 409];
    switch (e.kind) {
      case 'put':
        await fx.editor.put(
          e.group,
          e.id,
          { status: e.status, metadata: { v: e.meta }, ...(e.group === 'recitations' ? { resource_content_id: 70 + (e.meta % 2) } : {}) },
          ok,
        );
        return;
      case 'invalidate':
        await fx.editor.invalidate(e.group, e.id, ok);
        return;
      case 'expire':
        // The feed's history ages past the retention horizon and the retention job drops it.
        await sql`update content_feed set changed_at = changed_at - interval '200 days'`.execute(fx.server.ctx.db);
        await fx.editor.compact();
        return;
      case 'rows': {
        const typeOf = (chapter: boolean) => (e.group === 'translations' ? 'translation' : chapter ? 'chapter_audio_file' : 'audio_file');
        const keyOf = (r: { id: number; chapter: boolean }) => `${typeOf(r.chapter)}:${r.id}`;
        const upsert = [...new Map(e.upsert.map((u) => [keyOf(u), u])).values()];
        const del = [...new Map(e.del.map((d) => [keyOf(d), d])).values()].filter((d) => !upsert.some((u) => keyOf(u) === keyOf(d)));
        const row = (u: (typeof upsert)[number]) =>
          e.group === 'translations'
            ? rows.translation(u.id, u.verse, u.text)
            : u.chapter
              ? rows.chapterAudioFile(u.id, e.id, u.verse, u.text)
              : rows.audioFile(u.id, e.id, u.verse, u.text);
        await fx.editor.rows(e.group, e.id, { upsert: upsert.map(row), delete: del.map((d) => ({ record_type: typeOf(d.chapter), id: d.id })) }, ok);
        return;
      }
    }
  }

  it('any history of edits and interrupted runs converges to the public state', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...STORE_KINDS),
        fc.constantFrom(...FILTERS),
        initial,
        fc.array(step, { minLength: 3, maxLength: 16 }),
        async (kind, firstFilter, created, steps) => {
          await resetContent(fx.server);
          for (const e of created) await apply(e);
          const disk = await createStore(kind);
          let filter = firstFilter;
          try {
            for (const s of steps) {
              if (s.kind === 'edit') await apply(s.edit);
              else if (s.kind === 'filter') filter = s.filter;
              else await interruptedRun(disk, filter, s);
            }
            const final = await client(disk, filter, 3).sync();
            if (final.resynced) coverage.resyncs++;
            const expected = await serverPublicState(fx.server, filter);
            coverage.runs++;
            const publicRows = Object.values(expected).reduce((n, r) => n + Object.keys(r).length, 0);
            coverage.rows += publicRows;
            if (publicRows > 0) coverage.runsWithRows++;
            expect(await storeState(disk)).toEqual(expected);
            expect(await client(disk, filter, 100).sync()).toMatchObject({ mode: 'incremental', mutationsApplied: 0 });
          } finally {
            await disk.close();
          }
        },
      ),
      { numRuns: Number(process.env.QS_PROPERTY_RUNS ?? (process.env.QS_SLOW_TESTS === '1' ? 200 : 25)) },
    );
    // Guard against a generator that stopped exercising what it claims to.
    expect(coverage.crashes + coverage.aborts + coverage.offline).toBeGreaterThan(coverage.runs / 2);
    expect(coverage.midRunEdits).toBeGreaterThan(0);
    expect(coverage.runsWithRows).toBeGreaterThan(coverage.runs / 3);
    if (process.env.QS_PROPERTY_COVERAGE) process.stdout.write(`${JSON.stringify(coverage)}\n`);
  }, 600_000); // ~15 s alone; generous for a machine shared with other test runs

  function client(store: ContentStore, filter: string, perPage: number, fetchImpl?: FetchLike): ContentSyncClient {
    return new ContentSyncClient({
      baseUrl: fx.server.url,
      resources: filter,
      store,
      tokenProvider: fx.tokenProvider,
      perPage,
      snapshotConcurrency: 2,
      maxBatchRows: 3,
      retry: { maxAttempts: 1 },
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }

  /** One run with its interruption and mid-run edits; the store (the "disk") outlives the client. */
  async function interruptedRun(disk: ContentStore, filter: string, s: Extract<Step, { kind: 'sync' }>): Promise<void> {
    const pending = [...s.midRun].sort((a, b) => a.before - b.before);
    let requests = 0;
    const controller = new AbortController();
    const sw = new CrashSwitch(s.interruption.kind === 'crash' ? s.interruption.at : null);
    const interruption = s.interruption;
    const base: FetchLike = async (input, init) => {
      requests++;
      while (pending[0] && pending[0].before <= requests) {
        coverage.midRunEdits++;
        await apply(pending.shift()!.edit);
      }
      if (interruption.kind === 'abort' && requests === interruption.at) controller.abort(new Error('cancelled by the app'));
      if (interruption.kind === 'offline' && requests === interruption.at) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return fetch(input, init);
    };
    const store = s.interruption.kind === 'crash' ? crashingStore(sw, disk) : disk;
    const c = client(store, filter, s.perPage, s.interruption.kind === 'crash' ? crashingFetch(sw, base) : base);
    try {
      await c.sync({ signal: controller.signal });
    } catch (error) {
      if (error instanceof SimulatedCrash) coverage.crashes++;
      else if (controller.signal.aborted) coverage.aborts++;
      else if (error instanceof NetworkError) coverage.offline++;
      else if (!(error instanceof ApiError && error.contentSyncCode === 'resync_required')) throw error;
    }
  }
});
