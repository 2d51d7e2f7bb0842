import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContentFilter, RESOURCE_STATUSES } from '@quran-sync/protocol';
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
  | { kind: 'rows'; group: Group; id: number; upsert: Array<{ id: number; text: string; verse: number }>; del: number[] }
  | { kind: 'invalidate'; group: Group; id: number }
  | { kind: 'sync'; perPage: number; crashAfter: number | null; midRun: Op[] }
  | { kind: 'compact' };

type Group = 'translations' | 'tafsirs';

const group = fc.constantFrom<Group>('translations', 'tafsirs');
const resourceId = fc.integer({ min: 1, max: 3 });
const editOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), group, id: resourceId, status: fc.constantFrom('public', 'public', 'public', 'hidden', 'rejected', 'deleted', 'unapproved'), meta: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('rows' as const),
      group,
      id: resourceId,
      upsert: fc.array(fc.record({ id: fc.integer({ min: 1, max: 6 }), text: fc.constantFrom('a', 'b', 'c', 'd'), verse: fc.integer({ min: 1, max: 7 }) }), { maxLength: 3 }),
      del: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
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
  (['translations', 'tafsirs'] as const).flatMap((g) => [1, 2, 3].map((id): Op => ({ kind: 'put', group: g, id, status: 'public', meta: 0 }))),
  { minLength: 2 },
);
const history = fc
  .tuple(initialResources, fc.array(fc.oneof({ weight: 5, arbitrary: editOp }, { weight: 3, arbitrary: syncOp }, { weight: 1, arbitrary: fc.constant<Op>({ kind: 'compact' }) }), { minLength: 3, maxLength: 30 }))
  .map(([created, ops]) => [...created, ...ops]);
const filters = fc.constantFrom('translations:*;tafsirs:*', 'translations:1,2;tafsirs:2', 'tafsirs:*;translations:3', 'translations:*');

describe('content sync convergence (property)', () => {
  let server: TestServer;
  let editor: Record<string, string>;
  let reader: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer();
    editor = await server.authHeaders({ userId: null, clientId: 'editor', scopes: ['content.write'] });
    reader = await server.authHeaders({ userId: null, clientId: 'reader', scopes: ['content'] });
  });
  afterAll(async () => server?.close());

  async function edit(op: Op): Promise<void> {
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${server.url}/admin/v1${path}`, { method, headers: { ...editor, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      // 404/409 are legitimate answers to random histories (rows of a missing resource, invalidating a hidden one).
      ((globalThis as any).__st ??= {})[`${method}${r.status}`] = (((globalThis as any).__st[`${method}${r.status}`]) ?? 0) + 1;
      if (![200, 404, 409].includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${await r.text()}`);
      await r.body?.cancel();
    };
    if (op.kind === 'put') await call('PUT', `/resources/${op.group}/${op.id}`, { status: op.status, metadata: { v: op.meta } });
    else if (op.kind === 'invalidate') await call('POST', `/resources/${op.group}/${op.id}/invalidate`);
    else if (op.kind === 'rows') {
      const upsert = [...new Map(op.upsert.map((u) => [u.id, u])).values()];
      const del = [...new Set(op.del)].filter((d) => !upsert.some((u) => u.id === d));
      await call('POST', `/resources/${op.group}/${op.id}/rows`, {
        upsert: upsert.map((u) => ({ id: u.id, verse_key: `1:${u.verse}`, text: u.text })),
        delete: del.map((id) => ({ record_type: op.group === 'translations' ? 'translation' : 'tafsir', id })),
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
        (globalThis as any).__stats ??= { runs: 0, rows: 0, res: 0 }; (globalThis as any).__stats.runs++; (globalThis as any).__stats.res += Object.keys(expected).length; (globalThis as any).__stats.rows += Object.values(expected).reduce((a, r) => a + Object.keys(r).length, 0);
        expect(stateToObject(client.rows)).toEqual(expected);
        // And once more from the stored token: still equal, nothing left to apply.
        const idle = await client.sync({ perPage: 100 });
        expect(idle.mutations).toEqual([]);
      }),
      { numRuns: Number(process.env.QS_PROPERTY_RUNS ?? 40) },
    );
    console.log(JSON.stringify((globalThis as any).__stats), JSON.stringify((globalThis as any).__st));
  });
});
