import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContentFilter, type RESOURCE_STATUSES } from '@quran-sync/protocol';
import { startTestServer, type TestServer } from '../testing/index.js';
import { compactContentFeed } from './content-compaction.js';
import { ReferenceContentClient, SimulatedCrash } from './testing/reference-content-client.js';
import { serverPublicState, stateToObject } from './testing/server-public-state.js';

/**
 * Invariant 2 of content-sync.md as a property: random editorial histories interleaved with a client that
 * follows the spec's client rules (random page sizes, edits landing between pages, crashes between pages
 * that restart from the stored token, physical compaction between runs) always end with the client's rows
 * equal to the server's public state.
 */
type Op =
  | { kind: 'put'; group: Group; id: number; status: (typeof RESOURCE_STATUSES)[number]; meta: number }
  | {
      kind: 'rows';
      group: Group;
      id: number;
      upsert: Array<{ id: number; text: string; verse: number; chapter: boolean }>;
      del: Array<{ id: number; chapter: boolean }>;
    }
  | { kind: 'invalidate'; group: Group; id: number }
  | { kind: 'sync'; perPage: number; crashAfter: number | null; midRun: Op[] }
  | { kind: 'compact' };

// A single-type group with resource_content_id = id, and a two-type group with its own resource_content_id.
type Group = 'translations' | 'recitations';

const group = fc.constantFrom<Group>('translations', 'recitations');
const resourceId = fc.integer({ min: 1, max: 3 });
const editOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      group,
      id: resourceId,
      status: fc.constantFrom('public', 'public', 'public', 'hidden', 'rejected', 'deleted', 'unapproved'),
      meta: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('rows' as const),
      group,
      id: resourceId,
      upsert: fc.array(
        fc.record({
          id: fc.integer({ min: 1, max: 4 }),
          text: fc.constantFrom('a', 'b', 'c', 'd'),
          verse: fc.integer({ min: 1, max: 7 }),
          chapter: fc.boolean(),
        }),
        { maxLength: 3 },
      ),
      del: fc.array(fc.record({ id: fc.integer({ min: 1, max: 4 }), chapter: fc.boolean() }), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), group, id: resourceId }) },
);
const syncOp: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('sync' as const),
  perPage: fc.integer({ min: 1, max: 5 }),
  crashAfter: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  midRun: fc.array(editOp, { maxLength: 3 }),
});
// Histories start by creating some resources, so that most row edits land on an existing resource.
const initialResources = fc.subarray(
  (['translations', 'recitations'] as const).flatMap((g) => [1, 2, 3].map((id): Op => ({ kind: 'put', group: g, id, status: 'public', meta: 0 }))),
  { minLength: 2 },
);
const history = fc
  .tuple(
    initialResources,
    fc.array(fc.oneof({ weight: 5, arbitrary: editOp }, { weight: 3, arbitrary: syncOp }, { weight: 1, arbitrary: fc.constant<Op>({ kind: 'compact' }) }), {
      minLength: 3,
      maxLength: 30,
    }),
  )
  .map(([created, ops]) => [...created, ...ops]);
const filters = fc.constantFrom('translations:*;recitations:*', 'translations:1,2;recitations:2', 'recitations:*;translations:3', 'translations:*');

describe('content sync convergence (property)', () => {
  let server: TestServer;
  let editor: Record<string, string>;
  let reader: Record<string, string>;
  const coverage = { runs: 0, appliedEdits: 0, endedWithPublicRows: 0 };

  beforeAll(async () => {
    server = await startTestServer();
    editor = await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] });
    reader = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
  });
  afterAll(async () => server?.close());

  async function edit(op: Op): Promise<void> {
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${server.url}/admin/v1${path}`, {
        method,
        headers: { ...editor, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      // 404/409 are legitimate answers to random histories (rows of a missing resource, invalidating a hidden one).
      if (r.status === 200) coverage.appliedEdits++;
      if (![200, 404, 409].includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${await r.text()}`);
      await r.body?.cancel();
    };
    if (op.kind === 'put') {
      // Recitations have their own resource_content_id; changing it on a public resource emits RESOURCE_INVALIDATE.
      const rcid = op.group === 'recitations' ? { resource_content_id: 70 + (op.meta % 2) } : {};
      await call('PUT', `/resources/${op.group}/${op.id}`, { status: op.status, metadata: { v: op.meta }, ...rcid });
    } else if (op.kind === 'invalidate') await call('POST', `/resources/${op.group}/${op.id}/invalidate`);
    else if (op.kind === 'rows') {
      const typeOf = (chapter: boolean) => (op.group === 'translations' ? 'translation' : chapter ? 'chapter_audio_file' : 'audio_file');
      const keyOf = (r: { id: number; chapter: boolean }) => `${typeOf(r.chapter)}:${r.id}`;
      const upsert = [...new Map(op.upsert.map((u) => [keyOf(u), u])).values()];
      const del = [...new Map(op.del.map((d) => [keyOf(d), d])).values()].filter((d) => !upsert.some((u) => keyOf(u) === keyOf(d)));
      const row = (u: (typeof upsert)[number]) => {
        if (op.group === 'translations') return { id: u.id, verse_key: `1:${u.verse}`, text: u.text };
        return u.chapter
          ? {
              record_type: 'chapter_audio_file',
              id: u.id,
              audio_recitation_id: op.id,
              chapter_id: u.verse,
              audio_url: `https://placeholder.invalid/${u.text}.mp3`,
            }
          : { record_type: 'audio_file', id: u.id, recitation_id: op.id, verse_key: `1:${u.verse}`, url: `https://placeholder.invalid/${u.text}.mp3` };
      };
      await call('POST', `/resources/${op.group}/${op.id}/rows`, {
        upsert: upsert.map(row),
        delete: del.map((d) => ({ record_type: typeOf(d.chapter), id: d.id })),
      });
    }
  }

  it('a client following the rules always converges to the public state', async () => {
    await fc.assert(
      fc.asyncProperty(filters, history, async (filter, ops) => {
        await sql`delete from content_feed`.execute(server.ctx.db);
        await sql`delete from content_resources`.execute(server.ctx.db);
        const parsed = parseContentFilter(filter);
        if (!parsed.ok) throw new Error('bad filter');
        const client = new ReferenceContentClient(
          async (path) => {
            const r = await fetch(`${server.url}${path}`, { headers: reader });
            const text = await r.text();
            return { status: r.status, body: text ? JSON.parse(text) : null };
          },
          filter,
          parsed.filter.canonical,
        );
        for (const op of ops) {
          if (op.kind === 'sync') {
            const midRun = [...op.midRun];
            try {
              await client.sync({
                perPage: op.perPage,
                ...(op.crashAfter !== null ? { crashAfterPages: op.crashAfter } : {}),
                betweenPages: async () => {
                  const next = midRun.shift();
                  if (next) await edit(next);
                },
              });
            } catch (error) {
              if (!(error instanceof SimulatedCrash)) throw error;
            }
          } else if (op.kind === 'compact') {
            // Between runs (no cursor alive), so no grace period is needed.
            await compactContentFeed(server.ctx.db, { retentionDays: 90, graceSeconds: 0 });
          } else {
            await edit(op);
          }
        }
        await client.sync({ perPage: 3 });
        const expected = stateToObject(await serverPublicState(server.ctx.db, parsed.filter));
        coverage.runs++;
        if (Object.values(expected).some((rows) => Object.keys(rows).length > 0)) coverage.endedWithPublicRows++;
        expect(stateToObject(client.rows)).toEqual(expected);
        // And once more from the stored token: still equal, nothing left to apply.
        const idle = await client.sync({ perPage: 100 });
        expect(idle.mutations).toEqual([]);
      }),
      { numRuns: Number(process.env.QS_PROPERTY_RUNS ?? (process.env.QS_SLOW_TESTS === '1' ? 300 : 40)) },
    );
    // Guard against a generator that stops exercising anything (most edits rejected, empty final states).
    // Bounds far below what the generator gives, so the guard itself never flakes: per 100 runs, ~710–800
    // applied edits and about half the histories (46–54 in six runs) ending with public rows. The earlier
    // guard, total public rows > runs, sat about 1.5 standard deviations under its mean (110–150 per 100
    // runs) and failed one run in fifteen or so, on any backend (seen once on PostgreSQL, reproduced here).
    expect(coverage.appliedEdits).toBeGreaterThan(coverage.runs * 3);
    expect(coverage.endedWithPublicRows).toBeGreaterThanOrEqual(Math.ceil(coverage.runs / 5));
  }, 300_000); // 13–20 s alone, 50 s measured beside a soak: the 60 s default is too tight on a shared machine
});
