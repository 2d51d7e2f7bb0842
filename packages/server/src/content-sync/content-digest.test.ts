import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contentRowHash,
  EMPTY_DIGEST,
  MultisetDigest,
  parseResourceDigestHeader,
  recordKeyOf,
  RESOURCE_DIGEST_HEADER,
  RESOURCE_GROUP_REGISTRY,
  type ContentDigestsResponse,
  type ResourceGroupName,
} from '@quran-sync/protocol';
import { startTestServer, type TestServer } from '../testing/index.js';
import { computeResourceDigest } from './content-digest.js';
import { applyRowChanges, putResource, validateRowChanges } from './content-editorial.js';
import { withFeedWriter } from './content-feed-writer.js';
import { contentTestClient, type ContentTestClient } from './testing/content-test-client.js';

/** What a client computes from a snapshot body: the rows as it stores them, hashed per docs/integrity.md. */
function digestOfSnapshot(group: ResourceGroupName, records: Array<Record<string, unknown>>): { count: number; digest: string } {
  const single = RESOURCE_GROUP_REGISTRY[group].recordTypes.length === 1 ? RESOURCE_GROUP_REGISTRY[group].recordTypes[0]!.name : null;
  const d = new MultisetDigest();
  for (const r of records) d.add(contentRowHash((r.record_type as string | undefined) ?? single!, recordKeyOf(r.id as number), r));
  return { count: d.count, digest: d.hex };
}

async function storedDigest(server: TestServer, group: string, id: number): Promise<{ count: number; digest: string }> {
  const row = await sql<{
    d: string;
    n: number;
  }>`select row_digest::text as d, row_count as n from content_resources where resource_group = ${group} and resource_id = ${id}`.execute(server.ctx.db);
  return { count: Number(row.rows[0]!.n), digest: BigInt(row.rows[0]!.d).toString(16).padStart(64, '0') };
}

const SLOW = process.env.QS_SLOW_TESTS === '1';

describe('content integrity digests (server)', () => {
  let server: TestServer;
  let c: ContentTestClient;
  beforeAll(async () => {
    server = await startTestServer({ seedOnStart: true });
    c = await contentTestClient(server);
  });
  afterAll(async () => server?.close());

  it('every snapshot carries X-Resource-Digest, equal to the digest of its records, cached (gzip) or not', async () => {
    const resources = await server.ctx.db
      .selectFrom('content_resources')
      .select(['resource_group', 'resource_id', 'last_sequence'])
      .where('status', '=', 'public')
      .execute();
    expect(resources.length).toBeGreaterThan(5);
    for (const r of resources) {
      for (const encoding of ['identity', 'gzip']) {
        const snap = await c.get<{ records: Array<Record<string, unknown>> }>(`resources/snapshots/${r.resource_group}/${r.resource_id}`, {
          'accept-encoding': encoding,
        });
        expect(snap.status).toBe(200);
        const header = parseResourceDigestHeader(snap.headers.get(RESOURCE_DIGEST_HEADER));
        expect(header, `${r.resource_group}:${r.resource_id}`).toEqual({
          ...digestOfSnapshot(r.resource_group as ResourceGroupName, snap.body.records),
          sequence: Number(r.last_sequence),
        });
      }
    }
  });

  it("GET /resources/digests lists the filter's digests; with a token, resources changed after it have digest null", async () => {
    const boot = await c.sync({ resources: 'tafsirs:*;quran_core:1', bootstrap: true, per_page: 100 });
    const token = boot.body.sync.next_sync_token!;
    const before = await c.get<ContentDigestsResponse>(
      `resources/digests?resources=${encodeURIComponent('tafsirs:*;quran_core:1')}&sync_token=${encodeURIComponent(token)}`,
    );
    expect(before.status).toBe(200);
    expect(before.headers.get('cache-control')).toBe('no-store');
    const listed = before.body.digests.resources;
    expect(listed.map((r) => `${r.resource_group}:${r.resource_id}`)).toEqual(boot.body.sync.mutations.map((m) => `${m.resource_group}:${m.resource_id}`));
    for (const r of listed) {
      const snap = await c.get<{ records: Array<Record<string, unknown>> }>(`resources/snapshots/${r.resource_group}/${r.resource_id}`);
      expect({ count: r.row_count, digest: r.digest }).toEqual(digestOfSnapshot(r.resource_group as ResourceGroupName, snap.body.records));
    }
    const tafsir = listed.find((r) => r.resource_group === 'tafsirs')!;
    const edited = await c.admin('POST', `/resources/tafsirs/${tafsir.resource_id}/rows`, {
      upsert: [{ id: 990_001, verse_key: '1:1', text: 'added after the token' }],
    });
    expect(edited.status).toBe(200);
    const after = await c.get<ContentDigestsResponse>(
      `resources/digests?resources=${encodeURIComponent('quran_core:1;tafsirs:*')}&sync_token=${encodeURIComponent(token)}`,
    );
    const changed = after.body.digests.resources.find((r) => r.resource_id === tafsir.resource_id && r.resource_group === 'tafsirs')!;
    expect(changed).toMatchObject({ digest: null, row_count: null });
    expect(changed.last_sequence).toBeGreaterThan(before.body.digests.sequence);
    const noToken = await c.get<ContentDigestsResponse>(`resources/digests?resources=tafsirs:${tafsir.resource_id}`);
    expect(noToken.body.digests.resources[0]).toMatchObject({ row_count: tafsir.row_count! + 1 });
    expect(noToken.body.digests.resources[0]!.digest).toBe((await storedDigest(server, 'tafsirs', tafsir.resource_id)).digest);
  });

  it("bad input gets the contract's codes and changes nothing", async () => {
    expect((await c.get('resources/digests')).status).toBe(422);
    expect((await c.get<{ error: { code: string } }>('resources/digests?resources=nope:1')).body.error.code).toBe('unknown_resource_group');
    expect((await c.get<{ error: { code: string } }>('resources/digests?resources=tafsirs:1&sync_token=garbage')).body.error.code).toBe('resync_required');
    const boot = await c.sync({ resources: 'tafsirs:*', bootstrap: true });
    const mismatch = await c.get<{ error: { code: string } }>(
      `resources/digests?resources=translations:*&sync_token=${encodeURIComponent(boot.body.sync.next_sync_token!)}`,
    );
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('token_filter_mismatch');
  });

  it('a resource_content_id change rewrites rows in SQL, and the digest is recomputed with them', async () => {
    const put = await c.admin('PUT', '/resources/mushafs/9301', { resource_content_id: 501, metadata: { name: 'digest test' } });
    expect(put.status).toBeLessThan(300);
    const rows = await c.admin('POST', '/resources/mushafs/9301/rows', {
      upsert: [{ record_type: 'mushaf', id: 93011, name: 'M', pages_count: 604, lines_per_page: 15 }],
    });
    expect(rows.status, JSON.stringify(rows.body)).toBe(200);
    const before = await storedDigest(server, 'mushafs', 9301);
    const changed = await c.admin('PUT', '/resources/mushafs/9301', { resource_content_id: 502 });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const after = await storedDigest(server, 'mushafs', 9301);
    expect(after.digest).not.toBe(before.digest);
    const recomputed = await computeResourceDigest(server.ctx.db, 'mushafs', 9301);
    expect(after).toEqual({ count: recomputed.count, digest: recomputed.digest });
  });

  it('a resource whose digest was never computed (older than the columns) gets it on first use', async () => {
    await sql`update content_resources set row_digest = null, row_count = null where resource_group = 'quran_core' and resource_id = 1`.execute(server.ctx.db);
    const d = await c.get<ContentDigestsResponse>('resources/digests?resources=quran_core:1');
    const snap = await c.get<{ records: Array<Record<string, unknown>> }>('resources/snapshots/quran_core/1');
    expect({ count: d.body.digests.resources[0]!.row_count, digest: d.body.digests.resources[0]!.digest }).toEqual(
      digestOfSnapshot('quran_core', snap.body.records),
    );
    expect(await storedDigest(server, 'quran_core', 1)).toEqual(digestOfSnapshot('quran_core', snap.body.records));
  });

  it(`the incrementally kept digest equals a full recomputation after ${SLOW ? '50 000' : '2 000'} random edits`, async () => {
    const totalEdits = SLOW ? 50_000 : 2_000;
    const group = 'tafsirs';
    const id = 9402;
    await withFeedWriter(server.ctx.db, (w) => putResource(w, group, id, { metadata: { name: 'property' } }));
    const model = new Map<number, string>();
    const edit = fc.record({
      key: fc.integer({ min: 1, max: 400 }),
      op: fc.constantFrom('upsert', 'upsert', 'delete'),
      text: fc.string({ maxLength: 12, unit: 'grapheme' }),
    });
    const batches = fc.sample(fc.array(edit, { minLength: 100, maxLength: 100 }), { numRuns: Math.ceil(totalEdits / 100), seed: 20_260_101 });
    let applied = 0;
    for (const batch of batches) {
      // One change per row per call, as the editorial API requires: the last edit of a key in the batch wins.
      const last = new Map<number, (typeof batch)[number]>();
      for (const e of batch) last.set(e.key, e);
      applied += batch.length;
      await withFeedWriter(server.ctx.db, async (w) => {
        const resource = await w.trx
          .selectFrom('content_resources')
          .selectAll()
          .where('resource_group', '=', group)
          .where('resource_id', '=', id)
          .executeTakeFirstOrThrow();
        const upsert = [...last.values()].filter((e) => e.op === 'upsert').map((e) => ({ id: e.key, verse_key: `2:${(e.key % 286) + 1}`, text: e.text }));
        const del = [...last.values()].filter((e) => e.op === 'delete').map((e) => ({ record_type: 'tafsir', id: e.key }));
        await applyRowChanges(w, group, resource, validateRowChanges(group, resource, { upsert, delete: del }));
      });
      for (const e of last.values()) {
        if (e.op === 'delete') model.delete(e.key);
        else model.set(e.key, e.text);
      }
    }
    expect(applied).toBeGreaterThanOrEqual(totalEdits);
    const expected = new MultisetDigest();
    for (const [key, text] of model)
      expected.add(contentRowHash('tafsir', recordKeyOf(key), { id: key, resource_content_id: id, verse_key: `2:${(key % 286) + 1}`, text }));
    const recomputed = await computeResourceDigest(server.ctx.db, group, id);
    expect(await storedDigest(server, group, id)).toEqual({ count: recomputed.count, digest: recomputed.digest });
    expect(recomputed.digest).toBe(expected.hex);
    expect(recomputed.count).toBe(model.size);
    expect(recomputed.digest).not.toBe(EMPTY_DIGEST);
  });
});
